import type { TxOptions } from '../config/configStore.ts'
import { fail } from '../errors.ts'
import type { RecordChange } from '../events.ts'
import type { GroupParts } from '../groupParts.ts'
import { assertUnlocked, freeExtents, makeRecord } from '../recordOps.ts'
import { isLogPlexRec } from '../records/plexState.ts'
import { type DmRecord, DM_PFLAG, type SdRecord } from '../records/types.ts'
import { Draft } from '../txn.ts'
import { sectorsToBytes } from '../units.ts'
import { type DiskFault, diskFault } from './diskFault.ts'
import type { RelocatedPiece } from './hotRelocate.ts'
import { assertNoFault, takeSpace } from './mirrorAlloc.ts'
import { type OpResult, placementNotes } from './placeWords.ts'
import { stripePieces } from './stripeColumns.ts'
import { type SdMove, moveSubdisk, subdiskMoveTo, swapSubdisk } from './subdiskMove.ts'

export interface UnrelocateOptions extends TxOptions {
  /** vxunreloc -f: a subdisk whose original sectors are taken (or past the disk's end) goes to free space elsewhere on the disk. */
  force?: boolean
  /** vxunreloc -n: move the subdisks to this disk instead (the original one came back under another name). */
  to?: string
  /** Told the id of each move's task as it starts. */
  onTask?: (taskId: string) => void
  /** Told the notes (where each subdisk goes) before the first move starts, for a reply that comes before the result (rule 468). */
  onNotes?: (notes: string[]) => void
}

/** One relocated subdisk moved back (or, in a dry run, that would be). */
export interface Unrelocation {
  volume: string
  plex: string
  /** The relocated subdisk, and the disk it is on now. */
  subdisk: string
  from: string
  /** The new subdisks on the original disk (one, unless -f split a concat subdisk over free extents). */
  to: RelocatedPiece[]
  /** Put back at its original offset (false: -f placed it elsewhere on the disk). */
  original: boolean
}

/** What vxunreloc did (or its dry run would do): every subdisk moved back, with the bytes the moves copy and where each goes (`notes`). */
export interface UnrelocateReport extends OpResult {
  /** The disk the subdisks were relocated from (their sd_orig_dmname). */
  disk: string
  /** The disk they go to: `disk`, or the one -n named. */
  target: string
  moved: Unrelocation[]
}

/** A move back planned: the subdisk move, and the report's line for it. */
interface Planned {
  move: SdMove
  line: Unrelocation
}

/**
 * Refuses a destination no new space may go to (rule 502): no device, failing I/O, under an
 * IOFAIL plex (VM_DISK_FAILED, ops/diskFault.ts), or still marked FAILING by the relocation (it
 * is cleared with failing=off once the disk is repaired or replaced).
 */
function assertUsable(fault: DiskFault, dm: DmRecord): void {
  assertNoFault(fault, dm)
  if (dm.dm_pflag & DM_PFLAG.FAILING) fail('VM_DISK_FAILED', `disk ${dm.dm_name} is still marked failing (hot relocation moved its subdisks off it): once it is repaired or replaced, clear it (plexa disk set ${dm.dm_name} failing=off)`)
}

/**
 * Where subdisk `sd` goes on `target`: its original sectors when they are free (rule 503), else
 * with `force` free space elsewhere on the disk (whole stripe units for a striped plex), else
 * VM_OVERLAP (another subdisk holds them) or VM_OUT_OF_RANGE (the disk is smaller than they need).
 */
function placeBack(d: Draft, sd: SdRecord, striped: boolean, width: number, target: DmRecord, force: boolean): { pieces: Array<{ dm: DmRecord; offset: number; len: number }>; original: boolean } {
  const at = sd.sd_orig_dmoffset
  const end = at + sd.sd_len
  if (end <= target.dm_pub_len && freeExtents(d, target).some((e) => e.offset <= at && end <= e.offset + e.len)) return { pieces: [{ dm: target, offset: at, len: sd.sd_len }], original: true }
  const what = `subdisk ${sd.sd_name} moving back to ${target.dm_name}`
  if (!force) {
    if (end > target.dm_pub_len) fail('VM_OUT_OF_RANGE', `${what}: its original sectors ${at}-${end - 1} end past the disk's public region (${target.dm_pub_len} sectors); --force places it elsewhere on the disk`)
    const clash = d.c.subdisks.find((s) => s.sd_dm_rid === target.dm_rid && at < s.sd_dm_offset + s.sd_len && s.sd_dm_offset < end)
    fail('VM_OVERLAP', `${what}: its original sectors ${at}-${end - 1} are held by subdisk ${clash?.sd_name ?? '?'}; --force places it elsewhere on the disk`)
  }
  return { pieces: striped ? stripePieces(d, [target], sd.sd_len, width, what) : takeSpace(d, [target], sd.sd_len, what), original: false }
}

/**
 * Plans, against `d` (which takes the new records, so two moves never take the same space), the
 * move back of every data subdisk relocated from `disk` (sd_orig_dmname), lowest original offset
 * first. All or nothing: any refusal throws before anything changed.
 */
