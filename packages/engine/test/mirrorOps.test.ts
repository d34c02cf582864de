import { describe, expect, it } from 'vitest'
import { DiskGroup, REGION_SECTORS } from '../src/diskGroup.ts'
import { expectCode, memoryGroup, pattern, plexImage, rec } from './harness.ts'
import { BYTES, LEN, crashRig, everyCut, startedMirror } from './opsHarness.ts'


/** The disks (by name) the subdisks of a plex lie on. */
function disksOf(dg: DiskGroup, plex: string): string[] {
  const c = dg.config()
  const pl = c.plexes.find((p) => p.pl_name === plex)!
  return c.subdisks.filter((s) => s.sd_plex_rid === pl.pl_rid).map((s) => c.disks.find((d) => d.dm_rid === s.sd_dm_rid)!.dm_name)
}


describe('addMirror (vxassist mirror)', () => {
  it('rule 300: allocates a plex on a disk holding no data plex of the volume, copies the volume into it and leaves it ACTIVE', async () => {
    const { dg, devices, data } = await startedMirror({ log: true })
    const r = await dg.addMirror('v1')
    expect(r.dryRun).toBe(false)
    expect(rec(dg, 'v1-04')).toMatchObject({ pl_state: 'ACTIVE', pl_kstate: 'ENABLED', pl_v_name: 'v1', pl_tutil: ['', '', ''] })
    // disk03 holds only the DRL log plex: a data plex may go beside it, never beside another data plex
    const taken = disksOf(dg, 'v1-04')
    expect(taken.some((d) => d === 'disk01' || d === 'disk02')).toBe(false)
    expect((await plexImage(dg, devices, 'v1-04')).equals(data)).toBe(true)
    expect((await dg.read('v1', 0, BYTES)).equals(data)).toBe(true)
  })

  it('rule 300: the dry run lists the records it would create and the bytes it would copy, and changes nothing', async () => {
    const { dg } = await startedMirror()
    const before = dg.config()
    const r = await dg.addMirror('v1', { dryRun: true })
    expect(r.dryRun).toBe(true)
    expect(r.copyBytes).toBe(BYTES)
    expect(r.changes.filter((c) => c.op === 'create').map((c) => c.kind).sort()).toEqual(['pl', 'sd'])
    expect(dg.config()).toEqual(before)
  })

  it('rule 300: a stopped volume gets the plex STALE, and its next start copies it', async () => {
    const { dg, devices, data } = await startedMirror()
    await dg.stop('v1')
    await dg.addMirror('v1', { disks: ['disk04'] })
    expect(rec(dg, 'v1-03')).toMatchObject({ pl_state: 'STALE', pl_kstate: 'DISABLED' })
    expect(disksOf(dg, 'v1-03')).toEqual(['disk04'])
    await dg.start('v1')
    expect(rec(dg, 'v1-03')).toMatchObject({ pl_state: 'ACTIVE', pl_kstate: 'ENABLED' })
    expect((await plexImage(dg, devices, 'v1-03')).equals(data)).toBe(true)
  })

  it('rule 300: spreads a plex over several disks when no one disk has room for it', async () => {
    const g = await memoryGroup(4, 4 << 20)
    const pub = rec(g.dg, 'disk03').dm_pub_len as number
    // 1.5 disks long: the new mirror takes all of one free disk and part of the other
    const len = Math.floor((pub * 1.5) / REGION_SECTORS) * REGION_SECTORS
    await g.dg.makeRecords([
      { type: 'sd', name: 'a1', disk: 'disk01', len: pub },
      { type: 'sd', name: 'a2', disk: 'disk02', len: len - pub },
      { type: 'plex', name: 'v1-01', sd: ['a1', 'a2'] },
      { type: 'vol', name: 'v1', len, plex: ['v1-01'] },
    ])
    await g.dg.start('v1')
    const data = pattern(len * 512, 3)
    await g.dg.write('v1', 0, data)
    await g.dg.addMirror('v1')
    expect(disksOf(g.dg, 'v1-02').sort()).toEqual(['disk03', 'disk04'])
    expect((await plexImage(g.dg, g.devices, 'v1-02')).equals(data)).toBe(true)
  })

  it('rule 300: bad input gets a stable code and changes nothing', async () => {
    const { dg } = await startedMirror()
    const tid = dg.tid
    await expectCode(dg.addMirror('nosuch'), 'VM_NOT_FOUND')
    await expectCode(dg.addMirror('v1', { disks: ['disk01'] }), 'VM_INVALID_PARAM')
    await expectCode(dg.addMirror('v1', { disks: ['nodisk'] }), 'VM_NOT_FOUND')
    await expectCode(dg.addMirror('v1', { disks: [] }), 'VM_INVALID_PARAM')
    await dg.makeSubdisk({ name: 'fill', disk: 'disk04', len: (rec(dg, 'disk04').dm_pub_len as number) - 8 })
    await expectCode(dg.addMirror('v1', { disks: ['disk04'] }), 'VM_NO_SPACE')
    expect(dg.tid).toBe(tid + 1)
    expect(dg.config().plexes.map((p) => p.pl_name).sort()).toEqual(['v1-01', 'v1-02'])
  })
})

