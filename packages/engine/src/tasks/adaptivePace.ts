/**
 * The adaptive copy rate (like DRBD's c-plan-ahead controller): it watches the latency of the
 * foreground writes of the volumes a copy works on and lets the copy run unlimited while none is
 * seen. While they run it decides once per epoch: an epoch lasts at least a slice and until it
 * holds PACE_SAMPLES writes (or PACE_EPOCH_MAX_MS passed), because the p99 of a hundred samples is
 * their largest, and one preempted write would halve the rate; it ends early once 1% of
 * PACE_SAMPLES writes took longer than the target (its p99 could no longer be within). At the end
 * of an epoch the rate is scaled by target / p99: down (at most halved, never below `minBytesPerSecond`) while the p99 is
 * above the target, up (at most by half) while it is within; once the limit is well above
 * what the copy really moves it is lifted. It remembers the highest rate an epoch held within the
 * target at: an epoch within below it goes back to it at once (after a burst of slow writes the
 * copy did not cause, another tenant's or a preempted thread's, the rate is back in one epoch,
 * not PACE_STEP_UP at a time from the floor), and an epoch above the target at it or above makes
 * it worth PACE_GOOD_DECAY less (what held may no longer); one above it unlimited makes it worth
 * PACE_GOOD_DECAY of what that epoch moved, if less. A foreground write that has waited longer than the
 * target ends the epoch at once, so a copy that starves it slows down without delay. No epoch
 * sets the limit below the reservation, PACE_RESERVE of the copy's capacity: what it moved
 * unlimited beside foreground writes, averaged over its unlimited epochs, or what the last
 * unthrottled copy of its volume moved (rules 561, 563). Time comes from `now`, so the controller
 * is tested with a fake clock.
 */
export interface AdaptiveTarget {
  /** The foreground write p99 (ms) to keep within. */
  latencyMs: number
  /** The copy never goes slower than this (bytes per second). */
  minBytesPerSecond: number
}

/** The time slice a rate holds for at least, and the throttle's bucket (ms). */
export const PACE_SLICE_MS = 100
/**
 * A throttled copy behind its rate (held back by a foreground write, a slow disk, a preempted
 * thread) catches up at this many times its rate, never at full speed (rule 562): before, what a
 * slice's bucket held went at once, a burst of up to 100 ms at the unthrottled rate beside the
 * foreground writes.
 */
export const PACE_CATCH_UP = 1.5
/** What the catch-up pacing lets through at once (ms of PACE_CATCH_UP times the rate, or the one unit asked for when larger). */
export const PACE_BURST_MS = 5
/**
 * Foreground writes an epoch waits for before it decides: its p99 is then the 20th largest, and
 * the share of writes above the target it reacts to is close to the long-run one (with 400, an
 * epoch with 4 slow writes in it halved the rate though fewer than 1% were slow overall).
 */
export const PACE_SAMPLES = 2000
/** An epoch decides after this long (ms) however few writes it saw. */
export const PACE_EPOCH_MAX_MS = 1000
/** The rate floor when none is asked for: 4 MiB/s. */
export const DEFAULT_MIN_RATE = 4 << 20
/** The most one epoch scales the rate by, down and up. */
const STEP_DOWN = 0.5
export const PACE_STEP_UP = 1.5
/** What the rate that held is worth once an epoch at it (or above) is above the target. */
export const PACE_GOOD_DECAY = 0.8
/**
 * The share of its capacity beside foreground writes (rule 561) that an adaptive copy keeps
 * whatever their latency (rule 312): its reservation, as DRBD's c-min-rate or mClock's
 * reservation. Where the machine cannot hold the target with the copy running at all (two cores
 * shared: a copy between two other files, by another process, at half the rate already took
 * the p99 to 3.66x idle), a copy cut by target / p99 went to its floor (the bench: 0.06 of its
 * unthrottled rate) and a mirror stayed without redundancy for days; with it, the copy still
 * ends, and the foreground gets everything above it.
 */
export const PACE_RESERVE = 0.5
/**
 * How far what an unlimited epoch moved moves the capacity the reservation is a share of (rule
 * 561): an exponential average, not the most it ever moved, so one epoch of page-cache speed
 * (the bench: 2486 MiB/s in an epoch, 1259 over the window) does not set the reservation at the
 * whole unthrottled rate.
 */
export const PACE_CAPACITY_WEIGHT = 0.3

/** What one epoch of an adaptive copy saw and decided (benchmarks trace them, `tracePace`). */
export interface PaceEpoch {
  /** When it ended (ms, the pace's clock). */
  at: number
  elapsedMs: number
  samples: number
  /** Samples above the target. */
  over: number
  p99Ms: number
  /** The oldest foreground write still under way as it ended (ms). */
  pendingMs: number
  /** What the copy moved, bytes per second. */
  movedBps: number
  /** The limit before and after (bytes per second, 0 = unlimited). */
  from: number
  to: number
  /** The capacity estimate after it (bytes per second, rule 561). */
  capacityBps: number
}

let tracer: ((e: PaceEpoch) => void) | undefined
/** Calls `fn` with every epoch an adaptive copy decides on (undefined stops); for benchmarks. */
export function tracePace(fn: ((e: PaceEpoch) => void) | undefined): void {
  tracer = fn
}

