import type { Clock } from '@plexa/engine'

/** What the limiter allows: a slot to verify one password in, or how long to wait. */
export type LoginSlot = { ok: true; done(success: boolean): void } | { ok: false; retryAfterMs: number }

interface KeyState {
  /** Times of failed attempts still inside the window. */
  fails: number[]
  /** Attempts being verified now: they count as failures until they turn out right. */
  inflight: number
  /** Consecutive lockouts; each doubles the window (backoff), a success resets it. */
  lockouts: number
}

export interface LoginLimiterOptions {
  /** Attempts (failed or in flight) allowed per key and window. */
  limit?: number
  windowMs?: number
  /** Longest window the backoff reaches. */
  maxWindowMs?: number
  /** Password checks running at once for all clients (each is an scrypt run). */
  maxConcurrent?: number
}

/**
 * Limits password attempts per user and source. An attempt takes its slot before its password is
 * checked, so parallel attempts cannot get past the limit. A client that holds a device cookie (it
 * logged in as that user before) is its own source, so a flood of bad attempts from the same address
 * (every loopback client shares one) does not lock out the administrator's browser. After each
 * lockout the window doubles, up to `maxWindowMs`. At most `maxConcurrent` checks run at once; one
 * more slot is kept for clients with a device cookie.
 */
export class LoginLimiter {
  private readonly keys = new Map<string, KeyState>()
  private readonly clock: Clock
  private readonly limit: number
  private readonly windowMs: number
  private readonly maxWindowMs: number
  private readonly maxConcurrent: number
  private running = 0

  constructor(clock: Clock, o: LoginLimiterOptions = {}) {
    this.clock = clock
    this.limit = o.limit ?? 5
    this.windowMs = o.windowMs ?? 60_000
    this.maxWindowMs = o.maxWindowMs ?? 3600_000
    this.maxConcurrent = o.maxConcurrent ?? 4
  }

  private window(k: KeyState): number {
    return Math.min(this.maxWindowMs, this.windowMs * 2 ** Math.max(0, k.lockouts - 1))
  }

  /** Asks to check a password of `user` from `source` (a device id when the client holds one). */
  attempt(user: string, source: string, trusted: boolean): LoginSlot {
    const key = `${trusted ? 'device' : 'addr'}\u0000${source}\u0000${user}`
    const now = this.clock.now()
    const k = this.keys.get(key) ?? { fails: [], inflight: 0, lockouts: 0 }
    k.fails = k.fails.filter((t) => now - t < this.window(k))
    if (k.fails.length + k.inflight >= this.limit) {
      this.keys.set(key, k)
      const oldest = k.fails[0]
      return { ok: false, retryAfterMs: oldest === undefined ? 1000 : Math.max(1, oldest + this.window(k) - now) }
    }
    if (this.running >= this.maxConcurrent + (trusted ? 1 : 0)) return { ok: false, retryAfterMs: 1000 }
    k.inflight++
    this.running++
    this.keys.set(key, k)
    this.prune()
    let finished = false
    return {
      ok: true,
      done: (success) => {
        if (finished) return
        finished = true
        k.inflight--
        this.running--
        if (success) {
          this.keys.delete(key)
          return
        }
        k.fails.push(this.clock.now())
        if (k.fails.length >= this.limit) k.lockouts++
      },
    }
  }

  /** Forgets keys with nothing in their window, so a spray of user names cannot grow the map. */
  private prune(): void {
    if (this.keys.size < 10_000) return
    const now = this.clock.now()
    for (const [key, k] of this.keys) if (k.inflight === 0 && k.fails.every((t) => now - t >= this.window(k))) this.keys.delete(key)
  }
}
