/**
 * The adaptive copy rate (like DRBD's c-plan-ahead controller): it watches the latency of the
 * foreground writes of the volumes a copy works on and, slice by slice, lets the copy run
 * unlimited while no foreground write is seen, halves its rate while their p99 in a slice is above
 * the target (never below `minBytesPerSecond`), and raises it by a quarter while it is within;
 * once the limit is well above what the copy really moves it is lifted. Time comes from `now`, so
 * the controller is tested with a fake clock.
 */
export interface AdaptiveTarget {
  /** The foreground write p99 (ms) to keep within. */
  latencyMs: number
  /** The copy never goes slower than this (bytes per second). */
  minBytesPerSecond: number
}

/** The time slice a rate holds for and the controller decides in (ms). */
export const PACE_SLICE_MS = 100
/** The rate floor when none is asked for: 4 MiB/s. */
export const DEFAULT_MIN_RATE = 4 << 20

export class AdaptivePace {
  readonly target: AdaptiveTarget
  private readonly now: () => number
  /** Bytes per second the copy may move; 0 = unlimited. */
  private limit = 0
  private sliceStart: number
  private samples: number[] = []
  private copied = 0
  /** How long the oldest foreground write still under way has waited (ms), 0 for none. */
  private readonly pendingAge: () => number

  constructor(target: AdaptiveTarget, now: () => number, pendingAge: () => number = () => 0) {
    this.target = target
    this.now = now
    this.pendingAge = pendingAge
    this.sliceStart = now()
  }

  /** A foreground write took `ms`. */
  sample(ms: number): void {
    this.tick()
    this.samples.push(ms)
  }

  /** The copy moved `bytes`. */
  moved(bytes: number): void {
    this.tick()
    this.copied += bytes
  }

  /** The copy's rate limit now, bytes per second; 0 = unlimited. */
  rate(): number {
    this.tick()
    return this.limit
  }

  /** Ends the slices that are over: the first one decides, the idle ones after it leave the rate. */
  private tick(): void {
    const now = this.now()
    if (now - this.sliceStart < PACE_SLICE_MS) return
    const elapsed = now - this.sliceStart
    const pending = this.pendingAge()
    const seen = pending > 0 ? [...this.samples, pending] : this.samples
    const moved = (this.copied * 1000) / elapsed
    if (seen.length === 0) this.limit = 0
    else if (p99(seen) > this.target.latencyMs) this.limit = Math.max(this.target.minBytesPerSecond, (this.limit || Math.max(moved, this.target.minBytesPerSecond)) / 2)
    else if (this.limit > 0) {
      this.limit *= 1.25
      // a limit twice what the copy moves no longer holds it back
      if (moved > 0 && this.limit > 2 * moved) this.limit = 0
    }
    this.sliceStart = now
    this.samples = []
    this.copied = 0
  }
}

/** The 99th percentile of `xs` (the largest of fewer than 100). */
export function p99(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.floor(s.length * 0.99))] ?? 0
}
