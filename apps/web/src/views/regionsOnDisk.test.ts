import { describe, expect, it } from 'vitest'
import type { SdRecord } from '@plexa/engine'
import { regionsOnDisk } from './regionsOnDisk.ts'

const sd = (o: Partial<SdRecord>) => ({ sd_name: 'sd', sd_pl_offset: 0, sd_dm_offset: 1000, sd_len: 4096, sd_column: 0, sd_is_log: false, ...o }) as SdRecord
const concat = { pl_layout: 'CONCAT' as const, pl_ncol: 1, pl_st_width: 0 }

/** Every volume block of the regions, mapped one by one as the engine does (mapStripe). */
function bruteForce(s: SdRecord, ncol: number, w: number, regions: number[], rs: number, len: number) {
  const blocks = new Set<number>()
  for (const r of regions)
    for (let b = r * rs; b < Math.min(len, (r + 1) * rs); b++) {
      const u = Math.floor(b / w)
      const column = u % ncol
      const off = Math.floor(u / ncol) * w + (b % w)
      if (column === s.sd_column && off >= s.sd_pl_offset && off < s.sd_pl_offset + s.sd_len) blocks.add(s.sd_dm_offset + off - s.sd_pl_offset)
    }
  return blocks
}

describe('regionsOnDisk (rule 146)', () => {
  it('places a concat subdisk\'s regions at their disk offsets, merging runs and clipping to the subdisk', () => {
    const s = sd({ sd_pl_offset: 2048, sd_len: 2048, sd_dm_offset: 1000 })
    expect(regionsOnDisk(s, concat, [0, 4, 5, 7], 512, 8192)).toEqual([[1000, 2024], [2536, 3048]])
  })

  it('gives nothing for a log subdisk or regions outside the subdisk', () => {
    expect(regionsOnDisk(sd({ sd_is_log: true }), concat, [0], 512, 8192)).toEqual([])
    expect(regionsOnDisk(sd({ sd_len: 512 }), concat, [3], 512, 8192)).toEqual([])
  })

  it.each([
    [2, 64, [0], 512],
    [3, 64, [1, 2, 9], 500],
    [4, 128, [0, 1, 2, 3, 10], 384],
    [2, 100, [7], 1000],
  ])('maps a %i-column stripe of width %i onto each column as the engine does', (ncol, w, regions, rs) => {
    const len = 16 * rs
    for (let c = 0; c < ncol; c++) {
      const s = sd({ sd_column: c, sd_pl_offset: 0, sd_len: Math.ceil(len / ncol / w) * w, sd_dm_offset: 300 })
      const got = new Set<number>()
      for (const [a, b] of regionsOnDisk(s, { pl_layout: 'STRIPE', pl_ncol: ncol, pl_st_width: w }, regions, rs, len)) for (let x = a; x < b; x++) got.add(x)
      expect([...got].sort((x, y) => x - y)).toEqual([...bruteForce(s, ncol, w, regions, rs, len)].sort((x, y) => x - y))
    }
  })
})
