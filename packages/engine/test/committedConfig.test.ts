// Item 3 of issue 16: every change to the committed configuration goes through a transaction
// (the read-writeback offset too), and a failure nobody awaits is reported, never dropped.
import { describe, expect, it } from 'vitest'
import { createFaultyDevice, type FaultyDevice } from '../src/device/faultyDevice.ts'
import { KLOG_AREA } from '../src/disk/privateRegion.ts'
import { REGION_SECTORS } from '../src/diskGroup.ts'
import { memoryGroup, recordEvents } from './harness.ts'

const LEN = 64 * REGION_SECTORS

describe('the committed configuration changes only by transactions (rule 129)', () => {
  it('I74: a forced resync commits v_rwback_offset in transactions (v.rwback) as it goes and as it ends; a snapshot taken before never changes', async () => {
    const { dg } = await memoryGroup(3)
    await dg.assistMake({ init: 'none', name: 'v1', len: LEN, layout: 'mirror', nmirror: 2 })
    await dg.start('v1')
    const before = dg.snapshot().config
    const frozen = structuredClone(before)
    const log = recordEvents(dg)
    const offsets: number[] = []
    dg.subscribe((e) => {
      if (e.type !== 'config.committed' || e.operation !== 'v.rwback') return
      const ch = e.changes.find((c) => c.name === 'v1')
      expect(ch?.fields).toEqual(['v_rwback_offset'])
      offsets.push(ch!.after!.v_rwback_offset as number)
    })
    const tid = dg.tid
    await (await dg.resyncVolume('v1', true)).done
    expect(offsets.length).toBeGreaterThan(0)
    expect(offsets).toEqual([...offsets].sort((a, b) => a - b))
    expect(offsets.at(-1)).toBe(LEN)
    // each commit raised the tid by one
    const commits = log.events.filter((e) => e.type === 'config.committed')
    expect(commits.map((e) => (e as { tid: number }).tid)).toEqual(commits.map((_, i) => tid + 1 + i))
    expect(before).toEqual(frozen)
    await dg.close()
  })
})

describe('failures nobody awaits are reported (rule 129)', () => {
  it('a stop whose kernel-log write fails is still a clean stop and says the next import recovers the volume (VM_WRTDAERR)', async () => {
    const g = await memoryGroup(2, 64 << 20, { wrap: (d) => createFaultyDevice(d) })
    const devs = g.devices as FaultyDevice[]
    const { dg } = g
    await dg.assistMake({ init: 'none', name: 'v1', len: 8 * REGION_SECTORS, layout: 'mirror' })
    await dg.start('v1')
    await dg.write('v1', 0, Buffer.alloc(4096, 7))
    const log = recordEvents(dg)
    for (const d of devs) d.addFault({ ops: ['write'], range: { offset: KLOG_AREA.offset * 512, length: KLOG_AREA.length * 512 } })
    await dg.stop('v1')
    expect(dg.config().volumes[0]).toMatchObject({ v_state: 'CLEAN', v_kstate: 'DISABLED' })
    expect(log.events.filter((e) => e.type === 'alert').map((e) => (e as { code: string; object?: string }))).toEqual([
      expect.objectContaining({ code: 'VM_WRTDAERR', object: 'v1' }),
    ])
    await dg.close()
  })
})
