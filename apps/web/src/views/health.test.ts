import { describe, expect, it } from 'vitest'
import type { Config } from '@plexa/engine'
import type { Alert, FinishedTask, GroupView } from '@plexa/protocol'
import { attention, groupHealth, stripCounts, unrepairedMismatches } from './health.ts'
import { dangerWords } from './effect.ts'
import { dateTime } from './format.ts'
import type { Action } from './actions.ts'

type P = { name: string; vol: string; k?: string; st?: string; disks: string[]; log?: boolean }

function group(plexes: P[], vols: Array<{ name: string; k?: string }>, removed: string[] = []): GroupView {
  // records carry their rids, as the engine's do (the index the health shares with the layout is by rid)
  const rid = (name: string) => 1 + [...vols.map((v) => v.name), ...plexes.map((p) => p.name)].indexOf(name)
  const config = {
    tid: 1,
    nextRid: 100,
    dg: { dg_name: 'dg' },
    disks: ['disk01', 'disk02', 'disk03'].map((d) => ({ dm_name: d, dm_pflag: removed.includes(d) ? 0x100 : 0 })),
    subdisks: plexes.flatMap((p) => p.disks.map((d, i) => ({ sd_name: `${p.name}-sd${i}`, sd_pl_name: p.name, sd_plex_rid: rid(p.name), sd_dm_name: d, sd_is_log: p.log ?? false }))),
    plexes: plexes.map((p) => ({ pl_name: p.name, pl_rid: rid(p.name), pl_v_name: p.vol, pl_vol_rid: rid(p.vol), pl_kstate: p.k ?? 'ENABLED', pl_state: p.st ?? 'ACTIVE', pl_tutil: ['', '', ''] })),
    volumes: vols.map((v) => ({ v_name: v.name, v_rid: rid(v.name), v_kstate: v.k ?? 'ENABLED', v_state: 'ACTIVE' })),
  } as unknown as Config
  return { name: 'dg', config, forcedOffline: false, dirty: {}, stale: {} }
}

const demo = (over: Partial<Record<string, Partial<P>>> = {}) =>
  group(
    [
      { name: 'mir-01', vol: 'mir', disks: ['disk01'] },
      { name: 'mir-02', vol: 'mir', disks: ['disk02'] },
      { name: 'mir-03', vol: 'mir', disks: ['disk03'], log: true },
      { name: 'ms-01', vol: 'ms', disks: ['disk01', 'disk03'] },
      { name: 'ms-02', vol: 'ms', disks: ['disk02', 'disk03'] },
      { name: 'cat-01', vol: 'cat', disks: ['disk03'] },
    ].map((p) => ({ ...p, ...over[p.name] })),
    [{ name: 'mir' }, { name: 'ms' }, { name: 'cat' }],
  )

