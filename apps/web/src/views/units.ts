/** Bytes in a sector: every offset and length of a record is in sectors. */
export const SECTOR = 512

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB']

/**
 * Bytes scaled to the largest binary unit that keeps the number at 1 or more ("128 MiB",
 * "242.5 MiB", "1.5 GiB", "1 KiB"): at most one decimal, no trailing ".0".
 */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return '?'
  let u = 0
  let n = bytes
  while (n >= 1024 && u < UNITS.length - 1) {
    n /= 1024
    u++
  }
  const text = u === 0 ? Math.round(n).toString() : (Math.round(n * 10) / 10).toString()
  return `${text} ${UNITS[u]}`
}

/** A length or offset in sectors, as bytes for people. */
export function formatSectors(sectors: number): string {
  return formatBytes(sectors * SECTOR)
}

/** The exact figure in sectors, for hovers ("262,144 sectors"). */
export function sectorsText(sectors: number): string {
  // a regular expression, not toLocaleString: this runs for every box drawn while scrolling
  return `${String(sectors).replace(/\B(?=(\d{3})+(?!\d))/g, ',')} sector${sectors === 1 ? '' : 's'}`
}

/** A rate in bytes per second ("3 MiB/s"). */
export function formatRate(bytesPerSecond: number): string {
  return `${formatBytes(bytesPerSecond)}/s`
}
