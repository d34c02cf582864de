import { appendFile, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Clock } from '@plexa/engine'
import type { AuditEntry } from '@plexa/protocol'

const SECRET_KEYS = /pass|token|secret|cookie/i

/** Drops anything that looks like a secret from logged arguments. */
export function redact(args: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(args)) out[k] = SECRET_KEYS.test(k) ? '[redacted]' : v
  return out
}

/** The append-only audit log (`DIR/audit.log`, one JSON entry a line) and its recent tail. */
export class AuditLog {
  private readonly file: string
  private readonly recent: AuditEntry[] = []
  private nextId = 1
  private chain: Promise<void> = Promise.resolve()
  private readonly clock: Clock
  private readonly onEntry: (e: AuditEntry) => void

  constructor(dataDir: string, clock: Clock, onEntry: (e: AuditEntry) => void) {
    this.file = join(dataDir, 'audit.log')
    this.clock = clock
    this.onEntry = onEntry
  }

  async load(): Promise<void> {
    let text = ''
    try {
      text = await readFile(this.file, 'utf8')
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e
    }
    for (const line of text.split('\n')) {
      if (!line) continue
      try {
        const e = JSON.parse(line) as AuditEntry
        this.recent.push(e)
        this.nextId = Math.max(this.nextId, e.id + 1)
      } catch {
        // a torn last line after a crash is skipped
      }
    }
    this.recent.splice(0, Math.max(0, this.recent.length - 1000))
  }

  record(entry: Omit<AuditEntry, 'id' | 'at'>): Promise<void> {
    const e: AuditEntry = { id: this.nextId++, at: this.clock.now(), ...entry, args: redact(entry.args) }
    this.recent.push(e)
    if (this.recent.length > 1000) this.recent.shift()
    this.onEntry(e)
    this.chain = this.chain.then(() => appendFile(this.file, JSON.stringify(e) + '\n', { mode: 0o600 })).catch(() => {})
    return this.chain
  }

  /** Resolves once every entry recorded so far is in the file. */
  written(): Promise<void> {
    return this.chain
  }

  /** The newest entries, oldest first. */
  tail(limit: number): AuditEntry[] {
    return this.recent.slice(-limit)
  }
}
