// A copy's checkpoints flush while it goes on, and it never waits for one (rule 200).
import { describe, expect, it } from 'vitest'
import type { BlockDevice } from '../src/device/blockDevice.ts'
import { createMemoryDevice } from '../src/device/memoryDevice.ts'
import { DiskGroup, REGION_SECTORS } from '../src/diskGroup.ts'
import { pattern, publicRegion, rec } from './harness.ts'

const REGION = REGION_SECTORS * 512
const REGIONS = 20

/** Waits, turn by turn of the event loop, until `cond` holds (fails after `turns`). */
async function until(cond: () => boolean, turns = 20_000): Promise<void> {
  for (let i = 0; !cond(); i++) {
    if (i > turns) throw new Error('condition never held')
    await new Promise<void>((r) => setImmediate(r))
  }
}

describe('a copy and its checkpoints (rule 200)', () => {
  it('copies on while a checkpoint flushes, starting the next one only after it ends', async () => {
    // disk02 holds the plex being attached; once its copy has begun, its flushes are held
    let copying = false
    let release: (() => void) | undefined
    const held = new Promise<void>((r) => (release = r))
    let heldFlushes = 0
    let publicStart = Infinity
    let regionWrites = 0
    const wrap = (d: BlockDevice): BlockDevice => ({
      ...d,
      async write(offset, buf) {
        if (offset >= publicStart && buf.length === REGION) {
          copying = true
          regionWrites++
        }
        return d.write(offset, buf)
      },
      async flush() {
        if (copying && release) {
          heldFlushes++
          await held
        }
        return d.flush()
      },
    })
    const mems = [0, 1].map(() => createMemoryDevice(64 << 20))
    // a checkpoint due every 2 regions, one region per unit: the copy passes many while one flushes
    const dg = await DiskGroup.create({ name: 'ck', checkpointRegions: 2, copyUnitRegions: 1, disks: mems.map((m, i) => ({ name: `disk0${i + 1}`, device: i === 1 ? wrap(m) : m })) })
    await dg.assistMake({ init: 'none', name: 'v1', len: REGIONS * REGION_SECTORS, layout: 'mirror', disks: ['disk01', 'disk02'] })
    await dg.start('v1')
    await dg.write('v1', 0, pattern(REGIONS * REGION, 1))
    await dg.detachPlex('v1-02')
    const latest = pattern(REGIONS * REGION, 2)
    await dg.write('v1', 0, latest)
    await dg.flush('v1')
    expect(dg.staleRegions('v1-02').regions).toHaveLength(REGIONS)
    publicStart = publicRegion(dg, 'disk02').offset
    const attach = dg.attachPlex('v1', 'v1-02')
    // every region reaches the target while the first checkpoint's flush is still held, and no
    // second checkpoint began meanwhile
    await until(() => regionWrites === REGIONS && heldFlushes >= 1)
    expect(heldFlushes).toBe(1)
    const r = release!
    release = undefined
    r()
    await attach
    expect(rec(dg, 'v1-02')).toMatchObject({ pl_state: 'ACTIVE', pl_kstate: 'ENABLED' })
    expect(dg.staleRegions('v1-02').regions).toEqual([])
    expect((await (await dg.verify('v1')).done).mismatches).toEqual([])
    expect((await dg.read('v1', 0, latest.length)).equals(latest)).toBe(true)
    await dg.close()
  })
})
