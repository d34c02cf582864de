import type { ResponseOf } from '@plexa/protocol'
import { duration, human } from './units.ts'

/** A task history entry as the API answers it. */
type FinishedTask = ResponseOf<'GET /api/tasks/history'>['tasks'][number]

/** What a finished task copied and wrote to its plexes (rule 272), or '-' when its entry does not say. */
function copied(t: FinishedTask): string {
  return t.sync ? human(t.sync.bytesCopied) : t.verify || t.outcome === 'interrupted' ? '-' : human(t.doneBytes)
}
function writtenBytes(t: FinishedTask): number | undefined {
  return t.sync?.bytesWritten ?? t.writtenBytes ?? (t.verify ? 0 : undefined)
}
function written(t: FinishedTask): string {
  const n = writtenBytes(t)
  return n !== undefined ? human(n) : '-'
}
/** ", 162 not copied (to catvol-02)": the failed region copies and the plexes they were for. */
function notCopied(t: FinishedTask): string {
  if (!t.sync?.failedCount) return ''
  const plexes = [...new Set(t.sync.failedRegions.flatMap((f) => f.plex.split(',')).filter(Boolean))]
  return `, ${t.sync.failedCount} not copied${plexes.length ? ` (to ${plexes.join(', ')})` : ''}`
}
function outcome(t: FinishedTask): string {
  if (t.outcome === 'interrupted') return t.continuedAs ? `interrupted: ${t.continuedAs}` : 'interrupted'
  return t.outcome === 'failed' ? `failed ${t.code ?? ''}`.trim() : t.outcome === 'ok' && t.verify?.mismatchCount ? 'MISMATCH' : t.outcome
}

/** `plexa task list --history`: one line a finished task, oldest first, sizes in units. */
export function taskHistoryText(tasks: readonly FinishedTask[]): string {
  if (!tasks.length) return 'no finished tasks'
  const widths = [10, 9, 20, 20, 10, 10]
  const line = (f: string[]) => f.map((x, i) => (i < f.length - 1 ? x.padEnd(widths[i]!) : x)).join(' ')
  const when = (t: FinishedTask) => new Date(t.finishedAt).toISOString().replace('T', ' ').slice(0, 19)
  return [line(['TASK', 'KIND', 'TARGET', 'OUTCOME', 'COPIED', 'WRITTEN', 'FINISHED']), ...tasks.map((t) => line([t.taskId, t.kind, t.target, outcome(t), copied(t), written(t), when(t)]))].join('\n')
}

/** `plexa task show ID` of a finished task: its outcome and what it copied and wrote, one fact a line. */
export function finishedTaskText(t: FinishedTask): string {
  const said = t.outcome === 'interrupted' ? 'interrupted' : `${outcome(t)}${t.message ? ` (${t.message})` : ''}`
  const lines = [`${t.taskId}: ${t.kind} of ${t.target}${t.volumes.length > 1 ? ` (${t.volumes.join(', ')})` : ''}: ${said}`]
  if (t.startedBy) lines.push(`  started:  ${t.startedBy === 'automatic' ? 'automatically' : 'resumed after a server restart'}`)
  // rule 425: the link both ways between a task a restart interrupted and the one continuing it
  if (t.continues) lines.push(`  continues: ${t.continues} (interrupted when the server stopped)`)
  if (t.outcome === 'interrupted') {
    lines.push(`  interrupted: the server stopped while it ran; ${t.continuedAs ? `${t.continuedAs} continues it from its last checkpoint (plexa task show ${t.continuedAs})` : 'no task continues it'}`)
    if (t.startedAt !== undefined) lines.push(`  started at: ${new Date(t.startedAt).toISOString()}`)
    return lines.join('\n')
  }
  if (t.sync) lines.push(`  copied:   ${human(t.sync.bytesCopied)} (${t.sync.regionsCopied} region${t.sync.regionsCopied === 1 ? '' : 's'})${notCopied(t)}`)
  else if (!t.verify) lines.push(`  copied:   ${human(t.doneBytes)} of ${human(t.totalBytes)}`)
  lines.push(`  written:  ${written(t)}${writtenBytes(t) !== undefined && !t.verify ? ' to its target plexes' : ''}`)
  if (t.verify) lines.push(`  verified: ${t.verify.regionsChecked} regions of ${t.verify.volume}, ${t.verify.mismatchCount} differ`)
  if (t.startedAt !== undefined) lines.push(`  took:     ${duration((t.finishedAt - t.startedAt) / 1000)}`)
  return lines.join('\n')
}
