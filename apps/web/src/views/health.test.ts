import { describe, expect, it } from 'vitest'
import type { Alert, FinishedTask } from '@plexa/protocol'
import { demo, group, labFailed } from './testGroups.ts'
import { attention, diskFailureEffect, groupHealth, stripCounts, unrepairedMismatches, volumeHealth, withMismatches } from './health.ts'
import { dangerWords, effectWords } from './effect.ts'
import { dateTime } from './format.ts'
import type { Action } from './actions.ts'
import { applyChanges } from '../store/applyServerMessage.ts'

describe('groupHealth', () => {
  it('calls every mirror of a healthy group fully redundant, a single-plex one not mirrored, never full redundancy (rule 237)', () => {
    const h = groupHealth(demo(), [])
    expect([...h.volumes.values()].map((v) => [v.volume, v.redundancy, v.words])).toEqual([
      ['mir', 'full', 'full redundancy: 2 copies'],
      ['ms', 'full', 'full redundancy: 2 copies'],
      ['cat', 'unmirrored', 'not mirrored: 1 copy, no redundancy'],
    ])
    expect([...h.disks.values()].every((d) => d.status === 'ok')).toBe(true)
  })

  it('a failed disk leaves every mirror with a plex on it without redundancy, even a plex that still reads ACTIVE, and marks the disk with every volume it affects', () => {
    const { g, lab } = labFailed(demo({ 'mir-02': { k: 'DETACHED', st: 'IOFAIL' } }), 'disk02')
    const h = groupHealth(g, lab)
    expect(h.volumes.get('mir')).toMatchObject({ redundancy: 'none', words: 'no redundancy: 1 of 2 copies healthy' })
    expect(h.volumes.get('ms')).toMatchObject({ redundancy: 'none', problems: ['plex ms-02 is on failed disk disk02'] })
    expect(h.plexes.get('ms-02')).toMatchObject({ failedDisks: ['disk02'] })
    expect(h.volumes.get('cat')!.redundancy).toBe('unmirrored')
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

describe('health words say what the engine knows (rules 237-239)', () => {
  it('237: a concat or stripe volume is not mirrored, counted apart in the strip, and needs no attention', () => {
    const g = group([{ name: 'cat-01', vol: 'cat', disks: ['disk01'] }, { name: 'str-01', vol: 'str', disks: ['disk01', 'disk02', 'disk03'] }], [{ name: 'cat' }, { name: 'str' }])
    const h = groupHealth(g, [])
    expect([...h.volumes.values()].map((v) => [v.redundancy, v.words])).toEqual([['unmirrored', 'not mirrored: 1 copy, no redundancy'], ['unmirrored', 'not mirrored: 1 copy, no redundancy']])
    expect(stripCounts(g, [], []).byRedundancy).toMatchObject({ full: 0, unmirrored: 2 })
    expect(attention([g], { enabled: true, disks: [], loads: [] }, [])).toEqual([])
  })
  it('238: a volume whose DRL log plex is on a failed disk says its log is lost, and the overview lists it', () => {
    const failed = labFailed(group([{ name: 'mir-01', vol: 'mir', disks: ['disk01'] }, { name: 'mir-02', vol: 'mir', disks: ['disk02'] }, { name: 'mir-03', vol: 'mir', disks: ['disk03'], log: true }], [{ name: 'mir' }]), 'disk03')
    const { g } = failed
    const lab = { enabled: true, disks: failed.lab, loads: [] }
    const mir = groupHealth(g, lab.disks).volumes.get('mir')!
    expect(mir).toMatchObject({ redundancy: 'full', words: 'full redundancy: 2 copies; DRL log lost', logLost: 'plex mir-03 is on failed disk disk03: its dirty region log is lost, a crash would need a full resync of mir' })
    const items = attention([g], lab, [])
    expect(items.map((i) => [i.key, i.severity])).toEqual([['dg/dm/disk03', 'critical'], ['dg/v/mir', 'warning']])
    expect(items[1]!.text).toBe('volume mir: plex mir-03 is on failed disk disk03: its dirty region log is lost, a crash would need a full resync of mir')
    expect(groupHealth({ ...g, failing: {} }, []).volumes.get('mir')!.logLost).toBeUndefined()
  })
  it('239: a mirror left SYNC (an aborted forced resync) has no redundancy until a resync completes, and the overview offers it', () => {
    const g = demo()
    ;(g.config.volumes[1] as { v_state: string }).v_state = 'SYNC'
    const ms = groupHealth(g, []).volumes.get('ms')!
    expect(ms).toMatchObject({ redundancy: 'none', words: 'no redundancy: 2 copies, not known to agree (volume SYNC)' })
    expect(ms.problems[0]).toBe('volume ms is SYNC: its plexes are not known to hold the same data until a resync of it completes')
    expect(stripCounts(g, [], []).byRedundancy).toMatchObject({ full: 1, none: 1 })
    expect(attention([g], { enabled: true, disks: [], loads: [] }, [])).toMatchObject([{ key: 'dg/v/ms', severity: 'critical', fix: { kind: 'resync-volume', volume: 'ms' } }])
  })
})

describe('diskFailureEffect', () => {
  it('names the volumes a disk failure leaves without redundancy, without any copy (not mirrored) or without their log', () => {
    const h = groupHealth(demo(), [])
    expect(diskFailureEffect(h, 'disk02')).toEqual(['mir will have no redundancy', 'ms will have no redundancy'])
    expect(diskFailureEffect(h, 'disk03')).toEqual(['cat fails (not mirrored): no copy of its data is left to read', 'mir loses its DRL log: a crash would need a full resync', 'ms fails: no copy of its data is left to read'])
    // a copy already lost elsewhere: the last one goes
    expect(diskFailureEffect(groupHealth(demo({ 'mir-01': { k: 'DETACHED', st: 'STALE' } }), []), 'disk02')).toEqual(['mir fails: no copy of its data is left to read', 'ms will have no redundancy'])
  })
})

describe('attention', () => {
  it('keeps a resolved alert listed, with why, after every live problem (rule 141)', () => {
    const a = (id: number, severity: 'critical' | 'warning'): Alert => ({ id, dg: 'dg', severity, code: 'VM_IO', message: `m${id}`, at: 1, lastAt: 1, count: 1 })
    const items = attention([demo()], { enabled: true, disks: [], loads: [] }, [a(1, 'critical'), a(2, 'warning')], [], [], new Map([[1, 'plex mir-02 is a healthy copy again']]))
    expect(items.map((x) => [x.key, x.severity, x.resolved])).toEqual([['alert/2', 'warning', undefined], ['alert/1', 'critical', 'plex mir-02 is a healthy copy again']])
  })

  it('lists the failed disk first with its fix, each volume without full redundancy, and every open alert', () => {
    const failed = labFailed(demo({ 'mir-02': { k: 'DETACHED', st: 'IOFAIL' } }), 'disk02')
    const { g } = failed
    const lab = { enabled: true, disks: failed.lab, loads: [] }
    const alerts: Alert[] = [{ id: 4, dg: 'dg', severity: 'critical', code: 'VM_IO', message: 'plex mir-02 of mir was detached after an I/O error', at: 0, lastAt: 0, count: 1 }, { id: 5, dg: 'dg', severity: 'warning', code: 'VM_IO', message: 'x', at: 0, lastAt: 0, count: 1, acked: { by: 'admin', at: 1 } }]
    const items = attention([g], lab, alerts)
    expect(items.map((i) => i.fix)).toEqual([{ kind: 'restore-disk', disk: 'disk02' }, { kind: 'none' }, { kind: 'none' }, { kind: 'ack', alert: 4 }])
    expect(items[0]!.text).toBe('disk disk02 failed: fails reads and writes (lab); affects mir, ms')
    expect(stripCounts(g, lab.disks, [])).toMatchObject({ byRedundancy: { full: 0, unmirrored: 1, none: 2 }, failedDisks: ['disk02'] })
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
  it('174: one disk resync that covers the volumes to resync is recommended first, saying it covers them', () => {
    const restored = [{ dg: 'dg', disk: 'disk02', failed: 'none' as const, latencyMs: 0, failedAt: 1_700_000_000_000 }]
    // after a restore: mir-02 (disk02) kernel-detached, ms-02 (disk02, disk03) stale
    const both = demo({ 'mir-02': { k: 'DETACHED', st: 'IOFAIL' }, 'ms-02': { st: 'STALE' } })
    const items = attention([both], { enabled: true, disks: restored, loads: [] }, [])
    const fixes = items.filter((i) => i.fix.kind === 'resync-disk' || i.fix.kind === 'resync-volume')
    expect(fixes[0]).toMatchObject({ fix: { kind: 'resync-disk', disk: 'disk02' }, covers: ['mir', 'ms'] })
    expect(fixes.slice(1).map((i) => i.fix)).toEqual([{ kind: 'resync-volume', volume: 'mir' }, { kind: 'resync-volume', volume: 'ms' }])
    // a volume whose trouble lies off the disk is not covered
    const off = demo({ 'mir-02': { k: 'DETACHED', st: 'IOFAIL' }, 'ms-01': { st: 'STALE' } })
    expect(attention([off], { enabled: true, disks: restored, loads: [] }, []).find((i) => i.fix.kind === 'resync-disk')!.covers).toEqual(['mir'])
    // its dry run names the volumes and plexes it brings back
    const words = effectWords(resyncDisk, both, restored, { bytes: 511.5 * 1048576, regions: 1023 })
    expect(words).toContain('it covers mir (plex mir-02), ms (plex ms-02)')
  })
  it('299: after a replace (every data plex on the disk stale, the disk working) one resync of the disk is the next step, listed first and covering both volumes', () => {
    const replaced = demo({ 'mir-02': { k: 'DETACHED', st: 'STALE' }, 'ms-02': { k: 'DETACHED', st: 'STALE' } })
    expect(groupHealth(replaced, []).disks.get('disk02')!.status).toBe('ok')
    const items = attention([replaced], { enabled: true, disks: [], loads: [] }, [])
    const fixes = items.filter((i) => i.fix.kind === 'resync-disk' || i.fix.kind === 'resync-volume')
    expect(fixes[0]).toMatchObject({ key: 'dg/dm/disk02/resync', fix: { kind: 'resync-disk', disk: 'disk02' }, covers: ['mir', 'ms'] })
    expect(fixes[0]!.text).toMatch(/^disk disk02 works, but the plexes on it need a copy \(mir-02, ms-02\); one resync of disk disk02 covers mir, ms$/)
    // one volume alone keeps its own resync: no disk item
    const one = demo({ 'mir-02': { k: 'DETACHED', st: 'STALE' } })
    expect(attention([one], { enabled: true, disks: [], loads: [] }, []).some((i) => i.fix.kind === 'resync-disk')).toBe(false)
  })
  it('362: a replaced disk works, but while the engine marks its data plexes stale (PL_PFLAG_STALE) it says so and that a resync of it copies them back; the overview keeps one item for it', () => {
    const replaced = demo({ 'mir-02': { k: 'DETACHED', st: 'STALE', pflag: 0x2 }, 'ms-02': { k: 'DETACHED', st: 'STALE', pflag: 0x2 } })
    const h = groupHealth(replaced, [])
    expect(h.disks.get('disk02')).toMatchObject({ status: 'out of date', volumes: ['mir', 'ms'] })
    expect(h.disks.get('disk02')!.reason).toBe('works, but plexes mir-02, ms-02 on it are stale (a replacement or an absence of the disk): resync disk disk02 to copy them back')
    // disk01 and disk03 hold ms-02's other column and the log: untouched
    expect([...h.disks.values()].filter((d) => d.status !== 'ok').map((d) => d.disk)).toEqual(['disk02'])
    expect(stripCounts(replaced, [], []).failedDisks).toEqual([])
    // rule 299 still holds: one resync of the disk, no second item for it
    const items = attention([replaced], { enabled: true, disks: [], loads: [] }, [])
    expect(items.filter((i) => i.key.startsWith('dg/dm/disk02')).map((i) => i.key)).toEqual(['dg/dm/disk02/resync'])
    // a log plex on the disk holds no data: it never makes the disk out of date (rule 236)
    expect(groupHealth(demo({ 'mir-03': { pflag: 0x2 } }), []).disks.get('disk03')!.status).toBe('ok')
    // one plex alone, said in the singular
    expect(groupHealth(demo({ 'mir-02': { k: 'DETACHED', st: 'STALE', pflag: 0x2 } }), []).disks.get('disk02')!.reason).toMatch(/^works, but plex mir-02 on it is stale .*copy it back$/)
  })
  it('rule 479: a stale plex with no source (its volume\'s only data copy was on the replaced disk) gets no resync hint on its disks; its volume says it lost its data', () => {
    const lost = group([{ name: 'cat-01', vol: 'cat', k: 'DISABLED', st: 'STALE', pflag: 0x2, disks: ['disk02', 'disk03'] }, { name: 'mir-01', vol: 'mir', disks: ['disk01'] }, { name: 'mir-02', vol: 'mir', disks: ['disk02'] }], [{ name: 'cat', k: 'DISABLED' }, { name: 'mir' }])
    const h = groupHealth(lost, [])
    expect([...h.disks.values()].map((d) => d.status)).toEqual(['ok', 'ok', 'ok'])
    expect(h.volumes.get('cat')!.problems[0]).toMatch(/^volume cat lost its data/)
    expect(attention([lost], { enabled: true, disks: [], loads: [] }, []).some((i) => i.fix.kind === 'resync-disk')).toBe(false)
    // with a current mirror to copy from, the stale plex's disk still says resync it (rule 362)
    expect(groupHealth(demo({ 'mir-02': { k: 'DETACHED', st: 'STALE', pflag: 0x2 } }), []).disks.get('disk02')!.status).toBe('out of date')
    expect(groupHealth(demo({ 'mir-02': { k: 'DETACHED', st: 'STALE', pflag: 0x2 } }), []).volumes.get('mir')!.problems.some((x) => x.includes('lost its data'))).toBe(false)
  })
  it('is failing while the lab fails it, or with I/O errors and nothing saying it answers', () => {
    const failing = labFailed(g, 'disk02', 'write', 1)
    expect(groupHealth(failing.g, failing.lab).disks.get('disk02')!.status).toBe('failed')
    expect(dangerWords(resyncDisk, failing.g, failing.lab)).toHaveLength(1)
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
  it('170: plexes known to differ are no full redundancy: the volume (badge, tree) and the strip say its mirrors differ, until a repair or a clean verify', () => {
    const g = demo()
    const differ = unrepairedMismatches([t(1, 'verify', 2)])
    const mir = withMismatches(groupHealth(g, []), differ).volumes.get('mir')!
    expect(mir.redundancy).toBe('differ')
    expect(mir.problems.some((p) => p.includes('task-1'))).toBe(true)
    expect(withMismatches(groupHealth(g, []), differ).volumes.get('ms')!.redundancy).toBe('full')
    expect(stripCounts(g, [], [], differ).byRedundancy).toMatchObject({ full: 1, unmirrored: 1, differ: 1 })
    // mended: nothing differs any more
    const mended = unrepairedMismatches([t(1, 'verify', 2), t(2, 'repair'), t(3, 'verify', 0)])
    expect(withMismatches(groupHealth(g, []), mended).volumes.get('mir')!.redundancy).toBe('full')
    expect(stripCounts(g, [], [], mended).byRedundancy).toMatchObject({ full: 2, unmirrored: 1, differ: 0 })
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

describe('groupHealth after a change (rule 196)', () => {
  const plex = (g: ReturnType<typeof demo>, name: string) => g.config.plexes.find((p) => p.pl_name === name)!

  it('computes again only the volumes a delta, a stale map or a failed disk touched, and gives what a fresh computation gives', () => {
    const g = demo()
    const before = groupHealth(g, [])
    const after = { ...g, config: applyChanges(g.config, 2, [{ kind: 'pl', rid: plex(g, 'mir-02').pl_rid, name: 'mir-02', op: 'update', fields: ['pl_state'], after: { ...plex(g, 'mir-02'), pl_kstate: 'DETACHED', pl_state: 'STALE' } }]) }
    const h = groupHealth(after, [])
    expect(h.volumes.get('ms')).toBe(before.volumes.get('ms'))
    expect(h.volumes.get('cat')).toBe(before.volumes.get('cat'))
    expect(h.plexes.get('ms-01')).toBe(before.plexes.get('ms-01'))
    expect(h.volumes.get('mir')).toMatchObject({ redundancy: 'none', problems: ['plex mir-02 is DETACHED STALE'] })
    // the same as the health of the same records never seen before
    const fresh = groupHealth({ ...after, config: structuredClone(after.config) }, [])
    expect([...h.volumes.values()]).toEqual([...fresh.volumes.values()])
    expect([...h.plexes.values()].map((p) => [p.plex, p.problem, p.failedDisks])).toEqual([...fresh.plexes.values()].map((p) => [p.plex, p.problem, p.failedDisks]))
    // a stale map of one plex: that volume alone
    const stale = groupHealth({ ...after, stale: { 'ms-01': { regionSectors: 1024, full: false, regions: [1, 2], syncErrors: [] } } }, [])
    expect(stale.volumes.get('cat')).toBe(h.volumes.get('cat'))
    expect(stale.volumes.get('ms')!.problems).toEqual(['plex ms-01 has 2 stale regions'])
    // a failed disk: every volume again
    const failed = groupHealth(labFailed(after, 'disk03').g, labFailed(after, 'disk03').lab)
    expect(failed.volumes.get('cat')).not.toBe(h.volumes.get('cat'))
    expect(failed.volumes.get('cat')!.redundancy).toBe('failed')
  })

  it('gives a volume in view its health alone, the same the whole group has', () => {
    const { g, lab } = labFailed(demo({ 'ms-02': { k: 'DETACHED', st: 'IOFAIL' } }), 'disk02')
    const ms = g.config.volumes.find((v) => v.v_name === 'ms')!
    const alone = volumeHealth(g, ms)
    expect(alone).toMatchObject({ redundancy: 'none', problems: ['plex ms-02 is DETACHED IOFAIL; it is on failed disk disk02'] })
    expect(groupHealth(g, lab).volumes.get('ms')).toBe(alone)
  })

  it('gives the plexes of a volume from one grouping, in the order of the plexes', () => {
    const h = groupHealth(demo(), [])
    expect(h.plexesOf('mir').map((p) => p.plex)).toEqual(['mir-01', 'mir-02', 'mir-03'])
    expect(h.plexesOf('ms')).toEqual([...h.plexes.values()].filter((p) => p.volume === 'ms'))
    expect(h.plexesOf('none')).toEqual([])
  })
})
