import { describe, expect, it } from 'vitest'
import { createFaultyDevice } from '../src/device/faultyDevice.ts'
import { type MemoryDevice, createMemoryDevice } from '../src/device/memoryDevice.ts'
import { probeDevice } from '../src/disk/probe.ts'
import { DiskGroup } from '../src/diskGroup.ts'
import { MiB, expectCode, memoryGroup } from './harness.ts'

/** A 32 MiB memory device holding `bytes` at byte `at`. */
async function holding(at: number, bytes: Buffer | string) {
  const dev = createMemoryDevice(32 * MiB)
  const b = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes)
  const sector = Math.floor(at / 512) * 512
  const block = Buffer.alloc(Math.ceil((at - sector + b.length) / 512) * 512)
  b.copy(block, at - sector)
  await dev.write(sector, block)
  return dev
}

const SIGNATURES: Array<[string, number, Buffer | string, string]> = [
  ['ext4', 0x438, Buffer.from([0x53, 0xef]), 'an ext2/3/4 filesystem'],
  ['XFS', 0, 'XFSB', 'an XFS filesystem'],
  ['btrfs', 0x10040, '_BHRfS_M', 'a btrfs filesystem'],
  ['LVM', 512, 'LABELONE', 'an LVM physical volume'],
  ['GPT', 512, 'EFI PART', 'a GPT partition table'],
  ['MBR', 510, Buffer.from([0x55, 0xaa]), 'an MBR partition table'],
  ['LUKS', 0, Buffer.from([0x4c, 0x55, 0x4b, 0x53, 0xba, 0xbe]), 'a LUKS encrypted volume'],
  ['md', 0x1000, Buffer.from([0xfc, 0x4e, 0x2b, 0xa9]), 'an md RAID member'],
  ['swap', 4086, 'SWAPSPACE2', 'a swap area'],
]

describe('adding a disk never overwrites data by mistake', () => {
  it.each(SIGNATURES)('I81: a device with %s on it is refused VM_HAS_DATA and left untouched; force adds it', async (_name, at, magic, what) => {
    const { dg } = await memoryGroup(2, 32 * MiB)
    const dev = await holding(at, magic)
    expect(await probeDevice(dev)).toEqual({ kind: 'signature', what })
    const before = Buffer.from(await dev.read(0, MiB))
    const tid = dg.tid
    await expectCode(dg.addDisk({ name: 'disk03', device: dev }), 'VM_HAS_DATA')
    await expectCode(dg.addDisk({ name: 'disk03', device: dev }, { dryRun: true }), 'VM_HAS_DATA')
    expect((await dev.read(0, MiB)).equals(before)).toBe(true)
    expect(dg.tid).toBe(tid)
    await dg.addDisk({ name: 'disk03', device: dev }, { force: true })
    expect(dg.config().disks.map((d) => d.dm_name)).toContain('disk03')
    await dg.close()
  })

  it('I81: any non-zero byte in the first MiB is data; a blank device is added without force', async () => {
    const { dg } = await memoryGroup(2, 32 * MiB)
    const dev = await holding(MiB - 512, 'x')
    expect(await probeDevice(dev)).toEqual({ kind: 'data', firstNonZero: MiB - 512 })
    await expectCode(dg.addDisk({ name: 'disk03', device: dev }), 'VM_HAS_DATA')
    await dg.addDisk({ name: 'disk04', device: createMemoryDevice(32 * MiB) })
    await expectCode(dg.addDisk({ name: 'disk05', device: createMemoryDevice(32 * MiB) }, { force: 2 as unknown as boolean }), 'VM_INVALID_PARAM')
    await dg.close()
  })

  it('I81: a disk of another Plexa group is refused VM_HAS_DATA by add, replace and create', async () => {
    const other = await memoryGroup(1, 32 * MiB)
    await other.dg.close()
    const theirs = (other.devices[0] as MemoryDevice).reopen()
    const { dg } = await memoryGroup(2, 32 * MiB)
    await expectCode(dg.addDisk({ name: 'disk03', device: theirs }), 'VM_HAS_DATA')
    await expectCode(dg.replaceDisk('disk02', theirs), 'VM_HAS_DATA')
    await expectCode(DiskGroup.create({ name: 'newdg', disks: [{ name: 'd1', device: theirs }] }), 'VM_HAS_DATA')
    await dg.close()
  })

  it('I81: a dry run reads the device and writes nothing to it', async () => {
    const { dg } = await memoryGroup(2, 32 * MiB)
    const dev = createFaultyDevice(createMemoryDevice(32 * MiB))
    dev.setTracing(true)
    await dg.addDisk({ name: 'disk03', device: dev }, { dryRun: true })
    await dg.replaceDisk('disk02', dev, { dryRun: true })
    expect(dev.trace.length).toBeGreaterThan(0)
    expect(dev.trace.filter((t) => t.op !== 'read')).toEqual([])
    await dg.close()
  })

  it('I81: a dry run checks the size as the real add does', async () => {
    const { dg } = await memoryGroup(2, 32 * MiB)
    await expectCode(dg.addDisk({ name: 'disk03', device: createMemoryDevice(MiB) }, { dryRun: true }), 'VM_NO_SPACE')
    await dg.close()
  })
})
