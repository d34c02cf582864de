import { describe, expect, it } from 'vitest'
import { REGION_SECTORS } from '../src/diskGroup.ts'
import type { EngineEvent } from '../src/events.ts'
import { expectCode, faultyMemoryGroup, pattern, plexImage, publicRegion, rec } from './harness.ts'

const LEN = 48 * REGION_SECTORS

/** A started `n`-way mirror v1 (v1-01 on disk01, v1-02 on disk02, ...) of a 4-disk group, holding flushed data. */
async function rig(n: number) {
  const g = await faultyMemoryGroup(4, 48 << 20)
  await g.dg.assistMake({ init: 'none', name: 'v1', len: LEN, layout: 'mirror', nmirror: n, disks: ['disk01', 'disk02', 'disk03'].slice(0, n) })
  await g.dg.start('v1')
  const data = pattern(LEN * 512, 5)
  await g.dg.write('v1', 0, data)
  await g.dg.flush('v1')
  const events: EngineEvent[] = []
  g.dg.subscribe((e) => void events.push(e))
  for (const f of g.faulty) f.setTracing(true)
  /** Data writes (in the public region) that failed on disk `i`, from its device's trace: what the copy kept trying there. */
  const failedWrites = (i: number) => {
    const pub = publicRegion(g.dg, `disk0${i + 1}`)
    return g.faulty[i]!.trace.filter((t) => t.op === 'write' && t.failed && t.offset >= pub.offset).length
  }
  return { ...g, data, events, failedWrites }
}

describe('a forced resync whose target leaves (rule 342)', () => {
  it('rule 342: when its only target plex detaches (its disk fails writes) the forced resync ends at once: failed VM_NOTSYNCED, the volume served by its one current copy, the detached plex stale where it missed the copy', async () => {
    const g = await rig(2)
    // disk02 fails every write a few writes into the copy (lab: fail disk02 writes)
    g.faulty[1]!.addFault({ ops: ['write', 'flush'], after: 6 })
    // one region a unit (throttled), as a copy beside foreground I/O goes
    const h = await g.dg.resyncVolume('v1', true, { throttle: 1 << 30 })
    await expectCode(h.done, 'VM_NOTSYNCED')
    // it stopped within the units it had prepared ahead, not after writing to the failed plex region by region to the end
    expect(g.failedWrites(1)).toBeGreaterThan(0)
    expect(g.failedWrites(1)).toBeLessThanOrEqual(4)
    const finished = g.events.find((e) => e.type === 'task.finished' && e.taskId === h.id)
    expect(finished).toMatchObject({ outcome: 'failed', code: 'VM_NOTSYNCED' })
    expect(g.dg.listTasks().filter((t) => t.taskId === h.id)).toEqual([])
    // what the engine knows: v1-02 kernel-detached, stale in every region it did not get; v1
    // served by v1-01, its one current copy (nothing is left to write back to)
    expect([rec(g.dg, 'v1-02').pl_kstate, rec(g.dg, 'v1-02').pl_state]).toEqual(['DETACHED', 'IOFAIL'])
    expect([rec(g.dg, 'v1-01').pl_kstate, rec(g.dg, 'v1-01').pl_state]).toEqual(['ENABLED', 'ACTIVE'])
    expect([rec(g.dg, 'v1').v_kstate, rec(g.dg, 'v1').v_state]).toEqual(['ENABLED', 'ACTIVE'])
    const stale = g.dg.staleRegions('v1-02')
    const first = Math.min(...stale.regions)
    expect(first).toBeLessThan(8)
    expect(stale.full || stale.regions.length === 48 - first).toBe(true)
    expect((await g.dg.read('v1', 0, LEN * 512)).equals(g.data)).toBe(true)
    await g.dg.close().catch(() => {})
  })

  it('rule 342: when one of two targets leaves, the forced resync goes on to the other one to the end', async () => {
    const g = await rig(3)
    g.faulty[2]!.addFault({ ops: ['write', 'flush'], after: 6 })
    const h = await g.dg.resyncVolume('v1', true, { throttle: 1 << 30 })
    // it ends failed (v1-03 missed regions) only after copying everything to v1-02
    await expectCode(h.done, 'VM_NOTSYNCED')
    expect(g.failedWrites(2)).toBeLessThanOrEqual(4)
    expect([rec(g.dg, 'v1-02').pl_kstate, rec(g.dg, 'v1-02').pl_state]).toEqual(['ENABLED', 'ACTIVE'])
    expect((await plexImage(g.dg, g.faulty, 'v1-02')).equals(g.data)).toBe(true)
    expect(rec(g.dg, 'v1-03').pl_state).toBe('IOFAIL')
    await g.dg.close().catch(() => {})
  })
})
