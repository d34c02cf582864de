import type { Clock } from '../clock.ts'
import { EngineError } from '../errors.ts'
import type { TaskProgress } from '../events.ts'
import { AdaptivePace, type AdaptiveTarget, PACE_BURST_MS, PACE_CATCH_UP, PACE_RESERVE, PACE_SLICE_MS } from './adaptivePace.ts'

export type TaskKind = 'attach' | 'resync' | 'recovery' | 'copy' | 'move' | 'verify' | 'repair' | 'grow' | 'relocate'
export type TaskState = 'running' | 'done' | 'failed' | 'aborted'

/** Task ids count up through the process's life: `task-1`, `task-2`, ... (never reused). */
let nextTask = 1

/**
 * Task ids go on after `highest` (as VxVM's task ids keep increasing): a server seeds them from the
 * history it kept, so a task started after a restart never takes the id of one it remembers.
 */
export function continueTaskIds(highest: number): void {
  if (Number.isSafeInteger(highest) && highest >= nextTask) nextTask = highest + 1
}

/** The number of a task id (`task-12` -> 12), undefined for any other string. */
export function taskNumber(id: string): number | undefined {
  const m = /^task-(\d{1,15})$/.exec(id)
  return m ? Number(m[1]) : undefined
}

/**
 * A long-running data operation (attach copy, read-writeback, recovery): bytes done and total,
 * a moving-average rate and an ETA, a phase, and an abort signal.
 */
export class Task {
  readonly id: string
  readonly kind: TaskKind
  readonly volume: string
  /** Every volume the task works on (a disk resync spans several), `volume` first. */
  readonly volumes: readonly string[]
  phase = 'starting'
  /** Bytes the task went through: copied, or failed (`failedBytes`); what its rate and ETA count. */
  doneBytes = 0
  /** Bytes of the regions it went through and could not copy: not done (rule 283). */
  failedBytes = 0
  totalBytes: number
  state: TaskState = 'running'
  rate = 0
  private readonly clock: Clock
  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>
  private readonly controller = new AbortController()
  private paused: { promise: Promise<void>; resume: () => void } | undefined
  /** Bytes per second asked for; 0 = unlimited (or adaptive, see `pace`). */
  private fixedRate = 0
  /** The adaptive rate, when asked for instead of a fixed one. */
  private pace: AdaptivePace | undefined
  /**
   * The throttle's bucket, enforced per time slice: bytes the copy may still move (negative: it
   * moved more and waits); it refills at the rate and holds at most one slice's worth, so a copy
   * held back for a while (a pause, a foreground write it waited for) never catches up in a burst.
   */
  private bucket = { at: 0, bytes: 0 }
  /**
   * The pacing within the bucket (rule 562): it refills at PACE_CATCH_UP times the rate and holds
   * PACE_BURST_MS of it, so a copy behind its rate catches up at that pace, not in a burst.
   */
  private spread = { at: 0, bytes: 0 }
  /** Whether a throttle other than none was ever set (its rate then says nothing of its capacity). */
  private throttled = false
  /** When the task counted its first copied bytes, and how many (its rate counts from there). */
  private firstBytes: { at: number; bytes: number } | undefined
  /** Bytes `gate` charged for units whose `advance` has not come yet. */
  private precharged = 0
  private lastSample: { at: number; bytes: number }
  private lastEmit = -Infinity
  constructor(kind: TaskKind, volume: string, totalBytes: number, clock: Clock, sleep: (ms: number, signal?: AbortSignal) => Promise<void>, others: readonly string[] = []) {
    this.id = `task-${nextTask++}`
    this.kind = kind
    this.volume = volume
    this.volumes = [volume, ...others.filter((x) => x !== volume)].filter((x, i, all) => all.indexOf(x) === i)
    this.totalBytes = totalBytes
    this.clock = clock
    this.sleep = sleep
    this.lastSample = { at: clock.now(), bytes: 0 }
  }

