import { describe, expect, it } from 'vitest'
import type { DiskGroup } from '../src/diskGroup.ts'
import { expectCode, pattern, plexImage, rec } from './harness.ts'
import { BYTES, LEN, everyCut, expectPlexesHold, growCrashRun, stripedVolume } from './opsHarness.ts'

/** Stripe unit of the volumes here, sectors. */
const W = 128

/** Each column of a striped plex: the disks of its subdisks and its length in sectors. */
function columns(dg: DiskGroup, plex: string): Array<{ disks: string[]; len: number }> {
  const c = dg.config()
  const pl = c.plexes.find((p) => p.pl_name === plex)!
  const out: Array<{ disks: string[]; len: number }> = []
  for (const sd of c.subdisks.filter((s) => s.sd_plex_rid === pl.pl_rid && !s.sd_is_log)) {
    const col = (out[sd.sd_column] ??= { disks: [], len: 0 })
    const disk = c.disks.find((d) => d.dm_rid === sd.sd_dm_rid)!.dm_name
    if (!col.disks.includes(disk)) col.disks.push(disk)
    col.len += sd.sd_len
  }
  return out
}

describe('growing a striped volume (rules 397, 398)', () => {
  it('I397 a length that is not whole stripes is rounded up to a multiple of stripe unit x columns, and the result and its dry run say so', async () => {
    const { dg, data, devices } = await stripedVolume()
    const asked = LEN + 100
    const dry = await dg.growVolume('v1', asked, { dryRun: true })
    expect(dry.notes?.[0]).toContain(`rounded up to ${LEN + 2 * W} sectors`)
    expect(rec(dg, 'v1').v_len).toBe(LEN)
    const r = await dg.growVolume('v1', asked)
    expect(r.notes?.[0]).toContain(`rounded up to ${LEN + 2 * W} sectors`)
    expect(rec(dg, 'v1').v_len).toBe(LEN + 2 * W)
    expect(columns(dg, 'v1-01').map((c) => c.len)).toEqual([LEN / 2 + W, LEN / 2 + W])
    const whole = Buffer.concat([data, Buffer.alloc(2 * W * 512)])
    expect((await dg.read('v1', 0, whole.length)).equals(whole)).toBe(true)
    expect((await plexImage(dg, devices, 'v1-01')).equals(whole)).toBe(true)
  })

  it('I398 a started striped volume grows online: each column in place on its own disk, the new space zeros, the data kept, the layout kept', async () => {
    const { dg, data, devices } = await stripedVolume()
    const before = columns(dg, 'v1-01')
    await dg.growVolume('v1', 2 * LEN)
    const after = columns(dg, 'v1-01')
    expect(after.map((c) => c.disks)).toEqual(before.map((c) => c.disks))
    expect(after.map((c) => c.len)).toEqual([LEN, LEN])
    expect(rec(dg, 'v1-01')).toMatchObject({ pl_layout: 'STRIPE', pl_ncol: 2, pl_st_width: W, pl_len: 2 * LEN, pl_contig_len: 2 * LEN })
    expect(dg.config().subdisks).toHaveLength(2)
    const whole = Buffer.concat([data, Buffer.alloc(BYTES)])
    expect((await plexImage(dg, devices, 'v1-01')).equals(whole)).toBe(true)
    await dg.write('v1', BYTES, pattern(BYTES, 8))
    expect((await dg.read('v1', BYTES, BYTES)).equals(pattern(BYTES, 8))).toBe(true)
  })

  it('I398 a column that cannot grow in place gets a new subdisk on a disk holding no other column of its plex and no other plex of the volume', async () => {
    const { dg, data, devices } = await stripedVolume({ mirrored: true })
    // a subdisk right after every column's: none grows in place
    const c = dg.config()
    for (const sd of c.subdisks) await dg.makeSubdisk({ name: `w${sd.sd_name.slice(4)}`, disk: c.disks.find((d) => d.dm_rid === sd.sd_dm_rid)!.dm_name, offset: sd.sd_dm_offset + sd.sd_len, len: 8 })
    const dry = await dg.growVolume('v1', 2 * LEN, { dryRun: true })
    expect(dry.notes?.filter((n) => n.startsWith('new subdisk '))).toHaveLength(4)
    await dg.growVolume('v1', 2 * LEN)
    const a = columns(dg, 'v1-01')
    const b = columns(dg, 'v1-02')
    const all = [...a, ...b]
    // no disk under two columns, of one plex or of the two
    for (const [i, x] of all.entries()) for (const y of all.slice(i + 1)) expect(x.disks.filter((d) => y.disks.includes(d))).toEqual([])
    expect(all.map((x) => x.len)).toEqual([LEN, LEN, LEN, LEN])
    const whole = Buffer.concat([data, Buffer.alloc(BYTES)])
    await expectPlexesHold(dg, devices, 'v1', whole)
  })

  it('I398 I403 a column that grows partly in place gets the rest in a new subdisk after the grown part (found by the seeded random test)', async () => {
    const { dg, data, devices } = await stripedVolume()
    // one stripe unit free after each column, then a wall
    const c = dg.config()
    for (const sd of c.subdisks) await dg.makeSubdisk({ name: `w${sd.sd_name.slice(4)}`, disk: c.disks.find((d) => d.dm_rid === sd.sd_dm_rid)!.dm_name, offset: sd.sd_dm_offset + sd.sd_len + W, len: 8 })
    await dg.growVolume('v1', 2 * LEN)
    const sds = dg.config().subdisks.filter((s) => s.sd_pl_name === 'v1-01').map((s) => [s.sd_column, s.sd_pl_offset, s.sd_len]).sort((a, b) => a[0]! - b[0]! || a[1]! - b[1]!)
    expect(sds).toEqual([[0, 0, LEN / 2 + W], [0, LEN / 2 + W, LEN / 2 - W], [1, 0, LEN / 2 + W], [1, LEN / 2 + W, LEN / 2 - W]])
    expect((await plexImage(dg, devices, 'v1-01')).equals(Buffer.concat([data, Buffer.alloc(BYTES)]))).toBe(true)
  })

  it('I398 no disk left for a column: VM_NO_SPACE, nothing changed', async () => {
    const { dg } = await stripedVolume({ mirrored: true, n: 4 })
    const c = dg.config()
    for (const sd of c.subdisks) await dg.makeSubdisk({ name: `w${sd.sd_name.slice(4)}`, disk: c.disks.find((d) => d.dm_rid === sd.sd_dm_rid)!.dm_name, offset: sd.sd_dm_offset + sd.sd_len, len: 8 })
    const before = dg.config()
    // the only free space of every disk is on the column's own disk, after the wall: allowed, but
    // not on the disks of the other columns; a grow the own disks cannot hold is refused
    await expectCode(dg.growVolume('v1', 40 * LEN), 'VM_NO_SPACE')
    expect(dg.config()).toEqual(before)
  })

  it('I370 I398 a grown degraded mirror of stripes marks the new regions stale on the plex it does not zero, and its attach makes the copies agree', async () => {
    const { dg, devices } = await stripedVolume({ mirrored: true })
    await dg.detachPlex('v1-02')
    // old data in the space the columns of v1-02 grow into
    const c = dg.config()
    for (const sd of c.subdisks.filter((s) => s.sd_pl_name === 'v1-02')) {
      const i = c.disks.findIndex((d) => d.dm_rid === sd.sd_dm_rid)
      await devices[i]!.write((sd.sd_dev_offset + sd.sd_len) * 512, Buffer.alloc(BYTES / 2, 0xee))
    }
    await dg.growVolume('v1', 2 * LEN)
    const stale = dg.staleRegions('v1-02')
    expect(stale.full || [4, 5, 6, 7].every((g) => stale.regions.includes(g))).toBe(true)
    await dg.attachPlex('v1', 'v1-02')
    const want = await plexImage(dg, devices, 'v1-01')
    expect((await plexImage(dg, devices, 'v1-02')).equals(want)).toBe(true)
    expect(want.subarray(BYTES).equals(Buffer.alloc(BYTES))).toBe(true)
  })
})

