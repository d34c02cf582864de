import { REGION_SECTORS } from '../resync/regionCopy.ts'
import { bytesToSectors, isSectorAligned, sectorsToBytes } from '../units.ts'

declare const sectors: unique symbol

/**
 * Sectors [offset, offset + length) of a volume or a plex: what travels down the I/O path (a
 * write, its plexes' writes and its failure handling) instead of loose sector numbers. Branded,
 * so a byte range can never be passed for one: make it with `extent` (sectors) or `byteExtent`.
 */
export type Extent = { readonly offset: number; readonly length: number } & { readonly [sectors]: true }

/** The extent of `length` sectors at sector `offset` (RangeError for a negative or fractional one). */
export function extent(offset: number, length: number): Extent {
  if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0) throw new RangeError(`bad extent ${offset}+${length}`)
  return { offset, length } as Extent
}

/** The sectors of `length` bytes at byte `offset`, both sector-aligned (RangeError otherwise). */
export function byteExtent(offset: number, length: number): Extent {
  if (!isSectorAligned(offset) || !isSectorAligned(length)) throw new RangeError(`byte range ${offset}+${length} is not sector-aligned`)
  return extent(bytesToSectors(offset), bytesToSectors(length))
}

/** No sectors: the extent of an I/O that has none (a flush). */
export const NO_EXTENT: Extent = extent(0, 0)

/** The byte offset and length of `e`. */
export function extentBytes(e: Extent): { offset: number; length: number } {
  return { offset: sectorsToBytes(e.offset), length: sectorsToBytes(e.length) }
}

/** The first and last region (REGION_SECTORS) that a non-empty `e` touches. */
export function regionSpan(e: Extent): [number, number] {
  return [Math.floor(e.offset / REGION_SECTORS), Math.floor((e.offset + e.length - 1) / REGION_SECTORS)]
}

/** Every region that a non-empty `e` touches, in order. */
export function regionsOf(e: Extent): number[] {
  const [first, last] = regionSpan(e)
  return Array.from({ length: last - first + 1 }, (_, i) => first + i)
}
