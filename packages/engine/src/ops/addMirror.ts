import type { TxOptions, TxResult } from '../config/configStore.ts'
import type { GroupParts } from '../groupParts.ts'
import { makeRecord } from '../recordOps.ts'
import { Draft } from '../txn.ts'
import { diskFault } from './diskFault.ts'
import { mirrorPool, planMirrorPlex } from './mirrorAlloc.ts'

export interface AddMirrorOptions extends TxOptions {
  /** Allocate the new plex on these disks only (each must hold no data plex of the volume). */
  disks?: string[]
  /** Told the id of the copy's task as it starts. */
  onTask?: (taskId: string) => void
}

/**
 * vxassist mirror VOL: allocates a concat plex of the volume's length on disks that hold none of
 * its data plexes and attaches it, as `vxplex att` does (plex/plexOps.ts), in one transaction with
 * the records it creates: on a started volume it is write-only (tutil0 ATT) while the volume is
 * copied into it by an `attach` task, then ACTIVE; on a stopped one it is STALE for the next start
 * to copy; on a never-started (EMPTY) one it is EMPTY too. A crash during the copy leaves it
 * associated and STALE, which the next start recovers (D 34-35). The dry run lists the records it
 * would create and the bytes it would copy (`copyBytes`).
 */
export async function addMirror(p: GroupParts, volume: string, opts: AddMirrorOptions = {}): Promise<TxResult> {
  p.store.assertOnline()
  const v = p.vol(volume)
  const draft = new Draft(structuredClone(p.store.current()))
  const pool = mirrorPool(draft, v, diskFault(p), opts.disks)
  const { plex, records } = planMirrorPlex(draft, v, pool, v.v_len)
  return p.plex.attach(volume, plex, {
    ...(opts.dryRun !== undefined ? { dryRun: opts.dryRun } : {}),
    ...(opts.onTask ? { onTask: opts.onTask } : {}),
    operation: 'v.mirror',
    // made in the attach's own transaction: no plex is ever left made and not attached
    make: (d) => {
      for (const r of records) makeRecord(d, r)
    },
  })
}
