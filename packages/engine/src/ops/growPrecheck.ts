import { fail } from '../errors.ts'
import type { GroupParts } from '../groupParts.ts'
import { isStalePlex } from '../recordOps.ts'
import { isLogPlexRec, onMissingDisk } from '../records/plexState.ts'
import type { VRecord } from '../records/types.ts'

/**
 * Rule 420: a grow zeroes the new space of every current data plex of the volume; one with a
 * subdisk on a disk that fails every write now (a failed disk, `BlockDevice.failing`) would fail
 * that task half done, so the grow (and its dry run) is refused VM_DISK_FAILED before anything
 * changes. Restore or replace the disk first (or detach the plex: a stale plex is not zeroed, its
 * new space is marked stale).
 */
export function assertGrowWritable(p: GroupParts, v: VRecord): void {
  const cfg = p.store.current()
  for (const pl of p.plexesOf(v.v_rid)) {
    if (isLogPlexRec(cfg, pl) || isStalePlex(pl) || onMissingDisk(pl)) continue
    const failed = p.plexIo.failedDisks(pl, 'write')
    if (failed.length) fail('VM_DISK_FAILED', `plex ${pl.pl_name} of ${v.v_name} is on failed disk ${failed.join(', ')}, which fails every write: the grow could not zero its new space; restore or replace ${failed.join(', ')} first`)
  }
}
