import { describe, expect, it } from 'vitest'
import { REGION_SECTORS } from '../src/diskGroup.ts'
import { expectCode, groupHeldByTransaction, memoryGroup } from './harness.ts'

const LEN = 4 * REGION_SECTORS
const bad = 2 as unknown as boolean

/**
 * The facade's resyncs share one argument check (resync/resyncService.ts); these pin the order
 * in which it finds the first of several faults, the same for a volume and a disk resync and
 * their dry runs, so a caller gets the same stable code whichever way it asks.
 */
describe('ResyncService checks', () => {
  it('G56, G57: the group is checked before any argument, the disk name and mode before force', async () => {
    const g = await memoryGroup(2, 32 << 20)
    await g.dg.assistMake({ init: 'none', name: 'v1', len: LEN, layout: 'mirror' })
    await expectCode(g.dg.resyncDisk('', bad), 'VM_INVALID_PARAM')
    await expectCode(g.dg.resyncDisk('disk01', false, { mode: 'loose' as 'strict' }), 'VM_INVALID_PARAM')
    await expectCode(() => g.dg.planResyncDisk(null as unknown as string, false), 'VM_INVALID_PARAM')
    await expectCode(() => g.dg.planResyncVolume('v1', bad), 'VM_INVALID_PARAM') // force before the volume's state
    await expectCode(g.dg.resyncVolume('v1', false), 'VM_NOT_STARTED')
    await expectCode(g.dg.verify('v1'), 'VM_NOT_STARTED')
    await expectCode(g.dg.repair('v1', 'v1-01'), 'VM_NOT_STARTED')
    await g.dg.deport()
    await expectCode(g.dg.resyncVolume('v1', bad), 'VM_OFFLINE')
    await expectCode(() => g.dg.planResyncVolume('nosuch', bad), 'VM_OFFLINE')
    await expectCode(g.dg.resyncDisk('', bad), 'VM_OFFLINE')
    await expectCode(() => g.dg.planResyncDisk('', bad), 'VM_OFFLINE')
    await expectCode(g.dg.verify('nosuch'), 'VM_OFFLINE')
  })

  it('G58: a transaction holding the group is found after the arguments and before the records they name', async () => {
    const { g, release, pending } = await groupHeldByTransaction(32 << 20, LEN)
    await expectCode(g.dg.resyncDisk('', false), 'VM_INVALID_PARAM')
    await expectCode(g.dg.resyncDisk('disk01', bad), 'VM_INVALID_PARAM')
    await expectCode(g.dg.resyncDisk('nosuch', false), 'VM_BUSY')
    await expectCode(() => g.dg.planResyncDisk('nosuch', false), 'VM_BUSY')
    await expectCode(g.dg.resyncVolume('v1', bad), 'VM_INVALID_PARAM')
    await expectCode(g.dg.resyncVolume('nosuch', true), 'VM_BUSY')
    await expectCode(() => g.dg.planResyncVolume('nosuch', false), 'VM_BUSY')
    release()
    await pending
    await expectCode(g.dg.resyncVolume('nosuch', true), 'VM_NOT_FOUND')
    await expectCode(g.dg.resyncDisk('nosuch', false), 'VM_NOT_FOUND')
  })
})
