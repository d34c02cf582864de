import { describe, expect, it } from 'vitest'
import { type FaultyDevice, createFaultyDevice } from '../src/device/faultyDevice.ts'
import { type MemoryDevice, createMemoryDevice } from '../src/device/memoryDevice.ts'
import { probeDevice } from '../src/disk/probe.ts'
import { DiskGroup, REGION_SECTORS } from '../src/diskGroup.ts'
import { CONFIG_SLOTS, MiB, expectCode, faultyMemoryGroup, memoryGroup, pattern, rec } from './harness.ts'
import { heldWrite } from './heldWrite.ts'

const SIZE = 64 * MiB
const LEN = 8 * REGION_SECTORS

/** A started 2-way mirror v1 with a plex on disk01 and one on disk02; disk03 holds a configuration copy only. Faulty devices over memory. */
async function mirrored() {
  const { dg, faulty, mems } = await faultyMemoryGroup(3, SIZE)
  await dg.assistMake({ init: 'none', name: 'v1', len: LEN, layout: 'mirror', nmirror: 2, disks: ['disk01', 'disk02'] })
  await dg.start('v1')
  await dg.write('v1', 0, pattern(LEN * 512, 1))
  await dg.flush('v1')
  const sdOn = (disk: string) => dg.config().subdisks.find((s) => s.sd_dm_name === disk && s.sd_pl_name.startsWith('v1-'))!
  return { dg, f: faulty, mems, A: sdOn('disk01').sd_pl_name, B: sdOn('disk02').sd_pl_name, sdOn }
}

/** What the group says of disk02 and of the plex on it. */
function disk02View(dg: DiskGroup, plex: string) {
  const { dm_update_tid: _t, ...disk } = rec(dg, 'disk02')
  const { pl_update_tid: _p, ...pl } = rec(dg, plex)
  return { disk, pl, stale: dg.staleRegions(plex) }
}

describe('replaceDisk whose final commit fails (rule 82)', () => {
  it('I82 losing quorum at the commit fails VM_FORCEOFF and leaves disk02 on its old device, the new device blank and unlocked; after import the same device replaces disk02', async () => {
    const { dg, f, mems, B } = await mirrored()
    const before = disk02View(dg, B)
    const fresh = createMemoryDevice(SIZE)
    const bad = createFaultyDevice(fresh)
    // the new device's and disk03's configuration copies fail to write: 1 of 3 copies, no quorum
    bad.addFault({ ops: ['write'], range: CONFIG_SLOTS, times: 1 })
    f[2]!.addFault({ ops: ['write'], range: CONFIG_SLOTS, times: 1 })
    await expectCode(dg.replaceDisk('disk02', bad), 'VM_FORCEOFF')
    expect(disk02View(dg, B)).toEqual(before)
    expect(await probeDevice(fresh)).toEqual({ kind: 'blank' })
    await dg.close()
    // the group closed disk02's old device, and left the new one (its caller's) open
    await expectCode(mems[1]!.read(0, 512), 'VM_CLOSED')
    expect((await fresh.read(0, 512)).length).toBe(512)

    // what the disks hold: disk02 is its old device, the plex on it current (temporary fields reset)
    const again = await DiskGroup.import({ devices: mems.map((m) => m.reopen()) })
    const held = (v: ReturnType<typeof disk02View>) => ({ diskid: v.disk.dm_diskid, dmFlags: v.disk.dm_pflag, state: v.pl.pl_state, plFlags: v.pl.pl_pflag, stale: v.stale })
    expect(held(disk02View(again, B))).toEqual(held(before))
    await again.start('v1')
    await again.replaceDisk('disk02', fresh)
    expect(rec(again, B).pl_state).toBe('STALE')
    expect(again.staleRegions(B).full).toBe(true)
    await (await again.resyncDisk('disk02', false)).done
    expect((await (await again.verify('v1')).done).mismatches).toEqual([])
    await again.close()
  })

  it('I82 a commit refused VM_LAST_PLEX (the other plex detached while the new header was written) leaves the group online as it was: disk02 serves v1 from its old device', async () => {
    const { dg, mems, A, B, sdOn } = await mirrored()
    const before = disk02View(dg, B)
    const fresh = createMemoryDevice(SIZE)
    const gate = heldWrite(fresh)
    gate.arm() // its first write waits
    const replacing = dg.replaceDisk('disk02', gate.device)
    await gate.reached
    await dg.detachPlex(A)
    gate.release()
    await expectCode(replacing, 'VM_LAST_PLEX')
    expect(disk02View(dg, B)).toEqual(before)
    expect(await probeDevice(fresh)).toEqual({ kind: 'blank' })
    // v1's writes and reads go to disk02's old device
    const data = pattern(64 * 1024, 9)
    await dg.write('v1', 0, data)
    await dg.flush('v1')
    expect((await dg.read('v1', 0, data.length)).equals(data)).toBe(true)
    expect((await mems[1]!.read(sdOn('disk02').sd_dev_offset * 512, data.length)).equals(data)).toBe(true)
    // once v1-01 is back, the same device replaces disk02 (its lock was released, nothing left on it)
    await dg.attachPlex('v1', A)
    await dg.replaceDisk('disk02', fresh)
    await (await dg.resyncDisk('disk02', false)).done
    expect(rec(dg, B).pl_state).toBe('ACTIVE')
    expect((await dg.read('v1', 0, data.length)).equals(data)).toBe(true)
    expect((await (await dg.verify('v1')).done).mismatches).toEqual([])
    await dg.close()
  })
})

