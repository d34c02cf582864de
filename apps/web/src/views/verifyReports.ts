import type { FinishedTask } from '@plexa/protocol'
import { count } from './format.ts'

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

/**
 * What to do about plexes a verify found different (rule 366), for the volume's "plexes differ"
 * badge: where it is said (the verify's report in the task history, which offers the repair) and
 * from which plex: plexes that agree with each other against the rest in every region listed are
 * named as the source; without such a majority (two plexes), only the administrator can tell.
 */
export function repairAdvice(t: FinishedTask): string {
  const r = t.verify!
  const found = `verify ${t.taskId} found the plexes of ${r.volume} different in ${count(r.mismatchCount, 'region')}`
  const report = `Task history, verify ${t.taskId}'s report`
  const plexes = [...new Set(r.mismatches.flatMap((m) => m.groups.flat()))]
  // a plex in the one largest group of every region: the copies outvote the one that differs
  const inMajority = (p: string) => r.mismatches.every((m) => {
    const mine = m.groups.find((g) => g.includes(p))!
    return m.groups.every((g) => g === mine || g.length < mine.length)
  })
  const majority = r.mismatches.length ? plexes.filter(inMajority) : []
  if (majority.length) {
    const rest = plexes.filter((p) => !majority.includes(p))
    return `${found}: ${majority.join(' = ')} agree in each against ${rest.join(', ')}; repair from ${majority[0]} (${report}: Repair from ${majority[0]})`
  }
  const which = plexes.length ? ` (${plexes.join(' ≠ ')})` : ''
  return `${found}${which}, with no majority to tell which holds the right data: find out which does, then repair from it (${report}: Repair from that plex)`
}