describe('groupHealth', () => {
  it('calls every volume of a healthy group fully redundant, a single-plex one as designed', () => {
    const h = groupHealth(demo(), [])
    expect([...h.volumes.values()].map((v) => [v.volume, v.redundancy, v.words])).toEqual([
      ['mir', 'full', 'full redundancy: 2 copies'],
      ['ms', 'full', 'full redundancy: 2 copies'],
      ['cat', 'full', 'full redundancy as designed (not mirrored)'],
    ])
    expect([...h.disks.values()].every((d) => d.status === 'ok')).toBe(true)
  })

  it('a failed disk leaves every mirror with a plex on it without redundancy, even a plex that still reads ACTIVE, and marks the disk with every volume it affects', () => {
    const g = demo({ 'mir-02': { k: 'DETACHED', st: 'IOFAIL' } })
    const h = groupHealth(g, [{ dg: 'dg', disk: 'disk02', failed: 'both', latencyMs: 0 }])
    expect(h.volumes.get('mir')).toMatchObject({ redundancy: 'none', words: 'no redundancy: 1 of 2 copies healthy' })
    expect(h.volumes.get('ms')).toMatchObject({ redundancy: 'none', problems: ['plex ms-02 is on failed disk disk02'] })
    expect(h.plexes.get('ms-02')).toMatchObject({ failedDisks: ['disk02'] })
    expect(h.volumes.get('cat')!.redundancy).toBe('full')
    expect(h.disks.get('disk02')).toMatchObject({ status: 'failed', reason: 'fails reads and writes (lab)', volumes: ['mir', 'ms'] })
  })

  it('without the lab, a disk whose plex failed with I/O errors is suspect; a removed disk is removed', () => {
    const h = groupHealth(demo({ 'mir-02': { k: 'DETACHED', st: 'IOFAIL' } }), [])
    expect(h.disks.get('disk02')).toMatchObject({ status: 'suspect' })
    expect(groupHealth(group([{ name: 'a-01', vol: 'a', disks: ['disk01'] }], [{ name: 'a' }], ['disk01']), []).disks.get('disk01')!.status).toBe('removed')
    // a stripe over disk01 and disk02 failed too: the disk both failures share is the suspect, not disk01
    const both = groupHealth(demo({ 'mir-02': { k: 'DETACHED', st: 'IOFAIL' }, 'ms-02': { k: 'DETACHED', st: 'IOFAIL' } }), [])
    expect([...both.disks.values()].filter((d) => d.status !== 'ok').map((d) => d.disk)).toEqual(['disk02'])
  })

  it.each([
    [{ 'mir-01': { k: 'DETACHED', st: 'STALE' }, 'mir-02': { k: 'DETACHED', st: 'IOFAIL' } }, 'failed'],
    [{ 'mir-02': { k: 'DETACHED', st: 'STALE' } }, 'none'],
  ])('a mirror with %j is %s', (over, r) => expect(groupHealth(demo(over as never), []).volumes.get('mir')!.redundancy).toBe(r))

  it('a three-way mirror that lost one copy is degraded; a stopped volume is stopped', () => {
    const g = group([1, 2, 3].map((i) => ({ name: `t-0${i}`, vol: 't', disks: [`disk0${i}`], ...(i === 3 ? { k: 'DETACHED', st: 'STALE' } : {}) })), [{ name: 't' }, { name: 's', k: 'DISABLED' }])
    expect(groupHealth(g, []).volumes.get('t')).toMatchObject({ redundancy: 'degraded', words: 'degraded: 2 of 3 copies healthy' })
    expect(groupHealth(g, []).volumes.get('s')!.redundancy).toBe('stopped')
  })
})

describe('attention', () => {
  it('lists the failed disk first with its fix, each volume without full redundancy, and every open alert', () => {
    const g = demo({ 'mir-02': { k: 'DETACHED', st: 'IOFAIL' } })
    const lab = { enabled: true, disks: [{ dg: 'dg', disk: 'disk02', failed: 'both' as const, latencyMs: 0 }], loads: [] }
    const alerts: Alert[] = [{ id: 4, dg: 'dg', severity: 'critical', code: 'VM_IO', message: 'plex mir-02 of mir was detached after an I/O error', at: 0, lastAt: 0, count: 1 }, { id: 5, dg: 'dg', severity: 'warning', code: 'VM_IO', message: 'x', at: 0, lastAt: 0, count: 1, acked: { by: 'admin', at: 1 } }]
    const items = attention([g], lab, alerts)
    expect(items.map((i) => i.fix)).toEqual([{ kind: 'restore-disk', disk: 'disk02' }, { kind: 'none' }, { kind: 'none' }, { kind: 'ack', alert: 4 }])
    expect(items[0]!.text).toBe('disk disk02 failed: fails reads and writes (lab); affects mir, ms')
    expect(stripCounts(g, lab.disks, [])).toMatchObject({ byRedundancy: { full: 1, none: 2 }, failedDisks: ['disk02'] })
  })
})

describe('a disk restored after I/O errors (rule 113)', () => {
  const g = demo({ 'mir-02': { k: 'DETACHED', st: 'IOFAIL' } })
  const resyncDisk = { id: 'resyncdisk', params: { disk: 'disk02' } } as unknown as Action
  it('is not failing once the lab restored it: it had I/O errors, answers now, and wants a resync', () => {
    const restored = [{ dg: 'dg', disk: 'disk02', failed: 'none' as const, latencyMs: 0, failedAt: 1_700_000_000_000 }]
    const d = groupHealth(g, restored).disks.get('disk02')!
    expect(d.status).toBe('recovered')
    expect(d.reason.startsWith(`had I/O errors (${dateTime(1_700_000_000_000)}), now answering; resync it`)).toBe(true)
    // not a failed disk in the status bar, no red VM_NOTSYNCED warning in the resync dialog
    expect(stripCounts(g, restored, []).failedDisks).toEqual([])
    expect(dangerWords(resyncDisk, g, restored)).toEqual([])
    const item = attention([g], { enabled: true, disks: restored, loads: [] }, []).find((i) => i.key === 'dg/dm/disk02')!
    expect(item).toMatchObject({ severity: 'warning', fix: { kind: 'resync-disk', disk: 'disk02' } })
  })
  it('is failing while the lab fails it, or with I/O errors and nothing saying it answers', () => {
    const failing = [{ dg: 'dg', disk: 'disk02', failed: 'write' as const, latencyMs: 0, failedAt: 1 }]
    expect(groupHealth(g, failing).disks.get('disk02')!.status).toBe('failed')
    expect(dangerWords(resyncDisk, g, failing)).toHaveLength(1)
    expect(groupHealth(g, []).disks.get('disk02')!.status).toBe('suspect')
    expect(dangerWords(resyncDisk, g, [])).toHaveLength(1)
    expect(stripCounts(g, [], []).failedDisks).toEqual(['disk02'])
  })
  it('a plex over two disks that failed on the one the lab failed and restored leaves the other disk ok', () => {
    const ms = demo({ 'ms-02': { k: 'DETACHED', st: 'IOFAIL' } })
    const restored = [{ dg: 'dg', disk: 'disk02', failed: 'none' as const, latencyMs: 0, failedAt: 5 }]
    expect([...groupHealth(ms, restored).disks.values()].map((d) => [d.disk, d.status])).toEqual([['disk01', 'ok'], ['disk02', 'recovered'], ['disk03', 'ok']])
    expect(stripCounts(ms, restored, []).failedDisks).toEqual([])
  })
})

