import { describe, expect, it } from 'vitest'
import { REGION_SECTORS } from '../src/diskGroup.ts'
import type { EngineEvent } from '../src/events.ts'
import { expectCode, faultyMemoryGroup, rec } from './harness.ts'

const LEN = 8 * REGION_SECTORS

describe('a grow that could not zero its new space is refused up front (rule 420)', () => {
  it('rule 420: vol grow of a volume whose plex is on a failed disk (nothing has done I/O there yet) and its dry run are refused VM_DISK_FAILED, changing nothing; once restored the grow completes', async () => {
    const g = await faultyMemoryGroup(3, 32 << 20)
    await g.dg.assistMake({ init: 'zero', name: 'cat', len: LEN, layout: 'concat', disks: ['disk01'] })
    const restore = g.faulty[0]!.addFault({ ops: ['read', 'write', 'flush'] })
    const events: EngineEvent[] = []
    g.dg.subscribe((e) => void events.push(e))
    const before = g.dg.config()
    await expectCode(g.dg.growVolume('cat', LEN + 1, { dryRun: true }), 'VM_DISK_FAILED')
    await expectCode(g.dg.growVolume('cat', LEN + 1), 'VM_DISK_FAILED')
    expect(g.dg.config()).toEqual(before)
    expect(events.filter((e) => e.type === 'config.committed' || e.type === 'task.progress' || e.type === 'task.finished')).toEqual([])
    restore()
    await g.dg.growVolume('cat', LEN + 1)
    expect([rec(g.dg, 'cat').v_len, rec(g.dg, 'cat-01').pl_len]).toEqual([LEN + 1, LEN + 1])
    await g.dg.close()
  })
})

describe('a grow beyond the space there is says so first (rule 421)', () => {
  it('rule 421: vol grow of a mirror with a DRL to more than the group holds is VM_NO_SPACE, not the log-coverage refusal, and changes nothing', async () => {
    const g = await faultyMemoryGroup(3, 32 << 20)
    await g.dg.assistMake({ init: 'zero', name: 'mir', len: LEN, layout: 'mirror', log: 'drl', disks: ['disk01', 'disk02', 'disk03'] })
    const before = g.dg.config()
    const huge = 2 ** 52
    await expectCode(g.dg.growVolume('mir', huge, { dryRun: true }), 'VM_NO_SPACE')
    await expectCode(g.dg.growVolume('mir', huge), 'VM_NO_SPACE')
    expect(g.dg.config()).toEqual(before)
    await g.dg.close()
  })
})
