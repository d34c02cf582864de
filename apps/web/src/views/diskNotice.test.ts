import { describe, expect, it } from 'vitest'
import type { TaskView } from '@plexa/protocol'
import { demo, labFailed } from './testGroups.ts'
import { groupHealth, attention } from './health.ts'
import { clearFailingAction, copiesOnto, failingWords, isFailing, resyncingWords, volumesWaitingOnDisks } from './diskNotice.ts'
import { rowBadge, withRunningCopy } from './treeBadges.ts'
import { effectWords } from './effect.ts'
import { treeRows } from './treeRows.ts'

const MiB = 1 << 20
const task = (over: Partial<TaskView> = {}): TaskView => ({ taskId: 'task-23', dg: 'dg', kind: 'resync', volume: 'mir', target: 'volume mir', phase: 'resync', doneBytes: 2 * MiB, totalBytes: 8 * MiB, rate: 0, etaSeconds: null, throttle: 0, ...over })
/** disk02 replaced: mir-02 and ms-02 on it are stale (PL_PFLAG_STALE), the disk says "resync it". */
const replaced = () => demo({ 'mir-02': { k: 'DETACHED', st: 'STALE', pflag: 2 }, 'ms-02': { k: 'DETACHED', st: 'STALE', pflag: 2 } })
/** The group with disk03 left FAILING by hot relocation. */
const failing = (g = demo()) => ({ ...g, config: { ...g.config, disks: g.config.disks.map((d) => (d.dm_name === 'disk03' ? { ...d, dm_pflag: 0x8, dm_rid: 77 } : d)) } })
const row = (g: ReturnType<typeof demo>, name: string) => treeRows(g).find((r) => r.kind === 'dm' && r.name === name)!

describe('rule 435: a disk whose resync is running says so, with its progress', () => {
  it('435 the "resync it" badge of a disk becomes "being resynced 25%" while a resync of a volume waiting on it runs', () => {
    const g = replaced()
    const h = groupHealth(g, [])
    const b = rowBadge(row(g, 'disk02'), h)
    expect(b?.text).toBe('▲ RESYNC IT')
    // nothing runs: the badge is as it was
    expect(withRunningCopy(b, row(g, 'disk02'), h, [])).toBe(b)
    const r = withRunningCopy(b, row(g, 'disk02'), h, [task()])!
    expect(r.text).toBe('⟳ BEING RESYNCED 25%')
    expect(r.state).toBe('stale')
    // the task, its progress and the volume that still waits are in the sentence
    expect(r.said).toBe('being resynced: task-23 resync volume mir at 25% (2 MiB / 8 MiB); ms still waits for a resync')
  })

  it('435 a disk resync covering both volumes, paused, is one task with nothing left waiting; several tasks are counted', () => {
    const g = replaced()
    const h = groupHealth(g, [])
    const disk = task({ taskId: 'task-4', target: 'disk disk02', volumes: ['mir', 'ms'], phase: 'paused', doneBytes: 0 })
    expect(copiesOnto(h, 'disk02', [disk]).map((t) => t.taskId)).toEqual(['task-4'])
    expect(resyncingWords([disk], [])).toEqual({ words: 'being resynced 0%', said: 'being resynced: task-4 resync disk disk02 paused 0% (0 B / 8 MiB)' })
    const two = withRunningCopy(rowBadge(row(g, 'disk02'), h), row(g, 'disk02'), h, [task(), task({ taskId: 'task-24', volume: 'ms', target: 'volume ms' })])!
    expect(two.text).toBe('⟳ BEING RESYNCED (2 TASKS)')
  })

  it('435 a verify, a task of another volume or group, or a disk that waits for nothing keeps its badge; only volumes waiting on such disks are watched', () => {
    const g = replaced()
    const h = groupHealth(g, [])
    const b = rowBadge(row(g, 'disk02'), h)
    for (const t of [task({ kind: 'verify' }), task({ volume: 'cat', target: 'volume cat' }), task({ dg: 'other' })]) expect(withRunningCopy(b, row(g, 'disk02'), h, [t])).toBe(b)
    expect(copiesOnto(h, 'disk01', [task()])).toEqual([])
    expect([...volumesWaitingOnDisks(h)].sort()).toEqual(['dg/mir', 'dg/ms'])
    // a healthy group watches no volume: a progress report renders no tree row
    expect(volumesWaitingOnDisks(groupHealth(demo(), [])).size).toBe(0)
  })
})

describe('rule 436: a disk left FAILING by hot relocation', () => {
  it('436 is marked in the tree with what it means and the command that clears it', () => {
    const g = failing()
    const h = groupHealth(g, [])
    expect(isFailing(g.config.disks[2])).toBe(true)
    const b = rowBadge(row(g, 'disk03'), h)!
    expect(b.text).toBe('▲ FAILING')
    expect(b.said).toBe('FAILING: excluded from allocation; check the disk, then `plexa disk set disk03 failing=off`')
    expect(rowBadge(row(g, 'disk01'), h)).toBeUndefined()
    // a FAILING disk that is also failed keeps its failed badge, and says FAILING in its words
    const lab = labFailed(g, 'disk03')
    const both = rowBadge(row(lab.g, 'disk03'), groupHealth(lab.g, lab.lab))!
    expect(both.text).toBe('✕ FAILED')
    expect(both.said).toContain(failingWords('disk03'))
  })

  it('436 the Overview lists it with its fix once the disk works, not while it is failed', () => {
    const g = failing()
    const item = attention([g], { enabled: true, disks: [], loads: [] }, []).find((x) => x.key === 'dg/dm/disk03/failing')
    expect(item).toMatchObject({ severity: 'warning', fix: { kind: 'clear-failing', disk: 'disk03' } })
    expect(item!.text).toContain('`plexa disk set disk03 failing=off`')
    const lab = labFailed(g, 'disk03')
    const failed = attention([lab.g], { enabled: true, disks: lab.lab, loads: [] }, [])
    expect(failed.map((x) => x.key)).not.toContain('dg/dm/disk03/failing')
    expect(attention([demo()], { enabled: true, disks: [], loads: [] }, []).map((x) => x.key)).not.toContain('dg/dm/disk03/failing')
  })

  it('436 the fix is the record edit failing=off, confirmed, whose dry run is said in words with the flag by name', () => {
    const g = failing()
    const a = clearFailingAction('dg', 'disk03')
    expect(a).toMatchObject({ route: 'PATCH /api/dgs/:dg/records/:name', params: { dg: 'dg', name: 'disk03' }, body: { fields: { failing: 'off' } }, destructive: true })
    const dm = g.config.disks[2]!
    const words = effectWords(a, g, [], { changes: [{ kind: 'dm', rid: 77, name: 'disk03', op: 'update', fields: ['dm_pflag'], after: { ...dm, dm_pflag: 0 } } as never] })
    expect(words[0]).toBe('disk disk03 is no longer FAILING: allocations may use it again')
    expect(words[1]).toBe('disk disk03: flags DM_PFLAG_FAILING (0x8) → none (0)')
  })
})
