import { describe, expect, it } from 'vitest'
import { DiskGroup, REGION_SECTORS } from '../src/diskGroup.ts'
import { DM_TFLAG } from '../src/records/types.ts'
import { CONFIG_SLOTS, MiB, faultyMemoryGroup } from './harness.ts'

const LEN = 8 * REGION_SECTORS

/** The volumes of the group that the import of `devices` (forced: the others are missing) brings up. */
async function volumesImported(devices: Parameters<typeof DiskGroup.import>[0]['devices']): Promise<string[]> {
  const dg = await DiskGroup.import({ devices, force: true })
  const names = dg.config().volumes.map((v) => v.v_name)
  await dg.close()
  return names
}

describe('an acknowledged commit is never lost by an import (rule 265)', () => {
  it('265 a volume whose commit reached disk01 and disk02 (disk03 failed it) and returned survives the forced import of disk01 with disk03, whose older copies would make a majority', async () => {
    const { dg, faulty: f, mems } = await faultyMemoryGroup(3, 64 * MiB)
    const tid = dg.config().tid
    // disk03's configuration copy fails to write: vn's commit holds 2 of 3 copies and returns;
    // the commit that records disk03's disabled copy (rule 235) then fails on disk01 too and
    // loses quorum, so disk01 keeps vn's copy and, in its other slot, the one before it
    f[2]!.addFault({ ops: ['write'], range: CONFIG_SLOTS })
    f[0]!.addFault({ ops: ['write'], range: CONFIG_SLOTS, after: 1, times: 1 })
    const made = await dg.assistMake({ init: 'none', name: 'vn', len: LEN, layout: 'concat', disks: ['disk01'] })
    expect(made.tid).toBe(tid + 1)
    expect(dg.forcedOffline).toBe(true)
    await dg.close()

    // disk02 is gone: disk01 holds vn (tid + 1) and tid, disk03 tid: vn's configuration is the newest
    expect(await volumesImported([mems[0]!.reopen(), mems[2]!.reopen()])).toEqual(['vn'])
  })

  it('265 a commit acknowledged before a copy was disabled is the one every import of a majority of the disks takes, forced or not', async () => {
    const { dg, faulty: f, mems } = await faultyMemoryGroup(3, 64 * MiB)
    // disk03's copy fails: vn commits on disk01 and disk02, and so does the commit recording it
    f[2]!.addFault({ ops: ['write'], range: CONFIG_SLOTS })
    await dg.assistMake({ init: 'none', name: 'vn', len: LEN, layout: 'concat', disks: ['disk01'] })
    expect(dg.forcedOffline).toBe(false)
    expect(dg.config().disks[2]!.dm_tflag & DM_TFLAG.CONFIG_DISABLED).toBe(DM_TFLAG.CONFIG_DISABLED)
    await dg.close()
    for (const pair of [[0, 2], [1, 2], [0, 1]]) {
      expect(await volumesImported(pair.map((i) => mems[i]!.reopen()))).toEqual(['vn'])
    }
    const all = await DiskGroup.import({ devices: mems.map((m) => m.reopen()) })
    expect(all.config().volumes.map((v) => v.v_name)).toEqual(['vn'])
    await all.close()
  })

  it('265 a commit that lost quorum is taken back off the disk it reached: every import takes the group as it was, and its next commit is whole', async () => {
    const { dg, faulty: f, mems } = await faultyMemoryGroup(3, 64 * MiB)
    const tid = dg.config().tid
    f[1]!.addFault({ ops: ['write'], range: CONFIG_SLOTS, times: 1 })
    f[2]!.addFault({ ops: ['write'], range: CONFIG_SLOTS, times: 1 })
    await expect(dg.assistMake({ init: 'none', name: 'vx', len: LEN, layout: 'concat', disks: ['disk01'] })).rejects.toMatchObject({ code: 'VM_FORCEOFF' })
    await dg.close()
    expect(await volumesImported([mems[0]!.reopen(), mems[1]!.reopen()])).toEqual([])
    const all = await DiskGroup.import({ devices: mems.map((m) => m.reopen()) })
    expect(all.config().tid).toBe(tid)
    expect(all.config().volumes).toEqual([])
    await all.assistMake({ init: 'none', name: 'vy', len: LEN, layout: 'concat', disks: ['disk01'] })
    expect(all.config().tid).toBe(tid + 1)
    await all.close()
    expect(await volumesImported([mems[0]!.reopen(), mems[2]!.reopen()])).toEqual(['vy'])
  })
})
