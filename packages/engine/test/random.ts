/** Seeded PRNG (mulberry32) so fuzz runs are reproducible from their seed. */
export function createRandom(seed: number) {
  let a = seed >>> 0
  function next(): number {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  return {
    next,
    int(lo: number, hi: number): number {
      return lo + Math.floor(next() * (hi - lo + 1))
    },
    bytes(n: number): Buffer {
      const b = Buffer.alloc(n)
      for (let i = 0; i < n; i += 4) b.writeUInt32LE((next() * 4294967296) >>> 0, i)
      return b
    },
    pick<T>(xs: readonly T[]): T {
      return xs[Math.floor(next() * xs.length)]!
    },
  }
}
