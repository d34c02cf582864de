import { describe, expect, it } from 'vitest'
import type { Config } from '@plexa/engine'
import { MIN_SD_W, abbreviateName, fitLabel, fitName, indexConfig, layoutDisk, layoutVolume, regionRects, rulerTicks, volumeHeight } from './layout.ts'
import { pan, zoomBy } from './zoom.ts'

const MiB = 2048 // sectors
const sd = (rid: number, name: string, plex: number, plName: string, disk: number, dmName: string, plOff: number, len: number, dmOff: number, column = 0, log = false) => ({ sd_rid: rid, sd_name: name, sd_plex_rid: plex, sd_pl_name: plName, sd_dm_rid: disk, sd_dm_name: dmName, sd_pl_offset: plOff, sd_len: len, sd_dm_offset: dmOff, sd_column: column, sd_is_log: log })
const cfg = {
  disks: [
    { dm_rid: 1, dm_name: 'd1', dm_priv_len: 100 * MiB, dm_pub_len: 900 * MiB },
    { dm_rid: 9, dm_name: 'd9', dm_priv_len: 0, dm_pub_len: 500 * MiB },
  ],
  volumes: [{ v_rid: 2, v_name: 'v', v_len: 1000 * MiB }],
  plexes: [
    { pl_rid: 3, pl_name: 'v-01', pl_v_name: 'v', pl_vol_rid: 2, pl_layout: 'CONCAT', pl_ncol: 1, pl_len: 1000 * MiB },
    { pl_rid: 4, pl_name: 'v-02', pl_v_name: 'v', pl_vol_rid: 2, pl_layout: 'STRIPE', pl_ncol: 2, pl_len: 1000 * MiB, pl_st_width: 128 },
    { pl_rid: 5, pl_name: 'v-03', pl_v_name: 'v', pl_vol_rid: 2, pl_layout: 'CONCAT', pl_ncol: 1, pl_len: 0 },
  ],
  subdisks: [
    sd(10, 'd1-01', 3, 'v-01', 1, 'd1', 0, 250 * MiB, 0),
    sd(11, 'd1-02', 3, 'v-01', 1, 'd1', 500 * MiB, 500 * MiB, 400 * MiB),
    sd(12, 'd9-01', 4, 'v-02', 9, 'd9', 0, 500 * MiB, 0, 0),
    sd(13, 'd9-02', 4, 'v-02', 9, 'd9', 0, 500 * MiB, 0, 1),
    sd(14, 'd1-03', 5, 'v-03', 1, 'd1', 0, 2, 300 * MiB, 0, true),
  ],
} as unknown as Config

// rule 88: drawings fill their width and zoom; subdisks are named boxes; lanes, logs and holes drawn
describe('layoutVolume', () => {
  const box = layoutVolume(cfg, cfg.volumes[0]!, 1016)
  it('places concat subdisks at their plex offsets across the whole width and marks the holes with their size', () => {
    const p = box.plexes[0]!
    expect(p.subdisks.map((s) => [s.x, s.w])).toEqual([[8, 250], [508, 500]])
    expect(p.holes.map((h) => [h.x, h.w, h.label])).toEqual([[258, 250, 'hole · 250 MiB at 250 MiB']])
  })
  it('names each subdisk box with its disk, offset and length where it fits', () => {
    expect(box.plexes[0]!.subdisks.map((s) => s.label)).toEqual(['d1-01 · 250 MiB · d1 @ 0 B', 'd1-02 · 500 MiB · d1 @ 400 MiB'])
  })
  it('abbreviates where the box is narrow, and keeps everything in the full text', () => {
    const narrow = layoutVolume(cfg, cfg.volumes[0]!, 316).plexes[0]!.subdisks
    expect(narrow.map((s) => s.label)).toEqual(['d1-01', 'd1-02 · 500 MiB'])
    expect(narrow[0]!.full).toBe('d1-01 · 250 MiB · d1 @ 0 B')
  })
  it('gives each stripe column its own labelled lane over the whole plex', () => {
    const p = box.plexes[1]!
    expect(p.lanes).toBe(2)
    expect(p.subdisks.map((s) => [s.column, s.x, s.w])).toEqual([[0, 8, 1000], [1, 8, 1000]])
    expect(p.subdisks[1]!.y).toBeGreaterThan(p.subdisks[0]!.y)
    expect(p.subdisks.map((s) => s.label)).toEqual(['col 0 · d9-01 · 500 MiB · d9 @ 0 B', 'col 1 · d9-02 · 500 MiB · d9 @ 0 B'])
  })
  it('recognises a log plex and draws its log subdisk as a box of its own, with its size', () => {
    const p = box.plexes[2]!
    expect(p.log).toBe(true)
    expect(p.subdisks[0]!.column).toBe(-1)
    expect(p.subdisks[0]!.label).toBe('log d1-03 · 1 KiB · d1 @ 300 MiB')
    expect(p.holes).toEqual([])
  })
  it('is as tall as volumeHeight says, without laying out', () => {
    expect(box.h).toBe(volumeHeight(indexConfig(cfg), cfg.volumes[0]!))
  })
  it('zooms into part of the address space: what is outside is clipped, the ruler follows', () => {
    const z = layoutVolume(cfg, cfg.volumes[0]!, 1016, { from: 0.5, to: 0.75 })
    expect(z.plexes[0]!.subdisks.map((s) => [s.sd.sd_name, s.x, s.w])).toEqual([['d1-02', 8, 1000]])
    expect(z.plexes[0]!.holes).toEqual([])
    expect(z.ticks[0]!.sectors).toBeGreaterThanOrEqual(500 * MiB)
    expect(z.ticks.at(-1)!.sectors).toBeLessThanOrEqual(750 * MiB)
  })
})

