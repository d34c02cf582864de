/** A set of region numbers (non-negative integers), stored as a growable bitmap. */
export class RegionSet {
  private bits: Uint8Array
  private count = 0

  constructor(capacity = 0) {
    this.bits = new Uint8Array(Math.ceil(Math.max(capacity, 8) / 8))
  }

  static all(n: number): RegionSet {
    const s = new RegionSet(n)
    for (let r = 0; r < n; r++) s.add(r)
    return s
  }

  static fromRanges(ranges: ReadonlyArray<readonly [number, number]>): RegionSet {
    const s = new RegionSet()
    for (const [start, len] of ranges) for (let r = start; r < start + len; r++) s.add(r)
    return s
  }

  get size(): number {
    return this.count
  }

  has(r: number): boolean {
    const i = r >> 3
    return i < this.bits.length && (this.bits[i]! & (1 << (r & 7))) !== 0
  }

  /** Adds `r`; returns true if it was not there. */
  add(r: number): boolean {
    const i = r >> 3
    if (i >= this.bits.length) {
      const grown = new Uint8Array(Math.max(i + 1, this.bits.length * 2))
      grown.set(this.bits)
      this.bits = grown
    }
    const m = 1 << (r & 7)
    if (this.bits[i]! & m) return false
    this.bits[i]! |= m
    this.count++
    return true
  }

  /** Removes `r`; returns true if it was there. */
  delete(r: number): boolean {
    if (!this.has(r)) return false
    this.bits[r >> 3]! &= ~(1 << (r & 7))
    this.count--
    return true
  }

  clear(): void {
    this.bits.fill(0)
    this.count = 0
  }

  *[Symbol.iterator](): Generator<number> {
    for (let i = 0; i < this.bits.length; i++) {
      const b = this.bits[i]!
      if (!b) continue
      for (let k = 0; k < 8; k++) if (b & (1 << k)) yield i * 8 + k
    }
  }

  /** Ascending list of [start, length] runs. */
  ranges(): Array<[number, number]> {
    const out: Array<[number, number]> = []
    for (const r of this) {
      const last = out[out.length - 1]
      if (last && last[0] + last[1] === r) last[1]++
      else out.push([r, 1])
    }
    return out
  }

  clone(): RegionSet {
    const s = new RegionSet()
    s.bits = this.bits.slice()
    s.count = this.count
    return s
  }
}
