import { describe, expect, it } from 'vitest'
import type { Config } from '@plexa/engine'
import type { FailingDisks, GroupView } from '@plexa/protocol'
import { actionObject, actionsFor, confirmTitle, disabledSummary, noActionsWords, replaceDiskAction } from './actions.ts'
import { failedDisks } from './failedDisks.ts'

const mirror = (states: Array<[string, string]>) =>
  ({
    dg: { dg_name: 'dg', dg_profile: 'classic' },
    volumes: [{ v_rid: 1, v_name: 'vol01', v_len: 100, v_kstate: 'ENABLED', v_tutil: ['', '', ''] }],
    plexes: states.map(([k, st], i) => ({ pl_rid: 10 + i, pl_name: `vol01-0${i + 1}`, pl_vol_rid: 1, pl_kstate: k, pl_state: st, pl_contig_len: 100, pl_tutil: ['', '', ''] })),
    subdisks: [],
    disks: [],
  }) as unknown as Config

const byId = (c: Config, name: string, role = 'admin') => Object.fromEntries(actionsFor(c, { dg: 'dg', kind: 'pl', name }, role).map((a) => [a.id, a]))

describe('actionsFor', () => {
  it('warns that detaching one of two plexes leaves the volume without redundancy', () => {
    const a = byId(mirror([['ENABLED', 'ACTIVE'], ['ENABLED', 'ACTIVE']]), 'vol01-02')
    expect(a.det).toMatchObject({ warning: 'vol01 will have no redundancy', destructive: true })
    expect(a.det!.disabled).toBeUndefined()
    expect(a.att!.disabled).toBe('already attached')
  })
  it('refuses to detach the last complete plex, saying why', () => {
    const a = byId(mirror([['ENABLED', 'ACTIVE'], ['DETACHED', 'STALE']]), 'vol01-01')
    expect(a.det!.disabled).toBe('vol01-01 is the last complete plex of vol01')
    const b = byId(mirror([['ENABLED', 'ACTIVE'], ['DETACHED', 'STALE']]), 'vol01-02')
    expect(b.att!.disabled).toBeUndefined()
  })
  it('gives a viewer no enabled action', () => {
    const a = actionsFor(mirror([['ENABLED', 'ACTIVE'], ['ENABLED', 'ACTIVE']]), { dg: 'dg', kind: 'pl', name: 'vol01-01' }, 'viewer')
    expect(a.length).toBeGreaterThan(0)
    expect(a.every((x) => x.disabled === 'viewers cannot change anything')).toBe(true)
  })
  it('names the action a disabled reason belongs to, unless every action has the same one', () => {
    const c = mirror([['ENABLED', 'ACTIVE'], ['ENABLED', 'ACTIVE']])
    expect(disabledSummary(actionsFor(c, { dg: 'dg', kind: 'v', name: 'vol01' }, 'admin'))).toBe('Start: already started')
    expect(disabledSummary(actionsFor(c, { dg: 'dg', kind: 'v', name: 'vol01' }, 'viewer'))).toBe('viewers cannot change anything')
    expect(disabledSummary([])).toBeUndefined()
  })
  it('explains Force for volume and disk resyncs', () => {
    const v = actionsFor(mirror([['ENABLED', 'ACTIVE']]), { dg: 'dg', kind: 'v', name: 'vol01' }, 'admin').find((x) => x.id === 'resync')!
    expect(v.force).toMatch(/read-writeback/)
    const d = actionsFor(mirror([['ENABLED', 'ACTIVE']]), { dg: 'dg', kind: 'dm', name: 'disk01' }, 'admin')[0]!
    expect(d.force).toMatch(/lvm_resyncpv/)
  })
})

describe('rule 171: the confirmation names what it acts on', () => {
  it('171: a repair is titled with the plex it copies from, other actions with their target', () => {
    const repair = { id: 'repair', label: 'Repair from', route: 'POST /api/dgs/:dg/volumes/:volume/repair', params: { dg: 'dg', volume: 'mirvol' }, body: { source: 'mirvol-01', regions: [3] }, destructive: true } as const
    expect(confirmTitle({ ...repair })).toBe('Repair from mirvol-01?')
    expect(confirmTitle({ ...repair, label: 'Repair from this plex', body: { source: 'mirvol-02' } })).toBe('Repair from mirvol-02?')
    expect(confirmTitle({ ...repair, id: 'resync', label: 'Resync', route: 'POST /api/dgs/:dg/volumes/:volume/resync', body: {} })).toBe('Resync mirvol?')
  })
})

