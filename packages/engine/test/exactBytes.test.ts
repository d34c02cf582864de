import { describe, expect, it } from 'vitest'
import { bytesText, sizeText } from '../src/units.ts'

describe('byte counts past 2^53 are exact (rule 423)', () => {
  it('rule 423: the bytes of a length of 2147481500516352 sectors read 1099510528264372224, not a rounded double', () => {
    const sectors = 2147481500516352 // 999999t asked of a volume (the review's grow), in sectors
    expect(bytesText(sectors)).toBe('1099510528264372224')
    expect(sizeText(sectors)).toContain('(1099510528264372224 bytes)')
    // below 2^53 bytes nothing changes
    expect(sizeText(131072)).toBe('64.0 MiB (67108864 bytes)')
  })
})
