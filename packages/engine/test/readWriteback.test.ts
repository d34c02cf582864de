// A forced resync (a read-writeback) that ends before its last region: the volume's state says no
// task is doing it, and an unforced resync finishes it from where it got (rule 231).
import { describe, expect, it } from 'vitest'
import { createManualClock } from '../src/clock.ts'
import { createMemoryDevice } from '../src/device/memoryDevice.ts'
import { DiskGroup, REGION_SECTORS } from '../src/diskGroup.ts'
import { V_TFLAG } from '../src/records/types.ts'
import { expectCode, pattern, rec } from './harness.ts'

const REGION = REGION_SECTORS * 512
const MiB = 1 << 20
const REGIONS = 16

/** A started two-way mirror whose second plex differs from the first in regions 2 and 12 (behind the engine's back). */
async function differingMirror() {
  const clock = createManualClock(0)
  const mems = [0, 1].map(() => createMemoryDevice(64 << 20))
  const dg = await DiskGroup.create({ name: 'rw', clock, sleep: async (ms) => clock.advance(ms), copyUnitRegions: 1, disks: mems.map((device, i) => ({ name: `disk0${i + 1}`, device })) })
  await dg.assistMake({ init: 'none', name: 'v1', len: REGIONS * REGION_SECTORS, layout: 'mirror', disks: ['disk01', 'disk02'] })
  await dg.start('v1')
  await dg.write('v1', 0, pattern(REGIONS * REGION, 5))
  const sd = dg.config().subdisks.find((s) => s.sd_pl_name === 'v1-02')!
  for (const g of [2, 12]) await mems[1]!.write((sd.sd_dev_offset + g * REGION_SECTORS) * 512, Buffer.alloc(REGION, 0xee))
  return { dg }
}

const mismatches = async (dg: DiskGroup) => (await (await dg.verify('v1')).done).mismatches.map((m) => m.region)

describe('an unfinished read-writeback (rule 231)', () => {
  it('a forced resync aborted halfway leaves the volume NEEDSYNC with how far it got; an unforced resync copies the rest and makes it ACTIVE', async () => {
    const { dg } = await differingMirror()
    expect(await mismatches(dg)).toEqual([2, 12])
    dg.subscribe((e) => {
      if (e.type === 'task.progress' && e.kind === 'resync' && e.phase === 'resync' && e.doneBytes >= 6 * REGION) dg.abortTask(e.taskId)
    })
    const forced = await dg.resyncVolume('v1', true, { throttle: 2 * MiB }) // a region every 250 ms of clock time
    await expectCode(forced.done, 'VM_ABORTED')
    const v = rec(dg, 'v1')
    // no task does the read-writeback: NEEDSYNC, reads still written back, and how far it got
    expect(v).toMatchObject({ v_kstate: 'ENABLED', v_state: 'NEEDSYNC' })
    expect((v.v_tflag as number) & V_TFLAG.RWBACK).toBe(V_TFLAG.RWBACK)
    const reached = v.v_rwback_offset as number
    expect(reached % REGION_SECTORS).toBe(0)
    expect(reached / REGION_SECTORS).toBeGreaterThanOrEqual(6)
    expect(reached / REGION_SECTORS).toBeLessThan(12)
    // what it reached is identical; region 12 still differs
    expect(await mismatches(dg)).toEqual([12])
    // the unforced resync's plan: every region from the one it stopped at
    const left = REGIONS - reached / REGION_SECTORS
    expect(dg.planResyncVolume('v1', false)).toEqual({ dryRun: true, regions: left, bytes: left * REGION, writes: [{ volume: 'v1', plexes: ['v1-02'] }], handBack: [] })
    const report = await (await dg.resyncVolume('v1', false)).done
    expect(report).toMatchObject({ regionsCopied: left, bytesCopied: left * REGION, failedRegions: [] })
    expect(rec(dg, 'v1')).toMatchObject({ v_state: 'ACTIVE', v_rwback_offset: REGIONS * REGION_SECTORS })
    expect((rec(dg, 'v1').v_tflag as number) & V_TFLAG.RWBACK).toBe(0)
    expect(await mismatches(dg)).toEqual([])
    // and a finished volume's unforced resync copies nothing again
    expect(dg.planResyncVolume('v1', false)).toMatchObject({ regions: 0, bytes: 0 })
  })

  it('a second forced resync starts its read-writeback from region 0, so one aborted at once claims nothing done', async () => {
    const { dg } = await differingMirror()
    await (await dg.resyncVolume('v1', true)).done
    expect(rec(dg, 'v1')).toMatchObject({ v_state: 'ACTIVE', v_rwback_offset: REGIONS * REGION_SECTORS })
    dg.subscribe((e) => {
      if (e.type === 'task.progress' && e.kind === 'resync' && e.doneBytes === 0) dg.abortTask(e.taskId)
    })
    await expectCode((await dg.resyncVolume('v1', true)).done, 'VM_ABORTED')
    expect(rec(dg, 'v1')).toMatchObject({ v_state: 'NEEDSYNC', v_rwback_offset: 0 })
    expect(dg.planResyncVolume('v1', false)).toMatchObject({ regions: REGIONS })
  })
})
