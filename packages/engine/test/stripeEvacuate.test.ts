import { describe, expect, it } from 'vitest'
import type { BlockDevice } from '../src/device/blockDevice.ts'
import type { DiskGroup } from '../src/diskGroup.ts'
import { expectCode, faultyMemoryGroup, memoryGroup, pattern, plexImage, rec } from './harness.ts'
import { BYTES, LEN, crashRun, everyCut, expectPlexesHold, stripedVolume } from './opsHarness.ts'

/** Each data subdisk of `volume`: its name, plex, column and disk. */
function layout(dg: DiskGroup, volume: string): string[] {
  const c = dg.config()
  const plexes = c.plexes.filter((p) => p.pl_v_name === volume && p.pl_vol_rid)
  return c.subdisks
    .filter((s) => plexes.some((p) => p.pl_rid === s.sd_plex_rid) && !s.sd_is_log)
    .map((s) => `${s.sd_pl_name}/${s.sd_column}/${s.sd_pl_offset} ${s.sd_name} ${c.disks.find((d) => d.dm_rid === s.sd_dm_rid)!.dm_name}`)
    .sort()
}

/** A started 2-column stripe v1 (unit 64 sectors; a mirror of two with `mirrored`) on disk01, disk02 (and disk03, disk04) of a group of `n` disks (default 5). */
const striped = (o: { mirrored?: boolean; n?: number } = {}) => stripedVolume({ ...o, n: o.n ?? 5, stwidth: 64, seed: 21 })

describe('vxevac moves subdisks (vxsd mv), the plexes keeping their layout (rule 400)', () => {
  it('I400 a striped volume that is not mirrored: the column on the disk moves to a disk holding no other column, the plex is the same striped plex, the data stays', async () => {
    const { dg, data, devices } = await striped()
    const before = layout(dg, 'v1')
    const dry = await dg.evacuateDisk('disk01', { dryRun: true })
    expect(dry.notes?.filter((n) => /^new subdisk disk0[345]-01 on disk0[345] at /.test(n))).toHaveLength(1)
    expect(dry.copyBytes).toBe(BYTES / 2)
    await dg.evacuateDisk('disk01')
    const after = layout(dg, 'v1')
    // column 1 untouched; column 0 in one new subdisk at the same place in the column, on a third disk
    expect(after.filter((x) => x.startsWith('v1-01/1/'))).toEqual(before.filter((x) => x.startsWith('v1-01/1/')))
    expect(after.filter((x) => x.startsWith('v1-01/0/'))).toEqual([expect.stringMatching(/^v1-01\/0\/0 disk0[345]-01 disk0[345]$/)])
    expect(rec(dg, 'v1-01')).toMatchObject({ pl_layout: 'STRIPE', pl_ncol: 2, pl_st_width: 64, pl_state: 'ACTIVE', pl_kstate: 'ENABLED', pl_len: LEN })
    expect(dg.config().plexes.map((p) => p.pl_name)).toEqual(['v1-01'])
    expect((await dg.read('v1', 0, BYTES)).equals(data)).toBe(true)
    expect((await plexImage(dg, devices, 'v1-01')).equals(data)).toBe(true)
  })

  it('I400 a concat plex on two disks: only its subdisk on the evacuated disk moves', async () => {
    const g = await memoryGroup(3, 16 << 20)
    await g.dg.makeRecords([
      { type: 'sd', name: 'a1', disk: 'disk01', len: LEN / 2 },
      { type: 'sd', name: 'a2', disk: 'disk02', len: LEN / 2 },
      { type: 'plex', name: 'c1-01', sd: ['a1', 'a2'] },
      { type: 'vol', name: 'c1', len: LEN, plex: ['c1-01'] },
    ])
    await g.dg.start('c1')
    const data = pattern(BYTES, 3)
    await g.dg.write('c1', 0, data)
    await g.dg.evacuateDisk('disk02')
    expect(layout(g.dg, 'c1')).toEqual(['c1-01/0/0 a1 disk01', `c1-01/0/${LEN / 2} disk03-01 disk03`])
    expect((await g.dg.read('c1', 0, BYTES)).equals(data)).toBe(true)
  })

  it('I400 a mirror of stripes: never onto a disk of another column or plex, a spare, a nohotuse or a reserved disk unless named; too little room is VM_NO_SPACE, nothing changed', async () => {
    const { dg, data, devices } = await striped({ mirrored: true, n: 8 })
    await dg.set('disk05', { spare: 'on' })
    await dg.set('disk06', { nohotuse: 'on' })
    await dg.set('disk07', { reserve: 'on' })
    await dg.evacuateDisk('disk01')
    expect(layout(dg, 'v1').filter((x) => x.startsWith('v1-01/0/'))).toEqual([expect.stringMatching(/ disk08$/)])
    // disk08 now holds column 0 of v1-01: column 1 goes to a named spare, not there nor onto v1-02's disks
    await expectCode(dg.evacuateDisk('disk02', { to: ['disk03'] }), 'VM_INVALID_PARAM')
    const tid = dg.tid
    await dg.makeSubdisk({ name: 'fill', disk: 'disk05', len: (rec(dg, 'disk05').dm_pub_len as number) - 8 })
    await expectCode(dg.evacuateDisk('disk02', { to: ['disk05'] }), 'VM_NO_SPACE')
    expect(dg.tid).toBe(tid + 1)
    await dg.evacuateDisk('disk02', { to: ['disk06'] })
    expect(layout(dg, 'v1').filter((x) => x.startsWith('v1-01/1/'))).toEqual([expect.stringMatching(/ disk06$/)])
    await expectPlexesHold(dg, devices, 'v1', data)
  })

  it('I401 writes during the move reach the new subdisk, also where it was copied already: after it, the volume and the plex read them', async () => {
    // disk02's reads counted: the copy reads the subdisk a stripe unit at a time
    let reads = 0
    let hook: (() => void) | undefined
    const wrap = (d: BlockDevice, i: number): BlockDevice =>
      i !== 1
        ? d
        : new Proxy(d, {
            get(t, k) {
              if (k === 'read') return (...a: Parameters<BlockDevice['read']>) => (++reads === 20 && hook?.(), t.read(...a))
              const x = Reflect.get(t, k) as unknown
              return typeof x === 'function' ? x.bind(t) : x
            },
          })
    const g = await memoryGroup(4, 16 << 20, { wrap })
    await g.dg.assistMake({ name: 'v1', len: LEN, layout: 'stripe', ncol: 2, stwidth: 64, disks: ['disk01', 'disk02'] })
    await g.dg.write('v1', 0, pattern(BYTES, 2))
    const fresh = pattern(BYTES, 9)
    let writes: Promise<unknown> | undefined
    reads = 0
    // as the copy reads its 20th unit of 32, the whole volume is written again
    hook = () => (writes = g.dg.write('v1', 0, fresh))
    await g.dg.evacuateDisk('disk02')
    expect(writes).toBeDefined()
    await writes
    await g.dg.flush('v1')
    expect((await g.dg.read('v1', 0, BYTES)).equals(fresh)).toBe(true)
    expect((await plexImage(g.dg, g.devices, 'v1-01')).equals(fresh)).toBe(true)
  })

  it('I401 a disk that fails reads is evacuated still: each unit its own disk cannot give is read from another current plex of the volume', async () => {
    const g = await faultyMemoryGroup(5, 16 << 20)
    await g.dg.assistMake({ name: 'v1', len: LEN, layout: 'mirror-stripe', ncol: 2, stwidth: 64, disks: ['disk01', 'disk02', 'disk03', 'disk04'] })
    const data = pattern(BYTES, 6)
    await g.dg.write('v1', 0, data)
    await g.dg.flush('v1')
    const disk = layout(g.dg, 'v1').find((x) => x.startsWith('v1-01/0/'))!.split(' ')[2]!
    g.faulty[Number(disk.slice(4)) - 1]!.addFault({ ops: ['read'] })
    await g.dg.evacuateDisk(disk)
    expect(layout(g.dg, 'v1').filter((x) => x.startsWith('v1-01/0/'))).toEqual([expect.stringMatching(/ disk05$/)])
    await expectPlexesHold(g.dg, g.mems, 'v1', data)
  })

  it('I400 a stopped striped volume: the subdisk is moved with the volume stopped and locked, then it starts with the data', async () => {
    const { dg, data } = await striped()
    await dg.stop('v1')
    await dg.evacuateDisk('disk01')
    expect(rec(dg, 'v1')).toMatchObject({ v_kstate: 'DISABLED', v_state: 'CLEAN' })
    expect((rec(dg, 'v1').v_tutil as string[])[0]).toBe('')
    expect(layout(dg, 'v1').some((x) => x.endsWith(' disk01'))).toBe(false)
    await dg.start('v1')
    expect((await dg.read('v1', 0, BYTES)).equals(data)).toBe(true)
  })
})

