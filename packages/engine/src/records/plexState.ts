import { isStalePlex } from '../recordOps.ts'
import { type Config, type PlRecord, PL_TFLAG } from './types.ts'

/** Does the plex serve its volume's reads now (ENABLED, READ, current, not a log)? */
export function isServing(p: PlRecord): boolean {
  return p.pl_kstate === 'ENABLED' && (p.pl_tflag & PL_TFLAG.READ) !== 0 && !isStalePlex(p) && p.pl_state !== 'LOG'
}

/** Is every subdisk of the plex a log subdisk (a log-only plex)? */
export function isLogPlexRec(c: Config, p: PlRecord): boolean {
  const sds = c.subdisks.filter((s) => s.sd_plex_rid === p.pl_rid)
  return sds.length > 0 && sds.every((s) => s.sd_is_log)
}

/**
 * PL_TFLAG_LOG as a usage type sets it when it enables a plex: on a plex with a log subdisk,
 * which the DRL then considers enabled; 0 for a plex without one (the flag would be ignored).
 */
export function logFlag(p: PlRecord): number {
  return p.pl_log_sd_rid ? PL_TFLAG.LOG : 0
}

/** Is the plex's log subdisk enabled (plexrec(4) PL_TFLAG_LOG: set, on an ENABLED plex with a log subdisk)? */
export function hasEnabledLog(p: PlRecord): boolean {
  return p.pl_kstate === 'ENABLED' && p.pl_log_sd_rid !== 0 && (p.pl_tflag & PL_TFLAG.LOG) !== 0
}

/** A plex with a subdisk on a disk that has no device (NODEVICE): it can take no I/O. */
export function onMissingDisk(p: PlRecord): boolean {
  return (p.pl_tflag & (PL_TFLAG.REMOVED | PL_TFLAG.NODAREC)) !== 0
}
