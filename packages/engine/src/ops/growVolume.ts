import type { TxOptions, TxResult } from '../config/configStore.ts'
import { drlRegionSectors } from '../drl/drlFormat.ts'
import { fail } from '../errors.ts'
import type { GroupParts } from '../groupParts.ts'
import { assertUnlocked, assocSubdisk, freeExtents, isStalePlex, makeSubdisk } from '../recordOps.ts'
import { isLogPlexRec, onMissingDisk } from '../records/plexState.ts'
import { checkSectors } from '../records/validate.ts'
import type { Config, PlRecord, VRecord } from '../records/types.ts'
import { REGION_SECTORS } from '../resync/regionCopy.ts'
import { Draft } from '../txn.ts'
import { sectorsToBytes, sizeText } from '../units.ts'
import { type DiskFault, diskFault } from './diskFault.ts'
import { assertGrowWritable } from './growPrecheck.ts'
import { isOrdinaryDisk, mirrorPool, nextFreeName, takeSpace } from './mirrorAlloc.ts'
import { type OpResult, placementNotes } from './placeWords.ts'
import { extendStripedPlex, roundUp, roundingNote, stripeStep } from './stripeColumns.ts'

export interface GrowOptions extends TxOptions {
  /** New space for the plexes on these disks only (besides extending a plex's last subdisk in place). */
  disks?: string[]
  /** Told the id of the zeroing task as it starts. */
  onTask?: (taskId: string) => void
  /** Told the notes (the rounding, where each new subdisk goes) before the zeroing starts (rule 468). */
  onNotes?: (notes: string[]) => void
}

/** Zeros are written in pieces of this many bytes. */
const ZERO_CHUNK = 1 << 20

/**
 * Extends every data plex of `v` in the draft to `len` sectors: a concat plex's last subdisk grows
 * in place where the disk space right after it is free, the rest comes as new subdisks appended to
 * it, on disks that hold no other data plex of the volume (so no two plexes ever share a disk); a
 * striped plex grows every column by the same whole stripe units (`extendStripedPlex`, rule 398).
 * A plex already that long is left alone, so a grow interrupted after this step picks up where it was.
 */
export function extendPlexes(d: Draft, v: VRecord, len: number, fault: DiskFault, disks?: readonly string[]): void {
  const taken = new Set<string>()
  for (const pl of d.plexesOf(v).filter((x) => !isLogPlexRec(d.c, x))) {
    if (pl.pl_layout !== 'CONCAT' && pl.pl_layout !== 'STRIPE') fail('VM_INVALID_PARAM', `plex ${pl.pl_name} is ${pl.pl_layout}: only concat and striped plexes are grown here`)
    if (pl.pl_contig_len < pl.pl_len || pl.pl_len < v.v_len) fail('VM_INVALID_PARAM', `plex ${pl.pl_name} is sparse: fill its holes before growing ${v.v_name}`)
    if (pl.pl_layout === 'STRIPE') {
      if (pl.pl_len < len) extendStripedPlex(d, v, pl, len, fault, disks, taken)
      continue
    }
    let need = len - pl.pl_len
    if (need <= 0) continue
    const sds = d.sdsOf(pl).filter((s) => !s.sd_is_log)
    const last = sds.reduce((a, b) => (b.sd_pl_offset + b.sd_len > a.sd_pl_offset + a.sd_len ? b : a))
    const dm = d.c.disks.find((x) => x.dm_rid === last.sd_dm_rid)!
    const after = freeExtents(d, dm).find((e) => e.offset === last.sd_dm_offset + last.sd_len)
    // in place on the disk the plex already uses, named or not (rule 375: `disks` says where new
    // subdisks may go), but never on a failed one (rule 372), nor on a spare not named (kept for
    // hot relocation)
    if (after && !fault(dm, pl.pl_rid) && (isOrdinaryDisk(dm) || disks?.includes(dm.dm_name) === true)) {
      const n = Math.min(need, after.len)
      last.sd_len += n
      need -= n
    }
    if (need === 0) continue
    const others = new Set<number>()
    for (const x of d.plexesOf(v)) if (x !== pl && !isLogPlexRec(d.c, x)) for (const sd of d.sdsOf(x)) others.add(sd.sd_dm_rid)
    const pool = mirrorPool(d, v, fault, disks, others)
    for (const piece of takeSpace(d, pool, need, `growing plex ${pl.pl_name}`)) {
      const sd = makeSubdisk(d, { name: nextFreeName(d, piece.dm.dm_name, taken), disk: piece.dm.dm_name, offset: piece.offset, len: piece.len })
      assocSubdisk(d, pl, { name: sd.sd_name })
    }
  }
}

