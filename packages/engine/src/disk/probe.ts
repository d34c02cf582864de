import type { BlockDevice } from '../device/blockDevice.ts'
import { EngineError, fail } from '../errors.ts'
import { checkBoolean } from '../records/validate.ts'

/** How much of a device is looked at before it becomes a VM disk (pvcreate wipes as much). */
export const PROBE_BYTES = 1 << 20

/** What a device about to become a VM disk was found to hold. */
export type DeviceContents =
  | { kind: 'blank' }
  | { kind: 'signature'; what: string }
  | { kind: 'data'; firstNonZero: number }

/** Known signatures (blkid's magics): byte offset, bytes, and what they mean. */
const SIGNATURES: Array<{ at: number; magic: Buffer; what: string }> = [
  { at: 0, magic: Buffer.from('PLEXAHDR'), what: 'a Plexa disk' },
  { at: 512, magic: Buffer.from('PLEXAHDR'), what: 'a Plexa disk' },
  { at: 512, magic: Buffer.from('LABELONE'), what: 'an LVM physical volume' },
  { at: 512, magic: Buffer.from('EFI PART'), what: 'a GPT partition table' },
  { at: 0x438, magic: Buffer.from([0x53, 0xef]), what: 'an ext2/3/4 filesystem' },
  { at: 0, magic: Buffer.from('XFSB'), what: 'an XFS filesystem' },
  { at: 0x10040, magic: Buffer.from('_BHRfS_M'), what: 'a btrfs filesystem' },
  { at: 0, magic: Buffer.from([0x4c, 0x55, 0x4b, 0x53, 0xba, 0xbe]), what: 'a LUKS encrypted volume' },
  { at: 0x1000, magic: Buffer.from([0xfc, 0x4e, 0x2b, 0xa9]), what: 'an md RAID member' },
  { at: 4086, magic: Buffer.from('SWAPSPACE2'), what: 'a swap area' },
  { at: 0x8001, magic: Buffer.from('CD001'), what: 'an ISO 9660 filesystem' },
  { at: 3, magic: Buffer.from('NTFS    '), what: 'an NTFS filesystem' },
  { at: 0x52, magic: Buffer.from('FAT32   '), what: 'a FAT32 filesystem' },
  { at: 0x36, magic: Buffer.from('FAT1'), what: 'a FAT filesystem' },
  { at: 510, magic: Buffer.from([0x55, 0xaa]), what: 'an MBR partition table' },
]

/**
 * Reads the start of a device and says what it holds (I81): a known signature (filesystem,
 * partition table, LVM, RAID, another Plexa disk), other non-zero data, or nothing. Read-only.
 */
export async function probeDevice(dev: BlockDevice): Promise<DeviceContents> {
  let head: Buffer
  try {
    head = await dev.read(0, Math.min(PROBE_BYTES, dev.size))
  } catch (e) {
    throw new EngineError('VM_DALVOPN', `cannot read the start of ${dev.location} to see what it holds`, { cause: e })
  }
  for (const s of SIGNATURES) {
    if (head.subarray(s.at, s.at + s.magic.length).equals(s.magic)) return { kind: 'signature', what: s.what }
  }
  for (let i = 0; i < head.length; i += 8) {
    if (head.readBigUInt64LE(i) !== 0n) return { kind: 'data', firstNonZero: i }
  }
  return { kind: 'blank' }
}

/** Words for what a probe found. */
export function describeContents(c: DeviceContents): string {
  if (c.kind === 'signature') return c.what
  if (c.kind === 'data') return `data (a non-zero byte within the first ${PROBE_BYTES >> 20} MiB, at ${c.firstNonZero})`
  return 'nothing'
}

/**
 * Refuses to make a VM disk of a device that holds anything (I81, as pvcreate and mkfs do) unless
 * `force` is true: VM_HAS_DATA says what was found.
 */
export async function assertNoData(dev: BlockDevice, force: unknown): Promise<void> {
  if (checkBoolean(force ?? false, 'force')) return
  const found = await probeDevice(dev)
  if (found.kind !== 'blank') fail('VM_HAS_DATA', `${dev.location} holds ${describeContents(found)}; give force to overwrite it`)
}
