import { describe, expect, it } from 'vitest'
import { REGION_SECTORS } from '../src/diskGroup.ts'
import { memoryGroup, pattern } from './harness.ts'

describe('a live shrink of a started volume with a DRL (rule 533)', () => {
  it('rule 533: after a forced shrink of a started volume whose regions past the new end are dirty, no dirty bit lies past the new end', async () => {
    const { dg } = await memoryGroup(3, 16 << 20)
    await dg.assistMake({ init: 'none', name: 'v1', len: 16 * REGION_SECTORS, layout: 'mirror', disks: ['disk01', 'disk02', 'disk03'], log: 'drl' })
    await dg.start('v1')
    await dg.write('v1', 2 * REGION_SECTORS * 512, pattern(4096, 1))
    await dg.write('v1', 12 * REGION_SECTORS * 512, pattern(4096, 2))
    expect(dg.dirtyRegions('v1').regions).toEqual(expect.arrayContaining([2, 12]))
    await dg.shrinkVolume('v1', 8 * REGION_SECTORS, { force: true })
    const view = dg.dirtyRegions('v1')
    expect(view.regions.filter((r) => r * view.regionSectors >= 8 * REGION_SECTORS)).toEqual([])
    expect(view.regions).toContain(2)
    await dg.close()
  })
})
