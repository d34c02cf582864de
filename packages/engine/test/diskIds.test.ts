import { describe, expect, it } from 'vitest'
import { createManualClock } from '../src/clock.ts'
import { createMemoryDevice } from '../src/device/memoryDevice.ts'
import { DiskGroup } from '../src/diskGroup.ts'
import { readHeader } from '../src/disk/privateRegion.ts'
import type { Random } from '../src/random.ts'
import { MiB } from './harness.ts'
import { createRandom } from './random.ts'

const T0 = 1_700_000_000_000 // ms

/** Creates a group on the given clock and randomness, adds disk03 and replaces disk02; gives every id it made. */
async function ids(random: Random) {
  const clock = createManualClock(T0)
  const devices = [createMemoryDevice(32 * MiB), createMemoryDevice(32 * MiB)]
  const dg = await DiskGroup.create({ name: 'iddg', host: 'idhost', clock, random, disks: devices.map((device, i) => ({ name: `disk0${i + 1}`, device })) })
  clock.advance(5000)
  await dg.addDisk({ name: 'disk03', device: createMemoryDevice(32 * MiB) })
  const fresh = createMemoryDevice(32 * MiB)
  await dg.replaceDisk('disk02', fresh)
  const c = dg.config()
  const made = { dgid: c.dg.dg_dgid, disks: c.disks.map((d) => d.dm_diskid), replacedHeader: (await readHeader(fresh))?.diskid }
  await dg.close()
  return made
}

describe('new disk and disk group ids', () => {
  it('I181 come from the group\'s injected clock and randomness and its host: a seeded run gives the same ids every time', async () => {
    const a = await ids(createRandom(42).next)
    const b = await ids(createRandom(42).next)
    expect(a).toEqual(b)
    expect(a.dgid).toMatch(/^1700000000\.[0-9a-f]{8}\.idhost$/)
    expect(a.disks[2]).toMatch(/^1700000005\.[0-9a-f]{8}\.idhost$/) // added 5 s of clock time later
    expect(a.replacedHeader).toBe(a.disks[1])
    expect(new Set([a.dgid, ...a.disks]).size).toBe(4)
    expect((await ids(createRandom(43).next)).dgid).not.toBe(a.dgid)
  })

  it('I181 stay unique within the group when the randomness repeats itself', async () => {
    const a = await ids(() => 0)
    expect(a.dgid).toBe('1700000000.00000000.idhost')
    // disk01 and disk02 made with the group, disk03 added 5 s later, disk02's replacement after it
    expect(a.disks).toEqual(['1700000000.00000001.idhost', '1700000005.00000001.idhost', '1700000005.00000000.idhost'])
  })
})
