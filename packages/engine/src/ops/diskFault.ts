import type { GroupParts } from '../groupParts.ts'
import { type DmRecord, DM_PFLAG } from '../records/types.ts'

/** Why a disk may take no new space now (`diskFault`), or undefined when it may. */
export type DiskFault = (dm: DmRecord, self?: number) => string | undefined

/**
 * Rule 372: the disks no allocation chooses (vxassist make, mirror, growto, addlog, vxevac), and a
 * named one is refused VM_DISK_FAILED: a disk without its device (NODEVICE, removed), one whose
 * device fails every read or write now (a failed disk), and one under a plex an I/O error detached
 * (IOFAIL) that is not back yet: new space there would be one failure away from lost. `self`: the
 * plex the space is for, whose own IOFAIL does not count (its last subdisk may grow in place: the
 * new space is stale on it anyway, rule 370).
 */
export function diskFault(p: GroupParts): DiskFault {
  const cfg = p.store.current()
  const iofail = new Map<number, Array<{ rid: number; name: string }>>()
  for (const pl of cfg.plexes) {
    if (!pl.pl_vol_rid || pl.pl_state !== 'IOFAIL') continue
    for (const sd of cfg.subdisks) {
      if (sd.sd_plex_rid !== pl.pl_rid) continue
      const on = iofail.get(sd.sd_dm_rid) ?? []
      if (!on.some((x) => x.rid === pl.pl_rid)) on.push({ rid: pl.pl_rid, name: pl.pl_name })
      iofail.set(sd.sd_dm_rid, on)
    }
  }
  return (dm, self) => {
    const dev = p.ioMap().device(dm.dm_rid)
    if (!dev || dm.dm_pflag & DM_PFLAG.REMOVED) return 'has no device (NODEVICE)'
    // a device that knows every read or write fails now (a lab failure, a lost connection, rule 341)
    if (dev.failing?.('write') || dev.failing?.('read')) return 'is failing I/O'
    const pl = iofail.get(dm.dm_rid)?.find((x) => x.rid !== self)?.name
    if (pl) return `holds plex ${pl}, detached by an I/O error (IOFAIL): resync the disk or attach the plex first`
    return undefined
  }
}
