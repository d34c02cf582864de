import { describe, expect, it } from 'vitest'
import { type MemoryDevice, createMemoryDevice } from '../src/device/memoryDevice.ts'
import { createFaultyDevice } from '../src/device/faultyDevice.ts'
import { DEFAULT_PRIV_LEN, readHeader } from '../src/disk/privateRegion.ts'
import { probeDevice } from '../src/disk/probe.ts'
import { DiskGroup } from '../src/diskGroup.ts'
import { MiB, expectCode, memoryGroup, recordEvents } from './harness.ts'

const SIZE = 32 * MiB
const PRIV_BYTES = DEFAULT_PRIV_LEN * 512

/**
 * A group of three disks from which disk03 (no subdisks) was removed, closed; `disk03` is its old
 * device. With `crashBeforeWipe`, disk03's device holds what it held before the removal, as after
 * a crash between the removal's commit (which writes only the remaining disks) and its wipe.
 */
async function removedThird(crashBeforeWipe: boolean) {
  const { dg, devices } = await memoryGroup(3, SIZE)
  const mems = devices as MemoryDevice[]
  const held = await mems[2]!.read(0, PRIV_BYTES)
  const tidBefore = dg.config().tid
  await dg.removeDisk('disk03')
  const tidAfter = dg.config().tid
  await dg.deport()
  const disk03 = mems[2]!.reopen()
  if (crashBeforeWipe) {
    await disk03.write(0, held)
    await disk03.flush()
  }
  return { mems, disk03, tidBefore, tidAfter }
}

