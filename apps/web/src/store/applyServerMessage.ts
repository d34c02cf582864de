import type { Config, RecordChange } from '@plexa/engine'
import { carryIndex } from '../views/layout.ts'
import type { Alert, AuditEntry, FinishedTask, GroupView, LabView, PendingImport, Role, ServerEvent, ServerMessage, TaskView } from '@plexa/protocol'

export type Connection = 'connecting' | 'live' | 'reconnecting' | 'offline'

/** Everything the web shows, fed by the server's messages (a pure reducer, no React). */
export interface ServerState {
  seq: number
  groups: Record<string, GroupView>
  tasks: Record<string, TaskView>
  lab: LabView
  /**
   * The event log, newest last, at most EVENT_LIMIT: the server's history (with its ids) from the
   * first message and older pages, then what arrives live.
   */
  events: LogEntry[]
  /** The oldest history id loaded (older pages are asked for before it); 0 when there is none older. */
  oldestEvent: number
  /** Every unacknowledged alert and the newest acknowledged ones, by id. */
  alerts: Record<number, Alert>
  /** Each running task's rate over time (bytes per second at each report, newest last, at most RATE_SAMPLES). */
  rates: Record<string, Array<{ at: number; rate: number }>>
  /** Finished tasks with their outcome, newest last, at most TASK_LIMIT. */
  finished: FinishedTask[]
  /** The audit log's newest entries, newest last, at most AUDIT_LIMIT. */
  audit: AuditEntry[]
  user: { name: string; role: Role } | undefined
  connection: Connection
  /** When the connection was lost (what is shown is as of then); undefined while live. */
  staleSince?: number
  /** The connection's losses and returns, for the event log (kept across snapshots). */
  connectionNotes: Array<{ at: number; lost: boolean }>
  /** A sequence gap was seen: the socket must fetch a fresh snapshot. */
  needsSnapshot: boolean
  /** Groups found on the disks that the server did not import (as of the last snapshot). */
  imports: PendingImport[]
}

export const EVENT_LIMIT = 500
export const TASK_LIMIT = 200
export const AUDIT_LIMIT = 500
export const RATE_SAMPLES = 120

/** One line of the event log: its history id when it came from the history, and the event. */
export interface LogEntry {
  id?: number
  event: ServerEvent
  /** Repeats of this event that came right after it and were dropped to keep the log bounded (rule 360). */
  dropped?: number
}

/**
 * Repeats in a row of one flood event (an I/O error on the same plex, operation and code; an
 * alert raised again) the log holds: past them, the oldest but the first is dropped and counted on
 * the first, so a write load's thousands of errors take RUN_KEEP lines, never the whole log (rule 360).
 */
export const RUN_KEEP = 100

/** Whether `b` is the same flood event as `a` (as the event log's rows tell repeats, views/eventRuns.ts). */
function sameFlood(a: ServerEvent, b: ServerEvent): boolean {
  if (a.type === 'io.error' && b.type === 'io.error') return a.dg === b.dg && a.plex === b.plex && a.op === b.op && a.code === b.code
  return a.type === 'alert.raised' && b.type === 'alert.raised' && a.alert.id === b.alert.id
}

/** The log with `e` after it: within EVENT_LIMIT, and a run of one flood event kept to RUN_KEEP lines. */
function logEvent(events: LogEntry[], e: ServerEvent): LogEntry[] {
  const n = events.length
  let k = 0
  while (k < RUN_KEEP && k < n && sameFlood(events[n - 1 - k]!.event, e)) k++
  if (k < RUN_KEEP) return [...events, { event: e }].slice(-EVENT_LIMIT)
  const first = events[n - k]!
  return [...events.slice(0, n - k), { ...first, dropped: (first.dropped ?? 0) + 1 }, ...events.slice(n - k + 2), { event: e }]
}

/**
 * Events that are state, not history (the server's history leaves them out too): an alert's
 * acknowledgement is logged once, as its audit entry, live as after a reload (rule 167).
 */