export class AdaptivePace {
  readonly target: AdaptiveTarget
  private readonly now: () => number
  /** Bytes per second the copy may move; 0 = unlimited. */
  private limit = 0
  private epochStart: number
  private lastSample = -Infinity
  private samples: number[] = []
  /** Samples of this epoch above the target. */
  private over = 0
  private copied = 0
  /** The highest rate an epoch held within the target at (bytes per second), worth less each time it no longer does. */
  private good = 0
  /**
   * Whether the copy has moved any data yet: until it has, the foreground's latency is not its
   * doing (a resync begins with configuration commits and flushes, each slowing the foreground
   * writes, while it moves nothing), and an epoch then cut the rate from what it moved, nothing,
   * to the floor, from which it climbed PACE_STEP_UP an epoch (the bench's adaptive line: 5, 8,
   * 13, 19, 28 MiB/s a second apart).
   */
  private started = false
  /** How long the oldest foreground write still under way has waited (ms), 0 for none. */
  private readonly pendingAge: () => number

  /** The reservation's share (PACE_RESERVE; 0: none, the floor alone). */
  private readonly reserve: number
  /**
   * What the copy moves unlimited beside foreground writes (bytes per second): the reservation's
   * base (rules 312, 561, 563).
   */
  private capacity = 0

  /**
   * `capacity`: what an earlier copy of the same volume moved unthrottled (rule 563): the copy starts at its reservation of it, not unlimited (an unlimited first epoch is
   * 100 ms or more of foreground writes beside the unthrottled copy: at 3000 writes a second,
   * 2.5% of a 4 s window's, past its whole p99).
   */
  constructor(target: AdaptiveTarget, now: () => number, pendingAge: () => number = () => 0, reserve = PACE_RESERVE, capacity = 0) {
    this.target = target
    this.now = now
    this.pendingAge = pendingAge
    this.reserve = reserve
    this.epochStart = now()
    this.capacity = capacity
    if (capacity > 0) this.limit = this.lowest()
  }

  /** The lowest limit an epoch sets: the floor, or the reservation when higher (rule 312). */
  private lowest(): number {
    return Math.max(this.target.minBytesPerSecond, this.reserve * this.capacity)
  }

  /** A foreground write took `ms`. */
  sample(ms: number): void {
    this.samples.push(ms)
    if (ms > this.target.latencyMs) this.over++
    this.lastSample = this.now()
    this.tick()
  }

  /** The copy moved `bytes`. */
  moved(bytes: number): void {
    if (!this.started && bytes > 0) {
      // the first epoch starts with the copy's first bytes
      this.started = true
      this.newEpoch(this.now())
    }
    this.tick()
    this.copied += bytes
  }

  /** The copy's capacity estimate (bytes per second; 0 before any): the reservation is its PACE_RESERVE share. */
  get capacityEstimate(): number {
    return this.capacity
  }

  /** The copy's rate limit now, bytes per second; 0 = unlimited. */
  rate(): number {
    this.tick()
    return this.limit
  }

  private tick(): void {
    const now = this.now()
    const elapsed = now - this.epochStart
    if (elapsed < PACE_SLICE_MS) return
    if (!this.started) return this.newEpoch(now)
    const pending = this.pendingAge()
    const seen = this.samples.length > 0 || pending > 0
    const decided = pending > this.target.latencyMs || this.over >= PACE_SAMPLES / 100 || this.samples.length >= PACE_SAMPLES || elapsed >= PACE_EPOCH_MAX_MS
    if (!seen || (!decided && pending === 0 && now - this.lastSample >= PACE_SLICE_MS)) {
      // no foreground write for a slice: nothing to hold the copy back for
      this.limit = 0
      return this.newEpoch(now)
    }
    if (!decided) return
    const moved = (this.copied * 1000) / elapsed
    const q = p99(pending > 0 ? [...this.samples, pending] : this.samples)
    const before = this.limit
    // the reservation's base moves towards what an unlimited epoch moved (rule 561)
    if (before === 0) this.capacity = this.capacity === 0 ? moved : this.capacity + PACE_CAPACITY_WEIGHT * (moved - this.capacity)
    const scale = q > 0 ? Math.min(PACE_STEP_UP, Math.max(STEP_DOWN, this.target.latencyMs / q)) : PACE_STEP_UP
    if (scale < 1) {
      const from = this.limit || Math.max(moved, this.target.minBytesPerSecond)
      // the rate that held no longer does at that rate: it is worth less (a slower rate still
      // above the target says nothing of it: the foreground is slow for another reason). An
      // unlimited epoch ran above any limit: what held is now worth less than what it moved, or
      // going back to it would lift the limit again (above twice what the copy moves) and the
      // copy would starve the foreground in every other epoch
      if (this.limit === 0) this.good = Math.min(this.good, from) * PACE_GOOD_DECAY
      else if (from >= this.good) this.good *= PACE_GOOD_DECAY
      this.limit = Math.max(this.lowest(), from * scale)
    } else if (this.limit > 0) {
      this.good = Math.max(this.good, this.limit)
      this.limit *= scale
      // a limit twice what the copy moves no longer holds it back
      if (moved > 0 && this.limit > 2 * moved) this.limit = 0
      // below the rate that held: back to it in one epoch, not PACE_STEP_UP at a time (after a
      // burst of slow writes it did not cause, from the floor that took 9 or more epochs)
      else this.limit = Math.max(this.limit, this.good)
    } else this.good = Math.max(this.good, moved)
    tracer?.({ at: now, elapsedMs: elapsed, samples: this.samples.length, over: this.over, p99Ms: q, pendingMs: pending, movedBps: moved, from: before, to: this.limit, capacityBps: this.capacity })
    this.newEpoch(now)
  }

  private newEpoch(now: number): void {
    this.epochStart = now
    this.samples = []
    this.over = 0
    this.copied = 0
  }
}

/** The 99th percentile of `xs` (the largest of fewer than 100). */
export function p99(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.floor(s.length * 0.99))] ?? 0
}
