import { describe, expect, it } from 'vitest'
import { NO_EXTENT, byteExtent, extent, extentBytes, regionSpan, regionsOf } from '../src/io/extent.ts'
import { REGION_SECTORS } from '../src/resync/regionCopy.ts'

describe('extent (the sector extent the I/O path passes down)', () => {
  it.each([
    [0, 512, 0, 1],
    [4096, 65536, 8, 128],
    [REGION_SECTORS * 512, 0, REGION_SECTORS, 0],
  ])('175: byte range %i+%i is sectors %i+%i, and back', (offset, length, s, n) => {
    const e = byteExtent(offset, length)
    expect([e.offset, e.length]).toEqual([s, n])
    expect(extentBytes(e)).toEqual({ offset, length })
  })

  it.each([
    [1, 512],
    [512, 100],
    [-512, 512],
    [0.5, 0],
  ])('175: byte range %d+%d, unaligned or negative, is a programmer error (RangeError)', (offset, length) => {
    expect(() => byteExtent(offset, length)).toThrow(RangeError)
  })

  it('175: a negative or fractional sector extent is a RangeError; a flush has no sectors', () => {
    expect(() => extent(-1, 1)).toThrow(RangeError)
    expect(() => extent(0, 1.5)).toThrow(RangeError)
    expect(extentBytes(NO_EXTENT)).toEqual({ offset: 0, length: 0 })
  })

  it.each([
    [0, 1, [0]],
    [REGION_SECTORS - 1, 2, [0, 1]],
    [REGION_SECTORS, REGION_SECTORS, [1]],
    [10, 3 * REGION_SECTORS, [0, 1, 2, 3]],
  ])('175: sectors %i+%i touch regions %j', (s, n, regions) => {
    expect(regionsOf(extent(s, n))).toEqual(regions)
    expect(regionSpan(extent(s, n))).toEqual([regions[0], regions.at(-1)])
  })
})
