import type { TxOptions } from '../config/configStore.ts'
import { fail } from '../errors.ts'
import type { GroupParts } from '../groupParts.ts'
import { makeRecord } from '../recordOps.ts'
import { checkOneOf } from '../records/validate.ts'
import { Draft } from '../txn.ts'
import { diskFault } from './diskFault.ts'
import { mirrorPool, planMirrorPlex } from './mirrorAlloc.ts'
import { type OpResult, placementNotes } from './placeWords.ts'
import { planStripedPlex, stripeOf } from './stripeColumns.ts'

export interface AddMirrorOptions extends TxOptions {
  /** Allocate the new plex on these disks only (each must hold no data plex of the volume). */
  disks?: string[]
  /** Told the id of the copy's task as it starts. */
  onTask?: (taskId: string) => void
  /** Told the notes (where each new subdisk goes) before the copy starts (rule 468). */
  onNotes?: (notes: string[]) => void
  /** The new plex's layout: by default a striped volume's (its columns and stripe unit, rule 402), else concat. */
  layout?: 'concat' | 'stripe'
}

/**
 * vxassist mirror VOL: allocates a plex of the volume's length on disks that hold none of its
 * data plexes (concat; for a striped volume striped as its first striped plex is, the same
 * columns and stripe unit, each column on disks of its own, rule 402) and attaches it, as `vxplex att` does (plex/plexOps.ts), in one transaction with
 * the records it creates: on a started volume it is write-only (tutil0 ATT) while the volume is
 * copied into it by an `attach` task, then ACTIVE; on a stopped one it is STALE for the next start
 * to copy; on a never-started (EMPTY) one it is EMPTY too. A crash during the copy leaves it
 * associated and STALE, which the next start recovers (D 34-35). The dry run lists the records it
 * would create, where each subdisk goes (`notes`, rule 404) and the bytes it would copy (`copyBytes`).
 */
export async function addMirror(p: GroupParts, volume: string, opts: AddMirrorOptions = {}): Promise<OpResult> {
  p.store.assertOnline()
  const v = p.vol(volume)
  const before = p.store.current()
  const draft = new Draft(structuredClone(before))
  if (opts.layout !== undefined) checkOneOf(opts.layout, ['concat', 'stripe'] as const, 'layout')
  const stripe = opts.layout === 'concat' ? undefined : stripeOf(draft, v)
  if (opts.layout === 'stripe' && !stripe) fail('VM_INVALID_PARAM', `volume ${volume} has no striped plex to take the columns and stripe unit from`)
  const pool = mirrorPool(draft, v, diskFault(p), opts.disks)
  const { plex, records } = stripe ? planStripedPlex(draft, v, pool, v.v_len, stripe.ncol, stripe.width) : planMirrorPlex(draft, v, pool, v.v_len)
  const made = new Draft(structuredClone(before))
  for (const r of records) makeRecord(made, r)
  const notes = placementNotes(before, made.c)
  if (!opts.dryRun) opts.onNotes?.(notes)
  const r = await p.plex.attach(volume, plex, {
    ...(opts.dryRun !== undefined ? { dryRun: opts.dryRun } : {}),
    ...(opts.onTask ? { onTask: opts.onTask } : {}),
    operation: 'v.mirror',
    // made in the attach's own transaction: no plex is ever left made and not attached
    make: (d) => {
      for (const r of records) makeRecord(d, r)
    },
  })
  return { ...r, notes }
}
