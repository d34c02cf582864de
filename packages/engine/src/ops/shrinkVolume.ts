import type { TxOptions } from '../config/configStore.ts'
import { fail } from '../errors.ts'
import type { GroupParts } from '../groupParts.ts'
import { assertUnlocked } from '../recordOps.ts'
import { isLogPlexRec } from '../records/plexState.ts'
import { checkSectors } from '../records/validate.ts'
import { REGION_SECTORS } from '../resync/regionCopy.ts'
import { Draft } from '../txn.ts'
import { type OpResult, placementNotes } from './placeWords.ts'
import { cutStripedPlex, roundUp, roundingNote, stripeStep } from './stripeColumns.ts'
import { sizeText } from '../units.ts'

export interface ShrinkOptions extends TxOptions {
  /** Shrink a started volume (what lies beyond the new end is lost to whoever uses it, as with vxassist -f). */
  force?: boolean
}

/**
 * Cuts every data plex of `v` in the draft at `len` sectors: subdisks wholly beyond it are
 * dissociated and removed, the one across it is shortened; their space is free again. A striped
 * plex is cut column by column (`cutStripedPlex`, rule 399).
 */
function cutPlexes(d: Draft, volume: string, len: number): void {
  const v = d.vol(volume)
  for (const pl of d.plexesOf(v).filter((x) => !isLogPlexRec(d.c, x))) {
    if (pl.pl_layout === 'STRIPE') {
      cutStripedPlex(d, pl, len)
      continue
    }
    if (pl.pl_layout !== 'CONCAT') fail('VM_INVALID_PARAM', `plex ${pl.pl_name} is ${pl.pl_layout}: only concat and striped plexes are shrunk here`)
    for (const sd of d.sdsOf(pl).filter((s) => !s.sd_is_log)) {
      if (sd.sd_pl_offset >= len) d.c.subdisks.splice(d.c.subdisks.indexOf(sd), 1)
      else if (sd.sd_pl_offset + sd.sd_len > len) sd.sd_len = len - sd.sd_pl_offset
    }
  }
  v.v_len = len
}

/**
 * vxassist shrinkto VOL LEN (shrinkby: the caller subtracts): one transaction sets the new length
 * and gives back the space beyond it (`cutPlexes`), so a crash leaves the volume whole or shrunk.
 * The data beyond the new end is gone: whatever the volume holds (a file system) must have been
 * made smaller first. So the volume must be stopped, or the shrink forced; a started volume with a
 * running task is refused VM_BUSY even then. No data is copied (the dry run's copyBytes is 0). A
 * volume with a striped plex keeps whole stripes: the length asked for is rounded up to a multiple
 * of stripe unit x columns (rule 397, never cutting more than asked), and `notes` say so and what
 * each subdisk gives back (rule 404).
 */
export async function shrinkVolume(p: GroupParts, volume: string, asked: number, opts: ShrinkOptions = {}): Promise<OpResult> {
  p.store.assertOnline()
  checkSectors(asked, 'len', true)
  const v = p.vol(volume)
  if (asked >= v.v_len) fail('VM_INVALID_PARAM', `volume ${volume} is ${sizeText(v.v_len)}: shrinking it to ${sizeText(asked)} would not shrink it (grow it instead)`)
  const step = stripeStep(new Draft(structuredClone(p.store.current())), v)
  const len = roundUp(asked, step)
  if (len >= v.v_len) fail('VM_INVALID_PARAM', `volume ${volume} is ${sizeText(v.v_len)}: ${sizeText(asked)} rounded up to whole stripes of ${step} sectors is ${sizeText(len)}, which would not shrink it`)
  const rounding = roundingNote(volume, asked, len, step)
  assertUnlocked(v.v_tutil[0], volume)
  const needsForce = v.v_kstate !== 'DISABLED' && !opts.force
  // rule 424: the dry run of an unforced shrink of a started volume previews the forced one and says it needs force
  if (needsForce && !opts.dryRun) fail('VM_VOL_ENABLED', `volume ${volume} is started: stop it to shrink it, or force (what lies beyond its first ${sizeText(len)} is lost)`)
  const forceNote = needsForce ? [`volume ${volume} is started: this shrink needs force (--force), or the volume stopped; what lies beyond its first ${sizeText(len)} is lost`] : []
  if (p.tasks.runningOn(volume)) fail('VM_BUSY', `volume ${volume} has a running task; let it finish first`)
  const before = p.store.current()
  let placed: string[] = []
  const plexes = p.plexesOf(v.v_rid).map((pl) => pl.pl_rid)
  let trimmed = false
  const drl = p.vols.find(v.v_rid)?.drl
  let logTrimmed: typeof drl
  const r = await p.transact('v.shrink', (d) => {
    cutPlexes(d, volume, len)
    placed = placementNotes(before, d.c)
  }, opts, false, () => {
    // rule 459: as the new end takes effect, the stale regions past it go with the space (a plex
    // detached with regions stale there could otherwise never be handed back: no copy reaches them)
    if (!opts.dryRun) trimmed = p.stale.trim(plexes, Math.ceil(len / REGION_SECTORS))
    // rule 533: and the DRL's dirty bits past it
    if (!opts.dryRun && drl?.shrink(Math.ceil(len / drl.regionSectors))) logTrimmed = drl
  })
  if (trimmed) await p.stale.persist()
  await logTrimmed?.persist()
  return { ...r, copyBytes: 0, notes: [...forceNote, ...(rounding ? [rounding] : []), ...placed] }
}
