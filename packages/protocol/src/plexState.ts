import type { PlRecord } from '@plexa/engine'

// plexrec(4) bits, as the engine sets them (a value import of the engine is not the web's)
const PL_PFLAG_STALE = 0x2
const PL_PFLAG_KDETACH = 0x4
const PL_TFLAG_REMOVED = 0x200
const PL_TFLAG_NODAREC = 0x400

/**
 * What a plex's STATE says, as vxprint shows it (VxVM 3.5/4.1/5.0 guides, "Plex condition
 * flags"), the same words in `plexa print` and the console (rules 422, 466): a condition flag in
 * place of the state, NODEVICE for a subdisk on a disk without its device or failing its I/O
 * (`onFailedDisk`), REMOVED for one on a removed disk, RECOVER for a plex whose disk was replaced
 * or came back too late (PL_PFLAG_STALE without a kernel detach); IOFAIL for a plex whose state is
 * IOFAIL (a copy into it failed), stale or not; else the record's state.
 */
export function plexStateWord(pl: Pick<PlRecord, 'pl_state' | 'pl_pflag' | 'pl_tflag'>, onFailedDisk: boolean): string {
  if (pl.pl_tflag & PL_TFLAG_NODAREC || onFailedDisk) return 'NODEVICE'
  if (pl.pl_tflag & PL_TFLAG_REMOVED) return 'REMOVED'
  if (pl.pl_state === 'IOFAIL') return 'IOFAIL'
  if ((pl.pl_pflag & (PL_PFLAG_STALE | PL_PFLAG_KDETACH)) === PL_PFLAG_STALE) return 'RECOVER'
  return pl.pl_state
}
