import type { TaskView } from '@plexa/protocol'
// the flag values are the engine's own table (plain constants, no I/O), as fields.ts reads them
import { DM_PFLAG } from '../../../../packages/engine/src/records/types.ts'
import type { Action } from './actions.ts'
import type { GroupHealth } from './health.ts'
import { progressText } from './taskProgress.ts'

/**
 * What a disk row has to say beyond its health: a copy already running onto what waits on it
 * (rule 435), and the FAILING mark hot relocation leaves on the disk it moved subdisks off
 * (rule 436). Pure, so the tree, the disk view, Properties and the Overview say the same.
 */

/** Task kinds that copy data into plexes that wait for it (a verify or a repair is no resync). */
const COPIES = new Set(['resync', 'recovery', 'attach', 'relocate'])

/** A task that copies data into plexes that wait for it. */
export function isCopy(t: Pick<TaskView, 'kind'>): boolean {
  return COPIES.has(t.kind)
}

/**
 * Rule 435: the volumes (as `dg/volume`) with a data plex in trouble on a disk that says "resync
 * it" (recovered, or out of date): the only ones whose running copies a disk row tells. Empty for
 * a group with no such disk (a task's progress report then renders no tree row).
 */
export function volumesWaitingOnDisks(h: GroupHealth): Set<string> {
  const out = new Set<string>()
  for (const d of h.disks.values()) {
    if (d.status !== 'recovered' && d.status !== 'out of date') continue
    for (const v of d.volumes) if (h.plexesOf(v).some((p) => p.problem && !p.log && p.disks.includes(d.disk))) out.add(`${h.dg}/${v}`)
  }
  return out
}

/**
 * Rule 435: the running copies into the plexes that wait on `disk`: every task of its group of a
 * copying kind that covers a volume with a data plex in trouble on the disk. Empty when none runs
 * (the disk still says "resync it").
 */
export function copiesOnto(h: GroupHealth, disk: string, tasks: readonly TaskView[]): TaskView[] {
  const d = h.disks.get(disk)
  if (!d) return []
  const waiting = new Set(d.volumes.filter((v) => h.plexesOf(v).some((p) => p.problem && !p.log && p.disks.includes(disk))))
  if (!waiting.size) return []
  return tasks.filter((t) => t.dg === h.dg && isCopy(t) && (t.volumes ?? [t.volume]).some((v) => waiting.has(v)))
}

/** The volumes with a data plex in trouble on `disk` that no task in `copies` covers: they still wait for a resync. */
export function stillWaiting(h: GroupHealth, disk: string, copies: readonly TaskView[]): string[] {
  const covered = new Set(copies.flatMap((t) => t.volumes ?? [t.volume]))
  return (h.disks.get(disk)?.volumes ?? []).filter((v) => !covered.has(v) && h.plexesOf(v).some((p) => p.problem && !p.log && p.disks.includes(disk)))
}

/**
 * Rule 435: the badge of a disk whose resync is running, instead of "resync it": its words with
 * the progress of the one task ("being resynced 25%"), or the count of several; and the whole of
 * it in a sentence ("being resynced: task-23 resync volume mirvol at 25% (2 MiB / 8 MiB); msvol
 * still waits for a resync").
 */
export function resyncingWords(copies: readonly TaskView[], waiting: readonly string[]): { words: string; said: string } {
  const one = copies.length === 1 ? copies[0]! : undefined
  const words = one ? `being resynced ${progressText(one).percent}` : `being resynced (${copies.length} tasks)`
  const each = copies.map((t) => {
    const p = progressText(t)
    return `${t.taskId} ${t.kind} ${t.target ?? `volume ${t.volume}`} ${t.phase === 'paused' ? 'paused' : 'at'} ${p.percent} (${p.bytes})`
  })
  const rest = waiting.length ? `; ${waiting.join(', ')} still ${waiting.length > 1 ? 'wait' : 'waits'} for a resync` : ''
  return { words, said: `being resynced: ${each.join(', ')}${rest}` }
}

/** Whether hot relocation (or an administrator) left the disk record FAILING: no allocation uses it. */
export function isFailing(dm: { dm_pflag: number } | undefined): boolean {
  return dm !== undefined && (dm.dm_pflag & DM_PFLAG.FAILING) !== 0
}

/** Rule 436: what the FAILING mark means and what to do about it, in one sentence. */
export function failingWords(disk: string): string {
  return `FAILING: excluded from allocation; check the disk, then \`plexa disk set ${disk} failing=off\``
}

/**
 * Rule 436: clearing the FAILING mark (vxedit set failing=off), through the typed client's record
 * edit, confirmed with its dry run: the disk takes allocations again.
 */
export function clearFailingAction(dg: string, disk: string, disabled?: string): Action {
  return {
    id: 'clearfailing',
    label: 'Clear FAILING',
    route: 'PATCH /api/dgs/:dg/records/:name',
    params: { dg, name: disk },
    body: { fields: { failing: 'off' } },
    destructive: true,
    warning: `${disk} takes allocations again (new volumes, mirrors, grows, relocations): clear it only once the disk is checked and works`,
    ...(disabled ? { disabled } : {}),
  }
}

/**
 * Rule 578: the running copies by the volumes they copy into, as one string (`task-4=dg/mirvol
 * task-5=dg/msvol`): the same while the tasks only report progress, so a view that reads it
 * renders again when a copy starts or ends, not at each report.
 */
export function copyingKey(tasks: readonly TaskView[]): string {
  return tasks.filter(isCopy).map((t) => `${t.taskId}=${(t.volumes ?? [t.volume]).map((v) => `${t.dg}/${v}`).join(',')}`).join(' ')
}

/** The task copying into each `dg/volume` now, from `copyingKey`'s string. */
export function copyingInto(key: string): Map<string, string> {
  const out = new Map<string, string>()
  for (const part of key ? key.split(' ') : []) {
    const [taskId, volumes] = part.split('=') as [string, string]
    for (const v of volumes.split(',')) if (!out.has(v)) out.set(v, taskId)
  }
  return out
}
