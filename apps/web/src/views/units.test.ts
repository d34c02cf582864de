import { describe, expect, it } from 'vitest'
import { formatBytes, formatRate, formatSectors, sectorsText } from './units.ts'

// rule 87: every figure the web shows carries its unit, bytes scaled for people, sectors on hover
describe('formatBytes', () => {
  it.each([
    [0, '0 B'],
    [512, '512 B'],
    [1024, '1 KiB'],
    [1536, '1.5 KiB'],
    [128 * 1048576, '128 MiB'],
    [242.5 * 1048576, '242.5 MiB'],
    [1.5 * 1073741824, '1.5 GiB'],
    [5.5 * 1048576 + 3, '5.5 MiB'],
    [-1, '?'],
  ])('writes %d bytes as %s', (n, text) => {
    expect(formatBytes(n)).toBe(text)
  })
})

describe('formatSectors', () => {
  it('turns sectors into bytes', () => {
    expect(formatSectors(262144)).toBe('128 MiB')
    expect(formatSectors(2)).toBe('1 KiB')
  })
  it('gives the exact count in sectors for hovers', () => {
    expect(sectorsText(262144)).toBe('262,144 sectors')
    expect(sectorsText(1)).toBe('1 sector')
  })
  it('writes a rate with its unit', () => {
    expect(formatRate(3 * 1048576)).toBe('3 MiB/s')
  })
})
