import type { ServerEvent } from '@plexa/protocol'
import type { Sentence } from './describeEvent.ts'

/** One line of the event log: a server event (or a note of the page's own) as a sentence. */
export interface LogLine {
  key: string
  at: number
  raw: unknown
  s: Sentence
  /** What makes two lines the same event (see repeatKey); lines without one never collapse. */
  same?: string
  /** Repeats right after it the store dropped to stay bounded (counted, not listed). */
  dropped?: number
}

/** Consecutive lines of one event: shown as one row with how many, the first and the last time. */
export interface LogRun {
  /** The first line's key: the row keeps it while the run grows. */
  key: string
  /** Oldest first. */
  lines: LogLine[]
  /** How many times it happened: its lines and the repeats dropped among them. */
  count: number
  /** The row's sentence: the newest line's, or for I/O errors one that counts them. */
  text: string
  s: Sentence
  first: number
  last: number
}

/**
 * What makes two events the same event for the log (rule 360): their kind, their object and their
 * code. An I/O error is the same error again on the same plex, operation and code, wherever it
 * fell (each write of a load has its own offset); an alert raised again is the same alert (its id)
 * or, from the engine, the same object, code and message; any other event is the same when it
 * says the same thing.
 */
export function repeatKey(e: ServerEvent, text: string): string {
  switch (e.type) {
    case 'io.error':
      return `io.error ${e.dg} ${e.plex} ${e.op} ${e.code}`
    case 'alert.raised':
      return `alert.raised ${e.alert.id}`
    case 'alert':
      return `alert ${e.dg} ${e.object ?? ''} ${e.code} ${e.message}`
    default:
      return `${e.type} ${text}`
  }
}

const PLURAL: Record<string, string> = { read: 'reads', write: 'writes', flush: 'flushes' }

/** The sentence of a run of the same I/O error: how many failed, not the range of the newest one. */
function runText(run: LogLine[], count: number): string {
  const last = run[run.length - 1]!
  const e = last.raw as ServerEvent
  if (count === 1 || e.type !== 'io.error') return last.s.text
  const disks = e.failedDisks?.length ? e.failedDisks : e.disk.split(',').filter(Boolean)
  return `I/O error: ${count} ${PLURAL[e.op] ?? `${e.op}s`} failed on plex ${e.plex} (${disks.length > 1 ? 'disks' : 'disk'} ${disks.join(', ')}) of ${e.volume}: ${e.code}`
}

/** The lines (oldest first) with each stretch of consecutive repeats of one event made one run (rule 360). */
export function runsOf(lines: readonly LogLine[]): LogRun[] {
  const out: LogRun[] = []
  let run: LogLine[] = []
  const close = () => {
    if (!run.length) return
    const last = run[run.length - 1]!
    const count = run.reduce((n, l) => n + 1 + (l.dropped ?? 0), 0)
    out.push({ key: run[0]!.key, lines: run, count, text: runText(run, count), s: last.s, first: run[0]!.at, last: last.at })
    run = []
  }
  for (const l of lines) {
    if (run.length && (l.same === undefined || l.same !== run[0]!.same)) close()
    run.push(l)
  }
  close()
  return out
}
