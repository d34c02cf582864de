import type { ResponseOf } from '@plexa/protocol'
import { human } from './units.ts'

type Report = Extract<ResponseOf<'GET /api/tasks/:task/result'>, { ok: true }>['report']

/** A finished task's report as sentences (`--wait` without `--json`): what it copied or found. */
export function taskReportText(taskId: string, report: Report): string {
  if ('mismatches' in report) {
    const n = report.mismatches.length
    return `${taskId}: done, checked ${report.regionsChecked} regions of ${report.volume}: ${n ? `${n} differ (${report.mismatches.map((m) => m.region).join(', ')})` : 'the plexes are identical'}`
  }
  const wrote = report.bytesWritten !== undefined ? `, wrote ${human(report.bytesWritten)} to its plexes` : ''
  const lines = [`${taskId}: done, copied ${report.regionsCopied} region${report.regionsCopied === 1 ? '' : 's'} (${human(report.bytesCopied)})${wrote}`]
  for (const f of report.failedRegions) lines.push(`  region ${f.region} of ${f.volume} not copied to ${f.plex}: ${f.reason}`)
  for (const v of report.volumes ?? []) {
    lines.push(`  ${v.volume}: ${v.synced ? 'synchronised' : `not synchronised, ${v.reason ?? 'VM_NOTSYNCED'}${v.plexes?.length ? ` (${v.plexes.join(', ')} left stale or detached)` : ''}`}`)
  }
  return lines.join('\n')
}
