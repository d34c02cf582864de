import { describe, expect, it } from 'vitest'
import { createFaultyDevice, type FaultyDevice } from '../src/device/faultyDevice.ts'
import { DiskGroup, REGION_SECTORS } from '../src/diskGroup.ts'
import { createMemoryDevice } from '../src/device/memoryDevice.ts'
import { expectCode, groupHeldByTransaction, memoryGroup, pattern, publicRegion, rec, twoCopiesOnDisk01 } from './harness.ts'

const REGION = REGION_SECTORS * 512
const LEN = 8 * REGION_SECTORS

/** Started n-way mirror v1 on disk01..diskNN (plex v1-0i on disk0i), faulty devices. */
async function mirror(n: number, opts: { disks?: number } = {}) {
  const g = await memoryGroup(opts.disks ?? n, 64 << 20, { wrap: (d) => createFaultyDevice(d) })
  await g.dg.assistMake({ init: 'none', name: 'v1', len: LEN, layout: 'mirror', nmirror: n, disks: Array.from({ length: n }, (_, i) => `disk0${i + 1}`) })
  await g.dg.start('v1')
  await g.dg.write('v1', 0, pattern(LEN * 512, 1))
  const plexOn = (disk: string) => g.dg.config().subdisks.find((s) => s.sd_dm_name === disk && s.sd_pl_name.startsWith('v1-'))!.sd_pl_name
  return { ...g, f: g.devices as FaultyDevice[], plexOn }
}

const writes = (dg: DiskGroup, plex: string) => dg.ioStats(plex).writeBytes

