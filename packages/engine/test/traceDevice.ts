import type { BlockDevice } from '../src/device/blockDevice.ts'
import type { Config } from '../src/records/types.ts'
import { CFG_OFFSET, KLOG_LEN, KLOG_OFFSET, MAP_LEN, MAP_OFFSET } from '../src/disk/privateRegion.ts'

/** One device call as the shared trace saw it, in the order the calls were issued. */
export interface TracedCall {
  /** The disk's index in the group's device list. */
  dev: number
  op: 'write' | 'flush'
  /** Byte offset and length (0 for a flush). */
  offset: number
  length: number
  /** The call rejected. */
  failed: boolean
}

/** What a device write touches: a private-region structure, a DRL log subdisk or volume data. */
export type WriteArea = 'header' | 'klog' | 'staleMap' | 'config' | 'drl' | 'data'

/**
 * A wrapper (nbdkit's log filter) that records every write and flush of the devices it wraps into
 * one shared list, so a test sees their order across disks. Reads pass through unrecorded.
 */
export function traceDevices(log: TracedCall[]): (d: BlockDevice, i: number) => BlockDevice {
  return (d, dev) => {
    const record = async (op: TracedCall['op'], offset: number, length: number, call: () => Promise<void>) => {
      const entry: TracedCall = { dev, op, offset, length, failed: false }
      log.push(entry)
      try {
        await call()
      } catch (e) {
        entry.failed = true
        throw e
      }
    }
    return {
      kind: d.kind,
      size: d.size,
      location: d.location,
      lockKey: d.lockKey,
      read: (offset, length) => d.read(offset, length),
      write: (offset, data) => record('write', offset, data.length, () => d.write(offset, data)),
      flush: () => record('flush', 0, 0, () => d.flush()),
      close: () => d.close(),
    }
  }
}

/**
 * Names the area a write at byte `offset` of disk `dev` lands in, from the private-region layout
 * and the configuration's subdisks (a DRL is a log subdisk in the public region).
 */
export function writeArea(c: Config, dev: number, offset: number): WriteArea {
  const s = offset / 512
  const disk = c.disks[dev]!
  if (s < disk.dm_pub_offset) {
    if (s < KLOG_OFFSET) return 'header'
    if (s < KLOG_OFFSET + KLOG_LEN) return 'klog'
    if (s >= MAP_OFFSET && s < MAP_OFFSET + MAP_LEN) return 'staleMap'
    if (s >= CFG_OFFSET) return 'config'
    throw new Error(`write at sector ${s} of disk ${dev} is in no private-region area`)
  }
  const sd = c.subdisks.find((x) => x.sd_dm_rid === disk.dm_rid && s >= x.sd_dev_offset && s < x.sd_dev_offset + x.sd_len)
  return sd?.sd_is_log ? 'drl' : 'data'
}