describe('fitLabel', () => {
  it.each([
    [['a long label', 'short', 'nm'], 200, 'a long label'],
    [['a long label', 'short', 'nm'], 50, 'short'],
    [['a long label', 'a-name'], 40, 'a-n…'],
    [['a long label', 'a-name'], 20, ''],
  ])('picks from %j at %d px: %s', (c, w, out) => {
    expect(fitLabel(c, w)).toBe(out)
  })
})

describe('rulerTicks', () => {
  it('marks round binary sizes about 90 px apart', () => {
    expect(rulerTicks(0, 1000 * MiB, 900)).toEqual([0, 128, 256, 384, 512, 640, 768, 896].map((m) => m * MiB))
  })
})

describe('regionRects', () => {
  it('merges consecutive regions into one rectangle and clips the last one to the length', () => {
    const r = regionRects([0, 1, 5, 9], 100, 950, { x: 0, y: 0, w: 950, h: 4 })
    expect(r.map((x) => [x.x, x.w])).toEqual([[0, 200], [500, 100], [900, 50]])
  })
})

// rule 89: the disk view names every subdisk with its volume and plex, free extents with their sizes
describe('layoutDisk', () => {
  const vol = (pl: string) => cfg.plexes.find((p) => p.pl_name === pl)?.pl_v_name ?? ''
  const d = layoutDisk(cfg, cfg.disks[0]!, 1000, 0, 20, vol)
  it('draws the private region, the subdisks at their offsets, and the free gaps with their sizes, after a log subdisk drawn wider than it is and its name', () => {
    expect([d.privateRegion.x, d.privateRegion.w, d.privateRegion.label, d.privateRegion.full]).toEqual([0, 100, 'private', 'private region · 100 MiB'])
    expect(d.subdisks.map((s) => [s.sd.sd_name, s.x, s.w])).toEqual([['d1-01', 100, 250], ['d1-03', 400, MIN_SD_W], ['d1-02', 500, 500]])
    expect(d.free.map((f) => [Math.round(f.x), Math.round(f.w), f.label])).toEqual([[350, 50, 'free'], [447, 53, 'free']])
    // the log subdisk, too small for text, is named just after its box
    expect([d.subdisks[1]!.label, d.subdisks[1]!.aside]).toEqual(['', 'd1-03'])
    expect(d.freeSectors).toBe(150 * MiB - 2)
  })
  it('names each subdisk with its volume and plex', () => {
    expect(d.subdisks[0]!.label).toBe('d1-01 · v-01 of v · 250 MiB @ 0 B')
    expect(d.subdisks[1]!.full).toBe('d1-03 · v-03 log of v · 1 KiB @ 300 MiB')
    expect(layoutDisk(cfg, cfg.disks[0]!, 500, 0, 20, vol).subdisks[0]!.label).toBe('d1-01 · v-01 of v')
    expect(layoutDisk(cfg, cfg.disks[0]!, 500, 0, 20, vol).subdisks[0]!.owner).toBe('')
  })
  it('names the plex on a second line when the first has room for the subdisk only', () => {
    const narrow = layoutDisk(cfg, cfg.disks[0]!, 300, 0, 20, vol).subdisks[0]!
    expect([narrow.label, narrow.owner]).toEqual(['d1-01', 'v-01 of v'])
  })
  it('zooms: what lies outside the part in view is left out, the rest stretched to the width', () => {
    const z = layoutDisk(cfg, cfg.disks[0]!, 1000, 0, 20, vol, { from: 0.5, to: 1 })
    expect(z.subdisks.map((s) => [s.sd.sd_name, s.x, s.w])).toEqual([['d1-02', 0, 1000]])
    expect(z.privateRegion.w).toBe(0)
  })
  it('367: two 2-sector logs side by side are two boxes, neither over the other, named together after the second, with the free label after that', () => {
    const two = {
      ...cfg,
      disks: [{ dm_rid: 1, dm_name: 'disk06', dm_priv_len: 100 * MiB, dm_pub_len: 900 * MiB }],
      subdisks: [sd(20, 'disk06-01', 3, 'v-01', 1, 'disk06', 0, 200 * MiB, 0), sd(21, 'disk06-03', 5, 'v-03', 1, 'disk06', 0, 2, 200 * MiB, 0, true), sd(22, 'disk06-04', 5, 'v-03', 1, 'disk06', 0, 2, 200 * MiB + 2, 0, true)],
    } as unknown as Config
    const bar = layoutDisk(two, two.disks[0]!, 1000, 0, 20, vol)
    const [big, a, b] = bar.subdisks
    expect([big!.x, big!.w]).toEqual([100, 200])
    expect(a!.x).toBeGreaterThanOrEqual(big!.x + big!.w)
    expect(b!.x).toBeGreaterThanOrEqual(a!.x + a!.w + 1)
    expect([a!.w, b!.w]).toEqual([MIN_SD_W, MIN_SD_W])
    expect([a!.aside, b!.aside]).toEqual(['', 'disk06-03 · v-03 log, disk06-04 · v-03 log'])
    // the free extent's label starts after the names
    expect(bar.free[0]!.x).toBeGreaterThan(b!.x + b!.w + b!.aside.length * 6)
  })
  it('draws every disk on the largest disk’s scale, so a smaller one ends early', () => {
    const small = layoutDisk(cfg, cfg.disks[1]!, 1000, 0, 20, vol, undefined, 1000 * MiB)
    expect(small.end).toBe(500)
  })
})

