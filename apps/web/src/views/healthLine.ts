import { type GroupHealth, REDUNDANCY_STATE } from './health.ts'

/** A health line's colour, as the tree's badges have it: a failure, a copy to make, or nothing wrong. */
export type LineTone = 'ok' | 'stale' | 'failed'

/**
 * Rule 411: the selected object's health in one line for Properties, as the tree's badge and the
 * Overview say it: a disk's status with why and what it affects, a volume's redundancy with its
 * problems, a plex's problem; so Properties never shows only the raw records of a failed disk.
 */
export function healthLine(h: GroupHealth, kind: string, name: string): { tone: LineTone; text: string } | undefined {
  if (kind === 'dm') {
    const d = h.disks.get(name)
    if (!d) return undefined
    if (d.status === 'ok') return { tone: 'ok', text: `works${d.volumes.length ? `; holds ${d.volumes.join(', ')}` : ''}` }
    return { tone: d.status === 'recovered' || d.status === 'out of date' ? 'stale' : 'failed', text: `${(d.status === 'suspect' ? 'I/O errors' : d.status).toUpperCase()}: ${d.reason}${d.volumes.length ? `; affects ${d.volumes.join(', ')}` : ''}` }
  }
  if (kind === 'v') {
    const v = h.volumes.get(name)
    if (!v) return undefined
    const st = REDUNDANCY_STATE[v.redundancy]
    return { tone: st === 'failed' || st === 'stale' ? st : 'ok', text: [v.words, ...v.problems].join('; ') }
  }
  if (kind === 'pl') {
    const p = h.plexes.get(name)
    if (!p) return undefined
    return p.problem ? { tone: p.failedDisks.length ? 'failed' : 'stale', text: p.problem } : { tone: 'ok', text: p.log ? 'a log plex that works' : 'a healthy copy' }
  }
  return undefined
}
