import { describe, expect, it } from 'vitest'
import { createFaultyDevice } from '../src/device/faultyDevice.ts'
import { DiskGroup, REGION_SECTORS } from '../src/diskGroup.ts'
import type { EngineEvent } from '../src/events.ts'
import { expectCode, faultyMemoryGroup, pattern, plexImage, rec } from './harness.ts'

const LEN = 8 * REGION_SECTORS
const FAIL_BOTH = { ops: ['read', 'write', 'flush'] as Array<'read' | 'write' | 'flush'> }

/** A started mirror v1 (v1-01 on disk01, v1-02 on disk02) written, then disk02 failed (both) and written again: v1-02 is detached by the write error. */
async function rig() {
  const g = await faultyMemoryGroup(3, 32 << 20)
  await g.dg.assistMake({ init: 'none', name: 'v1', len: LEN, layout: 'mirror', disks: ['disk01', 'disk02'] })
  await g.dg.start('v1')
  await g.dg.write('v1', 0, pattern(LEN * 512, 1))
  await g.dg.flush('v1')
  const restore = g.faulty[1]!.addFault(FAIL_BOTH)
  await g.dg.write('v1', 0, pattern(4096, 2))
  expect(rec(g.dg, 'v1-02').pl_kstate).not.toBe('ENABLED')
  const events: EngineEvent[] = []
  g.dg.subscribe((e) => void events.push(e))
  return { ...g, restore, events }
}

/** Nothing changed: the configuration as it was, no commit, no task. */
function unchanged(g: Awaited<ReturnType<typeof rig>>, before: ReturnType<typeof g.dg.config>): void {
  expect(g.dg.config()).toEqual(before)
  expect(g.events.filter((e) => e.type === 'config.committed' || e.type === 'task.progress' || e.type === 'task.finished')).toEqual([])
  expect(g.dg.listTasks()).toEqual([])
}

describe('a copy onto a disk that still fails is refused up front (rule 418)', () => {
  it('rule 418: a disk resync of a failed disk (forced or not) and its dry run are refused VM_DISK_FAILED, changing nothing; once restored it runs', async () => {
    const g = await rig()
    const before = g.dg.config()
    for (const force of [false, true]) {
      expect(() => g.dg.planResyncDisk('disk02', force)).toThrow(expect.objectContaining({ code: 'VM_DISK_FAILED' }))
      await expectCode(g.dg.resyncDisk('disk02', force), 'VM_DISK_FAILED')
    }
    unchanged(g, before)
    g.restore()
    await (await g.dg.resyncDisk('disk02', false)).done
    expect([rec(g.dg, 'v1-02').pl_kstate, rec(g.dg, 'v1-02').pl_state]).toEqual(['ENABLED', 'ACTIVE'])
    await g.dg.close()
  })

  it('rule 418: an attach of a plex on a failed disk and its dry run are refused VM_DISK_FAILED, changing nothing; once restored it runs', async () => {
    const g = await rig()
    const before = g.dg.config()
    await expectCode(g.dg.attachPlex('v1', 'v1-02', { dryRun: true }), 'VM_DISK_FAILED')
    await expectCode(g.dg.attachPlex('v1', 'v1-02'), 'VM_DISK_FAILED')
    unchanged(g, before)
    g.restore()
    await g.dg.attachPlex('v1', 'v1-02')
    expect([rec(g.dg, 'v1-02').pl_kstate, rec(g.dg, 'v1-02').pl_state]).toEqual(['ENABLED', 'ACTIVE'])
    await g.dg.close()
  })

  it('rule 418: a disk failing only reads is no failed target: its resync runs', async () => {
    const g = await rig()
    g.restore()
    g.faulty[1]!.addFault({ ops: ['read'] })
    await (await g.dg.resyncDisk('disk02', false)).done
    expect(rec(g.dg, 'v1-02').pl_kstate).toBe('ENABLED')
    await g.dg.close()
  })
})

describe('a start whose stale plex is on a disk that still fails waits for the disk (rule 419)', () => {
  it('rule 419: after a restart with disk02 still failed, v1-02 waits DETACHED (IOFAIL, as its write error left it), no task is started or failed, a VM_DISK_FAILED warning names it and its disk; once restored a disk resync hands it back', async () => {
    const g = await rig()
    await g.dg.close() // the host goes down with disk02 still failed
    const faulty = g.mems.map((m) => createFaultyDevice(m.reopen()))
    const dg = await DiskGroup.import({ devices: faulty })
    const restore = faulty[1]!.addFault(FAIL_BOTH) // the failure outlives the restart (the lab puts it back before any start)
    const events: EngineEvent[] = []
    dg.subscribe((e) => void events.push(e))
    await dg.start('v1')
    expect([rec(dg, 'v1-02').pl_kstate, rec(dg, 'v1-02').pl_state, rec(dg, 'v1-02').pl_tutil]).toEqual(['DETACHED', 'IOFAIL', ['', '', '']])
    expect(events.filter((e) => e.type === 'task.finished' || e.type === 'task.progress')).toEqual([])
    const alerts = events.flatMap((e) => (e.type === 'alert' ? [[e.severity, e.code, e.object]] : []))
    expect(alerts.filter((a) => a[1] === 'VM_DISK_FAILED')).toEqual([['warning', 'VM_DISK_FAILED', 'v1-02']])
    expect(alerts.filter((a) => a[2] === 'v1-02')).toHaveLength(1) // no 'could not be recovered' beside it
    expect(dg.listTasks()).toEqual([])
    // the volume works on v1-01, and what v1-02 misses is tracked
    await dg.write('v1', 0, pattern(4096, 3))
    restore()
    await (await dg.resyncDisk('disk02', false)).done
    expect([rec(dg, 'v1-02').pl_kstate, rec(dg, 'v1-02').pl_state]).toEqual(['ENABLED', 'ACTIVE'])
    expect((await plexImage(dg, faulty, 'v1-02')).equals(await plexImage(dg, faulty, 'v1-01'))).toBe(true)
    await dg.close()
  })
})
