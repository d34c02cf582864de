import { describe, expect, it } from 'vitest'
import { createFaultyDevice, type FaultyDevice } from '../src/device/faultyDevice.ts'
import type { MemoryDevice } from '../src/device/memoryDevice.ts'
import { KLOG_AREA, readRing } from '../src/disk/privateRegion.ts'
import { DiskGroup } from '../src/diskGroup.ts'
import { EXCEPTION_POLICY as P, PL_PFLAG, V_PFLAG } from '../src/records/types.ts'
import { expectCode, memoryGroup, pattern, publicRegion, rec, recordEvents } from './harness.ts'

/** A started 2-way mirror v1: v1-01 on disk01, v1-02 on disk02 (faulty devices over memory). */
async function mirror(extra: Record<string, unknown> = {}) {
  const g = await memoryGroup(3, 32 << 20, { wrap: (d) => createFaultyDevice(d) })
  await g.dg.assistMake({ init: 'none', name: 'v1', len: 4096, layout: 'mirror', disks: ['disk01', 'disk02'] })
  if (Object.keys(extra).length) await g.dg.set('v1', extra)
  await g.dg.start('v1')
  const [d1, d2, d3] = g.devices as FaultyDevice[]
  return { ...g, d1: d1!, d2: d2!, d3: d3! }
}

