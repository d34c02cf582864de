import { describe, expect, it } from 'vitest'
import { createFaultyDevice, type FaultyDevice } from '../src/device/faultyDevice.ts'
import type { MemoryDevice } from '../src/device/memoryDevice.ts'
import { DiskGroup } from '../src/diskGroup.ts'
import { DG_PFLAG, DM_TFLAG } from '../src/records/types.ts'
import { expectCode, memoryGroup, recordEvents } from './harness.ts'

async function group(n: number) {
  const g = await memoryGroup(n, 32 << 20, { wrap: (d) => createFaultyDevice(d) })
  return { dg: g.dg, f: g.devices as FaultyDevice[], mems: (g.devices as FaultyDevice[]).map((d) => d.inner as MemoryDevice) }
}

describe('configuration copies and quorum (checklist H)', () => {
  it('H69: with 3 disks, losing 2 forces the group offline with an event; later calls fail VM_FORCEOFF', async () => {
    const { dg, f } = await group(3)
    const log = recordEvents(dg)
    f[0]!.addFault({})
    await dg.makePlex({ name: 'p1' }) // one copy lost: still a majority
    expect(dg.forcedOffline).toBe(false)
    f[1]!.addFault({})
    await expectCode(dg.makePlex({ name: 'p2' }), 'VM_FORCEOFF')
    expect(dg.forcedOffline).toBe(true)
    expect(log.events.some((e) => e.type === 'dg.state' && e.state === 'forced-offline')).toBe(true)
    await expectCode(dg.makePlex({ name: 'p3' }), 'VM_FORCEOFF')
    await expectCode(dg.resyncDisk('disk03', false), 'VM_FORCEOFF')
  })

  it('H70: with 2 disks the first holds two copies: losing the second keeps the group, losing the first forces it off', async () => {
    const a = await group(2)
    expect(a.dg.config().disks.map((d) => d.dm_config_copies)).toEqual([2, 1])
    a.f[1]!.addFault({})
    await a.dg.makePlex({ name: 'p1' })
    expect(a.dg.forcedOffline).toBe(false)
    const b = await group(2)
    b.f[0]!.addFault({})
    await expectCode(b.dg.makePlex({ name: 'p1' }), 'VM_FORCEOFF')
  })

  it('H71: import with exactly half of the copies fails VM_NOQUORUM', async () => {
    const { dg, mems } = await group(4)
    await dg.close()
    await expectCode(DiskGroup.import({ devices: [mems[0]!.reopen(), mems[1]!.reopen()] }), 'VM_NOQUORUM')
    const three = await DiskGroup.import({ devices: [mems[0]!.reopen(), mems[1]!.reopen(), mems[2]!.reopen()], force: true })
    expect(three.forcedOffline).toBe(false)
    await three.close()
  })

  it('H71: with quorum disabled the group stays on until the last copy is lost, and import needs every disk', async () => {
    const { dg, f, mems } = await group(3)
    await dg.set('testdg', { pflag: DG_PFLAG.NOQUORUM })
    f[0]!.addFault({})
    f[1]!.addFault({})
    await dg.makePlex({ name: 'p1' })
    expect(dg.forcedOffline).toBe(false)
    f[2]!.addFault({})
    await expectCode(dg.makePlex({ name: 'p2' }), 'VM_FORCEOFF')
    // a fresh group with quorum off: import with a disk missing fails, with all succeeds
    const g2 = await group(3)
    await g2.dg.set('testdg', { pflag: DG_PFLAG.NOQUORUM })
    await g2.dg.close()
    await expectCode(DiskGroup.import({ devices: [g2.mems[0]!.reopen(), g2.mems[1]!.reopen()] }), 'VM_NOQUORUM')
    const all = await DiskGroup.import({ devices: g2.mems.map((m) => m.reopen()) })
    expect(all.config().dg.dg_pflag & DG_PFLAG.NOQUORUM).toBe(1)
    await all.close()
    void mems
  })

  it('H72: a commit writes every enabled copy; a copy that fails is disabled and the commit succeeds while a majority remains', async () => {
    const { dg, f, mems } = await group(3)
    const log = recordEvents(dg)
    for (const d of f) d.setTracing(true)
    await dg.makePlex({ name: 'p1' })
    for (const d of f) expect(d.trace.filter((t) => t.op === 'write').length).toBe(1)
    f[2]!.addFault({ ops: ['write'] })
    const r = await dg.makePlex({ name: 'p2' })
    // rule 235: one more commit records the disabled copy in its disk record before p2 returns
    expect(dg.tid).toBe(r.tid + 1)
    expect(dg.config().disks[2]!.dm_tflag & DM_TFLAG.CONFIG_DISABLED).toBe(DM_TFLAG.CONFIG_DISABLED)
    // rule 132: a configuration copy that fails to write is VM_MAPFRDWR
    expect(log.events.some((e) => e.type === 'alert' && e.code === 'VM_MAPFRDWR' && e.object === 'disk03')).toBe(true)
    f[2]!.clearFaults()
    const writesBefore = f[2]!.trace.filter((t) => t.op === 'write').length
    await dg.makePlex({ name: 'p3' })
    expect(f[2]!.trace.filter((t) => t.op === 'write').length).toBe(writesBefore) // disabled copy is not written
    await dg.close()
    const again = await DiskGroup.import({ devices: mems.map((m) => m.reopen()) })
    expect(again.config().plexes.map((p) => p.pl_name)).toEqual(['p1', 'p2', 'p3'])
    await again.close()
  })

  it('235: a disabled copy is recorded before the alert; the resync of its restored disk enables and rewrites it, and an import counts it again', async () => {
    const { dg, f, mems } = await group(3)
    await dg.assistMake({ init: 'none', name: 'v1', len: 2048, layout: 'mirror', disks: ['disk01', 'disk03'] })
    await dg.start('v1')
    const log = recordEvents(dg)
    const flagAtAlert: number[] = []
    dg.subscribe((e) => {
      if (e.type === 'alert' && e.code === 'VM_MAPFRDWR') flagAtAlert.push(dg.config().disks[2]!.dm_tflag & DM_TFLAG.CONFIG_DISABLED)
    })
    f[2]!.addFault({ ops: ['write'] })
    await dg.makePlex({ name: 'p1' })
    // the record said so when the alert went out
    expect(flagAtAlert).toEqual([DM_TFLAG.CONFIG_DISABLED])
    // the disk is restored; a later commit still does not write the disabled copy
    f[2]!.clearFaults()
    for (const d of f) d.setTracing(true)
    await dg.makePlex({ name: 'p2' })
    expect(f[2]!.trace.filter((t) => t.op === 'write')).toEqual([])
    // the disk's resync: the copy is enabled and written first, the flag cleared
    await (await dg.resyncDisk('disk03', false)).done
    expect(dg.config().disks.map((d) => d.dm_tflag & DM_TFLAG.CONFIG_DISABLED)).toEqual([0, 0, 0])
    expect(f[2]!.trace.some((t) => t.op === 'write')).toBe(true)
    expect(log.events.some((e) => e.type === 'config.committed' && e.operation === 'dm.config.enabled')).toBe(true)
    await dg.makePlex({ name: 'p3' })
    await dg.close()
    // the rewritten copy holds the newest configuration: disk02 and disk03 alone are a majority of it
    const again = await DiskGroup.import({ devices: [mems[1]!.reopen(), mems[2]!.reopen()], force: true })
    expect(again.config().plexes.map((p) => p.pl_name)).toEqual(expect.arrayContaining(['p1', 'p2', 'p3']))
    await again.close()
  })

  it('235: a copy whose disk still fails when it is enabled is disabled again, and says so', async () => {
    const { dg, f } = await group(3)
    await dg.assistMake({ init: 'none', name: 'v1', len: 2048, layout: 'mirror', disks: ['disk01', 'disk02'] })
    await dg.start('v1')
    f[2]!.addFault({ ops: ['write'] })
    await dg.makePlex({ name: 'p1' })
    const log = recordEvents(dg)
    await (await dg.resyncVolume('v1', false)).done
    expect(dg.config().disks[2]!.dm_tflag & DM_TFLAG.CONFIG_DISABLED).toBe(DM_TFLAG.CONFIG_DISABLED)
    expect(log.events.filter((e) => e.type === 'alert' && e.code === 'VM_MAPFRDWR' && e.object === 'disk03')).toHaveLength(1)
  })
})
