// A forced disk resync is a read-writeback of every volume it covers, as a forced volume resync
// is (rules 231, 286): SYNC while it runs, NEEDSYNC when it ends unfinished, ACTIVE when done.
import { describe, expect, it } from 'vitest'
import { createManualClock } from '../src/clock.ts'
import { createMemoryDevice } from '../src/device/memoryDevice.ts'
import { DiskGroup, REGION_SECTORS } from '../src/diskGroup.ts'
import { V_TFLAG } from '../src/records/types.ts'
import { expectCode, pattern, rec } from './harness.ts'

const REGION = REGION_SECTORS * 512
const MiB = 1 << 20
const REGIONS = 8

/** Two started 2-way mirrors v1 and v2, each with a plex on disk01 and on disk02. */
async function rig() {
  const clock = createManualClock(0)
  const mems = [0, 1, 2].map(() => createMemoryDevice(64 << 20))
  const dg = await DiskGroup.create({ name: 'fd', clock, sleep: async (ms) => clock.advance(ms), copyUnitRegions: 1, disks: mems.map((device, i) => ({ name: `disk0${i + 1}`, device })) })
  for (const v of ['v1', 'v2']) {
    await dg.assistMake({ init: 'none', name: v, len: REGIONS * REGION_SECTORS, layout: 'mirror', disks: ['disk01', 'disk02'] })
    await dg.start(v)
    await dg.write(v, 0, pattern(REGIONS * REGION, 3))
  }
  return dg
}

const state = (dg: DiskGroup, v: string) => [rec(dg, v).v_state, ((rec(dg, v).v_tflag as number) & V_TFLAG.RWBACK) !== 0]

describe('a forced disk resync and the volumes it covers (rule 286)', () => {
  it('286: every volume a forced disk resync covers is SYNC (read-writeback) while it runs, NEEDSYNC after an abort; an unforced resync makes it ACTIVE', async () => {
    const dg = await rig()
    const seen: unknown[] = []
    dg.subscribe((e) => {
      if (e.type === 'task.progress' && e.phase === 'resync' && e.doneBytes >= 3 * REGION && seen.length === 0) {
        seen.push(state(dg, 'v1'), state(dg, 'v2'))
        dg.abortTask(e.taskId)
      }
    })
    const h = await dg.resyncDisk('disk01', true, { throttle: 2 * MiB })
    await expectCode(h.done, 'VM_ABORTED')
    expect(seen).toEqual([['SYNC', true], ['SYNC', true]])
    expect(state(dg, 'v1')).toEqual(['NEEDSYNC', true])
    expect(state(dg, 'v2')).toEqual(['NEEDSYNC', true])
    for (const v of ['v1', 'v2']) {
      expect(dg.planResyncVolume(v, false).regions).toBeGreaterThan(0)
      await (await dg.resyncVolume(v, false)).done
      expect(state(dg, v)).toEqual(['ACTIVE', false])
    }
    await dg.close()
  })

  it('286: a forced disk resync that completes leaves every volume it covers ACTIVE, its read-writeback done', async () => {
    const dg = await rig()
    await (await dg.resyncDisk('disk01', true)).done
    for (const v of ['v1', 'v2']) {
      expect(state(dg, v)).toEqual(['ACTIVE', false])
      expect(rec(dg, v).v_rwback_offset).toBe(REGIONS * REGION_SECTORS)
    }
    await dg.close()
  })
})
