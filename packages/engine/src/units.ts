/** Bytes per sector. Record fields are in sectors; the I/O API takes bytes. */
export const SECTOR_SIZE = 512

export function sectorsToBytes(sectors: number): number {
  return sectors * SECTOR_SIZE
}

export function bytesToSectors(bytes: number): number {
  return Math.floor(bytes / SECTOR_SIZE)
}

export function isSectorAligned(bytes: number): boolean {
  return Number.isSafeInteger(bytes) && bytes >= 0 && bytes % SECTOR_SIZE === 0
}
