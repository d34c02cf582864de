import { crc32 } from '../crc32.ts'
import { SECTOR_SIZE } from '../units.ts'
import { RegionSet } from '../regionSet.ts'

/**
 * On-disk DRL log (one per log subdisk): sector 0 is a header, the bitmap follows.
 *   0  magic 'PLEXADRL'   8  seq (u64)   16 regionSectors (u32)   20 nbits (u32)
 *   24 crc32(bitmap)      28 crc32(header bytes 0..28)
 * One bit per region: set = dirty (writes may be in flight there).
 */
const MAGIC = 'PLEXADRL'

/** A log uses an even number of sectors: the last sector of an odd-length log is unused (F 54). */
export function usableLogSectors(logSectors: number): number {
  return logSectors - (logSectors % 2)
}

/** Regions a log of `logSectors` sectors can describe: (usable sectors - 1) x 4096 bits. */
export function drlCapacity(logSectors: number): number {
  return Math.max(0, usableLogSectors(logSectors) - 1) * SECTOR_SIZE * 8
}

/** DRL region size: max(minimum, ceil(volume length / bits available)) (SEMANTICS.md 1.12). */
export function drlRegionSectors(volLen: number, logSectors: number, minimum: number): number {
  const bits = drlCapacity(logSectors)
  if (bits === 0) return 0
  const need = Math.ceil(volLen / bits)
  // keep region sizes a multiple of the minimum so they nest in the engine's regions
  return Math.max(minimum, Math.ceil(need / minimum) * minimum)
}

export function encodeDrl(seq: number, regionSectors: number, nbits: number, dirty: Iterable<number>): Buffer {
  const bitmapBytes = Math.ceil(nbits / 8)
  const buf = Buffer.alloc(SECTOR_SIZE + Math.ceil(bitmapBytes / SECTOR_SIZE) * SECTOR_SIZE)
  for (const r of dirty) if (r < nbits) buf[SECTOR_SIZE + (r >> 3)]! |= 1 << (r & 7)
  buf.write(MAGIC, 0, 8, 'latin1')
  buf.writeBigUInt64LE(BigInt(seq), 8)
  buf.writeUInt32LE(regionSectors, 16)
  buf.writeUInt32LE(nbits, 20)
  buf.writeUInt32LE(crc32(buf, SECTOR_SIZE, SECTOR_SIZE + bitmapBytes), 24)
  buf.writeUInt32LE(crc32(buf, 0, 28), 28)
  return buf
}

export interface DrlImage {
  seq: number
  regionSectors: number
  nbits: number
  dirty: RegionSet
}

/** Decodes a log; undefined when it is blank or torn (checksums do not match). */
export function decodeDrl(buf: Buffer): DrlImage | undefined {
  if (buf.length < SECTOR_SIZE || buf.toString('latin1', 0, 8) !== MAGIC) return undefined
  if (crc32(buf, 0, 28) !== buf.readUInt32LE(28)) return undefined
  const nbits = buf.readUInt32LE(20)
  const bitmapBytes = Math.ceil(nbits / 8)
  if (SECTOR_SIZE + bitmapBytes > buf.length) return undefined
  if (crc32(buf, SECTOR_SIZE, SECTOR_SIZE + bitmapBytes) !== buf.readUInt32LE(24)) return undefined
  const dirty = new RegionSet(nbits)
  for (let r = 0; r < nbits; r++) if (buf[SECTOR_SIZE + (r >> 3)]! & (1 << (r & 7))) dirty.add(r)
  return { seq: Number(buf.readBigUInt64LE(8)), regionSectors: buf.readUInt32LE(16), nbits, dirty }
}