describe('addDisk and removeDisk whose commit fails (rule 82)', () => {
  it('I82 an add losing quorum at the commit fails VM_FORCEOFF and leaves the new device blank, unlocked and open; after import the same device is added', async () => {
    const { dg, f, mems } = await mirrored()
    const disks = dg.config().disks.map((d) => d.dm_diskid)
    const fresh = createMemoryDevice(SIZE)
    const bad = createFaultyDevice(fresh)
    // the new device's and disk03's configuration copies fail to write: 2 of 4 copies, no quorum
    bad.addFault({ ops: ['write'], range: CONFIG_SLOTS, times: 1 })
    f[2]!.addFault({ ops: ['write'], range: CONFIG_SLOTS, times: 1 })
    await expectCode(dg.addDisk({ name: 'disk04', device: bad }), 'VM_FORCEOFF')
    expect(dg.config().disks.map((d) => d.dm_diskid)).toEqual(disks)
    expect(await probeDevice(fresh)).toEqual({ kind: 'blank' })
    await dg.close()
    expect((await fresh.read(0, 512)).length).toBe(512) // the group never took it: still open
    const again = await DiskGroup.import({ devices: mems.map((m) => m.reopen()) })
    expect(again.config().disks.map((d) => d.dm_diskid)).toEqual(disks)
    await again.addDisk({ name: 'disk04', device: fresh })
    expect(again.config().disks.map((d) => d.dm_name)).toEqual(['disk01', 'disk02', 'disk03', 'disk04'])
    await again.close()
  })

  it('I82 a removal losing quorum at the commit fails VM_FORCEOFF and keeps the disk and its open device; after import the removal commits', async () => {
    const { dg, f, mems } = await mirrored()
    f[1]!.addFault({ ops: ['write'], range: CONFIG_SLOTS, times: 1 })
    f[2]!.addFault({ ops: ['write'], range: CONFIG_SLOTS, times: 1 })
    await expectCode(dg.removeDisk('disk03'), 'VM_FORCEOFF')
    expect(dg.config().disks.map((d) => d.dm_name)).toEqual(['disk01', 'disk02', 'disk03'])
    expect((await mems[2]!.read(0, 512)).length).toBe(512) // still the group's, open
    await dg.close()
    const again = await DiskGroup.import({ devices: mems.map((m) => m.reopen()) })
    expect(again.config().disks.map((d) => d.dm_name)).toEqual(['disk01', 'disk02', 'disk03'])
    await again.removeDisk('disk03')
    expect(again.config().disks.map((d) => d.dm_name)).toEqual(['disk01', 'disk02'])
    await again.close()
  })
})

describe('a disk the group lets go of (rule 183)', () => {
  it("I183 a removed disk's device is closed and its lock released: it is added again, to this group or to another", async () => {
    const { dg, devices } = await memoryGroup(3, 32 * MiB)
    const third = devices[2] as MemoryDevice
    await dg.removeDisk('disk03')
    await expectCode(third.read(0, 512), 'VM_CLOSED')
    await dg.addDisk({ name: 'disk04', device: third.reopen() }, { force: true }) // its old header is data
    await dg.removeDisk('disk04')
    const other = await DiskGroup.create({ name: 'otherdg', disks: [{ name: 'o1', device: third.reopen() }], force: true })
    await other.close()
    await dg.close()
  })

  it("I183 a replaced disk's old device is closed and its lock released: another group takes it", async () => {
    const { dg, devices } = await memoryGroup(3, 32 * MiB)
    const second = devices[1] as MemoryDevice
    await dg.replaceDisk('disk02', createMemoryDevice(32 * MiB))
    await expectCode(second.read(0, 512), 'VM_CLOSED')
    const other = await DiskGroup.create({ name: 'otherdg', disks: [{ name: 'o1', device: second.reopen() }], force: true })
    await other.close()
    await dg.close()
  })
})
