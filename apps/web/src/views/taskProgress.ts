import type { TaskView } from '@plexa/protocol'
import { duration } from './format.ts'
import { formatBytes, formatRate } from './units.ts'

/** What a task's row shows of its progress, as text (the row writes it where it changed). */
export interface ProgressText {
  /** Whole percent done, 0 to 100 (rounded down: 100 only when everything is copied). */
  pct: number
  /** "42%". */
  percent: string
  /** "84 MiB / 200 MiB". */
  bytes: string
  /** "3 MiB/s", "paused", or "—" while no rate is known. */
  rate: string
  /** "ETA 3 min 20 s", "ETA unknown", or nothing while paused. */
  eta: string
}

/** The progress of a task as its row shows it: paused, it has no rate and no ETA. */
export function progressText(t: Pick<TaskView, 'doneBytes' | 'totalBytes' | 'rate' | 'etaSeconds' | 'phase'>): ProgressText {
  const pct = Math.min(100, Math.max(0, Math.floor((t.doneBytes * 100) / Math.max(1, t.totalBytes))))
  const paused = t.phase === 'paused'
  return {
    pct,
    percent: `${pct}%`,
    bytes: `${formatBytes(t.doneBytes)} / ${formatBytes(t.totalBytes)}`,
    rate: paused ? 'paused' : t.rate > 0 ? formatRate(t.rate) : '—',
    eta: paused ? '' : t.etaSeconds === null ? 'ETA unknown' : `ETA ${duration(t.etaSeconds)}`,
  }
}

/** What a task works on: "mirvol", or a disk and its volumes, "disk disk02 (mirvol, msvol)". */
export function taskTarget(t: Pick<TaskView, 'target' | 'volume' | 'volumes'>): string {
  const vols = (t.volumes ?? [t.volume]).join(', ')
  return t.target ? `${t.target}${t.target.startsWith('disk') ? ` (${vols})` : ''}` : vols
}