describe('shrinking a striped volume (rules 397, 399)', () => {
  it('I399 the last subdisks of every column are removed or cut, the data before the new end kept, the layout kept', async () => {
    const { dg, data } = await stripedVolume()
    // every column in two subdisks: its first one and a second one after a wall
    const c = dg.config()
    for (const sd of c.subdisks) await dg.makeSubdisk({ name: `w${sd.sd_name.slice(4)}`, disk: c.disks.find((d) => d.dm_rid === sd.sd_dm_rid)!.dm_name, offset: sd.sd_dm_offset + sd.sd_len, len: 8 })
    await dg.growVolume('v1', 2 * LEN)
    expect(dg.config().subdisks.filter((s) => s.sd_pl_name === 'v1-01')).toHaveLength(4)
    await dg.stop('v1')
    const r = await dg.shrinkVolume('v1', LEN / 2 + 50)
    expect(r.notes?.[0]).toContain(`rounded up to ${LEN / 2 + 2 * W} sectors`)
    expect(r.changes.filter((x) => x.op === 'delete' && x.kind === 'sd')).toHaveLength(2)
    expect(columns(dg, 'v1-01').map((x) => x.len)).toEqual([LEN / 4 + W, LEN / 4 + W])
    expect(rec(dg, 'v1')).toMatchObject({ v_len: LEN / 2 + 2 * W })
    expect(rec(dg, 'v1-01')).toMatchObject({ pl_layout: 'STRIPE', pl_ncol: 2, pl_len: LEN / 2 + 2 * W })
    await dg.start('v1')
    const keep = (LEN / 2 + 2 * W) * 512
    expect((await dg.read('v1', 0, keep)).equals(data.subarray(0, keep))).toBe(true)
  })

  it('I397 a shrink rounds up to whole stripes: one that rounds to the length the volume has is refused VM_INVALID_PARAM and changes nothing', async () => {
    const { dg } = await stripedVolume()
    await dg.stop('v1')
    const tid = dg.tid
    await expectCode(dg.shrinkVolume('v1', LEN - 10), 'VM_INVALID_PARAM')
    expect(dg.tid).toBe(tid)
    await dg.shrinkVolume('v1', LEN - 2 * W - 10)
    expect(rec(dg, 'v1').v_len).toBe(LEN - 2 * W)
    expect(columns(dg, 'v1-01').map((x) => x.len)).toEqual([LEN / 2 - W, LEN / 2 - W])
  })
})

describe('growing a mirror of stripes: crash points (rule 398)', () => {
  const run = (cut: number | undefined) => growCrashRun(cut, 17, { stripe: true })

  it('I398 a crash at any device write of a striped grow imports the old length (columns extended or not) or the new one, every plex identical, the new space zeros', async () => {
    const { whole, seen } = await everyCut(run, 24, 6)
    expect(whole).toBe('grown')
    expect([...seen].filter((x) => x !== 'grown').sort()).toEqual(['allocated', 'old'])
  }, 120_000)
})
