import { describe, expect, it } from 'vitest'
import { REGION_SECTORS } from '../src/diskGroup.ts'
import { faultyMemoryGroup, pattern, plexImage, publicRegion, rec } from './harness.ts'

const LEN = 4 * REGION_SECTORS
const BYTES = LEN * 512

/**
 * A started 2-way mirror v1 on disk01 and disk02 whose plex on disk02 the kernel detached (its
 * disk failed a write); the space after v1-02's subdisk holds old data (what an earlier shrink,
 * unmirror or evacuation leaves on a disk), and disk02 answers again.
 */
async function degradedMirror() {
  const g = await faultyMemoryGroup(3, 16 << 20)
  await g.dg.assistMake({ init: 'none', name: 'v1', len: LEN, layout: 'mirror', disks: ['disk01', 'disk02'] })
  await g.dg.start('v1')
  await g.dg.write('v1', 0, pattern(BYTES, 3))
  await g.dg.flush('v1')
  const pub = publicRegion(g.dg, 'disk02')
  const sd = g.dg.config().subdisks.find((s) => s.sd_pl_name === 'v1-02')!
  await g.mems[1]!.write(pub.offset + (sd.sd_dm_offset + sd.sd_len) * 512, Buffer.alloc(BYTES, 0xee))
  g.faulty[1]!.addFault({ ops: ['write', 'flush'] })
  await g.dg.write('v1', 0, pattern(4096, 4))
  expect([rec(g.dg, 'v1-02').pl_kstate, rec(g.dg, 'v1-02').pl_state]).toEqual(['DETACHED', 'IOFAIL'])
  g.faulty[1]!.clearFaults()
  return g
}

describe('growing a degraded mirror (rule 370)', () => {
  it('370: a plex the grow does not zero (kernel-detached) gets its new regions marked stale, so its attach copies them and the copies agree', async () => {
    const { dg, faulty } = await degradedMirror()
    await dg.growVolume('v1', 2 * LEN)
    // extended in place on disk02, over the old data, and not written by the zeroing
    expect(rec(dg, 'v1-02')).toMatchObject({ pl_len: 2 * LEN, pl_kstate: 'DETACHED' })
    const stale = dg.staleRegions('v1-02')
    expect(stale.full || [4, 5, 6, 7].every((g) => stale.regions.includes(g))).toBe(true)
    await dg.attachPlex('v1', 'v1-02')
    expect([rec(dg, 'v1-02').pl_kstate, rec(dg, 'v1-02').pl_state]).toEqual(['ENABLED', 'ACTIVE'])
    const report = await (await dg.verify('v1')).done
    expect(report.mismatches).toEqual([])
    const want = await plexImage(dg, faulty, 'v1-01')
    expect((await plexImage(dg, faulty, 'v1-02')).equals(want)).toBe(true)
    expect(want.subarray(BYTES).equals(Buffer.alloc(BYTES))).toBe(true)
    await dg.close()
  })
})
