import { describe, expect, it } from 'vitest'
import { DiskGroup, REGION_SECTORS } from '../src/diskGroup.ts'
import { CONFIG_SLOTS, MiB, expectCode, faultyMemoryGroup, pattern, rec } from './harness.ts'

const LEN = 8 * REGION_SECTORS

describe('a group forced offline records no I/O failure (rule 267)', () => {
  it('267 a flush of a group forced offline fails VM_FORCEOFF and marks nothing stale: the commit that lost quorum and stayed on disk01 imports with the plex that holds the data', async () => {
    const { dg, faulty: f, mems } = await faultyMemoryGroup(3, 64 * MiB)
    await dg.assistMake({ init: 'none', name: 'v1', len: LEN, layout: 'mirror', nmirror: 2, disks: ['disk01', 'disk02'] })
    await dg.start('v1')
    const plexOn = (disk: string) => dg.config().subdisks.find((s) => s.sd_dm_name === disk && s.sd_pl_name.startsWith('v1-'))!.sd_pl_name
    const [onDisk01, onDisk02] = [plexOn('disk01'), plexOn('disk02')]
    const data = pattern(LEN * 512, 1)
    await dg.write('v1', 0, data)
    await dg.flush('v1')
    // acknowledged, not flushed yet
    const later = pattern(64 * 1024, 2)
    await dg.write('v1', 0, later)
    data.set(later, 0)

    // the detach of disk02's plex reaches disk01 alone and cannot be taken back there (rule 265):
    // disk01 keeps that commit, which the group never acknowledged and never applied
    f[0]!.addFault({ ops: ['write'], range: CONFIG_SLOTS, after: 1 })
    f[1]!.addFault({ ops: ['write'], range: CONFIG_SLOTS })
    f[2]!.addFault({ ops: ['write'], range: CONFIG_SLOTS })
    await expectCode(dg.detachPlex(onDisk02), 'VM_FORCEOFF')
    expect(rec(dg, onDisk02)).toMatchObject({ pl_state: 'ACTIVE', pl_kstate: 'ENABLED' })
    // disk01 fails the flush: before, the flush ran, and its failure marked the unflushed region
    // stale on disk01's plex against the copy on disk02, which that commit detached
    f[0]!.addFault({ ops: ['flush'] })
    await expectCode(dg.flush('v1'), 'VM_FORCEOFF')
    await expectCode(dg.write('v1', 0, later), 'VM_FORCEOFF')
    await dg.close()

    const again = await DiskGroup.import({ devices: mems.map((m) => m.reopen()) })
    expect(rec(again, onDisk02).pl_state).toBe('STALE')
    expect(again.staleRegions(onDisk01)).toMatchObject({ full: false, regions: [] })
    await again.start('v1')
    for (const h of await again.resumeInterrupted()) await h.done
    expect((await again.read('v1', 0, data.length)).equals(data)).toBe(true)
    await again.close()
  })
})
