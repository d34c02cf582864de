import { describe, expect, it } from 'vitest'
import { createManualClock } from '../src/clock.ts'
import { createFaultyDevice, createPowerRail } from '../src/device/faultyDevice.ts'
import { createMemoryDevice, type MemoryDevice } from '../src/device/memoryDevice.ts'
import { DiskGroup, REGION_SECTORS } from '../src/diskGroup.ts'
import { plexImage } from './harness.ts'

const LEN = 4 * REGION_SECTORS
const immediate = () => new Promise<void>((r) => setImmediate(r))

/** disk01-disk03 as a restart sees them: faulty devices with volatile caches (a power cut loses what is unflushed). */
function wire(mems: MemoryDevice[]) {
  return { devs: mems.map((m) => createFaultyDevice(m, { volatileCache: true, sleep: immediate })) }
}

describe('a crash image\'s dirty bits past the end of a shrunk volume (rule 514)', () => {
  it('I514: a crash of a DRL mirror shrunk with region 3 dirty, a restart, a grow back and a write in region 3 that reached one plex only: the next restart leaves both plexes identical', async () => {
    const clock = createManualClock(1_000_000) // no DRL bit ages out
    let mems = [0, 1, 2].map(() => createMemoryDevice(8 << 20))
    let { devs } = wire(mems)
    const opts = { clock, sleep: () => immediate() }
    let dg = await DiskGroup.create({ name: 'pe', disks: devs.map((device, i) => ({ name: `disk0${i + 1}`, device })), ...opts })
    await dg.assistMake({ name: 'v1', len: LEN, layout: 'mirror', log: 'drl', disks: ['disk01', 'disk02', 'disk03'] })
    // region 3 dirty in the log, then the volume shrunk to two regions and the power cut
    await dg.write('v1', 3 * REGION_SECTORS * 512, Buffer.alloc(4096, 0x33))
    await dg.flush('v1')
    await dg.shrinkVolume('v1', 2 * REGION_SECTORS, { force: true })
    await dg.flush('v1')
    for (const d of devs) d.powerCut()
    await dg.close().catch(() => {})
    const restart = async () => {
      mems = mems.map((m) => m.reopen())
      ;({ devs } = wire(mems))
      dg = await DiskGroup.import({ devices: devs, ...opts })
      await dg.start('v1')
      for (const h of await dg.resumeInterrupted()) await h.done
    }
    await restart()
    // grown back over region 3; a write there reaches v1-01's disk durably and v1-02's not, then the power goes
    await dg.growVolume('v1', LEN)
    await dg.flush('v1')
    const c = dg.config()
    const sd = c.subdisks.find((s) => s.sd_pl_name === 'v1-01' && s.sd_pl_offset <= 3 * REGION_SECTORS && s.sd_pl_offset + s.sd_len > 3 * REGION_SECTORS)!
    await dg.write('v1', 3 * REGION_SECTORS * 512, Buffer.alloc(4096, 0x77))
    await devs[c.disks.findIndex((d) => d.dm_rid === sd.sd_dm_rid)]!.flush()
    for (const d of devs) d.powerCut()
    await dg.close().catch(() => {})
    await restart()
    const a = await plexImage(dg, devs, 'v1-01')
    const b = await plexImage(dg, devs, 'v1-02')
    // the crash recovery copied region 3 (its bit was on the log before the write): one image
    expect(a.equals(b)).toBe(true)
    await dg.close()
  })
})

/**
 * Rule 515's run: a started 3 GiB DRL mirror (a 2-sector log: 2048-sector DRL regions) shrunk to
 * 2 GiB (1024-sector regions for the log a restart makes), a write at sector S that reaches v1-01
 * only, the power cut; the restart's start cut after `cut` device writes (none when undefined),
 * and a second restart. Returns the device writes of the first restart and whether both plexes
 * hold the same sector S after the second.
 */
async function regionSizeRun(cut: number | undefined): Promise<{ writes: number; same: boolean }> {
  const S = 3_000_000
  const clock = createManualClock(1_000_000)
  let mems = [0, 1, 2].map(() => createMemoryDevice(4 * 1024 ** 3))
  let rail = createPowerRail()
  const wired = () => mems.map((m) => createFaultyDevice(m, { volatileCache: true, rail, sleep: immediate }))
  let devs = wired()
  const opts = { clock, sleep: () => immediate() }
  let dg = await DiskGroup.create({ name: 'rs', disks: devs.map((device, i) => ({ name: `disk0${i + 1}`, device })), ...opts })
  // made at 2 GiB (a 2-sector log), grown stopped to 3 GiB: the log's regions are 2048 sectors
  await dg.assistMake({ init: 'none', name: 'v1', len: 4 * 1024 * 1024, layout: 'mirror', log: 'drl', disks: ['disk01', 'disk02', 'disk03'] })
  await dg.growVolume('v1', 6 * 1024 * 1024)
  await dg.start('v1')
  await dg.shrinkVolume('v1', 4 * 1024 * 1024, { force: true })
  await dg.flush('v1')
  await dg.write('v1', S * 512, Buffer.alloc(4096, 0x55))
  await devs[0]!.flush()
  for (const d of devs) d.powerCut()
  await dg.close().catch(() => {})
  const restart = async () => {
    mems = mems.map((m) => m.reopen())
    rail = createPowerRail()
    devs = wired()
    dg = await DiskGroup.import({ devices: devs, ...opts })
  }
  await restart()
  const base = rail.writes
  if (cut !== undefined) rail.tripAfter(cut)
  await dg.start('v1').catch(() => {})
  for (const h of await dg.resumeInterrupted().catch(() => [])) await h.done.catch(() => {})
  const writes = rail.writes - base
  for (const d of devs) d.powerCut()
  await dg.close().catch(() => {})
  await restart()
  await dg.start('v1')
  for (const h of await dg.resumeInterrupted()) await h.done
  const c = dg.config()
  const sector = async (plex: string) => {
    const sd = c.subdisks.find((x) => x.sd_pl_name === plex)!
    return devs[c.disks.findIndex((d) => d.dm_rid === sd.sd_dm_rid)]!.read((sd.sd_dev_offset + S - sd.sd_pl_offset) * 512, 512)
  }
  const same = (await sector('v1-01')).equals(await sector('v1-02'))
  await dg.close()
  return { writes, same }
}

describe('a crash image of other region sizes than the restart\'s log (rule 515)', () => {
  it('I515: a crash of a 3 GiB DRL mirror shrunk to 2 GiB, cut again at every device write of the restart\'s recovery: the next restart still recovers the region the write reached one plex of', async () => {
    const whole = await regionSizeRun(undefined)
    expect(whole.same).toBe(true)
    expect(whole.writes).toBeGreaterThan(2)
    const bad: number[] = []
    for (let cut = 0; cut < whole.writes; cut++) if (!(await regionSizeRun(cut)).same) bad.push(cut)
    expect({ cutsLeavingPlexesDifferent: bad }).toEqual({ cutsLeavingPlexesDifferent: [] })
  }, 60_000)
})
