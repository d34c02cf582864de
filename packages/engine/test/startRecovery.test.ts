import { describe, expect, it } from 'vitest'
import { createFaultyDevice, type FaultyDevice } from '../src/device/faultyDevice.ts'
import { createMemoryDevice, type MemoryDevice } from '../src/device/memoryDevice.ts'
import { DiskGroup, REGION_SECTORS } from '../src/diskGroup.ts'
import { expectCode, pattern, plexImage, rec } from './harness.ts'
import { heldWrite } from './heldWrite.ts'

const REGIONS = 8
const LEN = REGIONS * REGION_SECTORS
const REGION = REGION_SECTORS * 512

/** Resolves with the first task.progress of a task of `kind` that did some work, pausing it there. */
function pauseFirst(dg: DiskGroup, kind: string): Promise<string> {
  return new Promise((resolve) => {
    const off = dg.subscribe((e) => {
      if (e.type === 'task.progress' && e.kind === kind && e.doneBytes > 0) {
        off()
        dg.pauseTask(e.taskId)
        resolve(e.taskId)
      }
    })
  })
}

describe('a second crash during a NEEDSYNC recovery (I121)', () => {
  it('I121: the next start recovers everything the NEEDSYNC recovery had not reached, not only the regions the log had dirty', async () => {
    const mems = [0, 1, 2].map(() => createMemoryDevice(32 << 20))
    const faulty = mems.map((m) => createFaultyDevice(m))
    const dg = await DiskGroup.create({ name: 'ns', disks: faulty.map((device, i) => ({ name: `disk0${i + 1}`, device })) })
    await dg.assistMake({ init: 'none', name: 'v1', len: LEN, layout: 'mirror', log: 'drl', disks: ['disk01', 'disk02', 'disk03'] })
    await dg.start('v1')
    await dg.write('v1', 0, pattern(LEN * 512, 3))
    await dg.flush('v1')
    await dg.cleanDirtyRegions('v1')
    await dg.write('v1', 0, pattern(4096, 4))
    // a stop whose flush no data plex completed: NEEDSYNC from offset 0 (rule 78)
    for (const d of faulty.slice(0, 2) as FaultyDevice[]) d.addFault({ ops: ['flush'], after: 1, times: 1 })
    await expectCode(dg.stop('v1'), 'VM_IO')
    expect([rec(dg, 'v1').v_state, rec(dg, 'v1').v_rwback_offset]).toEqual(['NEEDSYNC', 0])
    const sd = dg.config().subdisks.find((s) => s.sd_pl_name === 'v1-02')!
    await dg.close()
    // what NEEDSYNC stands for: the plexes may differ anywhere past v_rwback_offset
    const disks1 = mems.map((m) => m.reopen())
    await disks1[1]!.write(sd.sd_dev_offset * 512 + 5 * REGION, Buffer.alloc(4096, 0xee))
    const dg1 = await DiskGroup.import({ devices: disks1 })
    const paused = pauseFirst(dg1, 'recovery')
    const started = dg1.start('v1')
    started.catch(() => {})
    await paused
    expect(rec(dg1, 'v1').v_state).toBe('SYNC')
    // the machine crashes while the recovery is still before region 5
    await dg1.close()
    const disks2 = mems.map((m) => m.reopen())
    const dg2 = await DiskGroup.import({ devices: disks2 })
    await dg2.start('v1')
    expect(rec(dg2, 'v1').v_state).toBe('ACTIVE')
    const a = await plexImage(dg2, disks2, 'v1-01')
    const b = await plexImage(dg2, disks2, 'v1-02')
    expect(a.equals(b)).toBe(true)
    expect((await (await dg2.verify('v1')).done).mismatches).toEqual([])
    await dg2.close()
  })
})

describe('start hands back only the plexes it made write targets (I119)', () => {
  it('I119: a plex an attach is handing back while the start recovers is left to the attach: it ends ACTIVE, not IOFAIL', async () => {
    const mems = [0, 1, 2, 3].map(() => createMemoryDevice(32 << 20))
    const mk = (ms: MemoryDevice[]) => ms.map((m) => heldWrite(m))
    let holds = mk(mems)
    const dg = await DiskGroup.create({ name: 'sa', disks: holds.map((h, i) => ({ name: `disk0${i + 1}`, device: h.device })) })
    await dg.assistMake({ init: 'none', name: 'v1', len: LEN, layout: 'mirror', nmirror: 3, log: 'drl', disks: ['disk01', 'disk02', 'disk03', 'disk04'] })
    await dg.start('v1')
    const data = pattern(LEN * 512, 7)
    await dg.write('v1', 0, data)
    await dg.flush('v1')
    // v1-03 goes OFFLINE and misses a write of the whole volume; the log is clean again after it
    await dg.mend('off', 'v1-03')
    const newer = pattern(LEN * 512, 8)
    await dg.write('v1', 0, newer)
    await dg.flush('v1')
    await dg.cleanDirtyRegions('v1')
    newer.copy(data)
    const last = pattern(4096, 9)
    await dg.write('v1', 6 * REGION, last)
    last.copy(data, 6 * REGION)
    const c = dg.config()
    const log = c.subdisks.find((s) => s.sd_is_log)!
    const diskOf = (sd: { sd_dm_rid: number }) => c.disks.findIndex((d) => d.dm_rid === sd.sd_dm_rid)
    await dg.close() // a crash: v1 is dirty in the kernel log, region 6 in its DRL

    holds = mk(mems.map((m) => m.reopen()))
    // one region per copy step, so the attach copy pauses after its first region (rule 160)
    const again = await DiskGroup.import({ devices: holds.map((h) => h.device), copyUnitRegions: 1 })
    // the start is held at its write of the log (after its commit, before its recovery)
    const logHold = holds[diskOf(log)]!
    logHold.arm({ offset: log.sd_dev_offset * 512, length: log.sd_len * 512 })
    const startDone = again.start('v1').then(() => 'ok', (e: { code?: string }) => e.code)
    await logHold.reached
    // meanwhile the administrator brings v1-03 back and attaches it; its copy pauses after a region
    await again.mend('on', 'v1-03')
    const paused = pauseFirst(again, 'attach')
    const attached = again.attachPlex('v1', 'v1-03').then(() => 'ok', (e: { code?: string }) => e.code)
    const attachTask = await paused
    expect(rec(again, 'v1-03').pl_tutil).toContain('ATT')
    // the start recovers region 6 and reaches its hand-backs while the attach is still copying
    logHold.release()
    expect(await startDone).toBe('ok')
    again.resumeTask(attachTask)
    expect(await attached).toBe('ok')
    expect(rec(again, 'v1-03')).toMatchObject({ pl_state: 'ACTIVE', pl_kstate: 'ENABLED' })
    expect((await again.read('v1', 0, LEN * 512)).equals(data)).toBe(true)
    expect((await (await again.verify('v1')).done).mismatches).toEqual([])
    await again.close()
  })
})
