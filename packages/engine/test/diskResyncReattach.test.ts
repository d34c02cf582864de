import { describe, expect, it } from 'vitest'
import { REGION_SECTORS } from '../src/diskGroup.ts'
import { PL_PFLAG } from '../src/records/types.ts'
import { faultyMemoryGroup, pattern, plexImage, rec } from './harness.ts'

const LEN = 8 * REGION_SECTORS
const BYTES = LEN * 512

describe('a disk resync brings back the kernel-detached plexes on its disk (rule 371)', () => {
  it('371: a plex with subdisks on the resynced disk and on another one comes back ENABLED ACTIVE, once, and the report agrees with the outcome', async () => {
    const { dg, faulty } = await faultyMemoryGroup(3, 16 << 20)
    // v1-02: half on disk02, half on disk03 (as a grow or an evacuation leaves a plex)
    await dg.makeRecords([
      { type: 'sd', name: 'a1', disk: 'disk01', len: LEN },
      { type: 'sd', name: 'b1', disk: 'disk02', len: LEN / 2 },
      { type: 'sd', name: 'b2', disk: 'disk03', len: LEN / 2 },
      { type: 'plex', name: 'v1-01', sd: ['a1'] },
      { type: 'plex', name: 'v1-02', sd: ['b1', 'b2'] },
      { type: 'vol', name: 'v1', len: LEN, plex: ['v1-01', 'v1-02'] },
    ])
    await dg.start('v1')
    await dg.write('v1', 0, pattern(BYTES, 5))
    await dg.flush('v1')
    faulty[1]!.addFault({})
    await dg.write('v1', 0, pattern(4096, 6))
    expect([rec(dg, 'v1-02').pl_kstate, rec(dg, 'v1-02').pl_state, (rec(dg, 'v1-02').pl_pflag as number) & PL_PFLAG.KDETACH]).toEqual(['DETACHED', 'IOFAIL', PL_PFLAG.KDETACH])
    await dg.write('v1', BYTES - 4096, pattern(4096, 7)) // a write to the part on disk03 while detached
    faulty[1]!.clearFaults()
    const report = await (await dg.resyncDisk('disk02', false)).done
    expect([rec(dg, 'v1-02').pl_kstate, rec(dg, 'v1-02').pl_state, (rec(dg, 'v1-02').pl_pflag as number) & PL_PFLAG.KDETACH]).toEqual(['ENABLED', 'ACTIVE', 0])
    expect(report.volumes).toEqual([{ volume: 'v1', synced: true }])
    expect(report.failedRegions).toEqual([])
    expect((await plexImage(dg, faulty, 'v1-02')).equals(await plexImage(dg, faulty, 'v1-01'))).toBe(true)
    // nothing is left: the next resync of the disk copies nothing
    const again = await (await dg.resyncDisk('disk02', false)).done
    expect(again.regionsCopied).toBe(0)
    await dg.close()
  })
})
