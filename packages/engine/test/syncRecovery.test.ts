import { describe, expect, it } from 'vitest'
import { createMemoryDevice, type MemoryDevice } from '../src/device/memoryDevice.ts'
import { DiskGroup, REGION_SECTORS } from '../src/diskGroup.ts'
import { V_TFLAG } from '../src/records/types.ts'
import { pattern, plexImage, rec } from './harness.ts'

const REGIONS = 8
const LEN = REGIONS * REGION_SECTORS
const REGION = REGION_SECTORS * 512
/** The block the crash left different on the two plexes: in region 5, past where recovery pauses. */
const TORN = 5 * REGION + 3 * 4096

/**
 * A 2-way mirror without a log that crashed dirty with its plexes different at `TORN` (as a torn
 * write leaves them), imported again: its start read-writebacks the whole volume (D 31).
 */
async function crashedMirror() {
  const mems = [0, 1].map(() => createMemoryDevice(32 << 20))
  const dg = await DiskGroup.create({ name: 'sy', disks: mems.map((device, i) => ({ name: `disk0${i + 1}`, device })) })
  await dg.assistMake({ init: 'none', name: 'v1', len: LEN, layout: 'mirror', nmirror: 2, disks: ['disk01', 'disk02'] })
  await dg.start('v1')
  await dg.write('v1', 0, pattern(LEN * 512, 9))
  const sd = dg.config().subdisks.find((s) => s.sd_pl_name === 'v1-02')!
  await dg.close()
  const again = mems.map((m) => m.reopen())
  await again[1]!.write(sd.sd_dev_offset * 512 + TORN, Buffer.alloc(4096, 0xee))
  // one region per copy step: the recovery is paused and stopped between regions
  return { dg: await DiskGroup.import({ devices: again, copyUnitRegions: 1 }), mems: again }
}

/** Starts the volume and pauses its recovery once two regions are done; `started` is the start. */
async function startPaused(dg: DiskGroup) {
  let taskId = ''
  const paused = new Promise<void>((res) => {
    const off = dg.subscribe((e) => {
      if (e.type === 'task.progress' && e.kind === 'recovery' && e.doneBytes > 0 && !taskId) {
        taskId = e.taskId
        dg.pauseTask(e.taskId)
        off()
        res()
      }
    })
  })
  const started = dg.start('v1')
  started.catch(() => {})
  // the task stops at its next region (the one already prepared may still finish)
  await paused
  return { started, taskId }
}

async function plexesAgree(dg: DiskGroup, mems: MemoryDevice[]) {
  const a = await plexImage(dg, mems, 'v1-01')
  const b = await plexImage(dg, mems, 'v1-02')
  return a.equals(b)
}

describe('read-writeback recovery (I74, I75)', () => {
  it('I74: a forced stop during recovery keeps the volume NEEDSYNC with its v_rwback_offset, and the next start finishes the recovery', async () => {
    const { dg, mems } = await crashedMirror()
    const { started } = await startPaused(dg)
    expect(rec(dg, 'v1').v_state).toBe('SYNC')
    await dg.stop('v1', { force: true })
    expect((await started.then(() => 'ok', (e: { code?: string }) => e.code))).toBe('VM_ABORTED')
    expect(rec(dg, 'v1')).toMatchObject({ v_kstate: 'DISABLED', v_state: 'NEEDSYNC' })
    // how far the read-writeback got: past the first region, short of the torn one
    const offset = rec(dg, 'v1').v_rwback_offset as number
    expect(offset).toBeGreaterThan(0)
    expect(offset).toBeLessThan(5 * REGION_SECTORS)
    expect(rec(dg, 'v1-01').pl_state).not.toBe('CLEAN')
    expect(await plexesAgree(dg, mems)).toBe(false)
    // the next start finishes the job, from where it stopped
    const log: number[] = []
    dg.subscribe((e) => {
      if (e.type === 'task.progress' && e.kind === 'recovery') log.push(e.totalBytes)
    })
    await dg.start('v1')
    expect(log[0]).toBe((LEN - offset) * 512)
    expect(rec(dg, 'v1')).toMatchObject({ v_state: 'ACTIVE', v_rwback_offset: LEN })
    expect(await plexesAgree(dg, mems)).toBe(true)
    expect((await (await dg.verify('v1')).done).mismatches).toEqual([])
    await dg.close()
  })

  it('I74: a volume whose recovery was aborted stops NEEDSYNC, and its next start recovers it', async () => {
    const { dg, mems } = await crashedMirror()
    const { started, taskId } = await startPaused(dg)
    dg.abortTask(taskId)
    await expect(started).rejects.toMatchObject({ code: 'VM_ABORTED' })
    await dg.stop('v1')
    expect(rec(dg, 'v1').v_state).toBe('NEEDSYNC')
    await dg.start('v1')
    expect(await plexesAgree(dg, mems)).toBe(true)
    expect(rec(dg, 'v1').v_state).toBe('ACTIVE')
    await dg.close()
  })

  it('I74: NEEDSYNC survives a restart, and the start after it recovers the whole volume', async () => {
    const { dg, mems } = await crashedMirror()
    await startPaused(dg)
    await dg.stop('v1', { force: true })
    await dg.close()
    const again = await DiskGroup.import({ devices: mems.map((m) => m.reopen()) })
    expect(rec(again, 'v1')).toMatchObject({ v_state: 'NEEDSYNC', v_rwback_offset: 0 })
    await again.start('v1')
    expect((await (await again.verify('v1')).done).mismatches).toEqual([])
    await again.close()
  })

  it('I75: during read-writeback (V_TFLAG.RWBACK) every read of a region not yet recovered returns the same data, which recovery then keeps', async () => {
    const { dg, mems } = await crashedMirror()
    const { started, taskId } = await startPaused(dg)
    expect((rec(dg, 'v1').v_tflag as number) & V_TFLAG.RWBACK).toBe(V_TFLAG.RWBACK)
    // ROUND moves to the next plex for a read far from the previous one: with two reads far
    // apart between them, successive reads of TORN come from alternating plexes
    const seen: string[] = []
    const served: number[] = []
    for (let i = 0; i < 4; i++) {
      const before = dg.ioStats('v1-01').reads
      seen.push((await dg.read('v1', TORN, 4096)).toString('hex'))
      served.push(dg.ioStats('v1-01').reads - before)
      await dg.read('v1', 0, 512)
      await dg.read('v1', 2 * REGION, 512)
    }
    expect(new Set(served).size).toBe(2)
    expect(new Set(seen).size).toBe(1)
    // the block was written back to the other plex before the first read returned it
    const a = await plexImage(dg, mems, 'v1-01')
    const b = await plexImage(dg, mems, 'v1-02')
    expect(a.subarray(TORN, TORN + 4096).equals(b.subarray(TORN, TORN + 4096))).toBe(true)
    dg.resumeTask(taskId)
    await started
    expect((rec(dg, 'v1').v_tflag as number) & V_TFLAG.RWBACK).toBe(0)
    expect((await dg.read('v1', TORN, 4096)).toString('hex')).toBe(seen[0])
    expect(await plexesAgree(dg, mems)).toBe(true)
    await dg.close()
  })
})