/**
 * Rule 370: a data plex the grow does not zero (kernel-detached, stale, IOFAIL, on a missing
 * disk) holds whatever its disks held in its new space, so that space is stale on it: its new
 * regions join its stale map, written to disk before the new length commits, and every later
 * attach or resync copies them. A plex stale everywhere (or untracked and stale by its state)
 * already is.
 */
async function markNewRegionsStale(p: GroupParts, v: VRecord, zeroed: readonly PlRecord[], oldLen: number, len: number): Promise<void> {
  const first = Math.floor(oldLen / REGION_SECTORS)
  const last = Math.ceil(len / REGION_SECTORS) - 1
  for (const pl of p.plexesOf(v.v_rid)) {
    if (isLogPlexRec(p.store.current(), pl) || zeroed.some((z) => z.pl_rid === pl.pl_rid)) continue
    if (p.stale.view(pl, REGION_SECTORS).full) continue
    p.stale.track(pl.pl_rid)
    p.stale.add(pl.pl_rid, first, last)
  }
  await p.stale.persist()
}

/**
 * Rule 456: puts the data plexes of `v` back as they were in `before` (the configuration the grow
 * started from): every subdisk the grow's first step added to them is dissociated and removed,
 * every one it lengthened in place gets its old length back, so their space is free again. Only
 * what the grow did is undone: a plex already longer than the volume before the grow stays so.
 */
function restorePlexes(d: Draft, v: VRecord, before: Config): void {
  const was = new Map(before.subdisks.map((sd) => [sd.sd_rid, sd]))
  for (const pl of d.plexesOf(v).filter((x) => !isLogPlexRec(d.c, x))) {
    for (const sd of d.sdsOf(pl).filter((x) => !x.sd_is_log)) {
      const old = was.get(sd.sd_rid)
      if (!old || old.sd_plex_rid !== pl.pl_rid) d.c.subdisks.splice(d.c.subdisks.indexOf(sd), 1)
      else if (old.sd_len !== sd.sd_len) sd.sd_len = old.sd_len
    }
  }
}

/**
 * vxassist growto VOL LEN (growby: the caller adds): grows a volume online, crash-safe in three
 * steps. (1) One transaction extends every data plex to the new length (`extendPlexes`); the
 * volume's length is unchanged, so nothing reads or writes the new space yet. (2) The new space of
 * every data plex that holds current data is zeroed (a `grow` task; the copies are then identical
 * there, and the new space never shows what an earlier volume left on the disks); on every other
 * data plex it is marked stale (`markNewRegionsStale`), so its attach copies it. (3) One
 * transaction sets the new length. A failure before (3) gives the new space back
 * (`restorePlexes`, rule 456); a crash before (3) leaves the volume as it was with longer
 * plexes, which a new grow reuses; after it, the grown volume. A started volume with a DRL keeps
 * its region size (its log must hold the new length's regions); a stopped one must be clean (a
 * crashed one recovers at its start first). A volume with a striped plex grows by whole stripes:
 * the length asked for is rounded up to a multiple of stripe unit x columns (rule 397), and the
 * result's `notes` say so. The dry run lists the record changes, where every new subdisk goes
 * (`notes`, rule 404) and, as `copyBytes`, the bytes of zeros it would write.
 */
