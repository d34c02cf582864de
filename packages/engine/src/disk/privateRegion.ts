import { gunzipSync, gzipSync } from 'node:zlib'
import type { BlockDevice } from '../device/blockDevice.ts'
import { crc32 } from '../crc32.ts'
import { EngineError, fail } from '../errors.ts'
import { SECTOR_SIZE } from '../units.ts'

/**
 * On-disk layout of a VM disk's private region, at the start of the device (sectors):
 *
 *   0, 1            disk header, two copies (magic PLEXAHDR, crc32, JSON)
 *   8 .. 136        kernel log: a ring of 8-sector blocks, each a full snapshot of the kernel
 *                   state (dirty volumes, kernel-detached plexes) with a sequence number
 *   136 .. 1160     region-map area: per-plex stale-region bitmaps (ring of snapshots)
 *   1160 .. end     configuration database: two alternating slots, each
 *                   [magic PLEXACFG, tid, length, crc32] + gzip(JSON of persistent records)
 *
 * The public region follows the private region. Every structure carries a checksum, and the
 * two-slot and ring schemes mean a torn write leaves the previous valid copy readable.
 */
export const DEFAULT_PRIV_LEN = 4096
export const MIN_PRIV_LEN = 2048
const HDR_MAGIC = 'PLEXAHDR'
const CFG_MAGIC = 'PLEXACFG'
const RING_MAGIC = 'PLEXARNG'
export const KLOG_OFFSET = 8
export const KLOG_LEN = 128
export const MAP_OFFSET = 136
export const MAP_LEN = 1024
export const CFG_OFFSET = 1160
export const RING_BLOCK = 8

export interface DiskHeader {
  version: 1
  diskid: string
  dgid: string
  dgname: string
  dmname: string
  privLen: number
  pubOffset: number
  pubLen: number
  /**
   * Who has the group imported (VxVM's host id in the disk header): the host and its process, set
   * at import and cleared by deport. Absent when the group is deported.
   */
  hostid?: string
  pid?: number
}

function frame(magic: string, payload: Buffer, extra = 0n): Buffer {
  const head = Buffer.alloc(24)
  head.write(magic, 0, 8, 'latin1')
  head.writeBigUInt64LE(extra, 8)
  head.writeUInt32LE(payload.length, 16)
  head.writeUInt32LE(crc32(payload), 20)
  const total = Math.ceil((24 + payload.length) / SECTOR_SIZE) * SECTOR_SIZE
  const out = Buffer.alloc(total)
  head.copy(out, 0)
  payload.copy(out, 24)
  return out
}

/** Parses a framed block; undefined when the magic or the checksum does not match. */
function unframe(magic: string, buf: Buffer): { payload: Buffer; extra: bigint } | undefined {
  if (buf.length < 24 || buf.toString('latin1', 0, 8) !== magic) return undefined
  const len = buf.readUInt32LE(16)
  if (24 + len > buf.length) return undefined
  const payload = buf.subarray(24, 24 + len)
  if (crc32(payload) !== buf.readUInt32LE(20)) return undefined
  return { payload, extra: buf.readBigUInt64LE(8) }
}

export function slotLength(privLen: number): number {
  return Math.floor((privLen - CFG_OFFSET) / 2)
}

export async function writeHeader(dev: BlockDevice, h: DiskHeader): Promise<void> {
  const block = frame(HDR_MAGIC, Buffer.from(JSON.stringify(h)))
  if (block.length > SECTOR_SIZE) fail('VM_INVALID_PARAM', 'disk header does not fit in one sector')
  try {
    await dev.write(0, block)
    await dev.flush()
    await dev.write(SECTOR_SIZE, block)
    await dev.flush()
  } catch (e) {
    throw new EngineError('VM_WRTDAERR', `cannot write the disk header of ${dev.location}`, { cause: e })
  }
}

/**
 * Clears a device's private region of `privLen` sectors (vxdg rmdisk: the device leaves its group):
 * both header copies first, so that once any of this is on the disk the device names no group,
 * then the kernel log, stale maps and configuration copies. VM_WRTDAERR when a write fails.
 */
export async function clearPrivateRegion(dev: BlockDevice, privLen: number): Promise<void> {
  try {
    await dev.write(0, Buffer.alloc(2 * SECTOR_SIZE))
    await dev.flush()
    await dev.write(2 * SECTOR_SIZE, Buffer.alloc((privLen - 2) * SECTOR_SIZE))
    await dev.flush()
  } catch (e) {
    throw new EngineError('VM_WRTDAERR', `cannot clear the private region of ${dev.location}`, { cause: e })
  }
}

/** Reads the disk header; undefined when the device holds no valid Plexa header. */
export async function readHeader(dev: BlockDevice): Promise<DiskHeader | undefined> {
  let buf: Buffer
  try {
    buf = await dev.read(0, 2 * SECTOR_SIZE)
  } catch (e) {
    throw new EngineError('VM_DALVOPN', `cannot read the private region of ${dev.location}`, { cause: e })
  }
  for (const at of [0, SECTOR_SIZE]) {
    const f = unframe(HDR_MAGIC, buf.subarray(at, at + SECTOR_SIZE))
    if (!f) continue
    try {
      const h = JSON.parse(f.payload.toString('utf8')) as DiskHeader
      if (h.version === 1 && typeof h.diskid === 'string') return h
    } catch {
      // a checksummed block that is not JSON is treated as absent
    }
  }
  return undefined
}

export interface ConfigCopy {
  slot: 0 | 1
  tid: number
  payload: Buffer
}

