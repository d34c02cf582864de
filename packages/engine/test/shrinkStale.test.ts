import { describe, expect, it } from 'vitest'
import type { MemoryDevice } from '../src/device/memoryDevice.ts'
import { DiskGroup, REGION_SECTORS } from '../src/diskGroup.ts'
import { faultyMemoryGroup, memoryGroup, pattern, plexImage, rec } from './harness.ts'
import { crashRig, everyCut } from './opsHarness.ts'

const LEN = 6 * REGION_SECTORS
const SHORT = REGION_SECTORS / 4

/** A started mirror v1 whose v1-02 was detached by hand and missed a write in region 5, then shrunk (forced) to a quarter region. */
async function shrunkPastStale() {
  const g = await memoryGroup(3, 16 << 20)
  await g.dg.assistMake({ name: 'v1', len: LEN, layout: 'mirror', disks: ['disk01', 'disk02'] })
  const data = pattern(LEN * 512, 2)
  await g.dg.write('v1', 0, data)
  await g.dg.detachPlex('v1-02')
  await g.dg.write('v1', 5 * REGION_SECTORS * 512, pattern(4096, 3))
  await g.dg.write('v1', 0, pattern(4096, 4))
  pattern(4096, 4).copy(data, 0)
  await g.dg.shrinkVolume('v1', SHORT, { force: true })
  return { ...g, data: data.subarray(0, SHORT * 512) }
}

describe('a shrink forgets the stale regions past the new end (rule 459)', () => {
  it('rule 459: a hand-detached plex that missed writes past the new end is attached again after the shrink: ACTIVE, holding the volume', async () => {
    const g = await shrunkPastStale()
    expect(g.dg.staleMaps()['v1-02']?.regions).toEqual([0])
    await g.dg.attachPlex('v1', 'v1-02')
    expect([rec(g.dg, 'v1-02').pl_kstate, rec(g.dg, 'v1-02').pl_state]).toEqual(['ENABLED', 'ACTIVE'])
    for (const pl of ['v1-01', 'v1-02']) expect((await plexImage(g.dg, g.devices, pl)).equals(g.data), pl).toBe(true)
    await g.dg.close()
  })

  it('rule 459: after a restart the trimmed map is what was written: the start hands the plex back', async () => {
    const g = await shrunkPastStale()
    await g.dg.stop('v1')
    await g.dg.close()
    const devices = g.devices.map((d) => (d as MemoryDevice).reopen())
    const dg = await DiskGroup.import({ devices })
    expect(dg.staleMaps()['v1-02']?.regions).toEqual([0])
    await dg.start('v1')
    expect([rec(dg, 'v1-02').pl_kstate, rec(dg, 'v1-02').pl_state]).toEqual(['ENABLED', 'ACTIVE'])
    for (const pl of ['v1-01', 'v1-02']) expect((await plexImage(dg, devices, pl)).equals(g.data), pl).toBe(true)
    await dg.close()
  })

  it('rule 459: a power cut at any device write of the shrink: the restart\'s start hands the detached plex back ACTIVE, every plex holding the volume, shrunk or not', async () => {
    const { seen } = await everyCut(async (cut) => {
      const rig = await crashRig(459)
      await rig.dg.detachPlex('v1-02')
      // the rig's data goes to v1-01 alone: v1-02 misses every region, region 3 among them
      const writes = await rig.cutDuring(cut, (dg) => dg.shrinkVolume('v1', SHORT, { force: true }))
      const shrunk = (dg: DiskGroup) => dg.config().volumes[0]!.v_len === SHORT
      const { problems, seen } = await rig.restart((dg) => (shrunk(dg) ? rig.data.subarray(0, SHORT * 512) : rig.data), (dg) => (shrunk(dg) ? 'shrunk' : 'whole'))
      return { writes, problems, seen }
    }, 24, 4)
    expect([...seen].sort()).toEqual(['shrunk', 'whole'])
  }, 60_000)

  it('rule 459: writes past the new end not yet flushed at the shrink: a kernel detach after it marks only regions the volume still has, and the disk\'s resync hands the plex back', async () => {
    const g = await faultyMemoryGroup(3, 16 << 20)
    await g.dg.assistMake({ name: 'v1', len: LEN, layout: 'mirror', disks: ['disk01', 'disk02'] })
    const data = pattern(SHORT * 512, 6)
    await g.dg.write('v1', 0, data)
    await g.dg.flush('v1')
    // written, not flushed: regions 4 and 5 are in the volume's unflushed set as it shrinks
    await g.dg.write('v1', 4 * REGION_SECTORS * 512, pattern(2 * REGION_SECTORS * 512, 7))
    await g.dg.shrinkVolume('v1', SHORT, { force: true })
    const restore = g.faulty[1]!.addFault({})
    await g.dg.write('v1', 0, data.subarray(0, 4096))
    expect(rec(g.dg, 'v1-02').pl_kstate).toBe('DETACHED')
    expect(g.dg.staleMaps()['v1-02']?.regions.every((r) => r * REGION_SECTORS < SHORT)).toBe(true)
    restore()
    await (await g.dg.resyncDisk('disk02', false)).done
    expect([rec(g.dg, 'v1-02').pl_kstate, rec(g.dg, 'v1-02').pl_state]).toEqual(['ENABLED', 'ACTIVE'])
    for (const pl of ['v1-01', 'v1-02']) expect((await plexImage(g.dg, g.faulty, pl)).equals(data), pl).toBe(true)
    await g.dg.close()
  })
})
