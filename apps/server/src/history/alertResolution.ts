import { type Config, DM_PFLAG, DM_TFLAG, type PlRecord, type StaleView, badLogOver, isBadLogAlert } from '@plexa/engine'
import { type Alert, type FinishedTask, cannotTellAlertOver, configCopyOver, forcedOfflineOver, notSyncedMended } from '@plexa/protocol'
import { failingMarkOver, isFailingMarkAlert } from './failingMarks.ts'
import { isVolumeFailureAlert } from './volumeFailures.ts'

/** A group as it is now, for telling whether an alert's problem is over. */
export interface GroupNow {
  config: Config
  forcedOffline: boolean
  /** `dg.staleMaps()`: the plexes with anything stale, by name. */
  stale: Readonly<Record<string, StaleView>>
  /** Disks failing in the lab. */
  failedDisks: ReadonlySet<string>
}

/**
 * Whether the problem an open alert is about is over, from the group as it is now (rule 295): the
 * words that say so, or undefined while it lasts or cannot be told. The server marks the alert
 * resolved once (`AlertBook.resolve`), so the problem coming back later is a new alert, never the
 * old one open again with its old time. The same cases as the web's `alertResolution`, the shared ones in
 * @plexa/protocol's alertRules.ts:
 * a plex a healthy copy again (ENABLED ACTIVE, nothing stale, no failed disk); a disk that works
 * with every plex on it healthy; a volume whose data plexes are all healthy (VM_NOTSYNCED: and a
 * resync, repair or clean verify of it finished ok since); a group online again; a disabled
 * configuration copy enabled again. A failed volume (`isVolumeFailureAlert`) is over when
 * `volumeOver` says so (`VolumeFailures`).
 */
export function alertOver(a: Alert, g: GroupNow | undefined, finished: readonly FinishedTask[], volumeOver: (volume: string) => string | undefined): string | undefined {
  if (!g) return undefined
  const c = g.config
  if (a.code === 'VM_FORCEOFF') return forcedOfflineOver(a.dg, g.forcedOffline)
  if (isFailingMarkAlert(a)) return failingMarkOver(a, c)
  if (isBadLogAlert(a)) return badLogOver(a, c)
  const name = a.object
  const dm = name === undefined ? undefined : c.disks.find((d) => d.dm_name === name)
  if (a.code === 'VM_MAPFRDWR' && dm) return configCopyOver(dm)
  if (name === undefined || cannotTellAlertOver(a.code)) return undefined
  const badDisk = (disk: string) => {
    const d = c.disks.find((x) => x.dm_name === disk)
    return !d || g.failedDisks.has(disk) || !d.dm_device || (d.dm_pflag & DM_PFLAG.REMOVED) !== 0 || (d.dm_tflag & DM_TFLAG.NODAREC) !== 0
  }
  const sdsOf = (p: PlRecord) => c.subdisks.filter((s) => s.sd_plex_rid === p.pl_rid)
  const isLog = (p: PlRecord) => sdsOf(p).length > 0 && sdsOf(p).every((s) => s.sd_is_log)
  const healthy = (p: PlRecord) => p.pl_kstate === 'ENABLED' && (p.pl_state === 'ACTIVE' || (isLog(p) && p.pl_state === 'LOG')) && !g.stale[p.pl_name] && !sdsOf(p).some((s) => badDisk(s.sd_dm_name))
  const plex = c.plexes.find((p) => p.pl_name === name)
  if (plex) return healthy(plex) ? `plex ${name} is a healthy copy again` : undefined
  if (dm) {
    const on = c.plexes.filter((p) => sdsOf(p).some((s) => s.sd_dm_name === name))
    return !badDisk(name) && on.every(healthy) ? `disk ${name} works and ${on.length ? `its plexes ${on.map((p) => p.pl_name).join(', ')} are healthy` : 'holds no plex'}` : undefined
  }
  const v = c.volumes.find((x) => x.v_name === name)
  if (!v) return undefined
  if (isVolumeFailureAlert(a)) return volumeOver(name)
  const data = c.plexes.filter((p) => p.pl_v_name === name && !isLog(p))
  if (v.v_kstate !== 'ENABLED' || !data.length || !data.every(healthy)) return undefined
  if (a.code !== 'VM_NOTSYNCED') return data.length > 1 ? `volume ${name} has full redundancy again` : `volume ${name} is usable again`
  return notSyncedMended(a, name, finished)
}
