/**
 * Per-region shared/exclusive locks for one volume. Foreground writes hold their regions shared;
 * a resync copy holds the region it copies exclusively, so a write never interleaves with the
 * read-source / write-target pair and a target is never left older than its source.
 */
export class RegionLock {
  private readonly now: () => number
  /** When each shared hold under way began, by its regions, oldest first. */
  private sharedSince = new Map<string, number[]>()
  private watchers = new Set<(ms: number) => void>()
  constructor(now: () => number = () => performance.now()) {
    this.now = now
  }
  private shared = new Map<number, number>()
  private exclusive = new Set<number>()
  private waiters: Array<() => void> = []
  /** Foreground holds waiting for a region a copy holds. */
  private blocked = 0
  private taken = 0

  /** Shared holds asked for since the lock was made (a copy compares it between its units). */
  get sharedTaken(): number {
    return this.taken
  }

  private wake(): void {
    const w = this.waiters
    this.waiters = []
    for (const f of w) f()
  }

  private wait(): Promise<void> {
    return new Promise((r) => this.waiters.push(r))
  }

  /**
   * Calls `fn` with how long (ms) each shared hold took, from its request to its release: the
   * foreground writes' latency a copy's adaptive rate watches. Returns the unwatch.
   */
  watchShared(fn: (ms: number) => void): () => void {
    this.watchers.add(fn)
    return () => void this.watchers.delete(fn)
  }

  /** How long (ms) the oldest shared hold still under way (or waiting) has taken; 0 for none. */
  oldestShared(): number {
    let oldest = Infinity
    for (const q of this.sharedSince.values()) oldest = Math.min(oldest, q[0] ?? Infinity)
    return oldest === Infinity ? 0 : this.now() - oldest
  }

  /** Takes shared holds on regions [first, last]. */
  async lockShared(first: number, last: number): Promise<void> {
    this.taken++
    if (this.watchers.size > 0) {
      // timed only while a copy watches: a plain write pays nothing for it
      const key = `${first}:${last}`
      const q = this.sharedSince.get(key)
      if (q) q.push(this.now())
      else this.sharedSince.set(key, [this.now()])
    }
    for (;;) {
      let blocked = false
      for (let r = first; r <= last; r++) if (this.exclusive.has(r)) blocked = true
      if (!blocked) break
      this.blocked++
      try {
        await this.wait()
      } finally {
        this.blocked--
      }
    }
    for (let r = first; r <= last; r++) this.shared.set(r, (this.shared.get(r) ?? 0) + 1)
  }

  unlockShared(first: number, last: number): void {
    const q = this.sharedSince.size > 0 ? this.sharedSince.get(`${first}:${last}`) : undefined
    const since = q?.shift()
    if (q && q.length === 0) this.sharedSince.delete(`${first}:${last}`)
    if (since !== undefined && this.watchers.size > 0) {
      const ms = this.now() - since
      for (const f of this.watchers) f(ms)
    }
    for (let r = first; r <= last; r++) {
      const n = (this.shared.get(r) ?? 1) - 1
      if (n) this.shared.set(r, n)
      else this.shared.delete(r)
    }
    this.wake()
  }

  /** Takes region `r` exclusively, after every shared holder has left. */
  async lockExclusive(r: number): Promise<void> {
    while (this.exclusive.has(r)) await this.wait()
    this.exclusive.add(r) // new shared holders now wait
    while (this.shared.has(r)) await this.wait()
  }

  /** Takes region `r` exclusively only if nothing holds or waits for it now; never waits. */
  tryLockExclusive(r: number): boolean {
    if (this.exclusive.has(r) || this.shared.has(r) || this.blocked > 0) return false
    this.exclusive.add(r)
    return true
  }

  /** True while a foreground hold waits behind a copy's exclusive region. */
  get contended(): boolean {
    return this.blocked > 0
  }

  unlockExclusive(r: number): void {
    this.exclusive.delete(r)
    this.wake()
  }

  /** True when nothing holds any region. */
  get idle(): boolean {
    return this.shared.size === 0 && this.exclusive.size === 0
  }
}
