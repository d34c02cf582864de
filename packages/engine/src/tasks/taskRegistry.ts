import type { Clock } from '../clock.ts'
import { fail, isEngineError } from '../errors.ts'
import type { EventBus, TaskProgress } from '../events.ts'
import { type AdaptiveTarget, DEFAULT_MIN_RATE } from './adaptivePace.ts'
import { Task, type TaskKind } from './task.ts'

/** A started long-running operation: its task id, and a promise of its outcome. */
export interface TaskHandle<R = unknown> {
  id: string
  done: Promise<R>
}

export type TaskOutcome = 'ok' | 'aborted' | 'failed'

export interface TaskRegistryOptions {
  bus: EventBus
  /** The disk group's name, for the events. */
  group: () => string
  clock: Clock
  /** Waits `ms` of clock time (throttling); it may end early once `signal` aborts (a task's abort). */
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>
  /** Told when a task starts and when it ends (the volume keeps its running tasks). */
  started?: (task: Task) => void
  finished?: (task: Task) => void
}

/**
 * The running tasks of a disk group (attach copies, resyncs, recoveries, verify, repair) and
 * their events: `task.progress` as a task starts, at most every 250 ms of clock time while it
 * runs and as it ends, then `task.finished` with its outcome. Pause, resume, abort and throttle
 * act on a running task by id (VM_NOT_FOUND for any other).
 */
export class TaskRegistry {
  private readonly tasks = new Map<string, Task>()
  private readonly o: TaskRegistryOptions
  /** Volumes a copy still works on after its task ended (handing plexes back, enabling them), with how many hold each. */
  private readonly held = new Map<string, number>()
  /** By volume, what the last copy of it that timed its I/O moved per second of it (rule 563). */
  private readonly capacities = new Map<string, number>()

  constructor(o: TaskRegistryOptions) {
    this.o = o
  }

  /** Starts a task of `kind` on `volume` (and on `others`, for one spanning several) that will move `totalBytes`. */
  start(kind: TaskKind, volume: string, totalBytes: number, others: readonly string[] = []): Task {
    const task = new Task(kind, volume, totalBytes, this.o.clock, this.o.sleep, others)
    this.tasks.set(task.id, task)
    this.o.started?.(task)
    task.phase = kind
    this.emitProgress(task)
    return task
  }

  /** Counts `bytes` gone through (`failed`: not copied); a progress event goes out when one is due. */
  progress(task: Task, bytes: number, failed = false): void {
    if (task.advance(bytes, failed)) this.emitProgress(task)
  }

  /** Ends a task: its last progress, then `task.finished` with the error's code for a failure. */
  finish(task: Task, outcome: TaskOutcome, err?: unknown): void {
    task.state = outcome === 'ok' ? 'done' : outcome
    task.phase = outcome === 'ok' ? 'done' : outcome
    this.tasks.delete(task.id)
    const capacity = task.capacity
    if (capacity > 0) this.capacities.set(task.volume, capacity)
    this.o.finished?.(task)
    this.emitProgress(task)
    const code = isEngineError(err) ? err.code : err ? 'VM_IO' : undefined
    this.o.bus.emit({ type: 'task.finished', dg: this.o.group(), taskId: task.id, kind: task.kind, volume: task.volume, outcome, ...(code ? { code } : {}) })
  }

  /** `finish` with the outcome an error means: an abort is 'aborted', anything else 'failed'. */
  fail(task: Task, err: unknown): void {
    this.finish(task, isEngineError(err, 'VM_ABORTED') ? 'aborted' : 'failed', err)
  }

  /** Whether a running task of `kind` works on `volume` (without `kind`: or a copy still holds it, `hold`). */
  runningOn(volume: string, kind?: TaskKind): boolean {
    if (kind === undefined && this.held.has(volume)) return true
    return [...this.tasks.values()].some((t) => t.volumes.includes(volume) && (kind === undefined || t.kind === kind))
  }

  /**
   * Rule 373: a copy holds its volumes from before its task starts until its follow-up is done
   * (the hand-over of the plexes it made current, the enabling or failing of an attached plex),
   * so no other copy starts in between; returns the release (call it once, in a finally).
   */
  hold(volumes: readonly string[]): () => void {
    for (const v of volumes) this.held.set(v, (this.held.get(v) ?? 0) + 1)
    let released = false
    return () => {
      if (released) return
      released = true
      for (const v of volumes) {
        const n = (this.held.get(v) ?? 1) - 1
        if (n > 0) this.held.set(v, n)
        else this.held.delete(v)
      }
    }
  }

