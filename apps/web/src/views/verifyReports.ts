import type { FinishedTask } from '@plexa/protocol'

/**
 * Rule 171: a verify report is superseded by a later verify, repair or resync of the same volume
 * (finished ok): what it found may have been mended or found again since, so only the newest
 * report offers a repair. By the superseded report's history id, the task that superseded it.
 */
export function supersededReports(finished: readonly FinishedTask[]): Map<number, FinishedTask> {
  const out = new Map<number, FinishedTask>()
  const latest = new Map<string, FinishedTask>()
  for (const t of finished) {
    if (t.outcome !== 'ok') continue
    for (const v of t.volumes) {
      const key = `${t.dg}/${v}`
      const ofVolume = t.kind === 'verify' || ((t.kind === 'repair' || t.kind === 'resync') && t.target === `volume ${v}`)
      if (!ofVolume) continue
      const before = latest.get(key)
      if (before && before.id !== t.id) out.set(before.id, t)
      if (t.kind === 'verify') latest.set(key, t)
      else latest.delete(key)
    }
  }
  return out
}
