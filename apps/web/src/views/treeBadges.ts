import type { TaskView } from '@plexa/protocol'
import { copiesOnto, failingWords, isFailing, resyncingWords, stillWaiting } from './diskNotice.ts'
import { type GroupHealth, REDUNDANCY_ICON, REDUNDANCY_STATE, REDUNDANCY_WORDS, isWhole } from './health.ts'
import type { TreeRow } from './treeRows.ts'

/** What needs noticing on a tree row, from the group's health: a volume's redundancy, a disk in trouble, a plex in trouble. */
export interface Badge {
  /** Icon and words, as drawn: "⚠ NO REDUNDANCY". */
  text: string
  /** The words without the icon, for the accessible name. */
  words: string
  state: 'ok' | 'stale' | 'failed' | 'offline'
  why: string
  /** The whole state in one sentence, for the accessible name: "no redundancy: 1 of 2 copies healthy; plex ...". */
  said: string
}

const badge = (icon: string, words: string, state: Badge['state'], why: string, said = `${words}: ${why}`): Badge => ({ text: `${icon} ${words.toUpperCase()}`, words, state, why, said })

/**
 * A row's badge (undefined for most rows). A disk whose plexes wait for a copy says "resync it"
 * (rule 362); a disk hot relocation left FAILING says so (rule 436): alone when nothing else is
 * wrong with it, in the words of its other badge otherwise.
 */
export function rowBadge(it: TreeRow, h: GroupHealth | undefined): Badge | undefined {
  if (!h) return undefined
  if (it.kind === 'v') {
    const v = h.volumes.get(it.name)
    if (!v || isWhole(v.redundancy)) return undefined
    const why = [v.words, ...v.problems].join('; ')
    return badge(REDUNDANCY_ICON[v.redundancy], REDUNDANCY_WORDS[v.redundancy], REDUNDANCY_STATE[v.redundancy] as Badge['state'], why, why)
  }
  if (it.kind === 'dm') {
    const d = h.disks.get(it.name)
    const failing = isFailing(it.rec as { dm_pflag: number } | undefined) ? failingWords(it.name) : ''
    if (!d || d.status === 'ok') return failing ? badge('▲', 'failing', 'stale', failing, failing) : undefined
    const why = `${d.reason}${d.volumes.length ? `; affects ${d.volumes.join(', ')}` : ''}${failing ? `; ${failing}` : ''}`
    // a replaced disk works, but what is on it waits for a copy: the badge says so (rule 362)
    if (d.status === 'recovered' || d.status === 'out of date') return badge('▲', 'resync it', 'stale', why)
    return badge('✕', d.status === 'suspect' ? 'I/O errors' : d.status, 'failed', why)
  }
  if (it.kind === 'pl') {
    const p = h.plexes.get(it.name)
    if (!p?.problem) return undefined
    return p.failedDisks.length ? badge('✕', 'on failed disk', 'failed', p.problem) : badge('▲', 'needs recovery', 'stale', p.problem)
  }
  return undefined
}

/**
 * Rule 435: a disk's "resync it" badge while a copy into what waits on it runs: "⟳ BEING
 * RESYNCED 25%", with the task, its progress and what still waits in the sentence; the badge as
 * it was when no such task runs (or the row says something else).
 */
export function withRunningCopy(b: Badge | undefined, it: TreeRow, h: GroupHealth | undefined, tasks: readonly TaskView[]): Badge | undefined {
  if (!b || !h || it.kind !== 'dm' || b.words !== 'resync it' || !tasks.length) return b
  const copies = copiesOnto(h, it.name, tasks)
  if (!copies.length) return b
  const { words, said } = resyncingWords(copies, stillWaiting(h, it.name, copies))
  return badge('⟳', words, 'stale', `${said}; ${b.why}`, said)
}