const NOT_LOGGED = new Set<ServerEvent['type']>(['task.progress', 'dg.maps', 'lab.load', 'task.finished', 'alert.acked'])

export function initialServerState(): ServerState {
  return { seq: 0, groups: {}, tasks: {}, lab: { enabled: false, disks: [], loads: [] }, events: [], oldestEvent: 0, alerts: {}, rates: {}, finished: [], audit: [], user: undefined, connection: 'connecting', connectionNotes: [], needsSnapshot: false, imports: [] }
}

/** The connection changes at `at`: a loss marks the data stale and is noted, a return notes it and clears the mark. */
export function withConnection(s: ServerState, connection: Connection, at: number): ServerState {
  const lost = s.connection === 'live' && connection !== 'live' && s.staleSince === undefined
  const back = connection === 'live' && s.staleSince !== undefined
  if (lost) return { ...s, connection, staleSince: at, connectionNotes: [...s.connectionNotes, { at, lost: true }].slice(-50) }
  if (back) return { ...s, connection, staleSince: undefined, connectionNotes: [...s.connectionNotes, { at, lost: false }].slice(-50) }
  return { ...s, connection }
}

/** Older history pages go before what is loaded (ids below `oldestEvent`), within EVENT_LIMIT. */
export function prependHistory(s: ServerState, older: Array<{ id: number; event: ServerEvent }>): ServerState {
  const fresh = older.filter((x) => x.id < (s.oldestEvent || Infinity))
  if (!fresh.length) return { ...s, oldestEvent: 0 }
  return { ...s, events: [...fresh, ...s.events].slice(0, Math.max(EVENT_LIMIT, s.events.length)), oldestEvent: fresh[0]!.id }
}

const COLLECTION = { dg: 'dg', dm: 'disks', sd: 'subdisks', pl: 'plexes', v: 'volumes' } as const
const RID = { dg: 'dg_rid', dm: 'dm_rid', sd: 'sd_rid', pl: 'pl_rid', v: 'v_rid' } as const
/** Changes of one table in a delta above which its records are found through a map of positions. */
const MANY_CHANGES = 16

/** Applies committed record changes to a configuration (a new object; the old one is untouched). */
export function applyChanges(config: Config, tid: number, changes: RecordChange[]): Config {
  const next: Config = { ...config, tid, disks: [...config.disks], subdisks: [...config.subdisks], plexes: [...config.plexes], volumes: [...config.volumes] }
  // a record is found by its rid: a walk over its table for a few changes, one map of the table's
  // positions for many (a transaction that moves a thousand subdisks is not a thousand walks over
  // 200,000); with the map, deletions are taken out at the end, so the positions hold meanwhile
  const count = new Map<string, number>()
  for (const ch of changes) if (ch.kind !== 'dg') count.set(ch.kind, (count.get(ch.kind) ?? 0) + 1)
  const positions = new Map<string, Map<unknown, number>>()
  const deleted = new Map<string, Set<unknown>>()
  for (const ch of changes) {
    if (ch.kind === 'dg') {
      if (ch.after) next.dg = ch.after as unknown as Config['dg']
      continue
    }
    const list = next[COLLECTION[ch.kind]] as unknown as Array<Record<string, unknown>>
    const key = RID[ch.kind]
    let at = positions.get(ch.kind)
    if (!at && count.get(ch.kind)! > MANY_CHANGES) positions.set(ch.kind, (at = new Map(list.map((r, i) => [r[key], i]))))
    const i = at ? (at.get(ch.rid) ?? -1) : list.findIndex((r) => r[key] === ch.rid)
    if (ch.op === 'delete') {
      if (i < 0) continue
      if (at) (deleted.get(ch.kind) ?? deleted.set(ch.kind, new Set()).get(ch.kind)!).add(ch.rid)
      else list.splice(i, 1)
    } else if (ch.after) {
      if (i >= 0) list[i] = ch.after
      else {
        list.push(ch.after)
        at?.set(ch.rid, list.length - 1)
      }
    }
  }
  for (const [kind, rids] of deleted) {
    const table = COLLECTION[kind as keyof typeof COLLECTION] as 'disks'
    const key = RID[kind as keyof typeof RID]
    ;(next as unknown as Record<string, unknown>)[table] = (next[table] as unknown as Array<Record<string, unknown>>).filter((r) => !rids.has(r[key]))
  }
  // the layout's index follows the delta instead of being built again from every record
  const rids = (kind: RecordChange['kind']) => new Set(changes.filter((c) => c.kind === kind).map((c) => c.rid))
  carryIndex(config, next, { sd: rids('sd'), pl: rids('pl'), v: rids('v'), dm: rids('dm') })
  return next
}

