import { describe, expect, it } from 'vitest'
import { createFaultyDevice } from '../src/device/faultyDevice.ts'
import { createMemoryDevice } from '../src/device/memoryDevice.ts'
import { KLOG_LEN, KLOG_OFFSET } from '../src/disk/privateRegion.ts'
import { DiskGroup, REGION_SECTORS } from '../src/diskGroup.ts'
import { foldKernelLog } from '../src/lifecycle/import.ts'
import { PL_PFLAG } from '../src/records/types.ts'

const LEN = 4 * REGION_SECTORS
const DISKS = ['disk01', 'disk02', 'disk03']

/**
 * Seed 86400 of the crash-point explorer (rule 86), made deterministic: a plex the kernel detached
 * is attached again (its enable committed, ACTIVE), the other plex is detached, and the machine
 * goes down before the kernel log is written without the detach (here: every kernel-log write
 * fails). The restart must start the volume from the plex the records say is current, not fold
 * the kernel log's overtaken entry back into it (VM_UNSTARTABLE).
 */
describe('a kernel-log detach the records have overtaken (rule 377)', () => {
  it('I377: a plex re-enabled after a kernel detach is a source after a crash that left the old kernel-log entry', async () => {
    const mems = DISKS.map(() => createMemoryDevice(8 << 20))
    const devs = mems.map((m) => createFaultyDevice(m))
    const dg = await DiskGroup.create({ name: 'kl', disks: devs.map((device, i) => ({ name: DISKS[i]!, device })) })
    await dg.assistMake({ init: 'none', name: 'v1', len: LEN, layout: 'mirror', nmirror: 2, disks: ['disk01', 'disk02'] })
    await dg.start('v1')
    await dg.write('v1', 0, Buffer.alloc(LEN * 512, 1))
    await dg.flush('v1')
    // a write error on disk02 kernel-detaches v1-02 (the kernel log lists it)
    devs[1]!.addFault({ ops: ['write'], times: 1 })
    await dg.write('v1', 0, Buffer.alloc(4096, 2))
    const detached = dg.config().plexes.find((p) => p.pl_name === 'v1-02')!
    expect(detached.pl_state).toBe('IOFAIL')
    expect(detached.pl_pflag & PL_PFLAG.KDETACH).toBe(PL_PFLAG.KDETACH)
    // from now on no kernel-log write reaches a disk: the crash comes before the log forgets the detach
    for (const d of devs) d.addFault({ ops: ['write'], range: { offset: KLOG_OFFSET * 512, length: KLOG_LEN * 512 } })
    await dg.attachPlex('v1', 'v1-02')
    expect(dg.config().plexes.find((p) => p.pl_name === 'v1-02')!.pl_state).toBe('ACTIVE')
    await dg.detachPlex('v1-01')
    const last = Buffer.alloc(4096, 3)
    await dg.write('v1', 8192, last)
    await dg.flush('v1')
    await dg.close().catch(() => {})

    const again = await DiskGroup.import({ devices: mems.map((m) => m.reopen()) })
    await again.start('v1')
    const pl = again.config().plexes.find((p) => p.pl_name === 'v1-02')!
    expect([pl.pl_state, pl.pl_kstate]).toEqual(['ACTIVE', 'ENABLED'])
    expect((await again.read('v1', 8192, 4096)).equals(last)).toBe(true)
    await again.close()
  })
  it('I377: the fold passes over an entry whose detach was committed and undone, and keeps one whose detach may not have been', () => {
    const plex = (rid: number, state: string, pflag: number, detachTid: number) => ({ pl_rid: rid, pl_state: state, pl_pflag: pflag, pl_detach_tid: detachTid })
    // 1: detached at tid 7 (committed, 8), enabled again; 2: committed but still KDETACH; 3: the commit never landed (an earlier detach's tid)
    const c = { plexes: [plex(1, 'ACTIVE', 0, 8), plex(2, 'IOFAIL', PL_PFLAG.KDETACH, 8), plex(3, 'ACTIVE', 0, 4)] }
    foldKernelLog(c as never, { dirty: [], detached: [1, 2, 3].map((plexRid) => ({ plexRid, tid: 7 })) })
    const kd = PL_PFLAG.KDETACH | PL_PFLAG.STALE
    expect(c.plexes.map((p) => [p.pl_state, p.pl_pflag & kd])).toEqual([['ACTIVE', 0], ['IOFAIL', kd], ['IOFAIL', kd]])
  })
})
