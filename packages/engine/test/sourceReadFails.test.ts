import { describe, expect, it } from 'vitest'
import { REGION_SECTORS } from '../src/diskGroup.ts'
import { UNREADABLE_STOP_REGIONS } from '../src/resync/copyUnit.ts'
import type { EngineEvent } from '../src/events.ts'
import { expectCode, faultyMemoryGroup, pattern, publicRegion, rec } from './harness.ts'

const LEN = 32 * REGION_SECTORS

/** A started 2-way mirror v1 (v1-01 on disk01, v1-02 on disk02) with v1-02 detached and stale everywhere. */
async function rig() {
  const g = await faultyMemoryGroup(3, 32 << 20)
  const { dg } = g
  await dg.assistMake({ init: 'none', name: 'v1', len: LEN, layout: 'mirror', disks: ['disk01', 'disk02'] })
  await dg.start('v1')
  await dg.detachPlex('v1-02')
  await dg.write('v1', 0, pattern(LEN * 512, 1))
  return g
}

describe('a copy whose source read fails (rules 284, 285)', () => {
  it('284: an attach whose only source cannot be read charges the source plex, never the destination: the destination stays STALE, not IOFAIL', async () => {
    const { dg, faulty } = await rig()
    faulty[0]!.addFault({ ops: ['read'], range: publicRegion(dg, 'disk01') })
    const events: EngineEvent[] = []
    dg.subscribe((e) => void events.push(e))
    await expectCode(dg.attachPlex('v1', 'v1-02'), 'VM_NOTSYNCED')
    // the source's error is recorded on the source
    expect(rec(dg, 'v1-01').pl_lasterr).not.toBe(0)
    expect([rec(dg, 'v1-01').pl_kstate, rec(dg, 'v1-01').pl_state]).toEqual(['ENABLED', 'ACTIVE']) // the last copy is kept
    // the destination did nothing wrong
    expect(rec(dg, 'v1-02').pl_lasterr).toBe(0)
    expect(rec(dg, 'v1-02').pl_state).toBe('STALE')
    expect(events.filter((e) => e.type === 'io.error').every((e) => e.type === 'io.error' && e.plex === 'v1-01' && e.disk === 'disk01')).toBe(true)
    await dg.close()
  })

  it('285: a resync whose every source read fails stops after UNREADABLE_STOP_REGIONS regions with VM_NOTSYNCED, not after reading every region', async () => {
    const { dg, faulty } = await rig()
    faulty[0]!.addFault({ ops: ['read'], range: publicRegion(dg, 'disk01') })
    const events: EngineEvent[] = []
    dg.subscribe((e) => void events.push(e))
    const h = await dg.resyncVolume('v1', false, { throttle: 1 << 30 })
    await expectCode(h.done, 'VM_NOTSYNCED')
    const reads = events.filter((e) => e.type === 'io.error' && e.op === 'read')
    expect(reads.length).toBeGreaterThan(0)
    // one region at a time (throttled): it stops after that many regions (and the two the loop
    // reads ahead, both under way at once: rule 387), not the volume's 32
    expect(reads.length).toBeLessThanOrEqual(UNREADABLE_STOP_REGIONS + 2)
    const finished = events.find((e) => e.type === 'task.finished' && e.taskId === h.id)
    expect(finished).toMatchObject({ outcome: 'failed', code: 'VM_NOTSYNCED' })
    expect(rec(dg, 'v1-02').pl_state).not.toBe('ACTIVE')
    await dg.close()
  })
})