describe('subdisk move crash points (rule 401)', () => {
  // the same data written and flushed after it: cuts land after the swap's commit too
  const run = (cut: number | undefined) =>
    crashRun(
      cut,
      23,
      async (dg, rig) => {
        await dg.evacuateDisk('disk01')
        await dg.write('v1', 0, rig.data)
        await dg.flush('v1')
      },
      { stripe: true },
      (dg) => {
        const on = layout(dg, 'v1').filter((x) => x.startsWith('v1-01/0/')).map((x) => x.split(' ')[2]).join('+')
        return `${on}${dg.config().plexes.some((p) => p.pl_state === 'TEMPRMSD') ? ' temp' : ''}`
      },
    )

  it('I401 a crash at any device write of a striped subdisk move imports the column on its old disk (a temporary plex removed at the start) or on its new one, every plex an identical copy after the start', async () => {
    const { whole, seen } = await everyCut(run, 24, 4)
    expect(whole).toBe('disk05')
    expect([...seen].sort()).toEqual(['disk01', 'disk01 temp', 'disk05'])
  }, 120_000)
})

describe('hot relocation of a striped plex says where it goes (rule 404)', () => {
  it('I404 the dry run names each new subdisk, its disk, place, size and column, and the subdisk it replaces', async () => {
    const { dg } = await striped({ mirrored: true, n: 6 })
    await dg.detachPlex('v1-01')
    const r = await dg.relocateDisk('disk01', { plexes: ['v1-01'], dryRun: true })
    expect(r.notes?.filter((n) => /^new subdisk disk0[56]-01 on disk0[56] at 0 B, 1 MiB \(plex v1-01, column 0\)$/.test(n))).toHaveLength(1)
    expect(r.notes).toContain('subdisk disk01-01 on disk01 at 0 B, 1 MiB is removed (plex v1-01, column 0)')
  })
})
