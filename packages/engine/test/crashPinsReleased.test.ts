import { describe, expect, it } from 'vitest'
import { createMemoryDevice } from '../src/device/memoryDevice.ts'
import { DiskGroup, REGION_SECTORS } from '../src/diskGroup.ts'
import { pattern, plexImage, rec } from './harness.ts'

const LEN = 8 * REGION_SECTORS

/**
 * A mirror v1 with a DRL (v1-01 on disk01, v1-02 on disk02, its log on disk03), started and
 * written, v1-02 detached (stale), then regions 2 and 3 written with nothing cleaning the log:
 * the machine crashes there (the group is closed without a stop).
 */
async function crashedWithOneCurrentPlex() {
  const mems = [0, 1, 2].map(() => createMemoryDevice(32 << 20))
  const dg = await DiskGroup.create({ name: 'pins', disks: mems.map((device, i) => ({ name: `disk0${i + 1}`, device })), drlCleanAgeMs: 1 << 30 })
  await dg.assistMake({ init: 'none', name: 'v1', len: LEN, layout: 'mirror', log: 'drl', disks: ['disk01', 'disk02', 'disk03'] })
  await dg.start('v1')
  await dg.write('v1', 0, pattern(LEN * 512, 1))
  await dg.flush('v1')
  await dg.cleanDirtyRegions('v1')
  await dg.detachPlex('v1-02')
  await dg.write('v1', 2 * REGION_SECTORS, pattern(2 * REGION_SECTORS * 512, 2))
  await dg.flush('v1')
  expect(dg.dirtyRegions('v1').regions.length).toBeGreaterThan(0)
  await dg.close()
  return mems
}

describe('the crash regions a start pins in the DRL are released once they are recovered (rule 417)', () => {
  it('rule 417: with one current plex left, the start recovers the stale plex from it and then the crash regions are clean once nothing writes', async () => {
    const mems = await crashedWithOneCurrentPlex()
    const disks = mems.map((m) => m.reopen())
    const dg = await DiskGroup.import({ devices: disks, drlCleanAgeMs: 1 << 30 })
    await dg.start('v1')
    expect([rec(dg, 'v1-02').pl_kstate, rec(dg, 'v1-02').pl_state]).toEqual(['ENABLED', 'ACTIVE'])
    expect((await plexImage(dg, disks, 'v1-02')).equals(await plexImage(dg, disks, 'v1-01'))).toBe(true)
    // nothing writes: every idle region is cleaned, the crash's ones too
    await dg.cleanDirtyRegions('v1')
    expect(dg.dirtyRegions('v1')).toMatchObject({ regions: [], recoveryBytes: 0 })
    await dg.close()
    // and the log on disk says so: the next crash recovers nothing
    const again = await DiskGroup.import({ devices: mems.map((m) => m.reopen()) })
    await again.start('v1')
    expect(again.dirtyRegions('v1').regions).toEqual([])
    await again.close()
  })

  it('rule 417: with two current plexes the recovery copies the crash regions and releases them the same way', async () => {
    const mems = [0, 1, 2].map(() => createMemoryDevice(32 << 20))
    const dg0 = await DiskGroup.create({ name: 'pins2', disks: mems.map((device, i) => ({ name: `disk0${i + 1}`, device })), drlCleanAgeMs: 1 << 30 })
    await dg0.assistMake({ init: 'none', name: 'v1', len: LEN, layout: 'mirror', log: 'drl', disks: ['disk01', 'disk02', 'disk03'] })
    await dg0.start('v1')
    await dg0.write('v1', 5 * REGION_SECTORS, pattern(4096, 3))
    await dg0.flush('v1')
    await dg0.close()
    const dg = await DiskGroup.import({ devices: mems.map((m) => m.reopen()), drlCleanAgeMs: 1 << 30 })
    await dg.start('v1')
    await dg.cleanDirtyRegions('v1')
    expect(dg.dirtyRegions('v1').regions).toEqual([])
    await dg.close()
  })
})
