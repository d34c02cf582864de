import { describe, expect, it } from 'vitest'
import { REGION_SECTORS } from '../src/diskGroup.ts'
import type { EngineEvent } from '../src/events.ts'
import { expectCode, faultyMemoryGroup, pattern, rec } from './harness.ts'

const LEN = 16 * REGION_SECTORS

/**
 * A started 3-way mirror v1 (v1-01 on disk01, v1-02 on disk02, v1-03 on disk03) holding data, with
 * `detached` plexes detached before the data was written (stale where it was).
 */
async function rig(detached: string[]) {
  const g = await faultyMemoryGroup(4, 32 << 20)
  await g.dg.assistMake({ init: 'none', name: 'v1', len: LEN, layout: 'mirror', nmirror: 3, disks: ['disk01', 'disk02', 'disk03'] })
  await g.dg.start('v1')
  for (const p of detached) await g.dg.detachPlex(p)
  await g.dg.write('v1', 0, pattern(LEN * 512, 3))
  await g.dg.flush('v1')
  const events: EngineEvent[] = []
  g.dg.subscribe((e) => void events.push(e))
  return { ...g, events }
}

/** What a refused operation must leave as it was: the configuration (tid and records) and no task or I/O. */
function unchanged(g: Awaited<ReturnType<typeof rig>>, before: ReturnType<typeof g.dg.config>): void {
  expect(g.dg.config()).toEqual(before)
  expect(g.events.filter((e) => e.type === 'config.committed' || e.type === 'task.progress' || e.type === 'task.finished' || e.type === 'io.error')).toEqual([])
}

describe('a copy whose only source is on a failed disk is refused up front (rule 341)', () => {
  it('rule 341: an attach whose every other plex is on a failed disk or detached is refused VM_NOTSYNCED, its dry run too, and nothing changes', async () => {
    const g = await rig(['v1-02', 'v1-03'])
    g.faulty[0]!.addFault({ ops: ['read', 'write', 'flush'] }) // lab: fail disk01 (both)
    const before = g.dg.config()
    await expectCode(g.dg.attachPlex('v1', 'v1-02', { dryRun: true }), 'VM_NOTSYNCED')
    await expectCode(g.dg.attachPlex('v1', 'v1-02'), 'VM_NOTSYNCED')
    unchanged(g, before)
    expect([rec(g.dg, 'v1-02').pl_kstate, rec(g.dg, 'v1-02').pl_state]).toEqual(['DETACHED', 'STALE'])
    await g.dg.close().catch(() => {})
  })

  it('rule 341: a volume resync (forced or not) and a disk resync with no readable source are refused VM_NOTSYNCED, their dry runs too, and nothing changes', async () => {
    const g = await rig(['v1-02', 'v1-03'])
    g.faulty[0]!.addFault({ ops: ['read'] }) // lab: fail disk01 reads
    const before = g.dg.config()
    for (const force of [false, true]) {
      expect(() => g.dg.planResyncVolume('v1', force)).toThrow(expect.objectContaining({ code: 'VM_NOTSYNCED' }))
      await expectCode(g.dg.resyncVolume('v1', force), 'VM_NOTSYNCED')
      expect(() => g.dg.planResyncDisk('disk02', force)).toThrow(expect.objectContaining({ code: 'VM_NOTSYNCED' }))
      await expectCode(g.dg.resyncDisk('disk02', force), 'VM_NOTSYNCED')
    }
    await expectCode(g.dg.repair('v1', 'v1-01'), 'VM_NOTSYNCED')
    unchanged(g, before)
    expect(g.dg.listTasks()).toEqual([])
    await g.dg.close()
  })

  it('rule 341: an IOFAIL plex is no source either: with the last readable copy on a failed disk, the attach is refused before it changes anything', async () => {
    const g = await rig(['v1-03'])
    // disk02 fails a write: v1-02 is kernel-detached IOFAIL (v1-01 keeps the data)
    g.faulty[1]!.addFault({ ops: ['write'], times: 1 })
    await g.dg.write('v1', 0, pattern(4096, 9))
    expect(rec(g.dg, 'v1-02').pl_state).toBe('IOFAIL')
    g.faulty[0]!.addFault({ ops: ['read'] })
    g.events.length = 0
    const before = g.dg.config()
    await expectCode(g.dg.attachPlex('v1', 'v1-03'), 'VM_NOTSYNCED')
    unchanged(g, before)
    await g.dg.close()
  })

  it('rule 341: once the disk answers again the same attach runs and copies the data', async () => {
    const g = await rig(['v1-02', 'v1-03'])
    const restore = g.faulty[0]!.addFault({ ops: ['read'] })
    await expectCode(g.dg.attachPlex('v1', 'v1-02'), 'VM_NOTSYNCED')
    restore()
    await g.dg.attachPlex('v1', 'v1-02')
    expect([rec(g.dg, 'v1-02').pl_kstate, rec(g.dg, 'v1-02').pl_state]).toEqual(['ENABLED', 'ACTIVE'])
    await g.dg.close()
  })

  it('rule 341: a fault on a range of the disk is not a failed disk: the attach runs and fails on the read (rule 284)', async () => {
    const g = await rig(['v1-02', 'v1-03'])
    g.faulty[0]!.addFault({ ops: ['read'], range: { offset: 0, length: g.faulty[0]!.size } })
    await expectCode(g.dg.attachPlex('v1', 'v1-02'), 'VM_NOTSYNCED')
    expect(g.events.some((e) => e.type === 'io.error' && e.plex === 'v1-01')).toBe(true)
    await g.dg.close()
  })
})
