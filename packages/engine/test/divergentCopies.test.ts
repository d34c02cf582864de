import { describe, expect, it } from 'vitest'
import { KLOG_AREA, MAP_AREA, readRing, writeRing } from '../src/disk/privateRegion.ts'
import { DiskGroup, REGION_SECTORS } from '../src/diskGroup.ts'
import { CONFIG_SLOTS, MiB, expectCode, faultyMemoryGroup, pattern, rec } from './harness.ts'

const LEN = 8 * REGION_SECTORS

describe('copies of one tid that differ (rule 226)', () => {
  it('I226 a failed commit left on disk01 alone (its take-back failed too) and the first commit of a forced import without disk01, one tid above it (rule 265): every import with disk01 takes the acknowledged one', async () => {
    const { dg, faulty: f, mems } = await faultyMemoryGroup(3, 64 * MiB)
    const tid = dg.config().tid
    // vx's commit reaches disk01 alone: no quorum, the group goes offline and vx was never made;
    // clearing vx's copy off disk01 fails as well, so disk01 keeps it (tid + 1)
    f[0]!.addFault({ ops: ['write'], range: CONFIG_SLOTS, after: 1 })
    f[1]!.addFault({ ops: ['write'], range: CONFIG_SLOTS, times: 1 })
    f[2]!.addFault({ ops: ['write'], range: CONFIG_SLOTS, times: 1 })
    await expectCode(dg.assistMake({ init: 'none', name: 'vx', len: LEN, layout: 'concat', disks: ['disk01'] }), 'VM_FORCEOFF')
    await dg.close()
    // vxdg -f import without disk01: its first commit, vy on disk02 and disk03, takes tid + 2, as
    // disk01 may hold a commit of tid + 1 that was never acknowledged
    const two = await DiskGroup.import({ devices: [mems[1]!.reopen(), mems[2]!.reopen()], force: true })
    expect(two.config().tid).toBe(tid)
    await two.assistMake({ init: 'none', name: 'vy', len: LEN, layout: 'concat', disks: ['disk02'] })
    expect(two.config().tid).toBe(tid + 2)
    await two.close()
    // disk01 with either other disk: vy, the newest (before, tid + 1 held vx on disk01 and vy on disk02 alike)
    for (const other of [1, 2]) {
      const pair = await DiskGroup.import({ devices: [mems[0]!.reopen(), mems[other]!.reopen()], force: true })
      expect(pair.config().volumes.map((v) => v.v_name)).toEqual(['vy'])
      await pair.close()
    }

    const all = await DiskGroup.import({ devices: [mems[0]!.reopen(), mems[1]!.reopen(), mems[2]!.reopen()] })
    expect(all.config().volumes.map((v) => v.v_name)).toEqual(['vy'])
    expect(all.unusableDisks()).toEqual([])
    // disk01 holds no copy of it yet: the next commit writes it there, and the group imports from disk01 with either other disk
    await all.assistMake({ init: 'none', name: 'vz', len: LEN, layout: 'concat', disks: ['disk03'] })
    await all.close()
    for (const other of [1, 2]) {
      const again = await DiskGroup.import({ devices: [mems[0]!.reopen(), mems[other]!.reopen()], force: true })
      expect(again.config().volumes.map((v) => v.v_name)).toEqual(['vy', 'vz'])
      await again.close()
    }
  })

  it("I227 the kernel log and stale maps come from the disks holding the imported configuration: the detach a commit that lost quorum logged on disk01 alone does not fail the plex a forced import without disk01 went on writing", async () => {
    const { dg, faulty: f, mems } = await faultyMemoryGroup(3, 64 * MiB)
    await dg.assistMake({ init: 'none', name: 'v1', len: LEN, layout: 'mirror', nmirror: 2, disks: ['disk01', 'disk02'] })
    await dg.start('v1')
    await dg.write('v1', 0, pattern(LEN * 512, 1))
    await dg.flush('v1')
    const plexOn = (disk: string) => dg.config().subdisks.find((s) => s.sd_dm_name === disk && s.sd_pl_name.startsWith('v1-'))!.sd_pl_name
    const [onDisk01, onDisk02] = [plexOn('disk01'), plexOn('disk02')]
    // disk02 and disk03 stop taking writes: a write fails on disk02's plex, whose detach reaches
    // disk01's kernel log and stale maps alone, and its commit loses quorum
    f[1]!.addFault({ ops: ['write', 'flush'] })
    f[2]!.addFault({ ops: ['write', 'flush'] })
    await expectCode(dg.write('v1', 0, pattern(4096, 2)), 'VM_FORCEOFF')
    await dg.close().catch(() => {})
    // vxdg -f import without disk01: v1 runs on disk02's plex, whose writes are flushed
    const two = await DiskGroup.import({ devices: [mems[1]!.reopen(), mems[2]!.reopen()], force: true })
    await two.start('v1')
    const data = pattern(LEN * 512, 3)
    await two.write('v1', 0, data)
    await two.flush('v1')
    const rid02 = rec(two, onDisk02).pl_rid as number
    await two.close()
    // as if disk01 had taken many more blocks of its own history: its newest says disk02's plex was kernel-detached
    await writeRing(mems[0]!.reopen(), KLOG_AREA, 1000, { dirty: [], detached: [{ plexRid: rid02, tid: 1 }] })

    const all = await DiskGroup.import({ devices: [mems[0]!.reopen(), mems[1]!.reopen(), mems[2]!.reopen()] })
    expect(rec(all, onDisk02)).toMatchObject({ pl_state: 'ACTIVE' })
    expect(all.staleRegions(onDisk02)).toMatchObject({ full: false, regions: [] })
    expect(all.staleRegions(onDisk01).full).toBe(true)
    await all.start('v1')
    for (const h of await all.resumeInterrupted()) await h.done
    expect((await all.read('v1', 0, data.length)).equals(data)).toBe(true)
    expect([rec(all, onDisk01), rec(all, onDisk02)].map((p) => [p.pl_state, p.pl_kstate])).toEqual([['ACTIVE', 'ENABLED'], ['ACTIVE', 'ENABLED']])
    expect((await (await all.verify('v1')).done).mismatches).toEqual([])
    await all.close()
    // the blocks written since are numbered above disk01's old ones: each disk's newest block is the
    // group's, and the next import, with disk01 holding the configuration, leaves the plex on disk02 as it is
    for (const area of [KLOG_AREA, MAP_AREA]) {
      const newest = await Promise.all(mems.map((m) => readRing(m.reopen(), area)))
      expect(newest[0]).toEqual(newest[1])
      expect(newest[2]).toEqual(newest[1])
    }
    const again = await DiskGroup.import({ devices: [mems[0]!.reopen(), mems[1]!.reopen(), mems[2]!.reopen()] })
    expect([rec(again, onDisk01), rec(again, onDisk02)].map((p) => p.pl_state)).toEqual(['ACTIVE', 'ACTIVE'])
    await again.close()
  })
})
