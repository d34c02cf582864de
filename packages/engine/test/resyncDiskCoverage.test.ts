import { describe, expect, it } from 'vitest'
import { createFaultyDevice, type FaultyDevice } from '../src/device/faultyDevice.ts'
import type { MemoryDevice } from '../src/device/memoryDevice.ts'
import { DiskGroup, REGION_SECTORS } from '../src/diskGroup.ts'
import type { SyncReport } from '../src/resync/regionCopy.ts'
import { PL_PFLAG } from '../src/records/types.ts'
import { MiB, expectCode, memoryGroup, pattern, rec, twoCopiesOnDisk01 } from './harness.ts'

const REGION = REGION_SECTORS * 512
const LEN = 8 * REGION_SECTORS

/** The report of a disk resync, whether it succeeded or failed VM_NOTSYNCED (the error carries it). */
async function outcome(done: Promise<SyncReport>): Promise<{ code: string | undefined; report: SyncReport }> {
  try {
    return { code: undefined, report: await done }
  } catch (e) {
    return { code: (e as { code?: string }).code, report: (e as { report: SyncReport }).report }
  }
}

describe('resyncDisk covers every volume on the disk and says what it did (issue 17 items 1, 2)', () => {
  it('157: two mirrors of one volume on the same disk: a stale copy on the second one counts and is copied', async () => {
    const { dg } = await memoryGroup(2, 64 * MiB, { wrap: (d) => createFaultyDevice(d) })
    await twoCopiesOnDisk01(dg, LEN, ['v1-01', 'v1-02', 'v1-03'], 2 * LEN)
    await dg.write('v1', 0, pattern(LEN * 512, 1))
    await dg.detachPlex('v1-02') // the second copy on disk01
    await dg.write('v1', 3 * REGION, pattern(8192, 2))
    expect(dg.planResyncDisk('disk01', false).regions).toBe(1)
    const report = await (await dg.resyncDisk('disk01', false)).done
    expect(report.regionsCopied).toBe(1)
    expect(rec(dg, 'v1-02').pl_state).toBe('ACTIVE')
    expect(report.volumes).toEqual([{ volume: 'v1', synced: true }])
    expect((await (await dg.verify('v1')).done).mismatches).toEqual([])
  })

  it('157: a stopped volume with a stale copy on the disk is not skipped: the resync does the started ones and fails VM_NOTSYNCED naming it (VM_NOT_STARTED)', async () => {
    const { dg } = await memoryGroup(2)
    await dg.assistMake({ name: 'a', len: LEN, layout: 'mirror' })
    await dg.assistMake({ name: 'b', len: LEN, layout: 'mirror' })
    await dg.assistMake({ name: 'c', len: LEN, layout: 'mirror' })
    await dg.stop('c') // stopped, CLEAN: nothing to synchronise
    const on1 = (v: string) => dg.config().subdisks.find((s) => s.sd_dm_name === 'disk01' && s.sd_pl_name.startsWith(`${v}-`))!.sd_pl_name
    await dg.detachPlex(on1('a'))
    await dg.write('a', REGION, pattern(4096, 3))
    await dg.detachPlex(on1('b'))
    await dg.write('b', 2 * REGION, pattern(4096, 4))
    await dg.stop('b')
    const { code, report } = await outcome((await dg.resyncDisk('disk01', false)).done)
    expect(code).toBe('VM_NOTSYNCED')
    expect(rec(dg, on1('a')).pl_state).toBe('ACTIVE')
    expect(rec(dg, on1('b')).pl_state).toBe('STALE')
    expect(report.volumes).toEqual([{ volume: 'a', synced: true }, { volume: 'b', synced: false, reason: 'VM_NOT_STARTED' }, { volume: 'c', synced: true }])
  })

  it('158: a disk without a device is VM_NOTSYNCED, not VM_OFFLINE', async () => {
    const g = await memoryGroup(3, 32 * MiB)
    await g.dg.assistMake({ name: 'mir', len: LEN, layout: 'mirror', disks: ['disk01', 'disk02'] })
    await g.dg.stop('mir')
    await g.dg.close()
    const dg = await DiskGroup.import({ devices: [0, 2].map((i) => (g.devices[i] as MemoryDevice).reopen()), force: true })
    await dg.start('mir')
    await expectCode(dg.resyncDisk('disk02', false), 'VM_NOTSYNCED')
    await expectCode(async () => dg.planResyncDisk('disk02', true), 'VM_NOTSYNCED')
    await dg.close()
  })

  it('158: a forced resync where a region has no readable good copy is VM_NOTSYNCED in strict mode, success in faithful mode', async () => {
    for (const mode of ['strict', 'faithful'] as const) {
      const { dg, devices } = await memoryGroup(2, 64 * MiB, { wrap: (d) => createFaultyDevice(d) })
      await dg.assistMake({ init: 'none', name: 'v1', len: LEN, layout: 'mirror' })
      await dg.start('v1')
      await dg.write('v1', 0, pattern(LEN * 512, 5))
      const on1 = dg.config().subdisks.find((s) => s.sd_dm_name === 'disk01')!
      const other = dg.config().plexes.find((p) => p.pl_v_name === 'v1' && p.pl_name !== on1.sd_pl_name)!.pl_name
      await dg.detachPlex(other) // the only other copy is stale: disk01's copy is the good one
      await dg.write('v1', 4 * REGION, pattern(4096, 6))
      ;(devices[0] as FaultyDevice).addFault({ ops: ['read'], range: { offset: (on1.sd_dev_offset + 4 * REGION_SECTORS) * 512, length: REGION } })
      const { code, report } = await outcome((await dg.resyncDisk('disk01', true, { mode })).done)
      expect(report.failedRegions).toEqual([expect.objectContaining({ volume: 'v1', region: 4, reason: 'no readable good copy' })])
      expect(code).toBe(mode === 'strict' ? 'VM_NOTSYNCED' : undefined)
    }
  })

  it('159: after a failed disk returns, its resync brings the kernel-detached plex back (as vxrecover) and the report says so; a stopped volume it cannot do is named', async () => {
    const { dg, devices } = await memoryGroup(3, 64 * MiB, { wrap: (d) => createFaultyDevice(d) })
    await dg.assistMake({ init: 'none', name: 'v1', len: LEN, layout: 'mirror', disks: ['disk01', 'disk02'] })
    await dg.assistMake({ init: 'none', name: 'v2', len: LEN, layout: 'mirror', disks: ['disk01', 'disk02'] })
    for (const v of ['v1', 'v2']) {
      await dg.start(v)
      await dg.write(v, 0, pattern(MiB, 7))
      await dg.flush(v)
    }
    const f = devices[1] as FaultyDevice
    f.addFault({})
    await dg.write('v1', 2 * REGION, pattern(4096, 8))
    await dg.write('v2', 2 * REGION, pattern(4096, 9))
    const p1 = dg.config().subdisks.find((s) => s.sd_dm_name === 'disk02' && s.sd_pl_name.startsWith('v1-'))!.sd_pl_name
    const p2 = dg.config().subdisks.find((s) => s.sd_dm_name === 'disk02' && s.sd_pl_name.startsWith('v2-'))!.sd_pl_name
    expect([rec(dg, p1).pl_state, rec(dg, p1).pl_kstate, (rec(dg, p1).pl_pflag as number) & PL_PFLAG.KDETACH]).toEqual(['IOFAIL', 'DETACHED', PL_PFLAG.KDETACH])
    await dg.stop('v2')
    f.clearFaults()
    const { code, report } = await outcome((await dg.resyncDisk('disk02', false)).done)
    expect([rec(dg, p1).pl_state, rec(dg, p1).pl_kstate, (rec(dg, p1).pl_pflag as number) & PL_PFLAG.KDETACH]).toEqual(['ACTIVE', 'ENABLED', 0])
    expect(code).toBe('VM_NOTSYNCED')
    expect(report.volumes).toEqual([{ volume: 'v1', synced: true }, { volume: 'v2', synced: false, reason: 'VM_NOT_STARTED' }])
    expect(rec(dg, p2).pl_state).toBe('IOFAIL')
    // started, its start recovers it; the next disk resync has nothing left to say
    await dg.start('v2')
    const again = await (await dg.resyncDisk('disk02', false)).done
    expect(again.volumes).toEqual([{ volume: 'v1', synced: true }, { volume: 'v2', synced: true }])
  })
})
