import { describe, expect, it } from 'vitest'
import type { Config } from '@plexa/engine'
import { layoutDisk, layoutVolume, regionRects } from './layout.ts'

const cfg = {
  disks: [{ dm_rid: 1, dm_name: 'd1', dm_priv_len: 100, dm_pub_len: 900 }],
  volumes: [{ v_rid: 2, v_name: 'v', v_len: 1000 }],
  plexes: [
    { pl_rid: 3, pl_name: 'v-01', pl_vol_rid: 2, pl_layout: 'CONCAT', pl_ncol: 1, pl_len: 1000 },
    { pl_rid: 4, pl_name: 'v-02', pl_vol_rid: 2, pl_layout: 'STRIPE', pl_ncol: 2, pl_len: 1000, pl_st_width: 100 },
    { pl_rid: 5, pl_name: 'v-03', pl_vol_rid: 2, pl_layout: 'CONCAT', pl_ncol: 1, pl_len: 0 },
  ],
  subdisks: [
    { sd_rid: 10, sd_plex_rid: 3, sd_dm_rid: 1, sd_pl_offset: 0, sd_len: 250, sd_column: 0, sd_is_log: false, sd_dm_offset: 0 },
    { sd_rid: 11, sd_plex_rid: 3, sd_dm_rid: 1, sd_pl_offset: 500, sd_len: 500, sd_column: 0, sd_is_log: false, sd_dm_offset: 400 },
    { sd_rid: 12, sd_plex_rid: 4, sd_dm_rid: 9, sd_pl_offset: 0, sd_len: 500, sd_column: 0, sd_is_log: false, sd_dm_offset: 0 },
    { sd_rid: 13, sd_plex_rid: 4, sd_dm_rid: 9, sd_pl_offset: 0, sd_len: 500, sd_column: 1, sd_is_log: false, sd_dm_offset: 0 },
    { sd_rid: 14, sd_plex_rid: 5, sd_dm_rid: 1, sd_pl_offset: 0, sd_len: 2, sd_column: 0, sd_is_log: true, sd_dm_offset: 300 },
  ],
} as unknown as Config

describe('layoutVolume', () => {
  const box = layoutVolume(cfg, cfg.volumes[0]!, 1016)
  it('places concat subdisks at their plex offsets along the volume and marks the holes', () => {
    const p = box.plexes[0]!
    expect(p.subdisks.map((s) => [s.x, s.w])).toEqual([[8, 250], [508, 500]])
    expect(p.holes.map((h) => [h.x, h.w])).toEqual([[258, 250]])
  })
  it('gives each stripe column its own lane over the whole plex', () => {
    const p = box.plexes[1]!
    expect(p.subdisks.map((s) => [s.column, s.x, s.w])).toEqual([[0, 8, 1000], [1, 8, 1000]])
    expect(p.subdisks[1]!.y).toBeGreaterThan(p.subdisks[0]!.y)
  })
  it('recognises a log plex and sets its log subdisk apart', () => {
    const p = box.plexes[2]!
    expect(p.log).toBe(true)
    expect(p.subdisks[0]!.column).toBe(-1)
    expect(p.holes).toEqual([])
  })
})

describe('regionRects', () => {
  it('merges consecutive regions into one rectangle and clips the last one to the length', () => {
    const r = regionRects([0, 1, 5, 9], 100, 950, { x: 0, y: 0, w: 950, h: 4 })
    expect(r.map((x) => [x.x, x.w])).toEqual([[0, 200], [500, 100], [900, 50]])
  })
})

describe('layoutDisk', () => {
  it('draws the private region, the subdisks at their offsets, and the free gaps', () => {
    const d = layoutDisk(cfg, cfg.disks[0]!, 1000, 0)
    expect([d.privateRegion.x, d.privateRegion.w]).toEqual([0, 100])
    expect(d.subdisks.map((s) => [s.x, s.w])).toEqual([[100, 250], [400, 2], [500, 500]])
    expect(d.free.map((f) => [f.x, f.w])).toEqual([[350, 50], [402, 98]])
  })
})

describe('visibleRange', () => {
  it('returns only the items overlapping the viewport plus a margin', async () => {
    const { visibleRange } = await import('./useWindow.ts')
    const offsets = Array.from({ length: 1001 }, (_, i) => i * 20) // 1000 rows of 20
    expect(visibleRange(offsets, 0, 100, 0)).toEqual([0, 6])
    expect(visibleRange(offsets, 2000, 100, 40)).toEqual([98, 108])
    expect(visibleRange(offsets, 19990, 100, 0)).toEqual([999, 1000])
    expect(visibleRange([0], 0, 100)).toEqual([0, 0])
  })
})
