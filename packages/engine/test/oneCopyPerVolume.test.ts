import { describe, expect, it } from 'vitest'
import { createFaultyDevice } from '../src/device/faultyDevice.ts'
import { REGION_SECTORS } from '../src/diskGroup.ts'
import { expectCode, memoryGroup, pattern, rec } from './harness.ts'

const LEN = 8 * REGION_SECTORS

/** A started 3-way mirror v1 (v1-0i on disk0i) with v1-03 detached, and a second volume w on disk04 alone. */
async function rig() {
  const { dg } = await memoryGroup(4, 64 << 20, { wrap: (d) => createFaultyDevice(d) })
  await dg.assistMake({ init: 'none', name: 'v1', len: LEN, layout: 'mirror', nmirror: 3, disks: ['disk01', 'disk02', 'disk03'] })
  await dg.assistMake({ init: 'none', name: 'w', len: LEN, layout: 'mirror', nmirror: 2, disks: ['disk04', 'disk03'] })
  await dg.start('v1')
  await dg.start('w')
  await dg.write('v1', 0, pattern(LEN * 512, 1))
  await dg.detachPlex('v1-03')
  return dg
}

/** The fields a refused operation must leave as they were. */
const shape = (dg: Awaited<ReturnType<typeof rig>>, plex: string) => {
  const p = rec(dg, plex)
  return [p.pl_state, p.pl_kstate, (p.pl_tutil as string[])[0], p.pl_tflag]
}

describe('one copy task per volume at a time (rule 282)', () => {
  it('282: while a disk resync covering v1 runs, attaching a plex of v1, resyncing v1 or another disk of v1 is refused VM_BUSY and changes nothing', async () => {
    const dg = await rig()
    const h = await dg.resyncDisk('disk01', true)
    dg.pauseTask(h.id)
    const tid = dg.config().tid
    const before = shape(dg, 'v1-03')
    await expectCode(dg.attachPlex('v1', 'v1-03'), 'VM_BUSY')
    await expectCode(dg.attachPlex('v1', 'v1-03', { dryRun: true }), 'VM_BUSY')
    await expectCode(dg.resyncVolume('v1', false), 'VM_BUSY')
    await expectCode(dg.resyncVolume('v1', true), 'VM_BUSY')
    await expectCode(() => dg.planResyncVolume('v1', false), 'VM_BUSY')
    await expectCode(dg.resyncDisk('disk02', true), 'VM_BUSY')
    await expectCode(() => dg.planResyncDisk('disk02', false), 'VM_BUSY')
    expect(shape(dg, 'v1-03')).toEqual(before)
    expect(dg.config().tid).toBe(tid)
    expect(dg.listTasks().map((t) => t.taskId)).toEqual([h.id])
    // a volume the task does not cover is free
    await (await dg.resyncVolume('w', false)).done
    dg.abortTask(h.id)
    await expectCode(h.done, 'VM_ABORTED')
    // once it ended, the attach runs
    await dg.attachPlex('v1', 'v1-03')
    expect([rec(dg, 'v1-03').pl_kstate, rec(dg, 'v1-03').pl_state]).toEqual(['ENABLED', 'ACTIVE'])
    await dg.close()
  })

  it('282: while a volume resync of v1 runs, a resync of a disk holding v1 is refused VM_BUSY', async () => {
    const dg = await rig()
    const h = await dg.resyncVolume('v1', true)
    dg.pauseTask(h.id)
    await expectCode(dg.resyncDisk('disk02', false), 'VM_BUSY')
    await expectCode(dg.attachPlex('v1', 'v1-03'), 'VM_BUSY')
    // disk03 holds w as well: the whole disk resync is refused, w untouched
    await expectCode(dg.resyncDisk('disk03', true), 'VM_BUSY')
    expect(dg.listTasks().map((t) => t.taskId)).toEqual([h.id])
    dg.abortTask(h.id)
    await expectCode(h.done, 'VM_ABORTED')
    await dg.close()
  })
})