export async function growVolume(p: GroupParts, volume: string, asked: number, opts: GrowOptions = {}): Promise<OpResult> {
  p.store.assertOnline()
  checkSectors(asked, 'len', true)
  const v0 = p.vol(volume)
  const oldLen = v0.v_len
  const step = stripeStep(new Draft(structuredClone(p.store.current())), v0)
  const len = roundUp(asked, step)
  const rounding = roundingNote(volume, asked, len, step)
  if (asked <= oldLen) fail('VM_INVALID_PARAM', `volume ${volume} is ${sizeText(oldLen)}: growing it to ${sizeText(asked)} would not grow it (shrink it instead)`)
  assertUnlocked(v0.v_tutil[0], volume)
  if (v0.v_kstate === 'DISABLED' && !['CLEAN', 'EMPTY'].includes(v0.v_state)) fail('VM_INVALID_PARAM', `volume ${volume} is ${v0.v_state}: start it (which recovers it) before growing it`)
  if (p.tasks.runningOn(volume)) fail('VM_BUSY', `volume ${volume} has a running task; let it finish first`)
  assertGrowWritable(p, v0)
  // rule 421: space that does not exist is the reason given first (the draft is thrown away)
  const trial = new Draft(structuredClone(p.store.current()))
  extendPlexes(trial, trial.vol(volume), len, diskFault(p), opts.disks)
  const drl = p.vols.find(v0.v_rid)?.drl
  if (drl && v0.v_kstate === 'ENABLED') {
    const logSectors = Math.min(...p.logs.targets(v0).map((l) => l.sectors))
    if (drlRegionSectors(len, logSectors, REGION_SECTORS) !== drl.regionSectors) fail('VM_INVALID_PARAM', `the dirty region log of ${volume} (${sizeText(logSectors)}) does not cover ${sizeText(len)} in regions of ${sizeText(drl.regionSectors)}: stop the volume to grow it, or give it a larger log`)
  }
  const fault = diskFault(p)
  const before = p.store.current()
  let placed: string[] = []
  const extend = (d: Draft) => {
    extendPlexes(d, d.vol(volume), len, fault, opts.disks)
    placed = placementNotes(before, d.c)
  }
  const notes = () => [...(rounding ? [rounding] : []), ...placed]
  const zeroTargets = (v: VRecord) => p.plexesOf(v.v_rid).filter((pl) => !isLogPlexRec(p.store.current(), pl) && !isStalePlex(pl) && !onMissingDisk(pl))
  if (opts.dryRun) {
    const plan = await p.transact('v.grow', (d) => {
      extend(d)
      d.vol(volume).v_len = len
    }, { dryRun: true })
    return { ...plan, copyBytes: sectorsToBytes(len - oldLen) * zeroTargets(v0).length, notes: notes() }
  }
  await p.transact('v.grow.alloc', extend)
  const v = p.vol(volume)
  const targets: PlRecord[] = zeroTargets(v)
  opts.onNotes?.(notes())
  const task = p.tasks.start('grow', volume, sectorsToBytes(len - oldLen) * targets.length)
  opts.onTask?.(task.id)
  try {
    const zeros = Buffer.alloc(Math.min(ZERO_CHUNK, sectorsToBytes(len - oldLen)))
    for (const pl of targets) {
      for (let s = oldLen; s < len; s += zeros.length / 512) {
        task.throwIfAborted()
        const n = Math.min(zeros.length / 512, len - s)
        await task.gate(sectorsToBytes(n))
        await p.plexIo.write(pl, s, zeros.subarray(0, sectorsToBytes(n)))
        p.tasks.progress(task, sectorsToBytes(n))
      }
      await p.plexIo.flush(pl)
    }
    await markNewRegionsStale(p, v, targets, oldLen, len)
    const r = await p.transact('v.grow', (d) => {
      const x = d.vol(volume)
      if (x.v_len !== oldLen) fail('VM_BUSY', `volume ${volume} changed length during the grow`)
      for (const pl of d.plexesOf(x)) if (!isLogPlexRec(d.c, pl) && pl.pl_contig_len < len) fail('VM_NOTSYNCED', `plex ${pl.pl_name} no longer holds ${sizeText(len)}`)
      x.v_len = len
    }, {}, false, () => {
      // as the new length takes effect, before any write can reach the new space: the DRL covers it
      const rt = p.vols.find(v.v_rid)
      rt?.drl?.grow(Math.ceil(len / rt.drl.regionSectors))
    })
    p.tasks.finish(task, 'ok')
    return { ...r, notes: notes() }
  } catch (e) {
    // rule 456: a grow that fails (a write or flush of its zeros, its task aborted) gives its new
    // space back, so the volume, its plexes and subdisks are as before; should that commit fail
    // too, the longer plexes stay as a crash leaves them, which a new grow reuses
    if (p.vol(volume).v_len === oldLen) await p.transact('v.grow.undo', (d) => restorePlexes(d, d.vol(volume), before)).catch(() => {})
    p.tasks.fail(task, e)
    throw e
  }
}
