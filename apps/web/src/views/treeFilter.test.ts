import { describe, expect, it } from 'vitest'
import { filterTree } from './treeFilter.ts'

// dg > (disk, volume > plex > subdisk)
const rows = [
  { name: 'dg', depth: 0 },
  { name: 'disk01', depth: 1 },
  { name: 'mirvol', depth: 1 },
  { name: 'mirvol-01', depth: 2 },
  { name: 'disk01-01', depth: 3 },
  { name: 'mirvol-02', depth: 2 },
  { name: 'disk02-01', depth: 3 },
  { name: 'catvol', depth: 1 },
]
const names = (q: string) => filterTree(rows, (i) => rows[i]!.name.includes(q)).map((i) => rows[i]!.name)

describe('filterTree (rule 140)', () => {
  it('keeps each match with the rows above it, in order', () => {
    expect(names('disk02')).toEqual(['dg', 'mirvol', 'mirvol-02', 'disk02-01'])
    expect(names('mirvol-0')).toEqual(['dg', 'mirvol', 'mirvol-01', 'mirvol-02'])
    expect(names('disk01')).toEqual(['dg', 'disk01', 'mirvol', 'mirvol-01', 'disk01-01'])
  })
  it('keeps nothing when nothing matches', () => {
    expect(names('nothing')).toEqual([])
  })
})
