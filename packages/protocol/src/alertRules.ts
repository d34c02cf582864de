import type { DmRecord } from '@plexa/engine'
import type { Alert, FinishedTask } from './messages.ts'

// diskrec(4) transient bits, as the engine sets them (a value import of the engine is not the web's)
const DM_TFLAG_NODAREC = 0x8
const DM_TFLAG_CONFIG_DISABLED = 0x10

/**
 * The alert resolution rules the server (`alertOver`, which marks an alert resolved, rule 295) and
 * the web (`alertResolution`, what the page knows before the server has marked it) share, in the
 * order both apply them. Each answers the words that say the problem is over, or undefined while
 * it lasts or cannot be told.
 */

/** A failed log, or a flag that could not be written: nothing tells when it is mended. */
const CANNOT_TELL = new Set<string>(['VM_WRTDAERR', 'VM_MAPFRDWR'])

/** Whether nothing can tell when the problem of an alert with this code is over. */
export function cannotTellAlertOver(code: string): boolean {
  return CANNOT_TELL.has(code)
}

/** A group forced offline (VM_FORCEOFF): over once the group is online again. */
export function forcedOfflineOver(dg: string, forcedOffline: boolean): string | undefined {
  return forcedOffline ? undefined : `disk group ${dg} is online again`
}

/**
 * A disabled configuration copy (VM_MAPFRDWR about a disk): over once the disk has its device and
 * its record no longer says the copy is disabled (DM_TFLAG CONFIG_DISABLED, rule 235: the engine
 * records it before the alert and clears it once it has written the copy again).
 */
export function configCopyOver(dm: Pick<DmRecord, 'dm_name' | 'dm_device' | 'dm_tflag'>): string | undefined {
  return dm.dm_device && !(dm.dm_tflag & (DM_TFLAG_CONFIG_DISABLED | DM_TFLAG_NODAREC)) ? `the configuration copy on ${dm.dm_name} is enabled and written again` : undefined
}

/**
 * A volume whose plexes may differ (VM_NOTSYNCED: a verify mismatch, a failed recovery or resync),
 * its data plexes healthy again: over once a resync, repair or clean verify of it finished ok
 * after the alert was last seen (the latest such task names it).
 */
export function notSyncedMended(a: Pick<Alert, 'dg' | 'lastAt'>, volume: string, finished: readonly FinishedTask[]): string | undefined {
  const mended = [...finished].reverse().find((t) => t.dg === a.dg && t.volumes.includes(volume) && t.finishedAt >= a.lastAt && t.outcome === 'ok' && (t.kind === 'resync' || t.kind === 'repair' || (t.kind === 'verify' && t.verify?.mismatchCount === 0)))
  return mended ? `a ${mended.kind} of ${volume} finished ok since (task ${mended.taskId})` : undefined
}
