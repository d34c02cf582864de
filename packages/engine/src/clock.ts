/** Injected time source, so tests control time. Milliseconds. */
export interface Clock {
  now(): number
  /**
   * Milliseconds with sub-millisecond resolution, for timing what takes less than one: the
   * foreground writes an adaptive copy watches (rule 311). Only differences of it mean anything.
   * A clock without it times with `now`.
   */
  precise?(): number
  /**
   * Runs `fn` once `ms` of this clock's time has passed; returns a cancel function. A clock without
   * it runs nothing later by itself (work that would be scheduled waits for its next trigger).
   */
  after?(ms: number, fn: () => void): () => void
}

export const systemClock: Clock = {
  now: () => Date.now(),
  // Date.now() counts whole milliseconds: a 0.1 ms write that spans a tick read as 1 ms
  precise: () => performance.now(),
  after(ms, fn) {
    const t = setTimeout(fn, ms)
    t.unref() // a pending lazy clean never keeps the process alive
    return () => clearTimeout(t)
  },
}

/** A clock that only moves when told to; its timers fire, in due order, as it is advanced. */
export function createManualClock(start = 0): Clock & { advance(ms: number): void; pendingTimers(): number } {
  let t = start
  let nextId = 0
  const timers = new Map<number, { due: number; fn: () => void }>()
  return {
    now: () => t,
    after(ms, fn) {
      const id = nextId++
      timers.set(id, { due: t + Math.max(0, ms), fn })
      return () => void timers.delete(id)
    },
    advance(ms: number) {
      const end = t + ms
      for (;;) {
        let next: [number, { due: number; fn: () => void }] | undefined
        for (const e of timers) if (e[1].due <= end && (!next || e[1].due < next[1].due)) next = e
        if (!next) break
        timers.delete(next[0])
        t = Math.max(t, next[1].due)
        next[1].fn()
      }
      t = end
    },
    pendingTimers: () => timers.size,
  }
}