describe('removeMirror (vxassist remove mirror)', () => {
  it('rule 301: dissociates the plex and removes it with its subdisks in one transaction; the volume keeps its data', async () => {
    const { dg, data } = await startedMirror()
    const tid = dg.tid
    const r = await dg.removeMirror('v1', 'v1-02')
    expect(r.tid).toBe(tid + 1)
    expect(r.changes.filter((c) => c.op === 'delete').map((c) => c.kind).sort()).toEqual(['pl', 'sd'])
    const c = dg.config()
    expect(c.plexes.map((p) => p.pl_name)).toEqual(['v1-01'])
    expect(c.subdisks.some((s) => c.disks.find((d) => d.dm_rid === s.sd_dm_rid)!.dm_name === 'disk02')).toBe(false)
    expect((await dg.read('v1', 0, BYTES)).equals(data)).toBe(true)
  })

  it('rule 301: without a plex named it takes one that is not a current copy first', async () => {
    const { dg } = await startedMirror()
    await dg.detachPlex('v1-01')
    await dg.addMirror('v1')
    await dg.removeMirror('v1')
    expect(dg.config().plexes.map((p) => p.pl_name).sort()).toEqual(['v1-02', 'v1-03'])
  })

  it('rule 301: the last complete plex is refused VM_LAST_PLEX (also when the others are stale), a log plex VM_INVALID_PARAM; the dry run changes nothing', async () => {
    const { dg } = await startedMirror({ log: true })
    const before = dg.config()
    const dry = await dg.removeMirror('v1', 'v1-02', { dryRun: true })
    expect(dry.dryRun).toBe(true)
    expect(dg.config()).toEqual(before)
    await expectCode(dg.removeMirror('v1', 'v1-03'), 'VM_INVALID_PARAM')
    await expectCode(dg.removeMirror('v1', 'nosuch'), 'VM_NOT_FOUND')
    await dg.detachPlex('v1-02')
    await expectCode(dg.removeMirror('v1', 'v1-01'), 'VM_LAST_PLEX')
    await dg.stop('v1')
    await expectCode(dg.removeMirror('v1', 'v1-01'), 'VM_LAST_PLEX')
    await dg.removeMirror('v1', 'v1-02')
    await expectCode(dg.removeMirror('v1'), 'VM_LAST_PLEX')
    expect(dg.config().plexes.map((p) => p.pl_name).sort()).toEqual(['v1-01', 'v1-03'])
  })
})

describe('addMirror crash points', () => {
  /** Runs an add-mirror of a flushed 2-way mirror, cut after `cut` device writes (or whole); then restarts and checks. */
  async function run(cut: number | undefined): Promise<{ writes: number; problems: string[]; seen: string }> {
    const rig = await crashRig(11)
    const writes = await rig.cutDuring(cut, (dg) => dg.addMirror('v1'))
    const { problems, seen } = await rig.restart(() => rig.data, (dg) => dg.config().plexes.find((p) => p.pl_name === 'v1-03')?.pl_state ?? 'absent')
    return { writes, problems, seen }
  }

  it('rule 302: a crash at any point of an add-mirror imports consistent: the plex is absent or attached, and the start makes every plex an ACTIVE copy of the data', async () => {
    const { seen } = await everyCut(run)
    // the cuts land before the commit (no plex), during the copy (STALE) and after it (ACTIVE)
    expect([...seen].sort()).toEqual(['ACTIVE', 'STALE', 'absent'])
  }, 60_000)
})

describe('removeMirror crash points', () => {
  /** Runs a remove-mirror of v1-02 from a flushed 2-way mirror, cut after `cut` device writes (or whole); then restarts and checks. */
  async function run(cut: number | undefined): Promise<{ writes: number; problems: string[]; seen: string }> {
    const rig = await crashRig(17)
    // the same data written (in two halves) and flushed after it: cuts land after the commit too
    // (its copies are written in parallel and flushed after, so a cut among them drops them all)
    const writes = await rig.cutDuring(cut, async (dg) => {
      await dg.removeMirror('v1', 'v1-02')
      await dg.write('v1', 0, rig.data.subarray(0, BYTES / 2))
      await dg.write('v1', BYTES / 2, rig.data.subarray(BYTES / 2))
      await dg.flush('v1')
    })
    const { problems, seen } = await rig.restart(() => rig.data, (dg) => {
      const c = dg.config()
      const plex = c.plexes.find((p) => p.pl_name === 'v1-02')
      const sds = c.subdisks.filter((s) => s.sd_pl_name === 'v1-02' || (plex && s.sd_plex_rid === plex.pl_rid)).length
      const loose = c.subdisks.filter((s) => !s.sd_plex_rid).length
      // done (no plex, no subdisk of it) or not done (attached with its subdisk): anything else is half
      return !plex && sds === 0 && loose === 0 ? 'removed' : plex?.pl_vol_rid && sds === 1 && loose === 0 ? 'kept' : `half (${sds} subdisks, ${loose} loose)`
    })
    return { writes, problems, seen }
  }

  it('rule 352: a crash at any device write of a remove-mirror imports with the plex and its subdisk gone or both still attached, the flushed data on every plex', async () => {
    const { whole, seen } = await everyCut(run, 24, 6)
    expect(whole).toBe('removed')
    expect([...seen].sort()).toEqual(['kept', 'removed'])
  }, 60_000)
})
