import { fail } from '../errors.ts'
import type { PlRecord } from '../records/types.ts'
import type { SyncContext } from './regionCopy.ts'

/**
 * Rule 418: a copy onto a disk that fails every write now (a failed disk: a lab failure, a lost
 * connection; `BlockDevice.failing`) is certain to fail, so it is refused VM_DISK_FAILED before
 * anything changes (no transaction, no task), its dry run too, as allocation refuses such a disk:
 * a disk resync of the disk (`disk`: only that disk counts) and an attach of a plex with a subdisk
 * on it. Restore or replace the disk first.
 */
export function assertTargetWritable(ctx: SyncContext, targets: readonly PlRecord[], what: string, disk?: string): void {
  for (const p of targets) {
    const failed = ctx.failedDisks(p, 'write').filter((d) => disk === undefined || d === disk)
    if (failed.length === 0) continue
    const names = failed.join(', ')
    fail('VM_DISK_FAILED', `${what} would write to plex ${p.pl_name} on failed disk ${names}, which fails every write: restore or replace ${names} first`)
  }
}
