import { createHash } from 'node:crypto'
import type { Random } from '../random.ts'
import type { Config } from '../records/types.ts'

/**
 * Serial split brain detection (VxVM's ssbid, rule 350). Every configuration copy carries its
 * lineage: one entry per manager session (create or import) that committed it or an ancestor,
 * each with a random epoch id, the tid the session took (`base`: its commits are above it) and
 * the disk membership of that configuration. A session is one line of commits, so a copy of
 * epoch E at tid t is an ancestor of a configuration whose lineage says E went on to tid t or
 * beyond: any other copy comes from a history that went its own way (two halves imported apart,
 * a disk image restored or imported by another host while this one ran).
 */
export interface Epoch {
  epoch: string
  /** The tid the session imported; its commits are numbered above it. */
  base: number
  /** `membersOf` the configuration it imported. */
  members: string
  /** Copies an import with a chosen configuration (`selectcp`) overruled: the epoch and newest tid of each side dropped. */
  dropped?: Array<{ epoch: string; tid: number }>
}

export type Lineage = readonly Epoch[]

/** Entries a copy keeps (the newest): a disk away for more sessions than this is taken as merely stale. */
export const LINEAGE_KEEP = 64

/** The disk membership of a configuration (each disk's id and its number of copies), as a short digest. */
export function membersOf(c: Config): string {
  const list = c.disks.map((d) => `${d.dm_diskid}:${d.dm_config_copies}`).sort().join(',')
  return createHash('sha256').update(list).digest('hex').slice(0, 16)
}

/** A new epoch id: 16 hex digits of `random`. */
export function newEpochId(random: Random): string {
  const part = () => Math.floor(random() * 2 ** 32).toString(16).padStart(8, '0')
  return part() + part()
}

/** The lineage of a session that took `base` (of lineage `from`), overruling `dropped`. */
export function startEpoch(from: Lineage, base: Config, epoch: string, dropped: Epoch['dropped'] = []): Epoch[] {
  const e: Epoch = { epoch, base: base.tid, members: membersOf(base), ...(dropped.length > 0 ? { dropped } : {}) }
  return [...from, e].slice(-LINEAGE_KEEP)
}

/** The lineage a stored configuration carries (none before this format: such a copy is taken as merely stale). */
export function lineageOf(stored: unknown): Lineage {
  const l = (stored as { lineage?: unknown }).lineage
  if (!Array.isArray(l)) return []
  return l.filter((e): e is Epoch => typeof e === 'object' && e !== null && typeof e.epoch === 'string' && typeof e.base === 'number' && typeof e.members === 'string')
}

/** A configuration read off a disk, with its lineage. */
export interface LinedConfig {
  cfg: Config
  lineage: Lineage
}

/**
 * How copy `x` stands to configuration `y` (of at least its tid): `ancestor` (y's history went
 * through it: its disk missed commits, or it holds a commit that lost quorum and was never
 * acknowledged), `dropped` (an import that chose y's side overruled it) or `diverged`. Pure.
 *
 * A copy of epoch E one tid above where y's history left E, with the membership E had there, is
 * a commit that lost quorum: the import that left E took a majority of that membership's copies,
 * none holding it, so it never reached a majority (rules 226, 265). Beyond that, or with another
 * membership (a disk added, removed or replaced), it may have been acknowledged: diverged.
 */
export function relationOf(x: LinedConfig, y: LinedConfig): 'ancestor' | 'dropped' | 'diverged' {
  const ex = x.lineage.at(-1)
  if (!ex || y.lineage.length === 0) return 'ancestor'
  const tid = x.cfg.tid
  if (y.lineage.some((e) => e.dropped?.some((d) => d.epoch === ex.epoch && tid <= d.tid))) return 'dropped'
  const i = y.lineage.findIndex((e) => e.epoch === ex.epoch)
  if (i < 0) return y.lineage.length >= LINEAGE_KEEP && tid <= y.lineage[0]!.base ? 'ancestor' : 'diverged'
  const next = y.lineage[i + 1]
  if (!next) return tid <= y.cfg.tid ? 'ancestor' : 'diverged'
  if (tid <= next.base) return 'ancestor'
  return tid === next.base + 1 && membersOf(x.cfg) === next.members ? 'ancestor' : 'diverged'
}