type Progress = Extract<ServerEvent, { type: 'task.progress' }>

/**
 * The task and rate tables after progress reports, in order: each table copied once however many
 * reports there are, and a task's rate samples once however many of its reports.
 */
function progressed(tasks: ServerState['tasks'], rates: ServerState['rates'], reports: readonly Progress[]): Pick<ServerState, 'tasks' | 'rates'> {
  const t = { ...tasks }
  const r = { ...rates }
  const copied = new Set<string>()
  for (const e of reports) {
    const { type: _t, seq: _s, at: _a, ...p } = e
    // what the task covers comes once the server has claimed it: kept from then on
    t[e.taskId] = { ...t[e.taskId], ...p }
    if (e.phase === 'paused') {
      r[e.taskId] ??= []
      continue
    }
    let samples = r[e.taskId] ?? []
    if (!copied.has(e.taskId)) {
      samples = [...samples]
      copied.add(e.taskId)
    }
    samples.push({ at: e.at, rate: e.rate })
    if (samples.length > RATE_SAMPLES) samples.splice(0, samples.length - RATE_SAMPLES)
    r[e.taskId] = samples
  }
  return { tasks: t, rates: r }
}

function applyEvent(s: ServerState, e: ServerEvent): ServerState {
  // progress and map refreshes are state, not history: the log keeps the rest
  const events = NOT_LOGGED.has(e.type) ? s.events : logEvent(s.events, e)
  const base = { ...s, seq: e.seq, events }
  switch (e.type) {
    case 'config.committed': {
      const g = s.groups[e.dg]
      if (!g) return { ...base, needsSnapshot: true }
      return { ...base, groups: { ...s.groups, [e.dg]: { ...g, config: applyChanges(g.config, e.tid, e.changes) } } }
    }
    case 'dg.maps': {
      const g = s.groups[e.dg]
      return g ? { ...base, groups: { ...s.groups, [e.dg]: { ...g, dirty: e.dirty, stale: e.stale } } } : base
    }
    case 'dg.failing': {
      const g = s.groups[e.dg]
      return g ? { ...base, groups: { ...s.groups, [e.dg]: { ...g, failing: e.failing } } } : base
    }
    case 'dg.state': {
      const g = s.groups[e.dg]
      // a group imported since the snapshot (POST /api/imports/:dg, rule 131) comes with a fresh one
      if (!g) return e.state === 'imported' ? { ...base, needsSnapshot: true } : base
      // deported (rule 454): the group goes, and a fresh snapshot lists it among the imports
      if (e.state === 'deported') {
        const groups = { ...s.groups }
        delete groups[e.dg]
        return { ...base, groups, needsSnapshot: true }
      }
      return { ...base, groups: { ...s.groups, [e.dg]: { ...g, forcedOffline: e.state === 'forced-offline' } } }
    }
    case 'task.progress':
      return { ...base, ...progressed(s.tasks, s.rates, [e]) }
    case 'task.done':
      return { ...base, finished: [...s.finished.filter((t) => t.id !== e.task.id), e.task].slice(-TASK_LIMIT) }
    case 'alert.raised':
    case 'alert.acked':
    case 'alert.resolved':
      return { ...base, alerts: { ...s.alerts, [e.alert.id]: e.alert } }
    case 'audit':
      return { ...base, audit: [...s.audit, e.entry].slice(-AUDIT_LIMIT) }
    case 'task.finished': {
      const tasks = { ...s.tasks }
      delete tasks[e.taskId]
      const rates = { ...s.rates }
      delete rates[e.taskId]
      return { ...base, tasks, rates }
    }
    case 'lab.disk': {
      const disks = s.lab.disks.filter((d) => !(d.dg === e.dg && d.disk === e.disk))
      // a restored disk stays (failed none, with when it failed): the health calls it answering again
      if (e.failed !== 'none' || e.latencyMs || e.failedAt !== undefined) disks.push({ dg: e.dg, disk: e.disk, failed: e.failed, latencyMs: e.latencyMs, ...(e.failedAt !== undefined ? { failedAt: e.failedAt } : {}) })
      return { ...base, lab: { ...s.lab, disks } }
    }
    case 'lab.load': {
      const loads = s.lab.loads.filter((l) => !(l.dg === e.dg && l.volume === e.volume))
      if (e.running) loads.push({ dg: e.dg, volume: e.volume, running: true, writes: e.writes, errors: e.errors })
      return { ...base, lab: { ...s.lab, loads } }
    }
    default:
      return base
  }
}

