import { describe, expect, it } from 'vitest'
import { breakParts } from './breakParts.ts'

describe('breakParts (rules 242, 274)', () => {
  it.each([
    ['PL_TFLAG_READ | WRITE | LOG (0x7)', ['PL_', 'TFLAG_', 'READ | ', 'WRITE | ', 'LOG ', '(0x7)']],
    ['/work/e2e/.data/disks/demodg-disk01.img', ['/', 'work/', 'e2e/', '.', 'data/', 'disks/', 'demodg-disk01.', 'img']],
    ['1796120309.deadbeef.plexa-host', ['1796120309.', 'deadbeef.', 'plexa-host']],
    ['1.5 MiB (3072 sectors)', ['1.5 ', 'MiB ', '(3072 ', 'sectors)']],
    ['2 MiB · 4,096 sectors', ['2 ', 'MiB ', '· ', '4,096 ', 'sectors']],
    ['mirvol-01, mirvol-02', ['mirvol-01, ', 'mirvol-02']],
    ['dm_last_da_name', ['dm_', 'last_', 'da_', 'name']],
    ['', []],
  ])('%s', (text, parts) => {
    expect(breakParts(text)).toEqual(parts)
    expect(breakParts(text).join('')).toBe(text)
  })
})
