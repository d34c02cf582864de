import { readFile, rename, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { type Clock, type EngineEventBody, type SyncReport, type VerifyReport, taskNumber } from '@plexa/engine'
import type { Alert, ApiErrorCode, FinishedTask, HistoryItem, HistoryView, ServerEvent, ServerEventBody, TaskView } from '@plexa/protocol'
import { type AlertBounds, AlertBook } from './alertBook.ts'
import { type Bounds, BoundedLog } from './boundedLog.ts'
import { type RunningTask, RunningTasks } from './runningTasks.ts'

export interface HistoryOptions {
  dataDir: string
  clock: Clock
  /** The hub's publish: gives the event its seq and sends it to every client. */
  publish: (body: ServerEventBody) => ServerEvent
  events?: Partial<Bounds>
  tasks?: Partial<Bounds>
  alerts?: Partial<AlertBounds>
}

/** What the server knows of a task it started: what it works on and every volume it covers. */
export interface TaskMeta {
  target: string
  volumes: string[]
  /** What started it, when no request did (rule 172). */
  startedBy?: FinishedTask['startedBy']
  /** The interrupted task it continues (a resync a restart resumed, rule 425). */
  continues?: string
  /** Every task of the operation this first task stands for, filled in as they start (rule 469). */
  tasks?: string[]
}

export type TaskResult = { ok: true; report: SyncReport | VerifyReport } | { ok: false; code: string; message: string }

/** Events that are state, not history: a flood of them never pushes out what happened. */
// An acknowledgement is history once, as its audit entry (rule 167); `alert.acked` updates the
// clients' alerts and a connecting client gets the alerts as they are.
const NOT_HISTORY = new Set<ServerEvent['type']>(['task.progress', 'dg.maps', 'lab.load', 'task.finished', 'alert.acked'])

/** Listed failures and mismatches of one task report at most this many (the counts stay whole). */
const LISTED = 1000

/** How many of each history a client gets on connect. */
const ON_CONNECT = { events: 200, tasks: 50 }

/**
 * The server's memory of what happened, kept across restarts and bounded (count and bytes): the
 * event history, the alerts until acknowledged, and every finished task with its whole outcome.
 * A task the server started (resync, verify, repair) is recorded from its report, not from the
 * engine's end-of-copy event alone: a disk resync whose copy ran but left regions stale fails
 * VM_NOTSYNCED here, as its caller saw it.
 */
export class History {
  readonly events: BoundedLog<HistoryItem>
  readonly tasks: BoundedLog<FinishedTask>
  readonly alerts: AlertBook
  /** Results of tasks the server started, by task id (the newest 200): `GET /api/tasks/:task/result`. */
  readonly results = new Map<string, TaskResult>()
  private readonly o: HistoryOptions
  private nextEventId = 1
  private nextTaskId = 1
  private readonly running = new Map<string, { startedAt: number; doneBytes: number; totalBytes: number }>()
  private readonly claims = new Map<string, TaskMeta>()
  /** Later tasks of a claimed operation (an evacuation's next moves): recorded from their own end event, with the operation's meta (rule 469). */
  private readonly adopted = new Map<string, { kind: string; meta: TaskMeta }>()
  /** Tasks recorded lately (an engine end event of a claimed task arrives before or after it). */
  private readonly recorded = new Set<string>()
  /** Starters under way (`starting`): while any is, the end of a task no claim names waits here for them. */
  private starters = 0
  private readonly held = new Map<string, () => void>()
  /** The highest task number this data directory has seen, kept in task-ids.json as tasks start. */
  private highestTask = 0
  private idsWrite: Promise<void> = Promise.resolve()
  /** The tasks running now, kept on disk: what the next start finds interrupted (rule 425). */
  private readonly live: RunningTasks
  /** The ones the last server left running, until the restart records them (`settleInterrupted`). */
  private left: RunningTask[] = []
  /** The server is closing: a task it aborts is interrupted, not ended (the next start says so). */
  private closing = false

  constructor(o: HistoryOptions) {
    this.o = o
    this.events = new BoundedLog(join(o.dataDir, 'events.jsonl'), { maxCount: 5000, maxBytes: 4 << 20, ...o.events })
    this.tasks = new BoundedLog(join(o.dataDir, 'tasks.jsonl'), { maxCount: 500, maxBytes: 4 << 20, ...o.tasks })
    this.alerts = new AlertBook(join(o.dataDir, 'alerts.json'), o.clock, o.alerts)
    this.live = new RunningTasks(join(o.dataDir, 'tasks-running.json'))
  }

  async load(): Promise<void> {
    const [left] = await Promise.all([this.live.load(), this.events.load(), this.tasks.load(), this.alerts.load()])
    // a task whose entry was written just before the crash took the server is not interrupted
    const ended = new Set(this.tasks.items().map((t) => t.taskId))
    this.left = left.filter((t) => !ended.has(t.taskId))
    for (const t of left) if (ended.has(t.taskId)) this.live.delete(t.taskId)
    this.nextEventId = (this.events.items().at(-1)?.id ?? 0) + 1
    this.nextTaskId = (this.tasks.items().at(-1)?.id ?? 0) + 1
    // the task ids of the history and of the events (a task that ran while the server crashed is
    // only in task-ids.json, written as it started)
    const kept = await readFile(this.idsFile(), 'utf8').then((t) => Number((JSON.parse(t) as { highest?: unknown }).highest), () => 0)
    const seen = [kept, ...this.tasks.items().map((t) => taskNumber(t.taskId) ?? 0)]
    // only ids tasks had (`taskId`): an id an administrator typed (`task abort task-99`, audited
    // as `"task": "task-99"`) names no task and moves no counter (rule 381)
    for (const e of this.events.items()) for (const m of JSON.stringify(e.event).matchAll(/"taskId":"(task-\d{1,15})"/g)) seen.push(taskNumber(m[1]!) ?? 0)
    this.highestTask = Math.max(0, ...seen.filter((n) => Number.isSafeInteger(n)))
  }

  /**
   * The result of a finished task: its whole report while this server holds it, else what the
   * persisted task history kept of it (a task that finished before a restart; at most 1000 failed
   * regions or mismatches listed), else undefined (rule 380).
   */
  result(taskId: string): TaskResult | undefined {
    const r = this.results.get(taskId)
    if (r) return r
    const items = this.tasks.items()
    let t: FinishedTask | undefined
    for (let i = items.length - 1; i >= 0 && !t; i--) if (items[i]!.taskId === taskId) t = items[i]
    if (!t) return undefined
    if (t.outcome !== 'ok') return { ok: false, code: t.code ?? 'VM_INTERNAL', message: t.message ?? `${t.kind} ${t.outcome}` }
    if (t.verify) {
      const { volume, regionSectors, regionsChecked, mismatches } = t.verify
      return { ok: true, report: { volume, regionSectors, regionsChecked, mismatches } }
    }
    if (t.sync) {
      const { regionsCopied, bytesCopied, bytesWritten, failedRegions, volumes, written } = t.sync
      return { ok: true, report: { regionsCopied, bytesCopied, bytesWritten: bytesWritten ?? bytesCopied, failedRegions, ...(volumes ? { volumes } : {}), ...(written ? { written } : {}) } }
    }
    return undefined
  }

  /** The highest task number the history knows: a server's new tasks count on from it (no id is ever used twice). */
  highestTaskNumber(): number {
    return this.highestTask
  }

  async written(): Promise<void> {
    await Promise.all([this.events.written(), this.tasks.written(), this.alerts.written(), this.idsWrite, this.live.written()])
  }

  private idsFile(): string {
    return join(this.o.dataDir, 'task-ids.json')
  }

  /** A task started: its number is kept before anything else of it is (written whole, then renamed in). */
  private sawTask(taskId: string): void {
    const n = taskNumber(taskId)
    if (n === undefined || n <= this.highestTask) return
    this.highestTask = n
    const file = this.idsFile()
    this.idsWrite = this.idsWrite
      .then(async () => {
        if (this.highestTask !== n) return // a later one writes the newer number
        await writeFile(`${file}.tmp`, JSON.stringify({ highest: n }))
        await rename(`${file}.tmp`, file)
      })
      .catch(() => {}) // the history's own task and event lines still hold the ids it finished
  }

  /**
   * An engine event on its way to the clients: an alert is kept (and goes out as `alert.raised`
   * with its id), a task's progress carries what the task covers, and a task's end is recorded.
   */
  engine(dg: string, body: EngineEventBody): void {
    if (body.type === 'alert') {
      const alert = this.alerts.raise({ dg, severity: body.severity, code: body.code, message: body.message, object: body.object })
      this.o.publish({ type: 'alert.raised', alert })
      return
    }
    if (body.type === 'task.progress') {
      if (!this.running.has(body.taskId)) {
        this.sawTask(body.taskId)
        // one the engine started on its own (a claim that follows replaces it)
        if (!this.live.has(body.taskId)) this.live.set({ taskId: body.taskId, dg, kind: body.kind, target: `volume ${body.volume}`, volumes: [body.volume], startedAt: this.o.clock.now(), startedBy: 'automatic' })
      }
      const r = this.running.get(body.taskId) ?? { startedAt: this.o.clock.now(), doneBytes: 0, totalBytes: 0 }
      r.doneBytes = body.doneBytes
      r.totalBytes = body.totalBytes
      this.running.set(body.taskId, r)
      this.o.publish(this.taskView(body) as ServerEventBody)
      return
    }
    this.o.publish(body)
    if (body.type === 'task.finished') {
      // a task the server started is recorded from its report (claim); the rest from this event:
      // at once, or, while a starter may still claim it (`starting`), once every starter is over
      const record = () => {
        if (this.claims.has(body.taskId) || this.recorded.has(body.taskId)) return
        const own = this.adopted.get(body.taskId)
        if (own) this.adopted.delete(body.taskId)
        if (own) return this.finish(dg, body.taskId, own.kind, own.meta, body.outcome === 'ok' ? { ok: true } : { ok: false, aborted: body.outcome === 'aborted', code: body.code ?? 'VM_INTERNAL', message: `${body.kind} ${body.outcome}` })
        this.finish(dg, body.taskId, body.kind, { target: `volume ${body.volume}`, volumes: [body.volume], startedBy: 'automatic' }, body.outcome === 'ok' ? { ok: true } : { ok: false, aborted: body.outcome === 'aborted', code: body.code ?? 'VM_INTERNAL', message: `${body.kind} ${body.outcome}` })
      }
      if (this.starters > 0 && !this.claims.has(body.taskId)) this.held.set(body.taskId, record)
      else record()
    }
  }

  /**
   * Runs `start`, which starts tasks and claims them (`claim`) before it returns. A task can end
   * before its starter has its handle (the start goes on with I/O after the task began): its end
   * is held until every starter is over, so it is recorded once, as its claim says; a task no
   * starter claimed is recorded from its end event then.
   */
  async starting<T>(start: () => Promise<T>): Promise<T> {
    this.starters++
    try {
      return await start()
    } finally {
      if (--this.starters === 0) {
        const held = [...this.held.values()]
        this.held.clear()
        for (const record of held) record()
      }
    }
  }

  /** Marks the open alerts whose problem `why` says is over as resolved, and tells the clients (rule 295). */
  resolveAlerts(why: (a: Alert) => string | undefined): void {
    for (const alert of this.alerts.resolve(why)) this.o.publish({ type: 'alert.resolved', alert })
  }

  /** A task's progress with what the server knows it covers. */
  taskView<T extends { taskId: string; volume: string }>(t: T): T & Partial<TaskView> {
    const meta = this.claims.get(t.taskId) ?? this.adopted.get(t.taskId)?.meta
    return meta ? { ...t, target: meta.target, volumes: meta.volumes, ...(meta.continues ? { continues: meta.continues } : {}) } : t
  }

  /**
   * The tasks the last server run left running: it crashed, or stopped while they ran (rule 425).
   * `settleInterrupted` records them.
   */
  interrupted(): readonly RunningTask[] {
    return this.left
  }

  /**
   * Records the tasks the last server left running (of group `dg`, or every one left) as
   * 'interrupted', each with the task that continues it (`continuedAs`: the resync a restart
   * resumed from its checkpoint), so a task id never just vanishes (rule 425).
   */
  settleInterrupted(continuedAs: ReadonlyMap<string, string>, dg?: string): void {
    const now = this.o.clock.now()
    for (const t of this.left.filter((x) => dg === undefined || x.dg === dg)) {
      const next = continuedAs.get(t.taskId)
      const task: FinishedTask = {
        id: this.nextTaskId++,
        taskId: t.taskId,
        dg: t.dg,
        kind: t.kind,
        target: t.target,
        volumes: t.volumes,
        outcome: 'interrupted',
        code: 'VM_CLOSED',
        message: next ? `the server stopped while it ran; ${next} continues it from its last checkpoint` : 'the server stopped while it ran',
        startedAt: t.startedAt,
        ...(t.startedBy ? { startedBy: t.startedBy } : {}),
        ...(t.continues ? { continues: t.continues } : {}),
        ...(next ? { continuedAs: next } : {}),
        finishedAt: now,
        doneBytes: 0,
        totalBytes: 0,
      }
      this.tasks.append(task)
      this.live.delete(t.taskId)
      this.o.publish({ type: 'task.done', task })
    }
    this.left = dg === undefined ? [] : this.left.filter((x) => x.dg !== dg)
  }

  /** The server is closing: the tasks it aborts now are interrupted, not aborted by anyone (rule 425). */
  stopping(): void {
    this.closing = true
  }

  /** A task the server started: its outcome is its report (or its error), recorded when it settles. */
  claim(dg: string, taskId: string, kind: string, meta: TaskMeta, done: Promise<unknown>): void {
    if (!taskId || this.recorded.has(taskId)) return
    this.held.delete(taskId)
    this.claims.set(taskId, meta)
    this.live.set({ taskId, dg, kind, target: meta.target, volumes: meta.volumes, startedAt: this.running.get(taskId)?.startedAt ?? this.o.clock.now(), ...(meta.startedBy ? { startedBy: meta.startedBy } : {}), ...(meta.continues ? { continues: meta.continues } : {}) })
    done.then(
      (report) => this.finish(dg, taskId, kind, meta, { ok: true, ...(isReport(report) ? { report } : {}) }),
      (e: { code?: string; message?: string; report?: SyncReport }) =>
        this.finish(dg, taskId, kind, meta, { ok: false, aborted: e.code === 'VM_ABORTED', code: e.code ?? 'VM_INTERNAL', message: e.message ?? String(e), ...(e.report ? { report: e.report } : {}) }),
    )
  }

  /**
   * A later task of an operation whose first task is claimed (`claim`): running under the
   * operation's meta, and recorded with its own outcome as its end event comes (rule 469).
   */
  adopt(dg: string, taskId: string, kind: string, meta: TaskMeta): void {
    if (!taskId || this.recorded.has(taskId)) return
    this.adopted.set(taskId, { kind, meta })
    this.live.set({ taskId, dg, kind, target: meta.target, volumes: meta.volumes, startedAt: this.running.get(taskId)?.startedAt ?? this.o.clock.now() })
  }

  private finish(dg: string, taskId: string, kind: string, meta: TaskMeta, r: { ok: true; report?: SyncReport | VerifyReport } | { ok: false; aborted: boolean; code: string; message: string; report?: SyncReport }): void {
    const run = this.running.get(taskId)
    this.running.delete(taskId)
    this.claims.delete(taskId)
    // ended by the server's own stop (which aborts every task and stops every volume; nothing
    // continues it): interrupted, not aborted by anyone (rule 425)
    const interrupted = this.closing && !r.ok && (r.aborted || r.code === 'VM_CLOSED')
    if (interrupted) r = { ok: false, aborted: false, code: 'VM_CLOSED', message: 'the server stopped while it ran (a stop ends its tasks: start it again)', ...(!r.ok && r.report ? { report: r.report } : {}) }
    this.live.delete(taskId)
    this.recorded.add(taskId)
    if (this.recorded.size > 1000) this.recorded.delete(this.recorded.values().next().value!)
    const task: FinishedTask = {
      id: this.nextTaskId++,
      taskId,
      dg,
      kind,
      target: meta.target,
      volumes: meta.volumes,
      outcome: r.ok ? 'ok' : interrupted ? 'interrupted' : r.aborted ? 'aborted' : 'failed',
      ...(r.ok ? {} : { code: r.code as ApiErrorCode, message: r.message }),
      ...(run ? { startedAt: run.startedAt } : {}),
      ...(meta.startedBy ? { startedBy: meta.startedBy } : {}),
      ...(meta.continues ? { continues: meta.continues } : {}),
      ...(meta.tasks ? { tasks: [...meta.tasks] } : {}),
      finishedAt: this.o.clock.now(),
      doneBytes: run?.doneBytes ?? 0,
      totalBytes: run?.totalBytes ?? 0,
      ...(!r.report && WRITES_WHAT_IT_DOES.has(kind) ? { writtenBytes: run?.doneBytes ?? 0 } : {}),
      ...reportFields(r.report),
    }
    this.tasks.append(task)
    if (r.report || !r.ok) {
      this.results.set(taskId, r.ok ? { ok: true, report: r.report! } : { ok: false, code: r.code, message: r.message })
      while (this.results.size > 200) this.results.delete(this.results.keys().next().value!)
    }
    this.o.publish({ type: 'task.done', task })
    const object = meta.target.split(' ')[1]
    if (task.outcome === 'failed') {
      const left = task.sync?.failedCount ? `; ${task.sync.failedCount} region(s) not copied` : ''
      this.engine(dg, { type: 'alert', dg, severity: 'warning', code: task.code ?? 'VM_INTERNAL', message: `${kind} of ${meta.target} failed: ${task.message}${left}`, ...(object ? { object } : {}) } as EngineEventBody)
    }
    if (task.verify?.mismatchCount) {
      this.engine(dg, { type: 'alert', dg, severity: 'critical', code: 'VM_NOTSYNCED', message: `verify of ${task.verify.volume} found ${task.verify.mismatchCount} region(s) where the plexes differ`, object: task.verify.volume } as EngineEventBody)
    }
  }

  /** Every published event passes here (with its frame's size); what is history is kept. */
  record(e: ServerEvent, frameBytes?: number): void {
    if (NOT_HISTORY.has(e.type)) return
    // the history line is the frame's size, near enough ({"id":N,"event":...} vs {"type":"event","event":...})
    this.events.append({ id: this.nextEventId++, event: e }, frameBytes)
  }

  /** What a connecting client gets. */
  view(audit: HistoryView['audit']): HistoryView {
    return { events: this.events.page(ON_CONNECT.events), alerts: this.alerts.all(), tasks: this.tasks.page(ON_CONNECT.tasks), audit }
  }
}

/**
 * The tasks without a copy report whose done bytes are the bytes they wrote (rule 376): an attach,
 * an evacuation's move, a plex copy or move write one target plex, counting a region done once it
 * is written there; a grow counts each piece of zeros once written. A region not written is
 * counted failed, never done.
 */
const WRITES_WHAT_IT_DOES = new Set(['attach', 'grow', 'evacuate', 'unrelocate', 'copy', 'move'])

function isReport(r: unknown): r is SyncReport | VerifyReport {
  return typeof r === 'object' && r !== null && ('mismatches' in r || 'regionsCopied' in r)
}

function reportFields(report: SyncReport | VerifyReport | undefined): Pick<FinishedTask, 'sync' | 'verify'> {
  if (!report) return {}
  if ('mismatches' in report) {
    return { verify: { volume: report.volume, regionSectors: report.regionSectors, regionsChecked: report.regionsChecked, mismatchCount: report.mismatches.length, mismatches: report.mismatches.slice(0, LISTED) } }
  }
  return { sync: { regionsCopied: report.regionsCopied, bytesCopied: report.bytesCopied, bytesWritten: report.bytesWritten, failedCount: report.failedRegions.length, failedRegions: report.failedRegions.slice(0, LISTED), ...(report.volumes ? { volumes: report.volumes } : {}), ...(report.written ? { written: report.written } : {}) } }
}
