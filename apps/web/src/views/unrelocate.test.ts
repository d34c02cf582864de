import { describe, expect, it } from 'vitest'
import type { Config } from '@plexa/engine'
import { actionsFor, confirmTitle } from './actions.ts'
import { describeAudit } from './describeEvent.ts'
import { effectWords } from './effect.ts'
import { relocatedFrom, relocatedWords, unrelocateAction, unrelocateWords } from './unrelocate.ts'

/**
 * mirvol-02 relocated off disk02 to disk03 (disk03-02, recording disk02 at 0), disk02 repaired or
 * replaced: `pflag` its dm_pflag (FAILING 0x8), `squat` a subdisk put on disk02 since.
 */
function relocated(o: { pflag?: number; squat?: boolean; gone?: boolean } = {}): Config {
  const sd = (name: string, disk: string, rid: number, off: number, len: number, plex: string, orig = '', origOff = 0) => ({ sd_name: name, sd_dm_name: disk, sd_dm_rid: rid, sd_dm_offset: off, sd_len: len, sd_pl_name: plex, sd_plex_rid: plex ? 10 : 0, sd_is_log: false, sd_orig_dmname: orig, sd_orig_dmoffset: origOff })
  return {
    dg: { dg_name: 'dg', dg_profile: 'classic' },
    disks: [
      { dm_name: 'disk01', dm_rid: 1, dm_pflag: 0, dm_tflag: 0, dm_pub_len: 100000 },
      ...(o.gone ? [] : [{ dm_name: 'disk02', dm_rid: 2, dm_pflag: o.pflag ?? 0, dm_tflag: 0, dm_pub_len: 100000 }]),
      { dm_name: 'disk03', dm_rid: 3, dm_pflag: 0, dm_tflag: 0, dm_pub_len: 100000 },
    ],
    subdisks: [sd('disk01-01', 'disk01', 1, 0, 2048, 'mirvol-01'), sd('disk03-02', 'disk03', 3, 4096, 2048, 'mirvol-02', 'disk02', 0), ...(o.squat ? [sd('squat', 'disk02', 2, 1024, 64, '')] : [])],
    plexes: [],
    volumes: [],
  } as unknown as Config
}

describe('vxunreloc in the console (rule 504)', () => {
  it('rule 504: a disk subdisks were relocated off offers "Move relocated subdisks back", in its toolbar and on each relocated subdisk; a disk without them does not', () => {
    const c = relocated()
    expect(relocatedFrom(c, 'disk02').map((s) => s.sd_name)).toEqual(['disk03-02'])
    expect(relocatedWords(c, 'disk02')).toBe('Hot relocation moved 1 subdisk off disk02 (1 MiB): disk03-02 of mirvol-02 on disk03.')
    expect(relocatedWords(c, 'disk02', relocatedFrom(c, 'disk02')[0])).toBe('Hot relocation moved disk03-02 here from disk02 (sector 0 there).')
    expect(relocatedWords(c, 'disk01')).toBeUndefined()
    expect(confirmTitle(unrelocateAction(c, 'dg', 'disk02', undefined, new Set())!)).toBe('Move the subdisks relocated off disk02 back to it?')
    const a = unrelocateAction(c, 'dg', 'disk02', undefined, new Set())!
    expect(a).toMatchObject({ id: 'unrelocate', label: 'Move relocated subdisks back', route: 'POST /api/dgs/:dg/disks/:disk/unrelocate', params: { dg: 'dg', disk: 'disk02' }, body: {}, destructive: true })
    expect(a.disabled).toBeUndefined()
    expect(a.warning).toContain('copied back to disk02 at its original offset')
    const ids = (kind: 'dm' | 'sd', name: string, role = 'admin') => actionsFor(c, { dg: 'dg', kind, name }, role).filter((x) => x.id === 'unrelocate')
    expect(ids('dm', 'disk02')).toHaveLength(1)
    expect(ids('sd', 'disk03-02').map((x) => x.params.disk)).toEqual(['disk02'])
    expect(ids('dm', 'disk01')).toEqual([])
    expect(ids('sd', 'disk01-01')).toEqual([])
    expect(ids('dm', 'disk02', 'viewer')[0]!.disabled).toBe('viewers cannot change anything')
  })

  it('rule 504: disabled with the engine\'s reason while the disk fails I/O, is still FAILING, or is gone; taken original sectors go elsewhere (force), said in the warning', () => {
    expect(unrelocateAction(relocated(), 'dg', 'disk02', undefined, new Set(['disk02']))!.disabled).toBe('disk02 fails I/O: restore or replace it first')
    expect(unrelocateAction(relocated({ pflag: 0x8 }), 'dg', 'disk02', undefined, new Set())!.disabled).toBe('disk02 is still marked FAILING: once the disk is checked, clear FAILING first')
    expect(unrelocateAction(relocated({ gone: true }), 'dg', 'disk02', undefined, new Set())!.disabled).toMatch(/^disk02 is no longer in the group/)
    const forced = unrelocateAction(relocated({ squat: true }), 'dg', 'disk02', undefined, new Set())!
    expect(forced.body).toEqual({ force: true })
    expect(forced.warning).toContain('the original place of disk03-02 is taken, so it goes to free space elsewhere on disk02')
  })

  it('rule 504: the confirmation says the bytes and where each subdisk goes, from the dry run', () => {
    const dry = { copyBytes: 1 << 20, notes: ['new subdisk disk02-01 on disk02 at 0 B, 1 MiB (plex mirvol-02)'], changes: [] }
    expect(unrelocateWords(dry)).toEqual(['1 MiB to copy back, online', 'new subdisk disk02-01 on disk02 at 0 B, 1 MiB (plex mirvol-02)'])
    const a = unrelocateAction(relocated(), 'dg', 'disk02', undefined, new Set())!
    const g = { name: 'dg', config: relocated(), forcedOffline: false, dirty: {}, stale: {} }
    // the notes in place of the bare record changes
    // the event log says it in words
    const entry = { id: 1, at: 0, user: 'admin', role: 'admin' as const, operation: 'POST /api/dgs/:dg/disks/:disk/unrelocate', args: { dg: 'dg', disk: 'disk02' }, result: 'ok' as const }
    expect(describeAudit(entry)).toBe('admin moved the subdisks relocated off disk disk02 back')
    expect(effectWords(a, g as never, [], { ...dry, changes: [{ kind: 'sd', rid: 9, name: 'disk02-01', op: 'create', fields: [] }] })).toEqual(unrelocateWords(dry))
  })
})