function planBack(p: GroupParts, d: Draft, disk: string, target: DmRecord, force: boolean): Planned[] {
  const relocated = d.c.subdisks.filter((s) => s.sd_orig_dmname === disk && !s.sd_is_log).sort((a, b) => a.sd_orig_dmoffset - b.sd_orig_dmoffset)
  if (!relocated.length) fail('VM_NOT_RELOCATED', `no subdisk records ${disk} as the disk it was relocated from: nothing to move back`)
  assertUsable(diskFault(p), target)
  const taken = new Set<string>()
  const out: Planned[] = []
  for (const sd of relocated) {
    const pl = d.c.plexes.find((x) => x.pl_rid === sd.sd_plex_rid)
    const v = pl && d.volOf(pl)
    if (!pl || !v) fail('VM_INVALID_PARAM', `subdisk ${sd.sd_name} (relocated from ${disk}) is in no plex of a volume: nothing moves it back`)
    if (sd.sd_dm_rid === target.dm_rid) fail('VM_INVALID_PARAM', `subdisk ${sd.sd_name} is on ${target.dm_name} already`)
    if (v.v_kstate === 'DETACHED') fail('VM_NOT_STARTED', `volume ${v.v_name} is DETACHED: start or stop it to move ${sd.sd_name} back`)
    if (p.tasks.runningOn(v.v_name)) fail('VM_BUSY', `volume ${v.v_name} has a running task (its relocation's copy?): let it finish first`)
    assertUnlocked(pl.pl_tutil[0], pl.pl_name)
    assertUnlocked(sd.sd_tutil[0], sd.sd_name)
    if (v.v_kstate === 'DISABLED') assertUnlocked(v.v_tutil[0], v.v_name)
    // two mirrors (or two columns of one stripe) on one disk are one failure away from none
    const other = d.plexesOf(v).find((x) => x !== pl && !isLogPlexRec(d.c, x) && d.sdsOf(x).some((s) => s.sd_dm_rid === target.dm_rid))
    if (other) fail('VM_INVALID_PARAM', `disk ${target.dm_name} holds plex ${other.pl_name} of ${v.v_name} now: ${sd.sd_name} of plex ${pl.pl_name} cannot go back beside it (evacuate one of them first)`)
    const striped = pl.pl_layout === 'STRIPE'
    if (striped && d.sdsOf(pl).some((s) => s.sd_column !== sd.sd_column && s.sd_dm_rid === target.dm_rid)) fail('VM_INVALID_PARAM', `disk ${target.dm_name} holds another column of plex ${pl.pl_name}: ${sd.sd_name} cannot go back beside it`)
    const { pieces, original } = placeBack(d, sd, striped, pl.pl_st_width, target, force)
    const move: SdMove = { ...subdiskMoveTo(d, pl, sd, pieces, taken), unrelocate: true }
    const to = move.pieces.map((x, i) => ({ subdisk: x.sd, disk: target.dm_name, offset: pieces[i]!.offset, len: x.len }))
    out.push({ move, line: { volume: v.v_name, plex: pl.pl_name, subdisk: sd.sd_name, from: sd.sd_dm_name, to, original } })
  }
  return out
}

/** Every move's end state in the draft: the new subdisks swapped in, the relocated ones removed (a dry run's changes). */
function applyAll(d: Draft, planned: readonly Planned[]): void {
  for (const { move } of planned) {
    for (const r of move.records) makeRecord(d, r)
    swapSubdisk(d, move)
  }
}

/**
 * vxunreloc [-f] [-n target] disk (rules 501-505): moves every data subdisk hot relocation took off
 * `disk` (the ones recording it as sd_orig_dmname) back to it, or to `to`, at its original offset;
 * with `force`, one whose original sectors are taken (or past the disk's end) goes to free space
 * elsewhere on the disk. Each is a subdisk move (ops/subdiskMove.ts, vxsd mv): the new subdisk
 * made in a temporary plex, copied live, swapped in and the relocated one removed, so a crash
 * leaves it relocated (its original place still recorded, a re-run moves it) or back (recording
 * none). Everything is planned first: a refusal moves nothing. VM_NOT_RELOCATED: nothing records
 * `disk`; VM_DISK_FAILED: the destination has no device, fails I/O or is still marked failing;
 * VM_OVERLAP / VM_OUT_OF_RANGE: the original sectors are taken or past the disk's end (without
 * `force`); VM_NO_SPACE: with `force`, the disk has not the room; VM_INVALID_PARAM: the disk holds
 * another mirror (or column) of the subdisk's volume (plex) now; VM_BUSY: a task runs on the volume.
 */
export async function unrelocateDisk(p: GroupParts, disk: string, opts: UnrelocateOptions = {}): Promise<UnrelocateReport> {
  p.store.assertOnline()
  if (typeof disk !== 'string' || !disk) fail('VM_INVALID_PARAM', 'name the disk the subdisks were relocated from')
  if (opts.force !== undefined && typeof opts.force !== 'boolean') fail('VM_INVALID_PARAM', 'force must be true or false')
  if (opts.to !== undefined && (typeof opts.to !== 'string' || !opts.to)) fail('VM_INVALID_PARAM', 'to must be a disk name')
  const cfg = p.store.current()
  const name = opts.to ?? disk
  const target = cfg.disks.find((x) => x.dm_name === name) ?? fail('VM_NOT_FOUND', `no disk ${name}`)
  const planned = planBack(p, new Draft(structuredClone(cfg)), disk, target, opts.force ?? false)
  const copyBytes = planned.reduce((s, x) => s + sectorsToBytes(x.line.to.reduce((t, y) => t + y.len, 0)), 0)
  const after = new Draft(structuredClone(cfg))
  applyAll(after, planned)
  const notes = placementNotes(cfg, after.c)
  const moved = planned.map((x) => x.line)
  const report = { disk, target: name, moved, copyBytes, notes }
  if (opts.dryRun) return { ...(await p.transact('dm.unreloc', (d) => applyAll(d, planned), { dryRun: true })), ...report }
  opts.onNotes?.(notes)
  const changes: RecordChange[] = []
  let tid = cfg.tid
  for (const { move } of planned) {
    const r = await moveSubdisk(p, move, opts.onTask)
    changes.push(...r.changes)
    tid = r.tid
  }
  await p.stale.persist()
  return { dryRun: false, tid, changes, ...report }
}