describe('resyncDisk with AIX lvm_resyncpv semantics (checklist G)', () => {
  it('G56: a group that is not imported fails VM_OFFLINE; one forced offline fails VM_FORCEOFF', async () => {
    const a = await mirror(2)
    await a.dg.stop('v1')
    await a.dg.deport()
    await expectCode(a.dg.resyncDisk('disk01', false), 'VM_OFFLINE')
    const b = await mirror(2, { disks: 3 })
    b.f[1]!.addFault({})
    b.f[2]!.addFault({})
    await expectCode(b.dg.set('v1', { comment: 'x' }), 'VM_FORCEOFF')
    await expectCode(b.dg.resyncDisk('disk01', false), 'VM_FORCEOFF')
  })

  it('G57: force not exactly true/false, or a null disk, fails VM_INVALID_PARAM with no I/O', async () => {
    const { dg } = await mirror(2)
    const before = [writes(dg, 'v1-01'), writes(dg, 'v1-02')]
    await expectCode(dg.resyncDisk('disk01', 2 as unknown as boolean), 'VM_INVALID_PARAM')
    await expectCode(dg.resyncDisk('disk01', 'true' as unknown as boolean), 'VM_INVALID_PARAM')
    await expectCode(dg.resyncDisk(null as unknown as string, false), 'VM_INVALID_PARAM')
    await expectCode(dg.resyncDisk('nosuchdisk', false), 'VM_NOT_FOUND') // rule 166: a name that names nothing
    expect([writes(dg, 'v1-01'), writes(dg, 'v1-02')]).toEqual(before)
  })

  it('G58: while another configuration transaction holds the group, it fails VM_BUSY with no I/O', async () => {
    const { g, release, pending } = await groupHeldByTransaction(64 << 20, LEN)
    const before = writes(g.dg, 'v1-01')
    await expectCode(g.dg.resyncDisk('disk01', true), 'VM_BUSY')
    expect(writes(g.dg, 'v1-01')).toBe(before)
    release()
    await pending
  })

  it('G59: force=false with nothing stale on the disk returns success with zero copy I/O', async () => {
    const { dg } = await mirror(2)
    const before = [writes(dg, 'v1-01'), writes(dg, 'v1-02')]
    const report = await (await dg.resyncDisk('disk01', false)).done
    expect(report.regionsCopied).toBe(0)
    expect([writes(dg, 'v1-01'), writes(dg, 'v1-02')]).toEqual(before)
  })

  it('G60: region R stale on A only: copies R from B to A, clears it, does not write B, succeeds', async () => {
    const { dg, plexOn } = await mirror(2)
    const A = plexOn('disk01')
    const B = plexOn('disk02')
    await dg.detachPlex(A)
    await dg.write('v1', 3 * REGION + 4096, pattern(8192, 2))
    const bBefore = writes(dg, B)
    const aBefore = writes(dg, A)
    const report = await (await dg.resyncDisk('disk01', false)).done
    expect(report.regionsCopied).toBe(1)
    expect(writes(dg, A) - aBefore).toBe(REGION)
    expect(writes(dg, B)).toBe(bBefore)
    expect([rec(dg, A).pl_state, rec(dg, A).pl_kstate]).toEqual(['ACTIVE', 'ENABLED'])
    expect((await (await dg.verify('v1')).done).mismatches).toEqual([])
  })

  it('G61: 3-way mirror, R stale on A and C, good on B: resyncing A refreshes C as a side effect', async () => {
    const { dg, plexOn } = await mirror(3)
    const [A, B, C] = ['disk01', 'disk02', 'disk03'].map(plexOn) as [string, string, string]
    await dg.detachPlex(A)
    await dg.detachPlex(C)
    await dg.write('v1', 5 * REGION, pattern(4096, 3))
    const bBefore = writes(dg, B)
    await (await dg.resyncDisk('disk01', false)).done
    expect(writes(dg, B)).toBe(bBefore)
    for (const p of [A, C]) expect(rec(dg, p).pl_state).toBe('ACTIVE')
    expect((await (await dg.verify('v1')).done).mismatches).toEqual([])
  })

  it('G62: force=true copies every region on A to all other copies; a region with two copies on A is processed once', async () => {
    const g = await memoryGroup(2, 64 << 20)
    const dg = g.dg
    await twoCopiesOnDisk01(dg, LEN, ['P1', 'P2', 'P3'])
    await dg.write('v1', 0, pattern(LEN * 512, 4))
    const before = ['P1', 'P2', 'P3'].map((p) => writes(dg, p))
    const h = await dg.resyncDisk('disk01', true)
    const report = await h.done
    expect(report.regionsCopied).toBe(8)
    const delta = ['P1', 'P2', 'P3'].map((p, i) => writes(dg, p) - before[i]!)
    expect(delta).toEqual([0, LEN * 512, LEN * 512]) // P1 is the preferred source, the two others get every region once
  })

  it('G63: force=true on regions with a single copy does no I/O and succeeds', async () => {
    const { dg } = await memoryGroup(2)
    await dg.assistMake({ init: 'none', name: 'c1', len: LEN, layout: 'concat', disks: ['disk01'] })
    await dg.start('c1')
    const before = dg.ioStats('c1-01')
    const report = await (await dg.resyncDisk('disk01', true)).done
    expect(report.regionsCopied).toBe(0)
    expect(dg.ioStats('c1-01')).toEqual(before)
  })

  it('G64: R stale on A and on C whose disk is missing: A is fixed, C stays stale with a sync error, success', async () => {
    const { dg, plexOn, f } = await mirror(3)
    const [A, , C] = ['disk01', 'disk02', 'disk03'].map(plexOn) as [string, string, string]
    await dg.detachPlex(A)
    await dg.detachPlex(C)
    await dg.write('v1', 2 * REGION, pattern(4096, 5))
    f[2]!.powerCut() // disk03 is gone
    const report = await (await dg.resyncDisk('disk01', false)).done
    expect(rec(dg, A).pl_state).toBe('ACTIVE')
    expect(rec(dg, C).pl_state).toBe('STALE')
    expect(report.failedRegions).toEqual([expect.objectContaining({ plex: C, region: 2 })])
    expect(dg.staleRegions(C)).toMatchObject({ regions: [2], syncErrors: [2] })
  })

  it('G65: a failing source read leaves R stale on A, the other regions are still processed, result VM_NOTSYNCED', async () => {
    const { dg, plexOn, f } = await mirror(2)
    const A = plexOn('disk01')
    await dg.detachPlex(A)
    await dg.write('v1', 1 * REGION, pattern(4096, 6))
    await dg.write('v1', 6 * REGION, pattern(4096, 7))
    const bsd = dg.config().subdisks.find((s) => s.sd_dm_name === 'disk02')!
    f[1]!.addFault({ ops: ['read'], range: { offset: (bsd.sd_dev_offset + REGION_SECTORS) * 512, length: REGION } })
    const h = await dg.resyncDisk('disk01', false)
    await expectCode(h.done, 'VM_NOTSYNCED')
    expect(dg.staleRegions(A).regions).toEqual([1])
  })

  it('G66: regions are processed in ascending disk offset of the subdisks on the disk', async () => {
    const g = await memoryGroup(2, 64 << 20, { wrap: (d) => createFaultyDevice(d) })
    const dg = g.dg
    // volume "hi" lies higher on disk01 than volume "lo"
    await dg.makeRecords([
      { type: 'sd', name: 'hiA', disk: 'disk01', offset: 40000, len: 4096 },
      { type: 'sd', name: 'loA', disk: 'disk01', offset: 0, len: 4096 },
      { type: 'sd', name: 'hiB', disk: 'disk02', len: 4096 },
      { type: 'sd', name: 'loB', disk: 'disk02', len: 4096 },
      { type: 'plex', name: 'hi1', sd: ['hiA'] },
      { type: 'plex', name: 'hi2', sd: ['hiB'] },
      { type: 'plex', name: 'lo1', sd: ['loA'] },
      { type: 'plex', name: 'lo2', sd: ['loB'] },
      { type: 'vol', name: 'hi', len: 4096, plex: ['hi1', 'hi2'] },
      { type: 'vol', name: 'lo', len: 4096, plex: ['lo1', 'lo2'] },
    ])
    for (const v of ['hi', 'lo']) await dg.start(v)
    await dg.detachPlex('hi1')
    await dg.detachPlex('lo1')
    for (const v of ['hi', 'lo']) await dg.write(v, 0, Buffer.alloc(4096 * 512, 9))
    const d1 = g.devices[0] as FaultyDevice
    d1.setTracing(true)
    await (await dg.resyncDisk('disk01', false)).done
    const pub = publicRegion(dg, 'disk01').offset
    const writes = d1.trace.filter((t) => t.op === 'write' && t.offset >= pub)
    const offsets = writes.map((t) => t.offset)
    // every region of both volumes (4 each), in copy units of one or more regions
    expect(writes.reduce((n, t) => n + t.length, 0)).toBe(8 * 1024 * 512)
    expect(offsets).toEqual([...offsets].sort((a, b) => a - b))
  })

  it('G67: force=true leaving a region stale: faithful mode succeeds, strict mode fails VM_NOTSYNCED', async () => {
    for (const mode of ['faithful', 'strict'] as const) {
      const { dg, plexOn, f } = await mirror(2)
      const A = plexOn('disk01')
      await dg.detachPlex(A)
      await dg.write('v1', 4 * REGION, pattern(4096, 8))
      const bsd = dg.config().subdisks.find((s) => s.sd_dm_name === 'disk02')!
      f[1]!.addFault({ ops: ['read'], range: { offset: (bsd.sd_dev_offset + 4 * REGION_SECTORS) * 512, length: REGION } })
      const h = await dg.resyncDisk('disk01', true, { mode })
      if (mode === 'faithful') expect((await h.done).failedRegions).toHaveLength(1)
      else await expectCode(h.done, 'VM_NOTSYNCED')
      expect(dg.staleRegions(A).regions).toEqual([4])
    }
  })

  it('G68: mirrors left different but unmarked: force=false changes nothing, force=true makes them identical', async () => {
    const mems = [0, 1].map(() => createMemoryDevice(64 << 20))
    const dg = await DiskGroup.create({ name: 'g68', disks: mems.map((device, i) => ({ name: `disk0${i + 1}`, device })) })
    await dg.assistMake({ init: 'none', name: 'v1', len: LEN, layout: 'mirror' })
    await dg.start('v1')
    await dg.write('v1', 0, pattern(LEN * 512, 10))
    const bsd = dg.config().subdisks.find((s) => s.sd_dm_name === 'disk02')!
    await mems[1]!.write((bsd.sd_dev_offset + 5 * REGION_SECTORS + 7) * 512, Buffer.alloc(512, 0xcc))
    const before = (await (await dg.verify('v1')).done).mismatches
    expect(before.map((m) => m.region)).toEqual([5])
    expect((await (await dg.resyncDisk('disk01', false)).done).regionsCopied).toBe(0)
    expect((await (await dg.verify('v1')).done).mismatches).toEqual(before)
    await (await dg.resyncDisk('disk01', true)).done
    expect((await (await dg.verify('v1')).done).mismatches).toEqual([])
  })
})

