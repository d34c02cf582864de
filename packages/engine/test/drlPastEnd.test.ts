import { describe, expect, it } from 'vitest'
import { createManualClock } from '../src/clock.ts'
import { createFaultyDevice } from '../src/device/faultyDevice.ts'
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