/**
 * Messages in order, as `applyServerMessage` gives them one by one; a run of task progress reports
 * (a hundred tasks report a few times a second, and a frame applies what came since the last one)
 * copies the task and rate tables once, not at every report.
 */
export function applyServerMessages(s: ServerState, ms: readonly ServerMessage[]): ServerState {
  let i = 0
  while (i < ms.length) {
    const run: Progress[] = []
    let seq = s.seq
    for (; i < ms.length; i++) {
      const m = ms[i]!
      if (m.type !== 'event' || m.event.type !== 'task.progress' || m.event.seq > seq + 1) break
      // one already applied (a replay after a reconnect) is ignored, as applyServerMessage does
      if (m.event.seq <= seq) continue
      run.push(m.event)
      seq = m.event.seq
    }
    if (run.length) s = { ...s, seq, ...progressed(s.tasks, s.rates, run) }
    else if (i < ms.length) s = applyServerMessage(s, ms[i++]!)
  }
  return s
}

/**
 * The reducer of the stream: a `hello` replaces everything; events apply in sequence order; an
 * event already seen (a replay after a reconnect) is ignored; a gap asks for a fresh snapshot.
 */
export function applyServerMessage(s: ServerState, m: ServerMessage): ServerState {
  switch (m.type) {
    case 'hello': {
      const groups: Record<string, GroupView> = {}
      for (const g of m.snapshot.groups) groups[g.name] = g
      const tasks: ServerState['tasks'] = {}
      for (const t of m.snapshot.tasks) tasks[t.taskId] = t
      const h = m.snapshot.history
      const alerts: ServerState['alerts'] = {}
      for (const a of h.alerts) alerts[a.id] = a
      return {
        ...s,
        seq: m.seq,
        groups,
        tasks,
        lab: m.snapshot.lab,
        events: h.events.slice(-EVENT_LIMIT),
        oldestEvent: h.events[0]?.id ?? 0,
        alerts,
        finished: h.tasks.slice(-TASK_LIMIT),
        audit: h.audit.slice(-AUDIT_LIMIT),
        user: m.user,
        connection: 'live',
        needsSnapshot: false,
        imports: m.snapshot.imports ?? [],
      }
    }
    case 'resumed':
      return { ...s, connection: 'live' }
    case 'event': {
      if (m.event.seq <= s.seq) return s
      if (m.event.seq !== s.seq + 1) return { ...s, needsSnapshot: true }
      return applyEvent(s, m.event)
    }
    case 'error':
    case 'pong':
      return s
  }
}