describe('replacing a disk', () => {
  it('a replaced disk gets everything, while a disk that came back gets only what it missed', async () => {
    const { dg, f, plexOn } = await mirror(2, { disks: 3 })
    const B = plexOn('disk02')
    await dg.flush('v1') // what was written so far is durable on both disks
    // came back: only the regions written while it was away
    f[1]!.addFault({ range: publicRegion(dg, 'disk02') })
    await dg.write('v1', 2 * REGION, pattern(4096, 11))
    expect(rec(dg, B).pl_state).toBe('IOFAIL')
    f[1]!.clearFaults()
    expect(dg.staleRegions(B)).toMatchObject({ full: false, regions: [2] })
    const back = await (await dg.resyncDisk('disk02', false)).done
    expect(back.regionsCopied).toBe(1)
    expect(rec(dg, B).pl_state).toBe('ACTIVE')
    // replaced: a blank device takes disk02's place and every region is copied to it
    f[1]!.powerCut()
    await dg.write('v1', 4 * REGION, pattern(4096, 12))
    const fresh = createMemoryDevice(64 << 20)
    await dg.replaceDisk('disk02', fresh)
    expect(dg.staleRegions(B).full).toBe(true)
    const all = await (await dg.resyncDisk('disk02', false)).done
    expect(all.regionsCopied).toBe(LEN / REGION_SECTORS)
    expect(rec(dg, B).pl_state).toBe('ACTIVE')
    expect((await (await dg.verify('v1')).done).mismatches).toEqual([])
    await expectCode(dg.replaceDisk('disk02', createMemoryDevice(1 << 20)), 'VM_NO_SPACE')
  })
})
