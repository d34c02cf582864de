/**
 * Per-region shared/exclusive locks for one volume. Foreground writes hold their regions shared;
 * a resync copy holds the region it copies exclusively, so a write never interleaves with the
 * read-source / write-target pair and a target is never left older than its source.
 */
export class RegionLock {
  private shared = new Map<number, number>()
  private exclusive = new Set<number>()
  private waiters: Array<() => void> = []
  /** Foreground holds waiting for a region a copy holds. */
  private blocked = 0

  private wake(): void {
    const w = this.waiters
    this.waiters = []
    for (const f of w) f()
  }

  private wait(): Promise<void> {
    return new Promise((r) => this.waiters.push(r))
  }

  /** Takes shared holds on regions [first, last]. */
  async lockShared(first: number, last: number): Promise<void> {
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