  /**
   * Rule 282: one copy task per volume at a time (vxplex att, vxrecover and vxvol resync take the
   * volume's utility lock; a second is refused as VxVM refuses a locked volume). Fails VM_BUSY when
   * a running task other than a verify (which writes nothing) works on any of `volumes`.
   */
  assertNoCopy(volumes: readonly string[]): void {
    const held = volumes.find((v) => this.held.has(v))
    if (held) fail('VM_BUSY', `volume ${held} is finishing a copy (handing its plexes back): one copy per volume at a time; wait for it to end`)
    const t = [...this.tasks.values()].find((x) => x.kind !== 'verify' && x.volumes.some((v) => volumes.includes(v)))
    if (!t) return
    const v = volumes.find((x) => t.volumes.includes(x))
    fail('VM_BUSY', `volume ${v} has a running ${t.kind} task (${t.id}): one copy per volume at a time; wait for it to end or abort it`)
  }

  list(): TaskProgress[] {
    return [...this.tasks.values()].map((t) => t.progress())
  }

  abortAll(): void {
    for (const t of this.tasks.values()) t.abort()
  }

  abort(id: string): void {
    this.get(id).abort()
  }

  pause(id: string): void {
    const t = this.get(id)
    t.pause()
    this.emitProgress(t)
  }

  resume(id: string): void {
    const t = this.get(id)
    t.resume()
    this.emitProgress(t)
  }

  /**
   * Limits a task to a rate in bytes per second (0 = unlimited), or sets its adaptive mode, which
   * keeps the foreground write p99 within `latencyMs` (rule 161); takes effect at the next region.
   */
  throttle(id: string, t: unknown): void {
    const pace = typeof t === 'object' && t !== null ? checkAdaptive(t) : checkThrottle(t)
    const task = this.get(id)
    // an adaptive copy starts from the capacity the last copy of its volume had (rule 563)
    task.setThrottle(pace, this.capacities.get(task.volume))
    // the clients see the new limit and the ETA it means at once
    this.emitProgress(task)
  }

  private get(id: string): Task {
    return this.tasks.get(id) ?? fail('VM_NOT_FOUND', `no running task ${String(id)}`)
  }

  private emitProgress(task: Task): void {
    this.o.bus.emit({ type: 'task.progress', dg: this.o.group(), ...task.progress() })
  }
}

/** An adaptive mode: `{ adaptive: { latencyMs, minBytesPerSecond? } }`, a positive latency target. */
export function checkAdaptive(t: object): AdaptiveTarget {
  const a = (t as { adaptive?: unknown }).adaptive
  const keys = Object.keys(t)
  if (keys.length !== 1 || keys[0] !== 'adaptive' || typeof a !== 'object' || a === null) fail('VM_INVALID_PARAM', 'an adaptive throttle is { adaptive: { latencyMs, minBytesPerSecond? } }')
  const { latencyMs, minBytesPerSecond, ...rest } = a as { latencyMs?: unknown; minBytesPerSecond?: unknown }
  if (Object.keys(rest).length > 0) fail('VM_INVALID_PARAM', `unknown adaptive throttle field ${Object.keys(rest)[0]}`)
  if (typeof latencyMs !== 'number' || !Number.isFinite(latencyMs) || latencyMs <= 0 || latencyMs > 60_000) fail('VM_INVALID_PARAM', 'latencyMs must be a number of milliseconds in (0, 60000]')
  const min = minBytesPerSecond === undefined ? DEFAULT_MIN_RATE : checkThrottle(minBytesPerSecond)
  return { latencyMs, minBytesPerSecond: min }
}

/** A throttle in bytes per second: a non-negative number, 0 (or none) for unlimited. */
export function checkThrottle(t: unknown): number {
  if (t === undefined) return 0
  if (typeof t !== 'number' || !Number.isFinite(t) || t < 0) fail('VM_INVALID_PARAM', 'throttle must be a non-negative number of bytes per second')
  return t
}