  get signal(): AbortSignal {
    return this.controller.signal
  }

  abort(): void {
    this.controller.abort()
    this.paused?.resume()
  }

  get isPaused(): boolean {
    return this.paused !== undefined
  }

  pause(): void {
    if (this.paused || this.state !== 'running') return
    let resume = () => {}
    const promise = new Promise<void>((r) => (resume = r))
    this.paused = { promise, resume }
  }

  resume(): void {
    const p = this.paused
    this.paused = undefined
    this.restartBucket()
    p?.resume()
  }

  /**
   * A fixed rate in bytes per second (0 = unlimited), or the adaptive rate for a latency target;
   * `capacity`: an earlier copy's of the same volume, which the adaptive rate starts from (rule 563).
   */
  setThrottle(t: number | AdaptiveTarget, capacity = 0): void {
    this.fixedRate = typeof t === 'number' ? t : 0
    if (t !== 0) this.throttled = true
    this.pace = typeof t === 'number' ? undefined : new AdaptivePace(t, () => this.clock.now(), () => this.foregroundWaiting(), PACE_RESERVE, capacity)
    this.restartBucket()
    // the ETA follows the new limit at once, not once the moving average has come down to it
    if (this.fixedRate > 0 && this.rate > this.fixedRate) this.rate = this.fixedRate
  }

  /** An empty bucket from now; a unit under way is charged again as it is counted, at the new rate. */
  private restartBucket(): void {
    this.bucket = { at: this.clock.now(), bytes: 0 }
    this.spread = { ...this.bucket }
    this.precharged = 0
  }

  /** The rate limit now, bytes per second; 0 = unlimited. */
  get throttle(): number {
    return this.pace ? this.pace.rate() : this.fixedRate
  }

  /** The adaptive mode's target, when the task runs in it. */
  get adaptive(): AdaptiveTarget | undefined {
    return this.pace?.target
  }

  /** How long (ms) the oldest foreground write still under way on the task's volumes has taken; set by the copy. */
  foregroundWaiting: () => number = () => 0

  /** A foreground write on a volume the task copies took `ms` (what the adaptive rate watches). */
  foregroundWrite(ms: number): void {
    this.pace?.sample(ms)
  }

  /**
   * What the task moved per second while it was never throttled (bytes per second; 0 for a task
   * ever throttled, or before a slice since its first bytes), or its adaptive rate's capacity
   * (rule 561): what the next adaptive copy of its volume starts from (rule 563).
   */
  get capacity(): number {
    if (this.pace) return this.pace.capacityEstimate
    const first = this.firstBytes
    if (this.throttled || !first) return 0
    const ms = this.clock.now() - first.at
    return ms >= PACE_SLICE_MS ? ((this.doneBytes - this.failedBytes - first.bytes) * 1000) / ms : 0
  }

  /**
   * Between two units of work: honours abort, pause and the throttle. `bytes` is what the next
   * unit will move when the caller knows it (a throttled copy moves one region at a time): it is
   * charged here, before the unit runs, so a unit still under way when the next one asks is
   * already counted (the double-buffered region loop asks for unit i + 1 while unit i is
   * written). A unit of unknown size is charged as `advance` counts it.
   */
  async gate(bytes = 0): Promise<void> {
    for (;;) {
      this.throwIfAborted()
      while (this.paused) {
        await this.paused.promise
        this.throwIfAborted()
      }
      const rate = this.throttle
      const now = this.clock.now()
      if (rate <= 0) {
        this.bucket = { at: now, bytes: 0 }
        this.spread = { at: now, bytes: 0 }
        return
      }
      // the bucket holds at most a slice's worth, or the one unit asked for when larger; what it
      // holds goes at PACE_CATCH_UP times the rate at most (rule 562)
      const fast = rate * PACE_CATCH_UP
      this.bucket = refilled(this.bucket, now, rate, Math.max((rate * PACE_SLICE_MS) / 1000, bytes))
      this.spread = refilled(this.spread, now, fast, Math.max((fast * PACE_BURST_MS) / 1000, bytes))
      // (within a byte: a float's rounding never makes it sleep for nothing, over and over)
      if (this.bucket.bytes >= bytes - 1 && this.spread.bytes >= bytes - 1) {
        this.bucket.bytes -= bytes
        this.spread.bytes -= bytes
        this.precharged += bytes
        return
      }
      // what was counted while it slept stays owed: the bucket refills from where it was; an
      // abort ends the wait at once (rule 485), not once the throttle's sleep is over
      await this.sleepOrAbort(Math.max(((bytes - this.bucket.bytes) * 1000) / rate, ((bytes - this.spread.bytes) * 1000) / fast))
    }
  }

