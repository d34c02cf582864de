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

/** A size in sectors as people read it, scaled to KiB, MiB, GiB or TiB ("10.0 GiB"); for messages. */
export function sectorsText(sectors: number): string {
  let n = sectors * SECTOR_SIZE
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB']
  let i = 0
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024
    i++
  }
  return `${i ? n.toFixed(1) : n} ${units[i]}`
}

/**
 * A size in sectors for an operation's message: scaled, with the exact bytes when scaling rounds
 * ("64.0 MiB (67108864 bytes)", "512 B"), so two sizes that differ never read the same.
 */
export function sizeText(sectors: number): string {
  const scaled = sectorsText(sectors)
  return scaled.endsWith(' B') ? scaled : `${scaled} (${bytesText(sectors)} bytes)`
}

/**
 * Rule 423: the exact bytes of `sectors` sectors, in digits. A length past 2^53 / 512 sectors has
 * more bytes than a double holds exactly, so they are counted as a BigInt.
 */
export function bytesText(sectors: number): string {
  return Number.isSafeInteger(sectors) ? (BigInt(sectors) * BigInt(SECTOR_SIZE)).toString() : String(sectorsToBytes(sectors))
}
