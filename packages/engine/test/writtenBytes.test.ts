import { describe, expect, it } from 'vitest'
import { REGION_SECTORS } from '../src/diskGroup.ts'
import type { SyncReport } from '../src/resync/regionCopy.ts'
import { faultyMemoryGroup, pattern } from './harness.ts'

const LEN = 8 * REGION_SECTORS
const BYTES = LEN * 512

describe('a copy counts as written only what reached a target (rule 376)', () => {
  it('376: a forced resync of a 3-way mirror whose one target fails every write reports the other target\'s bytes written, and every region of the failed one not copied', async () => {
    const { dg, faulty } = await faultyMemoryGroup(3, 16 << 20)
    await dg.assistMake({ init: 'none', name: 'v1', len: LEN, layout: 'mirror', nmirror: 3, disks: ['disk01', 'disk02', 'disk03'] })
    await dg.start('v1')
    await dg.write('v1', 0, pattern(BYTES, 1))
    await dg.flush('v1')
    faulty[2]!.addFault({ ops: ['write'] })
    let report: SyncReport | undefined
    await (await dg.resyncVolume('v1', true)).done.then((r) => (report = r), (e: { report?: SyncReport }) => (report = e.report))
    expect(report).toBeDefined()
    const failedOn = new Set(report!.failedRegions.map((f) => f.plex))
    expect([...failedOn]).toEqual(['v1-03'])
    expect(report!.failedRegions).toHaveLength(8)
    // the source is one of v1-01 and v1-02, the other target took every region
    expect(report!.bytesWritten).toBe(BYTES)
    await dg.close()
  })
})