describe('zoom', () => {
  it('zooms in around a point that stays put, and out again to the whole', () => {
    const z = zoomBy({ from: 0, to: 1 }, 2, 0.5)
    expect(z).toEqual({ from: 0.25, to: 0.75 })
    expect(zoomBy(z, 0.25)).toEqual({ from: 0, to: 1 })
  })
  it('pans within the ends', () => {
    expect(pan({ from: 0.25, to: 0.75 }, 1)).toEqual({ from: 0.5, to: 1 })
    expect(pan({ from: 0.25, to: 0.75 }, -1)).toEqual({ from: 0, to: 0.5 })
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

describe('abbreviateName and fitName (rule 148)', () => {
  it.each([
    ['disk01-03', 'disk01', '-03'],
    ['sd-for-mirvol-01', 'disk01', 'sd…-01'],
    ['sd1', 'disk01', 'sd1'],
  ])('abbreviates %s on %s as %s', (name, disk, short) => {
    expect(abbreviateName(name, disk)).toBe(short)
  })

  it('takes the first text that fits and never cuts one short', () => {
    expect(fitName(['disk01-03 · mirvol-01', 'disk01-03', '-03'], 80)).toBe('disk01-03')
    expect(fitName(['disk01-03', '-03'], 40)).toBe('-03')
    expect(fitName(['disk01-03', '-03'], 20)).toBe('')
  })
})
