import { describe, expect, it } from 'vitest'
import { count, dateTime, duration, namesUpTo, throttleText } from './format.ts'

describe('format', () => {
  it('gives a throttle of 0 its meaning and any other its unit', () => {
    expect(throttleText(0)).toBe('unlimited')
    expect(throttleText(3 << 20)).toBe('3 MiB/s')
  })

  it.each([
    [45, '45 s'],
    [200, '3 min 20 s'],
    [3900, '1 h 05 min'],
    [183600, '2 d 3 h'],
  ])('duration(%d) is %s', (n, s) => expect(duration(n)).toBe(s))

  it('writes date and time sortably in local time', () => {
    expect(dateTime(new Date(2026, 11, 1, 9, 5, 3).getTime())).toBe('2026-12-01 09:05:03')
  })

  it('counts with the right noun', () => {
    expect(count(1, 'region')).toBe('1 region')
    expect(count(512, 'region')).toBe('512 regions')
  })
  it('names a short list whole and counts the rest of a long one (rule 250)', () => {
    expect(namesUpTo(['strvol', 'catvol'], 12)).toBe('strvol, catvol')
    const many = Array.from({ length: 50_000 }, (_, i) => `v${i}`)
    expect(namesUpTo(many, 3)).toBe('v0, v1, v2 and 49997 more')
  })
})