/**
 * Reads both configuration slots of a disk; invalid or empty slots are omitted, and a slot whose
 * read fails is left out with its failure (`error`, VM_MAPFRDWR) for the caller to report.
 */
export async function readConfigSlots(dev: BlockDevice, privLen: number): Promise<{ copies: ConfigCopy[]; error?: EngineError }> {
  const len = slotLength(privLen)
  const copies: ConfigCopy[] = []
  let error: EngineError | undefined
  for (const slot of [0, 1] as const) {
    let buf: Buffer
    try {
      buf = await dev.read((CFG_OFFSET + slot * len) * SECTOR_SIZE, len * SECTOR_SIZE)
    } catch (e) {
      error ??= new EngineError('VM_MAPFRDWR', `cannot read configuration copy slot ${slot} of ${dev.location}`, { cause: e })
      continue
    }
    const f = unframe(CFG_MAGIC, buf)
    if (f) copies.push({ slot, tid: Number(f.extra), payload: Buffer.from(f.payload) })
  }
  return error ? { copies, error } : { copies }
}

export function encodeConfigPayload(json: unknown): Buffer {
  return gzipSync(Buffer.from(JSON.stringify(json)))
}

export function decodeConfigPayload(payload: Buffer): unknown {
  try {
    return JSON.parse(gunzipSync(payload).toString('utf8'))
  } catch (e) {
    throw new EngineError('VM_CONFIG_CORRUPT', 'a configuration copy passed its checksum but does not decode', { cause: e })
  }
}

/** Clears configuration copy `slot` (its frame no longer reads as a copy) and flushes it. */
export async function clearConfigSlot(dev: BlockDevice, privLen: number, slot: 0 | 1): Promise<void> {
  await dev.write((CFG_OFFSET + slot * slotLength(privLen)) * SECTOR_SIZE, Buffer.alloc(SECTOR_SIZE))
  await dev.flush()
}

/** Writes one configuration copy into `slot` and flushes it. */
export async function writeConfigSlot(dev: BlockDevice, privLen: number, slot: 0 | 1, tid: number, payload: Buffer): Promise<void> {
  const len = slotLength(privLen)
  const block = frame(CFG_MAGIC, payload, BigInt(tid))
  if (block.length > len * SECTOR_SIZE) fail('VM_CONFIG_FULL', `the configuration (${block.length} bytes) does not fit in a copy slot`)
  await dev.write((CFG_OFFSET + slot * len) * SECTOR_SIZE, block)
  await dev.flush()
}

/**
 * A ring of snapshot blocks (kernel log, region maps): each append writes the next block with
 * a higher sequence number; the newest valid block is the current state.
 */
export interface RingArea {
  offset: number
  length: number
  /** Sectors per block. */
  block: number
}
export const KLOG_AREA: RingArea = { offset: KLOG_OFFSET, length: KLOG_LEN, block: RING_BLOCK }
/** Stale-region maps: two alternating 512-sector blocks (room for very large volumes). */
export const MAP_AREA: RingArea = { offset: MAP_OFFSET, length: MAP_LEN, block: MAP_LEN / 2 }

export async function readRing(dev: BlockDevice, area: RingArea): Promise<{ seq: number; payload: unknown } | undefined> {
  const buf = await dev.read(area.offset * SECTOR_SIZE, area.length * SECTOR_SIZE)
  let best: { seq: number; payload: unknown } | undefined
  for (let b = 0; b < area.length / area.block; b++) {
    const at = b * area.block * SECTOR_SIZE
    const f = unframe(RING_MAGIC, buf.subarray(at, at + area.block * SECTOR_SIZE))
    if (!f) continue
    const seq = Number(f.extra)
    if (best && best.seq >= seq) continue
    try {
      best = { seq, payload: JSON.parse(gunzipSync(f.payload).toString('utf8')) }
    } catch {
      // checksummed but undecodable: ignore this block
    }
  }
  return best
}

/** `readRing`, or undefined when the device's ring cannot be read (a disk holding no usable copy). */
export function readRingOrNone(dev: BlockDevice, area: RingArea): Promise<{ seq: number; payload: unknown } | undefined> {
  return readRing(dev, area).catch(noRing)
}

function noRing(): undefined {
  return undefined
}

export async function writeRing(dev: BlockDevice, area: RingArea, seq: number, payload: unknown): Promise<void> {
  const block = frame(RING_MAGIC, gzipSync(Buffer.from(JSON.stringify(payload))), BigInt(seq))
  if (block.length > area.block * SECTOR_SIZE) fail('VM_CONFIG_FULL', 'a log snapshot does not fit in its block')
  const blocks = area.length / area.block
  await dev.write((area.offset + (seq % blocks) * area.block) * SECTOR_SIZE, block)
  await dev.flush()
}

/**
 * Appends a snapshot block (kernel log, stale-region maps) to the ring of every device; one
 * success is enough, and a disk that fails it is caught by the next configuration commit.
 * VM_WRTDAERR when no device took it.
 */
export async function writeRingEverywhere(devices: Iterable<BlockDevice>, area: RingArea, seq: number, payload: unknown, what: string): Promise<void> {
  let ok = 0
  let cause: unknown
  for (const dev of devices) {
    try {
      await writeRing(dev, area, seq, payload)
      ok++
    } catch (e) {
      cause = e
    }
  }
  if (ok === 0) throw new EngineError('VM_WRTDAERR', `${what} could not be written to any disk`, cause === undefined ? undefined : { cause })
}
