import { appendFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Clock } from '@plexa/engine'
import type { AuditEntry } from '@plexa/protocol'
import { ApiError } from './http/respond.ts'
import { readJsonLines } from './jsonLines.ts'

const SECRET_KEYS = /pass|token|secret|cookie/i

/** Drops anything that looks like a secret from logged arguments. */
export function redact(args: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(args)) out[k] = SECRET_KEYS.test(k) ? '[redacted]' : v
  return out
}

/** Appends text to the log file; tests inject one that fails as a full disk does. */
export type AuditAppend = (file: string, text: string) => Promise<void>

const appendToFile: AuditAppend = (file, text) => appendFile(file, text, { mode: 0o600 })

/** Refusals logged per source and minute; more are counted and the count logged with the next one. */
const REFUSALS_PER_MINUTE = 30

export type AuditFields = Omit<AuditEntry, 'id' | 'at' | 'result'>

/**
 * The append-only audit log (`DIR/audit.log`, one JSON entry a line) and its recent tail.
 *
 * A mutation is logged before it runs (`begin`, result 'pending') and again with its result
 * (`end`, the same id; the last line of an id wins). When the first line cannot be written (a full
 * disk), `begin` fails VM_AUDIT_FAILED and the mutation does not run, as auditd's "halt on full"
 * would have it. An `end` line that cannot be written is kept and goes out before the next line.
 * Only the result is published (the tail, the WebSocket). Refusals are logged in one line
 * (`record`); those of anonymous callers (failed logins among them) at most 30 a minute from one
 * source: a flood of them is counted, and the count (`args.suppressed`) goes with the next one
 * logged from there.
 */
export class AuditLog {
  private readonly file: string
  private readonly recent: AuditEntry[] = []
  private nextId = 1
  private chain: Promise<void> = Promise.resolve()
  private readonly clock: Clock
  private readonly onEntry: (e: AuditEntry) => void
  private readonly append: AuditAppend
  /** Lines whose write failed (end lines), written before anything else. */
  private backlog: string[] = []
  /** A failed write may have left a torn line: the next write starts on a new one. */
  private torn = false
  private readonly refusals = new Map<string, { windowStart: number; logged: number; suppressed: number }>()

  constructor(dataDir: string, clock: Clock, onEntry: (e: AuditEntry) => void, append: AuditAppend = appendToFile) {
    this.file = join(dataDir, 'audit.log')
    this.clock = clock
    this.onEntry = onEntry
    this.append = append
  }

  async load(): Promise<void> {
    const byId = new Map<number, AuditEntry>()
    for (const { value: e } of (await readJsonLines<AuditEntry>(this.file)).records) {
      byId.delete(e.id) // an end line replaces its begin line, in the end line's place
      byId.set(e.id, e)
      this.nextId = Math.max(this.nextId, e.id + 1)
    }
    this.recent.push(...[...byId.values()].slice(-1000))
  }

  /** Writes lines after the backlog; on failure, keeps what `keep` says in the backlog. */
  private write(lines: string[], keep: boolean): Promise<void> {
    const run = async () => {
      const all = [...this.backlog, ...lines]
      const text = (this.torn ? '\n' : '') + all.join('')
      try {
        await this.append(this.file, text)
        this.backlog = []
        this.torn = false
      } catch (e) {
        this.torn = true
        if (keep) this.backlog = all
        throw e
      }
    }
    const p = this.chain.then(run)
    this.chain = p.catch(() => {})
    return p
  }

  private entry(fields: AuditFields, result: AuditEntry['result'], id = this.nextId++): AuditEntry {
    return { id, at: this.clock.now(), ...fields, args: redact(fields.args), result }
  }

  private publish(e: AuditEntry): void {
    const at = this.recent.findIndex((x) => x.id === e.id)
    if (at >= 0) this.recent.splice(at, 1)
    this.recent.push(e)
    if (this.recent.length > 1000) this.recent.shift()
    this.onEntry(e)
  }

  /**
   * Logs a mutation about to run; resolves with its id once the line is written. Fails
   * VM_AUDIT_FAILED (nothing logged, nothing published) when it cannot be written.
   */
  async begin(fields: AuditFields): Promise<number> {
    const e = this.entry(fields, 'pending')
    try {
      await this.write([JSON.stringify(e) + '\n'], false)
    } catch (cause) {
      throw Object.assign(new ApiError('VM_AUDIT_FAILED', `the audit log cannot be written (${(cause as { code?: string }).code ?? cause}); no change is made until it can`), { cause })
    }
    return e.id
  }

  /** Logs the result of a mutation `begin` logged. */
  end(id: number, fields: AuditFields, result: AuditEntry['result']): Promise<void> {
    const e = this.entry(fields, result, id)
    this.publish(e)
    return this.write([JSON.stringify(e) + '\n'], true).catch(() => {})
  }

  /** Logs a refused mutation or a login after the fact (best effort: neither changes stored state); those of anonymous callers flood-limited per source. */
  record(fields: AuditFields, result: AuditEntry['result']): Promise<void> {
    if (fields.role !== 'anonymous') return this.line(fields, result)
    const key = fields.source ?? '-'
    const now = this.clock.now()
    let r = this.refusals.get(key)
    if (!r || now - r.windowStart >= 60_000) {
      r = { windowStart: now, logged: 0, suppressed: r?.suppressed ?? 0 }
      this.refusals.set(key, r)
      if (this.refusals.size > 10_000) this.refusals.delete(this.refusals.keys().next().value!)
    }
    if (r.logged >= REFUSALS_PER_MINUTE) {
      r.suppressed++
      return Promise.resolve()
    }
    r.logged++
    const args = { ...fields.args, ...(r.suppressed ? { suppressed: r.suppressed } : {}), ...(r.logged === REFUSALS_PER_MINUTE ? { flood: true } : {}) }
    r.suppressed = 0
    return this.line({ ...fields, args }, result)
  }

  private line(fields: AuditFields, result: AuditEntry['result']): Promise<void> {
    const e = this.entry(fields, result)
    this.publish(e)
    return this.write([JSON.stringify(e) + '\n'], false).catch(() => {})
  }

  /** Resolves once every entry recorded so far is in the file (or failed to be). */
  written(): Promise<void> {
    return this.chain
  }

  /** The newest entries, oldest first. */
  tail(limit: number): AuditEntry[] {
    return this.recent.slice(-limit)
  }
}