describe('the object of an action (rule 240) and Replace disk (review item 10)', () => {
  const c = {
    dg: { dg_name: 'dg', dg_profile: 'classic' },
    volumes: [{ v_rid: 1, v_name: 'vol01', v_len: 100, v_kstate: 'ENABLED', v_tutil: ['', '', ''] }],
    plexes: [10, 11].map((rid, i) => ({ pl_rid: rid, pl_name: `vol01-0${i + 1}`, pl_vol_rid: 1, pl_kstate: 'ENABLED', pl_state: 'ACTIVE', pl_contig_len: 100, pl_tutil: ['', '', ''] })),
    subdisks: [{ sd_name: 'disk02-01', sd_pl_name: 'vol01-02', sd_dm_name: 'disk02' }, { sd_name: 'disk01-01', sd_pl_name: 'vol01-01', sd_dm_name: 'disk01' }],
    disks: [{ dm_name: 'disk02', dm_pub_offset: 4096, dm_pub_len: 126976 }],
  } as unknown as Config
  it('names the plex, volume or disk an action is about, and a task control by its task\'s volume', () => {
    const [det] = actionsFor(c, { dg: 'dg', kind: 'pl', name: 'vol01-02' }, 'admin')
    expect(actionObject(det!)).toEqual({ dg: 'dg', kind: 'pl', name: 'vol01-02' })
    const [resyncdisk] = actionsFor(c, { dg: 'dg', kind: 'dm', name: 'disk02' }, 'admin')
    expect(actionObject(resyncdisk!)).toEqual({ dg: 'dg', kind: 'dm', name: 'disk02' })
    const abort = { id: 'abort', label: 'Abort task', route: 'POST /api/tasks/:task/abort', params: { task: 'task-3' }, body: {}, destructive: true } as const
    expect(actionObject(abort, (t) => (t === 'task-3' ? { dg: 'dg', volume: 'vol01' } : undefined))).toEqual({ dg: 'dg', kind: 'v', name: 'vol01' })
    expect(actionObject(abort)).toBeUndefined()
  })
  it('offers Replace disk on a disk: a new image of its size, saying which plexes go stale until a resync', () => {
    const a = Object.fromEntries(actionsFor(c, { dg: 'dg', kind: 'dm', name: 'disk02' }, 'admin').map((x) => [x.id, x]))
    expect(a.replace).toMatchObject({ route: 'POST /api/dgs/:dg/disks/:disk/replace', params: { dg: 'dg', disk: 'disk02' }, body: { sizeBytes: 131072 * 512 }, destructive: true })
    expect(a.replace!.warning).toBe('a new blank 64 MiB image takes the place of disk02, whose data is no longer read: vol01-02 is detached and entirely stale until a resync of disk disk02 copies it back')
    expect(a.replace!.disabled).toBeUndefined()
    expect(actionsFor(c, { dg: 'dg', kind: 'dm', name: 'disk02' }, 'viewer').find((x) => x.id === 'replace')!.disabled).toBe('viewers cannot change anything')
  })
  it('236 Replace disk on a disk holding a DRL log plex says the log plex stays ENABLED LOG, not that it goes stale', () => {
    const withLog = {
      ...c,
      plexes: [...c.plexes, { pl_rid: 12, pl_name: 'vol01-03', pl_vol_rid: 1, pl_kstate: 'ENABLED', pl_state: 'LOG', pl_contig_len: 0, pl_tutil: ['', '', ''] }],
      subdisks: [{ sd_name: 'disk03-01', sd_pl_name: 'vol01-03', sd_dm_name: 'disk03', sd_is_log: true }],
      disks: [{ dm_name: 'disk03', dm_pub_offset: 4096, dm_pub_len: 126976 }],
    } as unknown as Config
    const a = replaceDiskAction(withLog, 'dg', 'disk03')
    expect(a.warning).toBe('a new blank 64 MiB image takes the place of disk03, whose data is no longer read: log plex vol01-03 stays ENABLED LOG: it holds no volume data, and the next write to the volume writes the log afresh on the new image')
    expect(a.warning).not.toContain('stale')
  })
  it('296 Replace disk on a failed disk holding a started volume\'s only plex is disabled, saying the engine refuses it and what can be done; stopped, it warns the data is lost, never that a resync copies it back', () => {
    const concat = (v_kstate: string) =>
      ({
        dg: { dg_name: 'dg', dg_profile: 'classic' },
        volumes: [{ v_rid: 1, v_name: 'strvol', v_len: 100, v_kstate }, { v_rid: 2, v_name: 'mirvol', v_len: 100, v_kstate: 'ENABLED' }],
        plexes: [
          { pl_rid: 10, pl_name: 'strvol-01', pl_vol_rid: 1, pl_kstate: v_kstate, pl_state: 'ACTIVE', pl_contig_len: 100, pl_tutil: ['', '', ''] },
          { pl_rid: 11, pl_name: 'mirvol-01', pl_vol_rid: 2, pl_kstate: 'ENABLED', pl_state: 'ACTIVE', pl_contig_len: 100, pl_tutil: ['', '', ''] },
          { pl_rid: 12, pl_name: 'mirvol-02', pl_vol_rid: 2, pl_kstate: 'ENABLED', pl_state: 'ACTIVE', pl_contig_len: 100, pl_tutil: ['', '', ''] },
        ],
        subdisks: [
          { sd_name: 'disk05-01', sd_pl_name: 'strvol-01', sd_dm_name: 'disk05', sd_is_log: false },
          { sd_name: 'disk04-01', sd_pl_name: 'strvol-01', sd_dm_name: 'disk04', sd_is_log: false },
          { sd_name: 'disk05-02', sd_pl_name: 'mirvol-01', sd_dm_name: 'disk05', sd_is_log: false },
          { sd_name: 'disk06-01', sd_pl_name: 'mirvol-02', sd_dm_name: 'disk06', sd_is_log: false },
        ],
        disks: [{ dm_name: 'disk05', dm_pub_offset: 4096, dm_pub_len: 126976 }],
      }) as unknown as Config
    const started = replaceDiskAction(concat('ENABLED'), 'dg', 'disk05')
    expect(started.disabled).toMatch(/\bstrvol\b.*VM_LAST_PLEX/)
    expect(started.disabled).toMatch(/^disk05 holds the only copy of strvol\b/)
    expect(actionsFor(concat('ENABLED'), { dg: 'dg', kind: 'dm', name: 'disk05' }, 'admin').find((x) => x.id === 'replace')!.disabled).toBe(started.disabled)
    const stopped = replaceDiskAction(concat('DISABLED'), 'dg', 'disk05')
    expect(stopped.disabled).toBeUndefined()
    expect(stopped.warning).toContain("strvol-01 is the only copy of strvol: it comes back stale with nothing to copy from, so strvol's data is lost")
    expect(stopped.warning).not.toMatch(/strvol-01[^;]*until a resync/)
    // the mirror keeps a copy off the disk: its plex comes back by a resync, as before
    expect(stopped.warning).toContain('mirvol-01 is detached and entirely stale until a resync of disk disk05 copies it back')
  })
  it('298: a subdisk, which has no actions of its own, says where to act instead', () => {
    expect(actionsFor(c, { dg: 'dg', kind: 'sd', name: 'disk02-01' }, 'admin')).toEqual([])
    expect(noActionsWords(c, { dg: 'dg', kind: 'sd', name: 'disk02-01' })).toBe('a subdisk has no actions of its own: act on its plex vol01-02 or its disk disk02')
    // a disk group has Create volume (rule 320), so it needs no such words
    expect(noActionsWords(c, { dg: 'dg', kind: 'dg', name: 'dg' })).toBeUndefined()
    expect(noActionsWords(c, { dg: 'dg', kind: 'dm', name: 'disk02' })).toBeUndefined()
  })
})