  /** The throttle's sleep of `ms`, over as soon as the task is aborted (the next check throws). */
  private sleepOrAbort(ms: number): Promise<void> {
    const signal = this.controller.signal
    if (signal.aborted) return Promise.resolve()
    return new Promise<void>((resolve) => {
      const woken = () => resolve()
      signal.addEventListener('abort', woken, { once: true })
      this.sleep(ms, signal).then(
        () => {
          signal.removeEventListener('abort', woken)
          resolve()
        },
        () => resolve(),
      )
    })
  }

  throwIfAborted(): void {
    if (this.controller.signal.aborted) throw new EngineError('VM_ABORTED', `task ${this.id} was aborted`)
  }

  /** Adds finished bytes; returns true when a progress event is due (at most every 250 ms). */
  advance(bytes: number, failed = false): boolean {
    this.doneBytes += bytes
    if (failed) this.failedBytes += bytes
    else if (!this.firstBytes && bytes > 0) this.firstBytes = { at: this.clock.now(), bytes }
    const pre = Math.min(bytes, this.precharged)
    this.precharged -= pre
    this.bucket.bytes -= bytes - pre
    this.spread.bytes -= bytes - pre
    this.pace?.moved(bytes)
    const now = this.clock.now()
    const dt = now - this.lastSample.at
    if (dt >= 250) {
      const inst = ((this.doneBytes - this.lastSample.bytes) * 1000) / dt
      this.rate = this.rate === 0 ? inst : this.rate * 0.7 + inst * 0.3
      this.lastSample = { at: now, bytes: this.doneBytes }
    }
    if (now - this.lastEmit >= 250) {
      this.lastEmit = now
      return true
    }
    return false
  }

  /** The rate the ETA counts on: the moving average, never above the limit in force. */
  private expectedRate(): number {
    const limit = this.throttle
    return limit > 0 ? Math.min(this.rate, limit) : this.rate
  }

  progress(): TaskProgress {
    const left = this.totalBytes - this.doneBytes
    return {
      taskId: this.id,
      kind: this.kind,
      volume: this.volume,
      phase: this.paused ? 'paused' : this.phase,
      // what was copied: a region it could not copy is not done, though the task is past it (rule 283)
      doneBytes: this.doneBytes - this.failedBytes,
      ...(this.failedBytes > 0 ? { failedBytes: this.failedBytes } : {}),
      totalBytes: this.totalBytes,
      rate: Math.round(this.rate),
      etaSeconds: this.rate > 0 ? Math.ceil(left / this.expectedRate()) : left === 0 ? 0 : null,
      throttle: Math.round(this.throttle),
      ...(this.pace ? { adaptive: { ...this.pace.target } } : {}),
    }
  }
}

/** `b` refilled at `rate` bytes per second from its time to `now`, holding `cap` at most. */
function refilled(b: { at: number; bytes: number }, now: number, rate: number, cap: number): { at: number; bytes: number } {
  return { at: now, bytes: Math.min(cap, b.bytes + ((now - b.at) * rate) / 1000) }
}
