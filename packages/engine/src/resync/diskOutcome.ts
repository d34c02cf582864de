import { isStalePlex } from '../recordOps.ts'
import { isLogPlexRec, isServing } from '../records/plexState.ts'
import type { PlRecord, VRecord } from '../records/types.ts'
import type { SyncContext, VolumeOutcome } from './regionCopy.ts'
import type { DiskRegion } from './resyncPlan.ts'

/**
 * Does a stopped volume have copies a disk resync would synchronise (lvm_resyncpv opens the
 * logical volumes itself)? A data plex marked stale (state, flags or stale map); forced, also a
 * volume that may have been written when it stopped (not CLEAN, not EMPTY) with two data plexes.
 */
export function stoppedNeedsSync(ctx: SyncContext, v: VRecord, force: boolean): boolean {
  const cfg = ctx.cfg()
  const data = ctx.plexesOf(v.v_rid).filter((p) => !isLogPlexRec(cfg, p) && p.pl_state !== 'OFFLINE')
  if (v.v_state === 'EMPTY' || data.length < 2) return false
  if (data.some((p) => (p.pl_state !== 'EMPTY' && isStalePlex(p)) || ctx.stale.get(p.pl_rid) !== undefined)) return true
  return force && v.v_state !== 'CLEAN'
}

/** Is a plex on the disk current after a disk resync (or one it need not make current: offline, a log, in another utility's hands)? */
function isDone(ctx: SyncContext, p: PlRecord): boolean {
  if (p.pl_state === 'OFFLINE' || p.pl_state === 'LOG' || isLogPlexRec(ctx.cfg(), p) || p.pl_tutil[0] !== '') return true
  const e = ctx.stale.get(p.pl_rid)
  return isServing(p) && p.pl_state === 'ACTIVE' && (!e || (!e.full && e.regions.size === 0))
}

/**
 * What a disk resync did for each volume with an extent on the disk: a started volume is
 * synchronised when every plex it has on the disk is current again (its kernel-detached plexes
 * back, as vxrecover brings them, rule 159); a stopped one when it needed nothing.
 */
export function diskOutcome(ctx: SyncContext, plan: readonly DiskRegion[], stopped: ReadonlyArray<{ v: VRecord; needsSync: boolean }>): VolumeOutcome[] {
  const out: VolumeOutcome[] = []
  const onDisk = new Map<number, { v: VRecord; plexes: Set<number> }>()
  for (const x of plan) {
    let e = onDisk.get(x.volume.v_rid)
    if (!e) onDisk.set(x.volume.v_rid, (e = { v: x.volume, plexes: new Set() }))
    for (const p of x.plexes) e.plexes.add(p.pl_rid)
  }
  for (const { v, plexes } of onDisk.values()) {
    const left = ctx.plexesOf(v.v_rid).filter((p) => plexes.has(p.pl_rid) && !isDone(ctx, p))
    out.push(left.length === 0 ? { volume: v.v_name, synced: true } : { volume: v.v_name, synced: false, reason: 'VM_NOTSYNCED', plexes: left.map((p) => p.pl_name) })
  }
  for (const { v, needsSync } of stopped) out.push(needsSync ? { volume: v.v_name, synced: false, reason: 'VM_NOT_STARTED' } : { volume: v.v_name, synced: true })
  return out
}
