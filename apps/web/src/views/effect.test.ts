// The resync previews' words from the dry run's lists (rules 233, 234): every plex written, by
// volume, and every plex handed back with its state change.
import { describe, expect, it } from 'vitest'
import type { Action } from './actions.ts'
import { effectWords } from './effect.ts'
import { demo } from './testGroups.ts'

const resync = { id: 'resync', params: { dg: 'dg', volume: 'mir' }, body: { force: false } } as unknown as Action
const resyncDisk = { id: 'resyncdisk', params: { dg: 'dg', disk: 'disk02' }, body: { force: false } } as unknown as Action
const back = { plex: 'mir-02', volume: 'mir', from: { kstate: 'DETACHED', state: 'STALE' }, to: { kstate: 'ENABLED' as const, state: 'ACTIVE' as const } }

describe('resync previews (rules 233, 234)', () => {
  it('233: a volume resync with nothing to copy that reattaches a plex says so, not "every copy is current"', () => {
    const words = effectWords(resync, demo({ 'mir-02': { k: 'DETACHED', st: 'STALE' } }), [], { dryRun: true, regions: 0, bytes: 0, writes: [], handBack: [back] } as never)
    expect(words).toEqual(['nothing to copy', 'plex mir-02: DETACHED STALE → ENABLED ACTIVE (handed back to mir)'])
    const current = effectWords(resync, demo(), [], { regions: 0, bytes: 0, writes: [], handBack: [] })
    expect(current).toEqual(['nothing to copy: every copy is current'])
  })

  it('234: a disk resync names every volume and plex it writes, as overwriting with Force', () => {
    const writes = [{ volume: 'mir', plexes: ['mir-02'] }, { volume: 'ms', plexes: ['ms-01'] }]
    expect(effectWords(resyncDisk, demo(), [], { regions: 2, bytes: 1048576, writes, handBack: [] })).toEqual(['1 MiB to copy (2 region(s))', 'it covers mir (plex mir-02), ms (plex ms-01)'])
    expect(effectWords(resyncDisk, demo(), [], { regions: 2, bytes: 1048576, writes, handBack: [], force: true })).toContain('it overwrites mir (plex mir-02), ms (plex ms-01)')
  })
})
