import type { GroupView } from '@plexa/protocol'
import type { FailedDisks } from './print.ts'

const DM_PFLAG_REMOVED = 0x100

/** What detaching or dissociating a plex leaves its volume: the copies still healthy and, when it costs redundancy, the warning. */
export interface PlexLoss {
  volume: string
  /** Healthy copies of the volume once the plex is gone. */
  healthyLeft: number
  /** The plex is the volume's dirty region log. */
  log: boolean
  warning?: string
}

/** What ends the lost redundancy, by what the verb does to the plex (rule 432): it stays, it stays apart, it is gone. */
const UNTIL: Record<'det' | 'dis' | 'rm', (volume: string, plex: string) => string> = {
  det: (v, p) => `until ${p} is attached again (plexa plex att ${v} ${p})`,
  dis: (v, p) => `until a plex is attached again (plexa plex att ${v} ${p} puts this one back)`,
  rm: (v, p) => `until a new mirror is added (plexa vol mirror ${v}): ${p} and its subdisks are removed, their data gone`,
}

/**
 * Rule 248: the dry run of `plex det` and `plex dis` warns as the web's confirmation does. A healthy
 * copy is a data plex that is ENABLED ACTIVE, complete, with no stale region and no subdisk on a
 * removed disk or one failing in lab mode. Undefined for a plex of no volume.
 */
export function plexLoss(g: GroupView, failed: FailedDisks, plexName: string, verb: 'det' | 'dis' | 'rm'): PlexLoss | undefined {
  const c = g.config
  const pl = c.plexes.find((p) => p.pl_name === plexName)
  const v = pl && c.volumes.find((x) => x.v_rid === pl.pl_vol_rid)
  if (!pl || !v) return undefined
  const sdsOf = (name: string) => c.subdisks.filter((s) => s.sd_pl_name === name)
  const isLog = (name: string) => {
    const sds = sdsOf(name)
    return sds.length > 0 && sds.every((s) => s.sd_is_log)
  }
  const bad = new Set(c.disks.filter((d) => failed.has(d.dm_name) || d.dm_pflag & DM_PFLAG_REMOVED).map((d) => d.dm_name))
  const healthy = c.plexes.filter((p) => {
    if (p.pl_vol_rid !== v.v_rid || p === pl || isLog(p.pl_name)) return false
    const stale = g.stale[p.pl_name]
    return p.pl_kstate === 'ENABLED' && p.pl_state === 'ACTIVE' && p.pl_contig_len >= v.v_len && !stale?.full && !stale?.regions.length && !sdsOf(p.pl_name).some((s) => bad.has(s.sd_dm_name))
  }).length
  const log = isLog(pl.pl_name)
  const warning = log
    ? `${v.v_name} loses its dirty region log: after a crash every region is copied, not only the dirty ones`
    : healthy <= 1
      ? `${v.v_name} will have no redundancy${healthy === 0 ? ' (and no healthy copy at all)' : ''} ${UNTIL[verb](v.v_name, pl.pl_name)}`
      : undefined
  return { volume: v.v_name, healthyLeft: healthy, log, ...(warning ? { warning } : {}) }
}
