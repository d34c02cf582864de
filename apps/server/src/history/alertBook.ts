import { rename, readFile, writeFile } from 'node:fs/promises'
import type { Clock } from '@plexa/engine'
import type { Alert } from '@plexa/protocol'

export type NewAlert = Pick<Alert, 'dg' | 'severity' | 'code' | 'message'> & { object?: string | undefined }

export interface AlertBounds {
  /** Unacknowledged alerts kept (beyond it the least recently seen warning goes first, then critical). */
  maxOpen: number
  /** Acknowledged alerts kept to be read back. */
  maxAcked: number
}

/**
 * Alerts that stay until an administrator acknowledges them, in `DIR/alerts.json` (rewritten to
 * a temporary file and renamed at every change, so a crash leaves the old or the new list).
 */
export class AlertBook {
  private readonly file: string
  private readonly clock: Clock
  private readonly bounds: AlertBounds
  private list: Alert[] = []
  private nextId = 1
  private chain: Promise<void> = Promise.resolve()
  private failed: unknown
  private saving = false

  constructor(file: string, clock: Clock, bounds: Partial<AlertBounds> = {}) {
    this.file = file
    this.clock = clock
    this.bounds = { maxOpen: 1000, maxAcked: 100, ...bounds }
  }

  async load(): Promise<void> {
    try {
      const saved = JSON.parse(await readFile(this.file, 'utf8')) as { nextId: number; alerts: Alert[] }
      this.list = saved.alerts
      this.nextId = saved.nextId
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT' && !(e instanceof SyntaxError)) throw e
    }
  }

  /** Raises an alert, or counts a repeat of an open one; returns the alert as it now is. */
  raise(a: NewAlert): Alert {
    const now = this.clock.now()
    // a resolved alert is over: the problem seen again is a new alert, with its own time (rule 295)
    const open = this.list.find((x) => !x.acked && !x.resolved && x.dg === a.dg && x.code === a.code && x.object === a.object && x.message === a.message)
    let alert: Alert
    if (open) {
      open.count += 1
      open.lastAt = now
      if (a.severity === 'critical') open.severity = 'critical'
      // the list is in order of last sight: a repeat moves to the end
      this.list.splice(this.list.indexOf(open), 1)
      this.list.push(open)
      alert = open
    } else {
      alert = { id: this.nextId++, dg: a.dg, severity: a.severity, code: a.code, message: a.message, ...(a.object !== undefined ? { object: a.object } : {}), at: now, lastAt: now, count: 1 }
      this.list.push(alert)
      this.trim()
    }
    this.save()
    return { ...alert }
  }

  /**
   * Marks each open, unresolved alert whose problem `why` says is over as resolved (for good: it
   * stays listed until acknowledged); returns the alerts it resolved.
   */
  resolve(why: (a: Alert) => string | undefined): Alert[] {
    const at = this.clock.now()
    const done: Alert[] = []
    for (const a of this.list) {
      if (a.acked || a.resolved) continue
      const w = why(a)
      if (w === undefined) continue
      a.resolved = { at, why: w }
      done.push({ ...a })
    }
    if (done.length) this.save()
    return done
  }

  /** Acknowledges an open alert; undefined when there is no such alert. */
  ack(id: number, by: string): Alert | undefined {
    const a = this.list.find((x) => x.id === id)
    if (!a) return undefined
    if (!a.acked) {
      a.acked = { by, at: this.clock.now() }
      this.trim()
      this.save()
    }
    return { ...a }
  }

  /**
   * Acknowledges every open alert, or those of `ids`; returns the alerts it acknowledged. An id
   * that names no alert acknowledges nothing (undefined), so a stale list changes nothing.
   */
  ackMany(ids: number[] | undefined, by: string): Alert[] | undefined {
    const want = ids && new Set(ids)
    if (want && [...want].some((id) => !this.list.some((x) => x.id === id))) return undefined
    const at = this.clock.now()
    const acked = this.list.filter((x) => !x.acked && (!want || want.has(x.id)))
    for (const a of acked) a.acked = { by, at }
    if (acked.length) {
      this.trim()
      this.save()
    }
    return acked.map((x) => ({ ...x }))
  }

  private trim(): void {
    // the least recently seen go first: warnings, then criticals
    const open = this.list.filter((x) => !x.acked)
    const drop = new Set<Alert>()
    for (const severity of ['warning', 'critical'] as const) {
      for (const x of open.filter((y) => y.severity === severity)) if (open.length - drop.size > this.bounds.maxOpen) drop.add(x)
    }
    const acked = this.list.filter((x) => x.acked).sort((a, b) => a.acked!.at - b.acked!.at)
    for (const x of acked.slice(0, Math.max(0, acked.length - this.bounds.maxAcked))) drop.add(x)
    if (drop.size) this.list = this.list.filter((x) => !drop.has(x))
  }

  /** Writes the whole list once per burst of changes: a flood of repeats is one rewrite. */
  private save(): void {
    if (this.saving) return
    this.saving = true
    this.chain = this.chain
      .then(async () => {
        this.saving = false
        const tmp = `${this.file}.tmp`
        await writeFile(tmp, JSON.stringify({ nextId: this.nextId, alerts: this.list }), { mode: 0o600 })
        await rename(tmp, this.file)
      })
      .catch((e: unknown) => void (this.failed = e))
  }

  async written(): Promise<void> {
    await this.chain
    if (this.failed) throw this.failed
  }

  /** Every alert kept, oldest first. */
  all(): Alert[] {
    return this.list.map((x) => ({ ...x }))
  }

  /** Open alerts not resolved yet: the ones a resolution pass looks at. */
  get unresolvedCount(): number {
    return this.list.filter((x) => !x.acked && !x.resolved).length
  }

  get openCount(): number {
    return this.list.filter((x) => !x.acked).length
  }
}
