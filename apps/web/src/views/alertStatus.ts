import { type Alert, type FinishedTask, type GroupView, type LabView, cannotTellAlertOver, configCopyOver, forcedOfflineOver, notSyncedMended } from '@plexa/protocol'
import { badLogOver, isBadLogAlert } from '../../../../packages/engine/src/drl/badLogAlert.ts'
import { groupHealth, isWhole } from './health.ts'
import { isFailing } from './diskNotice.ts'

/**
 * Whether the problem an alert is about is gone: the server's `resolved` when it has marked it
 * (rule 295), else from what the page knows now (the records, the lab, the task history): the
 * words that say so, or undefined while it lasts or cannot be told.
 * A resolved alert is still listed until an administrator acknowledges it, but it no longer
 * reads as a live problem (no red, no banner).
 *
 * - about a plex: the plex is a healthy copy again (ENABLED ACTIVE, nothing stale, no failed disk);
 * - about a disk: the disk works and every volume on it has full redundancy;
 * - about a volume: it has full redundancy, and when the alert says its plexes may differ
 *   (VM_NOTSYNCED: a verify mismatch, a failed recovery or resync), a resync, repair or clean
 *   verify of it finished ok after the alert was last seen;
 * - a group forced offline: the group is online again;
 * - a disabled configuration copy (VM_MAPFRDWR about a disk): the disk has its device and its
 *   record no longer says the copy is disabled (DM_TFLAG CONFIG_DISABLED, rule 235: the engine
 *   records it before the alert and clears it once it has written the copy again).
 * Anything else (an object that is gone, a failed log or flag write: VM_WRTDAERR, VM_MAPFRDWR about
 * a volume or plex) stays unresolved. The rules the server's `alertOver` shares are in
 * @plexa/protocol's alertRules.ts.
 */
export function alertResolution(a: Alert, groups: Record<string, GroupView>, lab: LabView['disks'], finished: readonly FinishedTask[]): string | undefined {
  // the server saw the problem end: resolved for good, the problem coming back is a new alert (rule 295)
  if (a.resolved) return a.resolved.why
  const g = groups[a.dg]
  if (!g) return undefined
  if (a.code === 'VM_FORCEOFF') return forcedOfflineOver(a.dg, g.forcedOffline)
  // rule 477: a failed log is over once the volume's log is valid and in use again
  if (isBadLogAlert(a)) return badLogOver(a, g.config)
  const name = a.object
  const dm = name === undefined ? undefined : g.config.disks.find((d) => d.dm_name === name)
  if (a.code === 'VM_MAPFRDWR' && dm) return configCopyOver(dm)
  if (name === undefined || cannotTellAlertOver(a.code)) return undefined
  const h = groupHealth(g, lab)
  const plex = h.plexes.get(name)
  if (plex) return plex.problem ? undefined : `plex ${name} is a healthy copy again`
  const disk = h.disks.get(name)
  if (disk) {
    // rule 436: a disk still marked FAILING keeps its VM_DISK_FAILED alert open, however well it works
    if (disk.status !== 'ok' || (a.code === 'VM_DISK_FAILED' && isFailing(dm))) return undefined
    return disk.volumes.every((v) => isWhole(h.volumes.get(v)?.redundancy)) ? `disk ${name} works and ${disk.volumes.length ? `${disk.volumes.join(', ')} ${disk.volumes.length > 1 ? 'have' : 'has'} full redundancy` : 'holds no volume'}` : undefined
  }
  const volume = h.volumes.get(name)
  if (!volume || !isWhole(volume.redundancy)) return undefined
  if (a.code !== 'VM_NOTSYNCED') return `volume ${name} has full redundancy again`
  return notSyncedMended(a, name, finished)
}

/** The resolution of every unacknowledged alert, by id (only the resolved ones). */
export function resolvedAlerts(alerts: Record<number, Alert>, groups: Record<string, GroupView>, lab: LabView['disks'], finished: readonly FinishedTask[]): Map<number, string> {
  const out = new Map<number, string>()
  for (const a of Object.values(alerts)) {
    if (a.acked) continue
    const why = alertResolution(a, groups, lab, finished)
    if (why) out.set(a.id, why)
  }
  return out
}

/**
 * The unacknowledged alerts counted as an administrator reads them (rule 365): "active" ones are
 * about a problem that lasts, "resolved" ones only wait to be acknowledged; never "open" beside
 * "resolved" (both were unacknowledged). Whole in the alerts pane (and the strip's tooltip):
 * "10 active alerts, 19 resolved to acknowledge"; the health strip's, one line at 1024 px: "10
 * active alerts, 19 resolved"; the Alerts tab's: "10 active, 19 resolved".
 */
export function alertCountWords(unacked: number, resolved: number, form: 'whole' | 'strip' | 'tab' = 'whole'): string {
  const active = unacked - resolved
  const alerts = (n: number) => `alert${n === 1 ? '' : 's'}`
  if (form === 'tab') return unacked ? [active ? `${active} active` : '', resolved ? `${resolved} resolved` : ''].filter(Boolean).join(', ') : 'none open'
  if (!unacked) return 'no open alerts'
  if (form === 'strip') return [active ? `${active} active ${alerts(active)}` : '', resolved ? `${resolved} resolved${active ? '' : ` ${alerts(resolved)}`}` : ''].filter(Boolean).join(', ')
  if (!resolved) return `${active} active ${alerts(active)}`
  if (!active) return `${resolved} resolved ${alerts(resolved)} to acknowledge`
  return `${active} active ${alerts(active)}, ${resolved} resolved to acknowledge`
}

/**
 * Rule 437: the unacknowledged alerts whose problem is over, oldest first: what the Overview's
 * "Acknowledge all resolved" acknowledges (one audited POST /api/alerts/ack), never an alert
 * whose problem lasts nor one already acknowledged.
 */
export function resolvedToAck(alerts: Record<number, Alert>, resolved: ReadonlyMap<number, string>): number[] {
  return Object.values(alerts).filter((a) => !a.acked && resolved.has(a.id)).map((a) => a.id).sort((x, y) => x - y)
}