describe('exception policies and kernel detach (checklist E 45-50)', () => {
  it('E45: a read error on A is served from B; with WRITEBACK A is rewritten and not detached', async () => {
    const { dg, d1 } = await mirror({ pflag: V_PFLAG.WRITEBACK, read_pol: 'PREFER', pref_name: 'v1-01' })
    await dg.write('v1', 0, pattern(65536, 1))
    const writesBefore = dg.ioStats('v1-01').writes
    d1.addFault({ ops: ['read'], times: 1 })
    expect((await dg.read('v1', 0, 65536)).equals(pattern(65536, 1))).toBe(true)
    expect(dg.ioStats('v1-02').reads).toBeGreaterThanOrEqual(1)
    expect(dg.ioStats('v1-01').writes).toBe(writesBefore + 1)
    expect([rec(dg, 'v1-01').pl_kstate, rec(dg, 'v1-01').pl_state]).toEqual(['ENABLED', 'ACTIVE'])
  })

  it('E45: without WRITEBACK a read error detaches A under r_some = V_GEN_DET; the read still succeeds', async () => {
    const { dg, d1 } = await mirror({ pflag: 0, read_pol: 'PREFER', pref_name: 'v1-01' })
    await dg.write('v1', 0, pattern(4096, 2))
    d1.addFault({ ops: ['read'] })
    expect((await dg.read('v1', 0, 4096)).equals(pattern(4096, 2))).toBe(true)
    expect([rec(dg, 'v1-01').pl_kstate, rec(dg, 'v1-01').pl_state]).toEqual(['DETACHED', 'IOFAIL'])
  })

  it('E45: when no plex can serve a read it fails VM_IO (r_all = V_FAIL_OP)', async () => {
    const { dg, d1, d2 } = await mirror()
    d1.addFault({ ops: ['read'] })
    d2.addFault({ ops: ['read'] })
    await expectCode(dg.read('v1', 0, 512), 'VM_IO')
  })

  it('E46: a write error on A succeeds, kernel-detaches A (KDETACH, detach_tid, lasterr, kernel log) and A becomes IOFAIL', async () => {
    const { dg, d1, d2 } = await mirror()
    const log = recordEvents(dg)
    const tidBefore = dg.tid
    const lastErr = rec(dg, 'v1-01').pl_lasterr as number
    d1.addFault({ ops: ['write'] })
    await dg.write('v1', 0, pattern(8192, 3))
    const a = rec(dg, 'v1-01')
    expect(a.pl_kstate).toBe('DETACHED')
    expect((a.pl_pflag as number) & PL_PFLAG.KDETACH).toBe(PL_PFLAG.KDETACH)
    expect(a.pl_detach_tid).toBe(tidBefore)
    expect(a.pl_lasterr as number).toBeGreaterThan(lastErr)
    expect(a.pl_state).toBe('IOFAIL')
    const klog = await readRing(d2, KLOG_AREA)
    expect((klog!.payload as { detached: Array<{ plexRid: number }> }).detached.map((x) => x.plexRid)).toContain(a.pl_rid)
    expect(log.types()).toEqual(expect.arrayContaining(['io.error', 'kstate.changed', 'alert']))
    expect((await dg.read('v1', 0, 8192)).equals(pattern(8192, 3))).toBe(true)
  })

  async function sparseMirror(policy: number) {
    const g = await memoryGroup(3, 32 << 20, { wrap: (d) => createFaultyDevice(d) })
    await g.dg.makeRecords([
      { type: 'sd', name: 'full', disk: 'disk01', len: 4096 },
      { type: 'plex', name: 'A', sd: ['full'] },
      { type: 'sd', name: 'part', disk: 'disk02', len: 1024 },
      { type: 'plex', name: 'B', sd: ['part'] },
      { type: 'vol', name: 'v1', len: 4096, plex: ['A', 'B'] },
    ])
    await g.dg.set('v1', { w_some: policy })
    await g.dg.start('v1')
    return { dg: g.dg, dA: g.devices[0] as FaultyDevice }
  }

  it('E47: when A is the only complete plex, V_GEN_DET detaches the volume, not the plex; later I/O fails', async () => {
    const { dg, dA } = await sparseMirror(P.V_GEN_DET)
    dA.addFault({ ops: ['write'] })
    await dg.write('v1', 0, Buffer.alloc(4096, 1)) // B holds this range: acknowledged
    expect(rec(dg, 'v1').v_kstate).toBe('DETACHED')
    expect(rec(dg, 'A').pl_kstate).toBe('ENABLED')
    await expectCode(dg.write('v1', 0, Buffer.alloc(512)), 'VM_NOT_STARTED') // rule 133
    await expectCode(dg.read('v1', 0, 512), 'VM_NOT_STARTED')
  })

  it('E47: under V_GEN_FAIL the failing write itself also returns an error', async () => {
    const { dg, dA } = await sparseMirror(P.V_GEN_FAIL)
    dA.addFault({ ops: ['write'] })
    await expectCode(dg.write('v1', 0, Buffer.alloc(4096, 1)), 'VM_IO')
    expect(rec(dg, 'v1').v_kstate).toBe('DETACHED')
  })

  it('E48: V_GEN_DET2 with exactly two complete plexes detaches the volume on an error', async () => {
    const { dg, d1 } = await mirror({ w_some: P.V_GEN_DET2 })
    d1.addFault({ ops: ['write'] })
    await dg.write('v1', 0, Buffer.alloc(512, 1))
    expect(rec(dg, 'v1').v_kstate).toBe('DETACHED')
  })

  it('E49: a failing NOERROR plex triggers no detach, and reads avoid what it missed', async () => {
    const { dg, d1 } = await mirror({ read_pol: 'PREFER', pref_name: 'v1-01' })
    await dg.set('v1-01', { pflag: PL_PFLAG.NOERROR })
    d1.addFault({ ops: ['write'], times: 1, range: publicRegion(dg, 'disk01') })
    await dg.write('v1', 0, pattern(4096, 4))
    expect([rec(dg, 'v1-01').pl_kstate, rec(dg, 'v1-01').pl_state]).toEqual(['ENABLED', 'ACTIVE'])
    const before = dg.ioStats('v1-02').reads
    expect((await dg.read('v1', 0, 4096)).equals(pattern(4096, 4))).toBe(true)
    expect(dg.ioStats('v1-02').reads).toBe(before + 1)
  })

  it('E50: after a restart, a plex detached for errors is never the recovery source', async () => {
    const { dg, d1, devices } = await mirror()
    await dg.write('v1', 0, pattern(4096 * 512, 5))
    d1.addFault({ ops: ['write'] })
    const newer = pattern(4096 * 512, 6)
    await dg.write('v1', 0, newer)
    await dg.close() // crash: no stop
    const again = await DiskGroup.import({ devices: devices.map((d) => (d as FaultyDevice).inner as MemoryDevice).map((m) => m.reopen()) })
    expect((rec(again, 'v1-01').pl_pflag as number) & PL_PFLAG.KDETACH).toBe(PL_PFLAG.KDETACH)
    await again.start('v1')
    expect((await again.read('v1', 0, newer.length)).equals(newer)).toBe(true)
    expect(rec(again, 'v1-01').pl_state).toBe('ACTIVE')
    await again.detachPlex('v1-02')
    expect((await again.read('v1', 0, newer.length)).equals(newer)).toBe(true)
  })
})
