import { describe, expect, it } from 'vitest'
import { applyChanges } from '../store/applyServerMessage.ts'
import { demo } from './testGroups.ts'
import { nameParts, treeRows } from './treeRows.ts'

describe('treeRows (rule 196)', () => {
  const rows = (g: ReturnType<typeof demo>) => treeRows(g).map((r) => `${'  '.repeat(r.depth)}${r.kind} ${r.name}`)

  it('lists the group, its disks, then each volume by name with its plexes and their subdisks', () => {
    expect(rows(demo())).toEqual(['dg dg', '  dm disk01', '  dm disk02', '  dm disk03', '  v cat', '    pl cat-01', '      sd cat-01-sd0', '  v mir', '    pl mir-01', '      sd mir-01-sd0', '    pl mir-02', '      sd mir-02-sd0', '    pl mir-03', '      sd mir-03-sd0', '  v ms', '    pl ms-01', '      sd ms-01-sd0', '      sd ms-01-sd1', '    pl ms-02', '      sd ms-02-sd0', '      sd ms-02-sd1'])
  })

  it('keeps the rows of a new group view with the same configuration, and after a delta makes again only the volume it touched', () => {
    const g = demo()
    const before = treeRows(g)
    // a DRL map refresh: a new group view, the same records
    expect(treeRows({ ...g, dirty: { mir: { regionSectors: 1024, regions: [1], recoveryBytes: 0 } } })).toBe(before)
    const p = g.config.plexes.find((x) => x.pl_name === 'mir-02')!
    const next = { ...g, config: applyChanges(g.config, 2, [{ kind: 'pl', rid: p.pl_rid, name: 'mir-02', op: 'update', fields: ['pl_state'], after: { ...p, pl_state: 'STALE' } }]) }
    const after = treeRows(next)
    const row = (rs: typeof after, kind: string, name: string) => rs.find((r) => r.kind === kind && r.name === name)!
    // the untouched volumes' rows are the same objects; the changed plex's row shows its new record
    for (const [k, n] of [['v', 'ms'], ['pl', 'ms-01'], ['sd', 'cat-01-sd0']] as const) expect(row(after, k, n)).toBe(row(before, k, n))
    expect(row(after, 'pl', 'mir-02').rec).toMatchObject({ pl_state: 'STALE' })
    // and the same rows as made from scratch
    expect(after).toEqual(treeRows({ ...next, config: structuredClone(next.config) }))
  })
})

describe('nameParts (rule 241)', () => {
  it.each([
    ['datavol-01', ['datavol', '-01']],
    ['disk03-02', ['disk03', '-02']],
    ['mirvol', ['mirvol', '']],
    ['mirvol-02-a-plex-name-longer-than-the-objects-pane', ['mirvol-02-a-plex-name-longer-than-the-objects-pane', '']],
    ['-01', ['-01', '']],
  ])('splits %s into the head that gives way and the tail that stays', (name, parts) => expect(nameParts(name)).toEqual(parts))
})