describe('unrepairedMismatches', () => {
  const t = (id: number, kind: string, mismatches?: number, target = 'volume mir'): FinishedTask => ({ id, taskId: `task-${id}`, dg: 'dg', kind, target, volumes: ['mir'], outcome: 'ok', finishedAt: id, doneBytes: 0, totalBytes: 0, ...(mismatches !== undefined ? { verify: { volume: 'mir', regionSectors: 1024, regionsChecked: 4, mismatchCount: mismatches, mismatches: [] } } : {}) })
  it('keeps a verify mismatch until a repair, a resync of the volume or a clean verify', () => {
    expect([...unrepairedMismatches([t(1, 'verify', 1)]).keys()]).toEqual(['dg/mir'])
    expect(unrepairedMismatches([t(1, 'verify', 1), t(2, 'repair')]).size).toBe(0)
    expect(unrepairedMismatches([t(1, 'verify', 1), t(2, 'verify', 0)]).size).toBe(0)
    // a resync of a disk the volume is on does not count: only what copied over the volume
    expect(unrepairedMismatches([t(1, 'verify', 1), t(2, 'resync', undefined, 'disk disk02')]).size).toBe(1)
    expect(attention([], { enabled: false, disks: [], loads: [] }, [], [t(1, 'verify', 1)])[0]).toMatchObject({ key: 'dg/mir/mismatch', severity: 'critical' })
  })
})

describe('rule 131: groups the server did not import need attention, with the import that fixes them', () => {
  const none = { enabled: false, disks: [], loads: [] }
  it('131: missing disks are imported with force, another host\'s import is cleared; both come first', () => {
    const items = attention([], none, [], [], [
      { name: 'olddg', code: 'VM_MISSING_DISKS', reason: '', disks: [{ disk: 'disk02', reason: 'missing' }], devices: [] },
      { name: 'fardg', code: 'VM_BUSY', reason: '', importedBy: 'hostB', devices: [] },
      { name: 'oddg', code: 'VM_NOQUORUM', reason: 'no majority', devices: [] },
    ])
    expect(items.map((i) => [i.key, i.severity, i.fix])).toEqual([
      ['import/olddg', 'critical', { kind: 'import', force: true, clearImport: false }],
      ['import/fardg', 'critical', { kind: 'import', force: false, clearImport: true }],
      ['import/oddg', 'critical', { kind: 'none' }],
    ])
    expect(items[0]!.text).toContain('disk02')
    expect(items[1]!.text).toContain('hostB')
  })
})

describe('groupHealth at scale (rule 145)', () => {
  it('keeps the health of a group whose records, stale maps and lab did not change (a DRL map refresh), and computes it anew when the stale maps change', () => {
    const g = demo()
    const lab: [] = []
    const h = groupHealth(g, lab)
    const refreshed = { ...g, dirty: { mir: { regionSectors: 1024, regions: [3], recoveryBytes: 0 } }, stale: { ...g.stale } }
    expect(groupHealth(refreshed, lab)).toBe(h)
    const staler = { ...g, stale: { 'mir-02': { regionSectors: 1024, full: false, regions: [1], syncErrors: [] } } }
    expect(groupHealth(staler, lab)).not.toBe(h)
    expect(groupHealth(staler, lab).volumes.get('mir')!.redundancy).toBe('none')
  })
})