describe('a copy with nothing to read from (rule 341)', () => {
  // vol01-01 on disk01 (current), vol01-02 on disk02 (detached, stale)
  const c = {
    dg: { dg_name: 'dg', dg_profile: 'classic' },
    volumes: [{ v_rid: 1, v_name: 'vol01', v_len: 100, v_kstate: 'ENABLED', v_tutil: ['', '', ''] }],
    plexes: [
      { pl_rid: 10, pl_name: 'vol01-01', pl_vol_rid: 1, pl_kstate: 'ENABLED', pl_state: 'ACTIVE', pl_contig_len: 100, pl_tutil: ['', '', ''] },
      { pl_rid: 11, pl_name: 'vol01-02', pl_vol_rid: 1, pl_kstate: 'DETACHED', pl_state: 'STALE', pl_contig_len: 100, pl_tutil: ['', '', ''] },
    ],
    subdisks: [
      { sd_name: 'disk01-01', sd_pl_name: 'vol01-01', sd_dm_name: 'disk01', sd_is_log: false },
      { sd_name: 'disk02-01', sd_pl_name: 'vol01-02', sd_dm_name: 'disk02', sd_is_log: false },
    ],
    disks: [{ dm_name: 'disk01', dm_pflag: 0 }, { dm_name: 'disk02', dm_pflag: 0 }, { dm_name: 'disk03', dm_pflag: 0x100 }],
  } as unknown as Config
  const group = (failing: GroupView['failing']): GroupView => ({ name: 'dg', config: c, forcedOffline: false, dirty: {}, stale: {}, failing })
  const act = (kind: 'pl' | 'v', name: string, id: string, failed: Set<string>) => actionsFor(c, { dg: 'dg', kind, name }, 'admin', failed).find((a) => a.id === id)!

  it('rule 341: attach and resync are disabled, naming the failed disk and VM_NOTSYNCED, when the only current plex is on a disk failing reads', () => {
    const failed = failedDisks(group({ disk01: 'both' }), 'read')
    expect(act('pl', 'vol01-02', 'att', failed).disabled).toBe('nothing to copy from: plex vol01-01 is on failed disk disk01 (VM_NOTSYNCED)')
    expect(act('v', 'vol01', 'resync', failed).disabled).toMatch(/disk01.*VM_NOTSYNCED/)
  })

  it('rule 341: they stay enabled while the source disk reads (a write-only failure, a failure of another disk, no failure)', () => {
    for (const failing of [{ disk01: 'write' }, { disk02: 'both' }, {}] as FailingDisks[]) {
      const failed = failedDisks(group(failing), 'read')
      expect(act('pl', 'vol01-02', 'att', failed).disabled).toBeUndefined()
      expect(act('v', 'vol01', 'resync', failed).disabled).toBeUndefined()
    }
  })

  it('rule 341: a removed disk (no device) fails reads', () => {
    expect([...failedDisks(group({}), 'read')]).toEqual(['disk03'])
  })
})
