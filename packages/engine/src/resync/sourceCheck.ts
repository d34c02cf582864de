import { fail } from '../errors.ts'
import { isLogPlexRec } from '../records/plexState.ts'
import type { PlRecord, VRecord } from '../records/types.ts'
import { REGION_SECTORS, type SyncContext, type SyncItem, regionSpan } from './regionCopy.ts'

/**
 * Can plex `p` be a copy's source for region `g` of `v`: ACTIVE, serving reads there (ENABLED,
 * READ, not stale there), and on no disk that is known to fail reads (no device, or a device that
 * says it fails every read: `BlockDevice.failing`)?
 */
export function isUsableSource(ctx: SyncContext, v: VRecord, p: PlRecord, g: number): boolean {
  const { s, n } = regionSpan(v.v_len, g)
  return p.pl_state === 'ACTIVE' && ctx.canRead(p, s, n) && ctx.failedDisks(p, 'read').length === 0
}

/**
 * Rule 341: a copy (attach, volume or disk resync, repair) none of whose regions has a usable
 * source (`isUsableSource`) could copy nothing: it is refused VM_NOTSYNCED before anything
 * changes (no transaction, no task), and its dry run is refused the same way. The message names
 * the plexes that hold the data and why they cannot be read (the failed disks they are on, or
 * their state). A copy with nothing to copy, or with a source for some of its regions, is not
 * refused here (what it cannot copy it reports). `exclude`: the plex being attached.
 */
export function assertSomeSource(ctx: SyncContext, work: Iterable<SyncItem>, what: string, exclude?: number): void {
  const volumes = new Map<number, VRecord>()
  for (const w of work) {
    if (ctx.plexesOf(w.v.v_rid).some((p) => p.pl_rid !== exclude && isUsableSource(ctx, w.v, p, w.region))) return
    volumes.set(w.v.v_rid, w.v)
  }
  if (volumes.size === 0) return
  const why = [...volumes.values()].map((v) => `${v.v_name}: ${whyUnreadable(ctx, v, exclude)}`).join('; ')
  fail('VM_NOTSYNCED', `${what} could copy nothing: no copy of the data it needs can be read (${why})`)
}

/** Why no plex of `v` (but `exclude`) can be read from: each candidate with its failed disks, or its state. */
function whyUnreadable(ctx: SyncContext, v: VRecord, exclude: number | undefined): string {
  const cfg = ctx.cfg()
  const data = ctx.plexesOf(v.v_rid).filter((p) => p.pl_rid !== exclude && !isLogPlexRec(cfg, p))
  const words = data.map((p) => {
    const failed = ctx.failedDisks(p, 'read')
    if (failed.length > 0) return `plex ${p.pl_name} is on failed disk ${failed.join(', ')}`
    return `plex ${p.pl_name} is ${p.pl_kstate} ${p.pl_state}`
  })
  return words.length ? words.join(', ') : 'it has no other data plex'
}

/**
 * The regions an attach of `pl` to `v` copies, as copy items: the ones its stale map lists when
 * it is associated with one (a plex detached and reattached), else every region (handOver.ts).
 */
export function* attachItems(ctx: SyncContext, v: VRecord, pl: PlRecord | undefined): Generator<SyncItem> {
  const n = Math.ceil(v.v_len / REGION_SECTORS)
  const e = pl && pl.pl_vol_rid === v.v_rid ? ctx.stale.get(pl.pl_rid) : undefined
  if (e && !e.full) {
    for (const region of e.regions) if (region < n) yield { v, region }
    return
  }
  for (let region = 0; region < n; region++) yield { v, region }
}
