import { describe, expect, it } from 'vitest'
import type { EngineEvent } from '../src/events.ts'
import { REGION_SECTORS } from '../src/diskGroup.ts'
import { expectCode, faultyMemoryGroup, pattern, publicRegion } from './harness.ts'

const LEN = 8 * REGION_SECTORS
const REGION = REGION_SECTORS * 512

describe('a failed task counts only what it copied (rule 283)', () => {
  it('283: a resync that cannot read 3 of 8 regions ends failed with doneBytes of the 5 it copied', async () => {
    const { dg, faulty } = await faultyMemoryGroup(3, 32 << 20)
    await dg.assistMake({ init: 'none', name: 'v1', len: LEN, layout: 'mirror', disks: ['disk01', 'disk02'] })
    await dg.start('v1')
    await dg.detachPlex('v1-02')
    await dg.write('v1', 0, pattern(LEN * 512, 1)) // every region stale on v1-02
    const pub = publicRegion(dg, 'disk01')
    const sd = dg.config().subdisks.find((s) => s.sd_pl_name === 'v1-01')!
    // regions 2, 3 and 4 of v1-01 cannot be read
    faulty[0]!.addFault({ ops: ['read'], range: { offset: pub.offset + sd.sd_dm_offset * 512 + 2 * REGION, length: 3 * REGION } })
    const progress: Array<Extract<EngineEvent, { type: 'task.progress' }>> = []
    dg.subscribe((e) => void (e.type === 'task.progress' && progress.push(e)))
    const finished: Array<Extract<EngineEvent, { type: 'task.finished' }>> = []
    dg.subscribe((e) => void (e.type === 'task.finished' && finished.push(e)))
    const h = await dg.resyncVolume('v1', false)
    await expectCode(h.done, 'VM_NOTSYNCED')
    const last = progress.filter((e) => e.taskId === h.id).at(-1)!
    expect([last.doneBytes, last.totalBytes]).toEqual([5 * REGION, 8 * REGION])
    expect(last.failedBytes).toBe(3 * REGION)
    // rule 287: the event stream says the task failed, as its caller saw it, never 'ok'
    expect(finished.filter((e) => e.taskId === h.id).map((e) => [e.outcome, e.code])).toEqual([['failed', 'VM_NOTSYNCED']])
    await dg.close()
  })
})

describe('a failed attach counts only what it copied (rule 531)', () => {
  for (const side of ['source read', 'target write'] as const) {
    it(`rule 531: an attach whose copy fails part-way (${side} fails in 3 of 8 regions) reports doneBytes of what it copied, never the total, and the plex is not ACTIVE`, async () => {
      const { dg, faulty } = await faultyMemoryGroup(3, 32 << 20)
      await dg.assistMake({ init: 'none', name: 'v1', len: LEN, layout: 'mirror', disks: ['disk01', 'disk02'] })
      await dg.start('v1')
      await dg.detachPlex('v1-02')
      await dg.write('v1', 0, pattern(LEN * 512, 2))
      await dg.flush('v1')
      const disk = side === 'source read' ? 0 : 1
      const pub = publicRegion(dg, `disk0${disk + 1}`)
      const sd = dg.config().subdisks.find((s) => s.sd_pl_name === `v1-0${disk + 1}`)!
      const progress: Array<Extract<EngineEvent, { type: 'task.progress' }>> = []
      dg.subscribe((e) => void (e.type === 'task.progress' && progress.push(e)))
      const finished: Array<Extract<EngineEvent, { type: 'task.finished' }>> = []
      dg.subscribe((e) => void (e.type === 'task.finished' && finished.push(e)))
      let id = ''
      // the fault starts once the attach has probed its disks (rule 455) and its copy task runs
      const attach = dg.attachPlex('v1', 'v1-02', { onTask: (t) => {
        id = t
        faulty[disk]!.addFault({ ops: [side === 'source read' ? 'read' : 'write'], range: { offset: pub.offset + sd.sd_dm_offset * 512 + 5 * REGION, length: 3 * REGION } })
      } })
      await expectCode(attach, 'VM_NOTSYNCED')
      const last = progress.filter((e) => e.taskId === id).at(-1)!
      expect([last.doneBytes, last.failedBytes, last.totalBytes]).toEqual([5 * REGION, 3 * REGION, 8 * REGION])
      expect(finished.filter((e) => e.taskId === id).map((e) => [e.outcome, e.code])).toEqual([['failed', 'VM_NOTSYNCED']])
      const pl = dg.config().plexes.find((p) => p.pl_name === 'v1-02')!
      expect(pl.pl_state).not.toBe('ACTIVE')
      expect(pl.pl_kstate).not.toBe('ENABLED')
      await dg.close()
    })
  }
})
