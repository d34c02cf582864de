/**
 * Per-region shared/exclusive locks for one volume. Foreground writes hold their regions shared;
 * a resync copy holds the region it copies exclusively, so a write never interleaves with the
 * read-source / write-target pair and a target is never left older than its source.
 */
export class RegionLock {
  private shared = new Map<number, number>()
  private exclusive = new Set<number>()
  private waiters: Array<() => void> = []

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
      await this.wait()
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

  unlockExclusive(r: number): void {
    this.exclusive.delete(r)
    this.wake()
  }

  /** True when nothing holds any region. */
  get idle(): boolean {
    return this.shared.size === 0 && this.exclusive.size === 0
  }
}
