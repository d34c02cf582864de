import { describe, expect, it } from 'vitest'
import { PATTERN, hasStale, statePattern, subdiskState } from './colors.ts'

describe('subdiskState (rule 114)', () => {
  it('keeps the failed colour for a failed disk; a plex failed with I/O errors is stale on a disk that works', () => {
    expect(subdiskState('DETACHED', 'IOFAIL', false)).toBe('stale')
    expect(subdiskState('DETACHED', 'IOFAIL', true)).toBe('failed')
    expect(subdiskState('ENABLED', 'ACTIVE', true)).toBe('failed')
    expect(subdiskState('DETACHED', 'STALE', false)).toBe('stale')
    expect(subdiskState('ENABLED', 'ACTIVE', false)).toBe('ok')
  })
  it('draws the stale pattern for a plex whose stale map has anything', () => {
    expect(hasStale(undefined)).toBe(false)
    expect(hasStale({ full: false, regions: [] })).toBe(false)
    expect(hasStale({ full: true, regions: [] })).toBe(true)
    expect(hasStale({ full: false, regions: [3] })).toBe(true)
  })
})

describe('statePattern (rule 276)', () => {
  it('276: syncing / empty carries a pattern of its own and up to date none, so they differ without colour', () => {
    expect(statePattern('busy')).toBe(PATTERN.busy)
    expect(statePattern('ok')).toBeUndefined()
    expect(new Set(Object.values(PATTERN)).size).toBe(Object.values(PATTERN).length)
  })
})