describe('a removed disk is no longer a member of its group (rule 225)', () => {
  it("I225 vxdg rmdisk clears the group's identity from the removed device: no disk header, its first MiB blank, added again without force", async () => {
    const { mems, disk03 } = await removedThird(false)
    expect(await readHeader(disk03)).toBeUndefined()
    expect(await probeDevice(disk03)).toEqual({ kind: 'blank' })
    const dg = await DiskGroup.import({ devices: [mems[0]!.reopen(), mems[1]!.reopen()] })
    expect(dg.config().disks.map((d) => d.dm_name)).toEqual(['disk01', 'disk02'])
    await dg.addDisk({ name: 'disk03', device: disk03 })
    expect(dg.config().disks.map((d) => d.dm_name)).toEqual(['disk01', 'disk02', 'disk03'])
    await dg.close()
  })

  it('I225 an import given the removed device refuses it VM_INV_DEVENT and claims nothing: the members import after', async () => {
    const { mems, disk03 } = await removedThird(false)
    await expectCode(DiskGroup.import({ devices: [mems[0]!.reopen(), mems[1]!.reopen(), disk03] }), 'VM_INV_DEVENT')
    const dg = await DiskGroup.import({ devices: [mems[0]!.reopen(), mems[1]!.reopen()], host: 'otherhost' })
    expect(dg.config().disks.map((d) => d.dm_name)).toEqual(['disk01', 'disk02'])
    await dg.close()
  })

  it("I225 after a crash between the removal's commit and its wipe, the removed device's old copies count in no quorum: a forced import of disk01 with it refuses VM_NOQUORUM instead of bringing back the configuration before the removal", async () => {
    const { mems, disk03 } = await removedThird(true)
    expect((await readHeader(disk03))?.dmname).toBe('disk03') // the wipe did not happen
    // the group's configuration is 2 copies (disk01, disk02): disk01's alone is no majority
    await expectCode(DiskGroup.import({ devices: [mems[0]!.reopen(), disk03], force: true }), 'VM_NOQUORUM')
  })

  it("I225 after a crash between the removal's commit and its wipe, another host imports the members with the removed device among them: its old header's importer does not hold the group", async () => {
    const { mems, disk03, tidAfter } = await removedThird(true)
    const dg = await DiskGroup.import({ devices: [mems[0]!.reopen(), mems[1]!.reopen(), disk03], host: 'otherhost' })
    expect(dg.config().tid).toBe(tidAfter)
    expect(dg.config().disks.map((d) => d.dm_name)).toEqual(['disk01', 'disk02'])
    expect(dg.unusableDisks()).toEqual([])
    await dg.close()
  })

  it('I225 a dry run of the removal, and a removal refused (VM_BUSY_ASSOC: it holds a subdisk), leave the device a member with its header', async () => {
    const { dg, devices } = await memoryGroup(3, SIZE)
    const header = await readHeader(devices[2]!)
    await dg.removeDisk('disk03', { dryRun: true })
    await dg.assistMake({ init: 'none', name: 'v1', len: 2048, layout: 'concat', disks: ['disk02'] })
    await expectCode(dg.removeDisk('disk02'), 'VM_BUSY_ASSOC')
    expect(await readHeader(devices[2]!)).toEqual(header)
    expect((await readHeader(devices[1]!))?.dmname).toBe('disk02')
    expect(dg.config().disks.map((d) => d.dm_name)).toEqual(['disk01', 'disk02', 'disk03'])
    await dg.close()
  })

  it('I225 a disk without a device (NODEVICE after a forced import) is removed: nothing to clear', async () => {
    const { dg: three, devices } = await memoryGroup(3, SIZE)
    await three.close()
    const forced = await DiskGroup.import({ devices: [(devices[0] as MemoryDevice).reopen(), (devices[1] as MemoryDevice).reopen()], force: true })
    expect(forced.unusableDisks()).toEqual([{ disk: 'disk03', reason: 'missing' }])
    await forced.removeDisk('disk03')
    expect(forced.config().disks.map((d) => d.dm_name)).toEqual(['disk01', 'disk02'])
    await forced.close()
  })

  it('I225 a removal whose wipe fails still removes the disk (its commit took effect) and closes the device; the group imports without it', async () => {
    const { dg, devices } = await memoryGroup(3, SIZE, { wrap: (d, i) => (i === 2 ? createFaultyDevice(d) : d) })
    const mems = devices
    const faulty = devices[2] as ReturnType<typeof createFaultyDevice>
    const tidBefore = dg.config().tid
    // every write to disk03 fails once the removal has committed (the commit does not write disk03)
    faulty.addFault({ ops: ['write'], range: { offset: 0, length: PRIV_BYTES } })
    const log = recordEvents(dg)
    await dg.removeDisk('disk03')
    expect(log.events.filter((e) => e.type === 'alert').map((e) => e.type === 'alert' && [e.code, e.object])).toEqual([['VM_WRTDAERR', 'disk03']])
    expect(dg.config().tid).toBe(tidBefore + 1)
    expect(dg.config().disks.map((d) => d.dm_name)).toEqual(['disk01', 'disk02'])
    await dg.close()
    const again = await DiskGroup.import({ devices: [(mems[0] as MemoryDevice).reopen(), (mems[1] as MemoryDevice).reopen()] })
    expect(again.config().disks.map((d) => d.dm_name)).toEqual(['disk01', 'disk02'])
    await again.close()
  })

  it("I225 rule 471: a replaced disk's old device counts in no quorum and holds no import: its header is cleared by the replace; put back (a crash before the clear, a device failing writes) a forced import of disk01 with it refuses VM_NOQUORUM, another host imports the group with it among the devices", async () => {
    const { dg, devices } = await memoryGroup(3, SIZE)
    const mems = devices as MemoryDevice[]
    const fresh = createMemoryDevice(SIZE)
    const held = await mems[2]!.read(0, PRIV_BYTES)
    await dg.replaceDisk('disk03', fresh)
    const tid = dg.config().tid
    await dg.deport()
    const old03 = mems[2]!.reopen()
    expect(await readHeader(old03)).toBeUndefined()
    await old03.write(0, held)
    await old03.flush()
    await expectCode(DiskGroup.import({ devices: [mems[0]!.reopen(), old03], force: true }), 'VM_NOQUORUM')
    const again = await DiskGroup.import({ devices: [mems[0]!.reopen(), mems[1]!.reopen(), old03, fresh.reopen()], host: 'otherhost' })
    expect(again.config().tid).toBe(tid)
    expect(again.unusableDisks()).toEqual([])
    await again.close()
  })
})
