import { describe, expect, it } from 'vitest'
import type { DiskGroup } from '../src/diskGroup.ts'
import type { FaultRule } from '../src/device/faultyDevice.ts'
import { faultyMemoryGroup, pattern, plexImage, publicRegion, recordEvents } from './harness.ts'
import { BYTES, LEN } from './opsHarness.ts'

/** The grow's new space: 6 MiB, zeroed in 1 MiB writes on each plex. */
const GROWN = LEN + 6 * 2048

/** The records of the group without the transaction ids a commit bumps: what an administrator sees of them. */
function records(dg: DiskGroup) {
  const strip = (r: object) => Object.fromEntries(Object.entries(r).filter(([k]) => !k.endsWith('_update_tid')))
  const c = dg.config()
  return { volumes: c.volumes.map(strip), plexes: c.plexes.map(strip), subdisks: c.subdisks.map(strip) }
}

/** A started mirror v1 (v1-01 on disk01, v1-02 on disk02) holding a flushed pattern, on faulty memory disks. */
async function mirror() {
  const g = await faultyMemoryGroup(4, 16 << 20)
  await g.dg.assistMake({ name: 'v1', len: LEN, layout: 'mirror', disks: ['disk01', 'disk02'] })
  const data = pattern(BYTES, 11)
  await g.dg.write('v1', 0, data)
  await g.dg.flush('v1')
  return { ...g, data }
}

/** The device bytes of the space right after subdisk `sdName` (before the grow), which the grow takes in place. */
function newSpace(dg: DiskGroup, sdName: string): { offset: number; length: number } {
  const sd = dg.config().subdisks.find((s) => s.sd_name === sdName)!
  return { offset: (sd.sd_dev_offset + sd.sd_len) * 512, length: (GROWN - LEN) * 512 }
}

type Point = { name: string; disk: number; rule: (dg: DiskGroup) => FaultRule }

/** Where the grow fails: a zeroing write of either plex (first, middle, last), the flush of its zeros. */
const POINTS: Point[] = [
  { name: 'the first zero write on disk01', disk: 0, rule: (dg) => ({ ops: ['write'], range: newSpace(dg, 'disk01-01'), times: 1 }) },
  { name: 'the fourth zero write on disk01', disk: 0, rule: (dg) => ({ ops: ['write'], range: newSpace(dg, 'disk01-01'), after: 3, times: 1 }) },
  { name: 'the first zero write on disk02', disk: 1, rule: (dg) => ({ ops: ['write'], range: newSpace(dg, 'disk02-01'), times: 1 }) },
  { name: 'the third zero write on disk02', disk: 1, rule: (dg) => ({ ops: ['write'], range: newSpace(dg, 'disk02-01'), after: 2, times: 1 }) },
  { name: 'the last zero write on disk02', disk: 1, rule: (dg) => ({ ops: ['write'], range: newSpace(dg, 'disk02-01'), after: 5, times: 1 }) },
  { name: 'the flush of the zeros on disk02', disk: 1, rule: () => ({ ops: ['flush'], times: 1 }) },
]

describe('a grow that fails while it zeros the new space gives it back (rule 456)', () => {
  it.each(POINTS.map((p) => [p.name, p] as const))('rule 456: failing at %s: VM_IO, the volume, plexes and subdisks as before, the data intact; once the fault is gone the grow completes', async (_, point) => {
    const g = await mirror()
    const before = records(g.dg)
    let armed = false
    const rule = point.rule(g.dg)
    const events = recordEvents(g.dg)
    // the fault comes once the grow's space is taken (as its task starts), so it hits the zeroing
    const failed = await g.dg.growVolume('v1', GROWN, {
      onTask: () => {
        g.faulty[point.disk]!.addFault(rule)
        armed = true
      },
    }).then(() => 'ok', (e: { code?: string }) => e.code)
    expect(armed).toBe(true)
    expect(failed).toBe('VM_IO')
    expect(records(g.dg)).toEqual(before)
    expect(events.events.flatMap((e) => (e.type === 'task.finished' ? [[e.kind, e.outcome, e.code]] : []))).toEqual([['grow', 'failed', 'VM_IO']])
    expect((await g.dg.read('v1', 0, BYTES)).equals(g.data)).toBe(true)
    for (const pl of ['v1-01', 'v1-02']) expect((await plexImage(g.dg, g.faulty, pl)).equals(g.data), pl).toBe(true)
    g.faulty[point.disk]!.clearFaults()
    await g.dg.growVolume('v1', GROWN)
    const whole = Buffer.concat([g.data, Buffer.alloc((GROWN - LEN) * 512)])
    expect(g.dg.config().volumes[0]!.v_len).toBe(GROWN)
    for (const pl of ['v1-01', 'v1-02']) expect((await plexImage(g.dg, g.faulty, pl)).equals(whole), pl).toBe(true)
    await g.dg.close()
  })

  it('rule 456: a grow whose new space comes as new subdisks on other disks (none can grow in place), failing at a zero write there: the new subdisks are removed (their space free again)', async () => {
    const g = await mirror()
    await g.dg.makeSubdisk({ name: 'wall1', disk: 'disk01', offset: LEN, len: 8 })
    await g.dg.makeSubdisk({ name: 'wall2', disk: 'disk02', offset: LEN, len: 8 })
    const before = records(g.dg)
    let made: string[] = []
    const failed = await g.dg.growVolume('v1', GROWN, {
      onTask: () => {
        made = g.dg.config().subdisks.filter((s) => !before.subdisks.some((b) => b.sd_name === s.sd_name)).map((s) => s.sd_name)
        for (const i of [2, 3]) g.faulty[i]!.addFault({ ops: ['write'], after: 1, times: 1, range: publicRegion(g.dg, `disk0${i + 1}`) })
      },
    }).then(() => 'ok', (e: { code?: string }) => e.code)
    expect(made.length).toBeGreaterThan(0)
    expect(failed).toBe('VM_IO')
    expect(records(g.dg)).toEqual(before)
    for (const f of g.faulty) f.clearFaults()
    await g.dg.growVolume('v1', GROWN)
    expect(g.dg.config().volumes[0]!.v_len).toBe(GROWN)
    await g.dg.close()
  })

  it('rule 456: a grow whose task is aborted while it zeros fails VM_ABORTED and gives its space back', async () => {
    const g = await mirror()
    const before = records(g.dg)
    const failed = await g.dg.growVolume('v1', GROWN, { onTask: (id) => g.dg.abortTask(id) }).then(() => 'ok', (e: { code?: string }) => e.code)
    expect(failed).toBe('VM_ABORTED')
    expect(records(g.dg)).toEqual(before)
    await g.dg.growVolume('v1', GROWN)
    expect(g.dg.config().volumes[0]!.v_len).toBe(GROWN)
    await g.dg.close()
  })
})
