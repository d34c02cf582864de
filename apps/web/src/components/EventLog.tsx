import { useMemo, useState } from 'react'
import { useApp } from '../store/appStore.ts'
import { EVENT_LIMIT } from '../store/applyServerMessage.ts'
import { failureWords, loadOlderEvents } from '../store/commands.ts'
import { NOT_LIVE } from '../store/useWhyNot.ts'
import { GuardedButton } from './GuardedButton.tsx'
import { type Sentence, describeEvent } from '../views/describeEvent.ts'
import { type LogLine, type LogRun, repeatKey, runsOf } from '../views/eventRuns.ts'
import { dateTime } from '../views/format.ts'
import { TONE } from '../views/tone.ts'

type Filter = 'all' | Sentence['kind']
const FILTERS: Array<[Filter, string]> = [['all', 'all'], ['alert', 'alerts'], ['change', 'changes'], ['task', 'tasks'], ['audit', 'audit'], ['lab', 'lab']]

const RAW = 'overflow-auto whitespace-pre-wrap rounded bg-slate-100 p-1 font-mono text-slate-800 dark:bg-slate-800 dark:text-slate-200'
/** The occurrences a run lists when opened, newest first (a load's errors may be thousands). */
const RUN_SHOWN = 100

function At({ at }: { at: number }) {
  return <time className="text-slate-600 dark:text-slate-400" dateTime={new Date(at).toISOString()}>{dateTime(at)}</time>
}

/** One event: its time and sentence; opened, the raw event. */
function Line({ line: { at, raw, s } }: { line: LogLine }) {
  return (
    <li data-tone={s.tone} className={TONE[s.tone].text}>
      <details>
        <summary className="cursor-pointer">
          <At at={at} /> <span aria-hidden>{TONE[s.tone].icon}</span> {s.text}
        </summary>
        <pre className={RAW}>{JSON.stringify(raw, null, 2)}</pre>
      </details>
    </li>
  )
}

/**
 * Repeats of one event in a row: how many, the first and the last time; opened, each occurrence
 * (the newest RUN_SHOWN), each with its raw event (made only while it is open).
 */
function Run({ run, atLeast }: { run: LogRun; atLeast: boolean }) {
  const [open, setOpen] = useState(false)
  const { s, lines, count } = run
  const newest = lines.slice(-RUN_SHOWN).reverse()
  return (
    <li data-tone={s.tone} className={TONE[s.tone].text} data-testid="event-run" data-count={count}>
      <details onToggle={(e) => setOpen(e.currentTarget.open)}>
        <summary className="cursor-pointer">
          <At at={run.last} /> <span aria-hidden>{TONE[s.tone].icon}</span> {run.text}{' '}
          <span className="whitespace-nowrap rounded border border-current px-1 font-semibold" data-testid="event-run-count">{atLeast ? 'at least ' : ''}{count} times</span>{' '}
          <span className="text-slate-600 dark:text-slate-400">(first <At at={run.first} />, last <At at={run.last} />)</span>
        </summary>
        {open && (
          <ol className="ml-4 border-l border-line pl-2" aria-label={`the ${count} occurrences, newest first`}>
            {newest.map((l) => <Line key={l.key} line={l} />)}
            {count > newest.length && <li className="text-slate-600 dark:text-slate-400">and {count - newest.length} older ones, from <At at={run.first} /></li>}
          </ol>
        )}
      </details>
    </li>
  )
}

/**
 * The event log: what happened, as sentences with date and time, newest first, from the server's
 * history on; consecutive repeats of one event as one row with their count; filters, text search,
 * the raw event on expand, older pages on request.
 */
export function EventLog() {
  const events = useApp((s) => s.server.events)
  const notes = useApp((s) => s.server.connectionNotes)
  const older = useApp((s) => s.server.oldestEvent > 0)
  const live = useApp((s) => s.server.connection === 'live')
  const [filter, setFilter] = useState<Filter>('all')
  const [query, setQuery] = useState('')
  const [error, setError] = useState<string>()
  const lines = useMemo(() => {
    const out: LogLine[] = events.map((e) => {
      const s = describeEvent(e.event)
      return { key: e.id !== undefined ? `h${e.id}` : `s${e.event.seq}`, at: e.event.at, raw: e.event, s, same: repeatKey(e.event, s.text), ...(e.dropped ? { dropped: e.dropped } : {}) }
    })
    // the page's own connection losses and returns, among the server's events by time
    for (const n of notes) out.push({ key: `c${n.at}${n.lost}`, at: n.at, raw: n, s: n.lost ? { kind: 'change', tone: 'warning', text: 'connection to the server lost: what is shown is the last known state' } : { kind: 'change', tone: 'ok', text: 'connection to the server restored: the view is live again' } })
    return notes.length ? out.sort((a, b) => a.at - b.at) : out
  }, [events, notes])
  const q = query.trim().toLowerCase()
  // consecutive repeats of one event (a write load's errors) are one row with a count (rule 360),
  // live or from the history a new window starts from: the same lines give the same rows
  const shown = useMemo(() => runsOf(lines.filter(({ s }) => (filter === 'all' || s.kind === filter) && (!q || s.text.toLowerCase().includes(q)))).reverse(), [lines, filter, q])
  return (
    <section aria-label="event log" className="flex h-full flex-col text-xs">
      <div className="flex flex-wrap items-center gap-1 p-1">
        <div role="group" aria-label="event filter" className="flex gap-1">
          {FILTERS.map(([f, label]) => (
            <button key={f} aria-pressed={filter === f} className={`rounded px-2 ${filter === f ? 'bg-blue-700 text-white' : 'border border-slate-400'}`} onClick={() => setFilter(f)}>{label}</button>
          ))}
        </div>
        <input type="search" aria-label="search events" placeholder="search" className="ml-auto w-40 rounded border border-slate-400 px-1 dark:bg-slate-800" value={query} onChange={(e) => setQuery(e.target.value)} />
      </div>
      <ol className="flex-1 overflow-auto px-1" data-testid="events">
        {/* the oldest row loaded may go on in the history not loaded (or no longer held): its count is a floor then */}
        {shown.map((run, i) => (run.count === 1 ? <Line key={run.key} line={run.lines[0]!} /> : <Run key={run.key} run={run} atLeast={(older || events.length >= EVENT_LIMIT) && i === shown.length - 1} />))}
        {shown.length === 0 && <li className="text-slate-600 dark:text-slate-400">Nothing {q ? `matches "${query}"` : 'yet'}.</li>}
        {older && (
          <li>
            <GuardedButton why={live ? undefined : NOT_LIVE} className="my-1 rounded border border-slate-400 px-2" onClick={() => void loadOlderEvents().then(() => setError(undefined), (e: unknown) => setError(failureWords('Loading older events', e)))}>Load older events</GuardedButton>
            {error && <span role="alert"> {error}</span>}
          </li>
        )}
      </ol>
    </section>
  )
}
