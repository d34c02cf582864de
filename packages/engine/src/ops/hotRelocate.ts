import type { TxOptions, TxResult } from '../config/configStore.ts'
import { type EngineErrorCode, fail, isEngineError } from '../errors.ts'
import type { RecordChange } from '../events.ts'
import type { GroupParts } from '../groupParts.ts'
import { assertUnlocked, assocLog, assocSubdisk, freeExtents, makeSubdisk } from '../recordOps.ts'
import { isLogPlexRec, isServing, logFlag } from '../records/plexState.ts'
import { type DmRecord, DM_PFLAG, DM_TFLAG, type PlRecord, PL_PFLAG, PL_TFLAG, V_PFLAG } from '../records/types.ts'
import { Draft } from '../txn.ts'
import { sectorsToBytes } from '../units.ts'
import { type Piece, nextFreeName, takeSpace } from './mirrorAlloc.ts'
import { type OpResult, placementNotes } from './placeWords.ts'
import { linkLog } from './volumeLog.ts'

export interface RelocateOptions extends TxOptions {
  /** The plexes whose I/O failed on the disk (the server names the ones an I/O error named); default every failed plex there (kernel-detached, IOFAIL, or on a disk without device). */
  plexes?: string[]
  /** Told the id of each copy's task as it starts. */
  onTask?: (taskId: string) => void
  /** Told the notes (where each new subdisk goes) before the first relocation starts, for a reply that comes before the result (rules 468, 507). */
  onNotes?: (notes: string[]) => void
}

/** A new subdisk that took (part of) a failed subdisk's place: its disk and public-region extent (sectors). */
export interface RelocatedPiece {
  subdisk: string
  disk: string
  offset: number
  len: number
}

/** One plex whose failed subdisks were replaced by new ones (or, in a dry run, would be). */
export interface Relocation {
  volume: string
  plex: string
  /** Each failed subdisk and the new subdisks that take its place, at the same plex offset and column. */
  subdisks: Array<{ from: string; to: RelocatedPiece[] }>
  /** The task copying the plex from the volume's other plexes (none in a dry run, or for a stopped volume: its next start copies it). */
  taskId?: string
  /** The copy's code when it failed after the replacement committed: the plex stays STALE (or IOFAIL) for a resync. */
  copyError?: EngineErrorCode
}

/** A failed plex that was not relocated, and why (a stable code). */
export interface NotRelocated {
  volume: string
  plex: string
  /** VM_LAST_PLEX: not redundant (no other plex holds its data: nothing to copy from); VM_NO_SPACE; VM_LOCKED, VM_BUSY: an operation holds it; VM_INVALID_PARAM: one still serving. */
  code: EngineErrorCode
  reason: string
}

/** What a relocation did (or its dry run would do). `copyBytes`: the bytes its copies move; a dry run's `notes` say where every new subdisk goes (rule 404). */
export interface RelocationReport extends OpResult {
  disk: string
  relocated: Relocation[]
  notRelocated: NotRelocated[]
}

/** Flags that keep a disk from receiving relocated subdisks: reserved, nohotuse, failing, removed. */
const NO_HOT_USE = DM_PFLAG.RESERVE | DM_PFLAG.NOHOTUSE | DM_PFLAG.FAILING | DM_PFLAG.REMOVED

/** Has disk `dm` lost its device (removed, not found at import, or gone from the I/O map)? */
function isGone(dm: DmRecord, hasDevice: (dm: DmRecord) => boolean): boolean {
  return (dm.dm_pflag & DM_PFLAG.REMOVED) !== 0 || (dm.dm_tflag & DM_TFLAG.NODAREC) !== 0 || !hasDevice(dm)
}

/**
 * The plexes with a subdisk on `dm` whose failure relocation mends: the ones `named` (the caller
 * saw their I/O fail on the disk), else every plex associated with a volume and failed there
 * (kernel-detached by an I/O error, IOFAIL, or the disk has no device). A plex an administrator
 * detached, or one still serving on a disk that answers, is not failed.
 */
function failedPlexes(d: Draft, dm: DmRecord, gone: boolean, named: readonly string[] | undefined): PlRecord[] {
  return d.c.plexes.filter((pl) => {
    if (!pl.pl_vol_rid || !d.sdsOf(pl).some((s) => s.sd_dm_rid === dm.dm_rid)) return false
    if (named) return named.includes(pl.pl_name)
    return gone || (pl.pl_pflag & PL_PFLAG.KDETACH) !== 0 || pl.pl_state === 'IOFAIL'
  })
}

/**
 * Space for `len` sectors of a relocated subdisk: one piece on a spare disk if one has it, else
 * one piece on another disk; a concat subdisk may then be split over several disks of one pool
 * (spares first), a stripe column piece may not (its length stays a multiple of the stripe unit).
 */
function placeFor(d: Draft, pools: readonly DmRecord[][], len: number, whole: boolean, what: string): Piece[] {
  for (const pool of pools) {
    const one = pool.find((dm) => freeExtents(d, dm).some((e) => e.len >= len))
    if (one) return takeSpace(d, [one], len, what)
  }
  if (!whole) {
    for (const pool of pools) {
      const free = pool.reduce((s, dm) => s + freeExtents(d, dm).reduce((t, e) => t + e.len, 0), 0)
      if (free >= len) return takeSpace(d, pool, len, what)
    }
  }
  const disks = pools.flat().map((dm) => dm.dm_name)
  fail('VM_NO_SPACE', `${what} needs ${len} ${whole ? 'contiguous ' : ''}free sectors on a spare or another disk holding no other plex of its volume (${disks.length ? disks.join(', ') : 'there is none'}); not enough is free there`)
}

/**
 * Refuses, with a stable code, a failed plex relocation cannot mend: one an operation holds (VM_LOCKED), one of a volume that is not redundant without it (VM_LAST_PLEX:
 * no other plex holds its data, so there is nothing to copy from).
 */
function assertRelocatable(p: GroupParts, d: Draft, pl: PlRecord): void {
  const v = d.volOf(pl)!
  assertUnlocked(pl.pl_tutil[0], pl.pl_name)
  assertUnlocked(v.v_tutil[0], v.v_name)
  // a log plex holds no volume data: nothing is copied into it, so it needs no other copy (rule 457)
  if (isLogPlexRec(d.c, pl)) return
  if (v.v_kstate !== 'DISABLED') {
    p.plex.assertNotLastPlex(d, pl, false)
    // a failed plex the engine kept serving is the volume's last copy somewhere (rule 118), caught above
    if (isServing(pl) && pl.pl_state === 'ACTIVE') fail('VM_INVALID_PARAM', `plex ${pl.pl_name} still serves ${v.v_name}: detach it to relocate it, or evacuate the disk`)
    return
  }
  const current = d.plexesOf(v).some((x) => x !== pl && !isLogPlexRec(d.c, x) && (x.pl_state === 'CLEAN' || x.pl_state === 'ACTIVE') && !(x.pl_pflag & (PL_PFLAG.STALE | PL_PFLAG.KDETACH)) && x.pl_contig_len >= v.v_len)
  if (!current) fail('VM_LAST_PLEX', `volume ${v.v_name} has no other complete current plex than ${pl.pl_name}: its data is gone, nothing is relocated`)
}

/**
 * Replaces, in draft `d`, every subdisk of `pl` on the failed disk `dm` by new space at the same
 * plex offset and column (vxrelocd): on a spare disk first, else free space on another disk;
 * never on a disk that holds another data plex of the volume, nor, for a stripe, another column
 * of the plex; never on a reserved, nohotuse, failing or removed disk. The failed subdisks are
 * removed; the disk is marked FAILING so that no allocation uses it until an administrator clears
 * it. VM_NO_SPACE, with nothing of the plex changed, when a subdisk finds no room.
 */
function relocatePlex(d: Draft, pl: PlRecord, dm: DmRecord, hasDevice: (dm: DmRecord) => boolean, taken: Set<string>): Relocation {
  if (isLogPlexRec(d.c, pl)) return relocateLogPlex(d, pl, dm, hasDevice, taken)
  const v = d.volOf(pl)!
  const exclude = new Set<number>([dm.dm_rid])
  for (const x of d.plexesOf(v)) if (x !== pl && !isLogPlexRec(d.c, x)) for (const sd of d.sdsOf(x)) exclude.add(sd.sd_dm_rid)
  if (pl.pl_layout === 'STRIPE') for (const sd of d.sdsOf(pl)) exclude.add(sd.sd_dm_rid)
  const hot = d.c.disks.filter((x) => !(x.dm_pflag & NO_HOT_USE) && !isGone(x, hasDevice) && !exclude.has(x.dm_rid))
  const pools = [hot.filter((x) => x.dm_pflag & DM_PFLAG.SPARE), hot.filter((x) => !(x.dm_pflag & DM_PFLAG.SPARE))]
  const failed = d.sdsOf(pl).filter((s) => s.sd_dm_rid === dm.dm_rid && !s.sd_is_log)
  // every place is found before anything changes, so a refusal leaves the plex as it was
  const planned: Array<{ from: (typeof failed)[number]; pieces: Piece[] }> = []
  const held = new Draft(structuredClone(d.c))
  for (const sd of failed) {
    const pieces = placeFor(held, pools.map((pool) => pool.map((x) => held.disk(x.dm_name))), sd.sd_len, pl.pl_layout === 'STRIPE', `subdisk ${sd.sd_name} of plex ${pl.pl_name}`)
    for (const piece of pieces) makeSubdisk(held, { name: nextFreeName(held, piece.dm.dm_name, new Set(taken)), disk: piece.dm.dm_name, offset: piece.offset, len: piece.len })
    planned.push({ from: sd, pieces: pieces.map((x) => ({ ...x, dm: d.disk(x.dm.dm_name) })) })
  }
  const out: Relocation = { volume: v.v_name, plex: pl.pl_name, subdisks: [] }
  for (const { from, pieces } of planned) {
    const { sd_pl_offset: at, sd_column: column, sd_name: name } = from
    // the plex takes no I/O (kernel-detached, or its disk is gone): its failed subdisk leaves it
    d.c.subdisks.splice(d.c.subdisks.indexOf(from), 1)
    const to: RelocatedPiece[] = []
    let offset = at
    // rule 500: each new subdisk records where its data was (a subdisk relocated again keeps its first place)
    const origDisk = from.sd_orig_dmname || dm.dm_name
    const origOffset = from.sd_orig_dmname ? from.sd_orig_dmoffset : from.sd_dm_offset
    for (const piece of pieces) {
      const sd = makeSubdisk(d, { name: nextFreeName(d, piece.dm.dm_name, taken), disk: piece.dm.dm_name, offset: piece.offset, len: piece.len, comment: `relocated from ${name}`.slice(0, 40) })
      Object.assign(sd, { sd_orig_dmname: origDisk, sd_orig_dmoffset: origOffset + offset - at })
      assocSubdisk(d, pl, { name: sd.sd_name, offset, column })
      offset += piece.len
      to.push({ subdisk: sd.sd_name, disk: piece.dm.dm_name, offset: piece.offset, len: piece.len })
    }
    out.subdisks.push({ from: name, to })
  }
  d.disk(dm.dm_name).dm_pflag |= DM_PFLAG.FAILING
  return out
}

/**
 * Rule 457: replaces, in draft `d`, the log subdisk of DRL log plex `pl` on the failed disk `dm`
 * by new space of its length (vxrelocd relocates log subdisks too): on a spare disk first, else
 * free space on another disk, a disk holding no data plex of the volume before one beside a data
 * plex (as `vxassist addlog` places a log); never on a disk holding another log of the volume (two
 * logs on one disk fail together), nor a reserved, nohotuse, failing or removed one. The disk is
 * marked FAILING. VM_NO_SPACE, nothing changed, when no disk has the room in one piece.
 */
function relocateLogPlex(d: Draft, pl: PlRecord, dm: DmRecord, hasDevice: (dm: DmRecord) => boolean, taken: Set<string>): Relocation {
  const v = d.volOf(pl)!
  const from = d.sdsOf(pl).find((s) => s.sd_is_log && s.sd_dm_rid === dm.dm_rid) ?? fail('VM_INVALID_PARAM', `log plex ${pl.pl_name} has no log subdisk on ${dm.dm_name}`)
  const disksOf = (x: PlRecord) => d.sdsOf(x).map((s) => s.sd_dm_rid)
  const otherLogs = new Set(d.plexesOf(v).filter((x) => x !== pl && isLogPlexRec(d.c, x)).flatMap(disksOf))
  const data = new Set(d.plexesOf(v).filter((x) => !isLogPlexRec(d.c, x)).flatMap(disksOf))
  const hot = d.c.disks.filter((x) => !(x.dm_pflag & NO_HOT_USE) && !isGone(x, hasDevice) && x.dm_rid !== dm.dm_rid && !otherLogs.has(x.dm_rid))
  const spare = (x: DmRecord) => (x.dm_pflag & DM_PFLAG.SPARE) !== 0
  const pools = [true, false].flatMap((apart) => [true, false].map((sp) => hot.filter((x) => data.has(x.dm_rid) !== apart && spare(x) === sp)))
  const [piece] = placeFor(d, pools, from.sd_len, true, `log subdisk ${from.sd_name} of plex ${pl.pl_name}`)
  const name = from.sd_name
  d.c.subdisks.splice(d.c.subdisks.indexOf(from), 1)
  const sd = makeSubdisk(d, { name: nextFreeName(d, piece!.dm.dm_name, taken), disk: piece!.dm.dm_name, offset: piece!.offset, len: piece!.len, comment: `relocated from ${name}`.slice(0, 40) })
  assocLog(d, pl, sd.sd_name)
  linkLog(d, pl.pl_name)
  d.disk(dm.dm_name).dm_pflag |= DM_PFLAG.FAILING
  return { volume: v.v_name, plex: pl.pl_name, subdisks: [{ from: name, to: [{ subdisk: sd.sd_name, disk: piece!.dm.dm_name, offset: piece!.offset, len: piece!.len }] }] }
}

/**
 * Rule 457: relocates log plex `plex` of `volume` off `disk` in one transaction, then puts its log
 * back in use on a started volume: a volume whose log failed (BADLOG) recovers it (the log plex
 * LOG ENABLED, the log rewritten, BADLOG cleared: volume/startStop.ts `recoverLog`); another one
 * gets the plex LOG ENABLED in the same transaction and the log written at once. A stopped
 * volume's next start rewrites it. Returns the relocation and what it left the log as.
 */
async function relocateLog(p: GroupParts, volume: string, plex: string, disk: string, hasDevice: (dm: DmRecord) => boolean): Promise<{ r: Relocation; tid: number; changes: RecordChange[]; after: string }> {
  let done: Relocation | undefined
  let badlog = false
  const t = await p.transact('dm.reloc', (d) => {
    const x = d.plex(plex)
    assertRelocatable(p, d, x)
    done = relocatePlex(d, x, d.disk(disk), hasDevice, new Set())
    const v = d.volOf(x)!
    badlog = (v.v_pflag & V_PFLAG.BADLOG) !== 0
    if (v.v_kstate !== 'ENABLED' || badlog) return
    Object.assign(x, { pl_state: 'LOG', pl_kstate: 'ENABLED', pl_tflag: (x.pl_tflag & ~0xf) | PL_TFLAG.READ | PL_TFLAG.WRITE | logFlag(x) })
    x.pl_pflag &= ~PL_PFLAG.KDETACH
  })
  const v = p.vol(volume)
  if (v.v_kstate !== 'ENABLED') return { r: done!, tid: t.tid, changes: t.changes, after: `${volume} is stopped: its next start rewrites the log` }
  if (badlog) await p.startStop.recoverLog(volume)
  else await p.vols.find(v.v_rid)?.drl?.rewrite()
  const valid = !(p.vol(volume).v_pflag & V_PFLAG.BADLOG)
  return { r: done!, tid: p.store.current().tid, changes: t.changes, after: valid ? 'the log is rewritten and in use' : `the log is not valid yet (BADLOG): resync ${volume}` }
}

/** Plans a plex against `d` (changing it only when the plex is relocatable and finds room): a relocation or why not. */
function tryPlex(p: GroupParts, d: Draft, pl: PlRecord, dm: DmRecord, hasDevice: (dm: DmRecord) => boolean, taken: Set<string>): Relocation | NotRelocated {
  try {
    assertRelocatable(p, d, pl)
    return relocatePlex(d, pl, dm, hasDevice, taken)
  } catch (e) {
    if (!isEngineError(e)) throw e
    return { volume: d.volOf(pl)!.v_name, plex: pl.pl_name, code: e.code, reason: e.message }
  }
}

function isRelocation(r: Relocation | NotRelocated): r is Relocation {
  return 'subdisks' in r
}

/** What went where, for the alert: `disk01-01 to disk05-01 (disk05)`. */
function placesText(r: Relocation): string {
  return r.subdisks.map((s) => `${s.from} to ${s.to.map((t) => `${t.subdisk} on ${t.disk}`).join(' + ')}`).join(', ')
}

/**
 * Hot relocation (vxrelocd) of the failed plexes on disk `disk` (SEMANTICS.md 1.11): for each
 * plex of a redundant volume that failed there, its subdisks on the disk are replaced by new space
 * (`relocatePlex`) in one transaction with the plex's attach (it becomes write-only, tutil0 ATT,
 * entirely stale), and a `relocate` task copies it from the surviving plexes, then it is ACTIVE
 * (plex/plexOps.ts attach); one plex after another. A plex of a stopped volume is left STALE for
 * its next start to copy. The plex's stale map says "everything" on the disks before the
 * replacement commits, so a crash at any point leaves the old subdisk (the plex still failed) or
 * the new one with a full copy to come. A plex that cannot be relocated is reported with its
 * code: VM_LAST_PLEX for a volume that is not redundant (its data is gone; nothing is relocated),
 * VM_NO_SPACE, VM_LOCKED, VM_BUSY. A DRL log plex has its log subdisk relocated and its log put
 * back in use, nothing copied (`relocateLog`, rule 457). Each relocation and each
 * refusal raises a critical alert (vxrelocd's mail to the administrator). The dry run plans the
 * same and changes nothing. `plexes` names the failed plexes (the server names the ones whose I/O
 * failed on the disk); by default every failed plex there (`failedPlexes`).
 */
export async function relocateDisk(p: GroupParts, disk: string, opts: RelocateOptions = {}): Promise<RelocationReport> {
  p.store.assertOnline()
  const cfg = p.store.current()
  const dm = cfg.disks.find((x) => x.dm_name === disk) ?? fail('VM_NOT_FOUND', `no disk ${disk}`)
  if (opts.plexes !== undefined) {
    if (!Array.isArray(opts.plexes) || opts.plexes.some((n) => typeof n !== 'string')) fail('VM_INVALID_PARAM', 'plexes must be a list of plex names')
    for (const n of opts.plexes) {
      const pl = cfg.plexes.find((x) => x.pl_name === n) ?? fail('VM_NOT_FOUND', `no plex ${n}`)
      if (!cfg.subdisks.some((s) => s.sd_plex_rid === pl.pl_rid && s.sd_dm_rid === dm.dm_rid)) fail('VM_INVALID_PARAM', `plex ${n} has no subdisk on ${disk}`)
    }
  }
  const hasDevice = (x: DmRecord) => p.ioMap().device(x.dm_rid) !== undefined
  const plan = new Draft(structuredClone(cfg))
  const taken = new Set<string>()
  const gone = isGone(dm, hasDevice)
  const planned = failedPlexes(plan, dm, gone, opts.plexes).map((pl) => tryPlex(p, plan, pl, dm, hasDevice, taken))
  const notRelocated = planned.filter((r): r is NotRelocated => !isRelocation(r))
  const moves = planned.filter(isRelocation)
  const started = (volume: string) => plan.vol(volume).v_kstate !== 'DISABLED'
  const copyBytes = moves.filter((m) => started(m.volume) && !isLogPlexRec(plan.c, plan.plex(m.plex))).reduce((s, m) => s + sectorsToBytes(plan.vol(m.volume).v_len), 0)
  // rule 404: where every new subdisk goes, as the whole relocation leaves it
  const placeAll = (d: Draft) => {
    const names = new Set<string>()
    for (const m of moves) relocatePlex(d, d.plex(m.plex), d.disk(disk), hasDevice, names)
  }
  const after = new Draft(structuredClone(cfg))
  placeAll(after)
  const notes = placementNotes(cfg, after.c)
  if (opts.dryRun) {
    const r = await p.transact('dm.reloc', placeAll, { dryRun: true })
    return { ...r, copyBytes, disk, relocated: moves, notRelocated, notes }
  }
  // rule 507: the 202 of `disk relocate` says it too, before the first copy starts
  opts.onNotes?.(notes)
  const alert = (message: string, code: EngineErrorCode, object: string) => p.bus.emit({ type: 'alert', dg: cfg.dg.dg_name, severity: 'critical', code, message, object })
  for (const n of notRelocated) alert(`disk ${disk} failed: plex ${n.plex} of volume ${n.volume} was not relocated: ${n.reason}`, n.code, n.volume)
  const relocated: Relocation[] = []
  const changes: RecordChange[] = []
  let tid = cfg.tid
  for (const m of moves) {
    const before = p.store.current()
    const pl = before.plexes.find((x) => x.pl_name === m.plex)
    if (!pl) continue
    if (isLogPlexRec(before, pl)) {
      try {
        const l = await relocateLog(p, m.volume, m.plex, disk, hasDevice)
        changes.push(...l.changes)
        tid = l.tid
        relocated.push(l.r)
        alert(`disk ${disk} failed: relocated log plex ${l.r.plex} of volume ${l.r.volume}: ${placesText(l.r)}; ${l.after}`, 'VM_IO', l.r.volume)
      } catch (e) {
        if (!isEngineError(e)) throw e
        const n: NotRelocated = { volume: m.volume, plex: m.plex, code: e.code, reason: e.message }
        notRelocated.push(n)
        alert(`disk ${disk} failed: log plex ${n.plex} of volume ${n.volume} was not relocated: ${n.reason}`, n.code, n.volume)
      }
      continue
    }
    const failedRids = before.subdisks.filter((s) => s.sd_plex_rid === pl.pl_rid && s.sd_dm_rid === dm.dm_rid).map((s) => s.sd_rid)
    let done: Relocation | undefined
    // a crash after the replacement commits finds the plex entirely stale (rule 82's order)
    await p.stale.persistFull([pl.pl_rid])
    try {
      const r = await p.plex.attach(m.volume, m.plex, {
        operation: 'dm.reloc',
        kind: 'relocate',
        onTask: (id) => {
          if (done) done.taskId = id
          opts.onTask?.(id)
        },
        make: (d) => {
          const x = d.plex(m.plex)
          assertRelocatable(p, d, x)
          done = relocatePlex(d, x, d.disk(disk), hasDevice, new Set())
          p.stale.commitFull([pl.pl_rid])
        },
      })
      changes.push(...r.changes)
      tid = r.tid
    } catch (e) {
      p.stale.dropFull([pl.pl_rid])
      if (!isEngineError(e)) throw e
      const now = p.store.current()
      if (done && failedRids.every((rid) => !now.subdisks.some((s) => s.sd_rid === rid))) done.copyError = e.code
      else {
        const n: NotRelocated = { volume: m.volume, plex: m.plex, code: e.code, reason: e.message }
        notRelocated.push(n)
        alert(`disk ${disk} failed: plex ${n.plex} of volume ${n.volume} was not relocated: ${n.reason}`, n.code, n.volume)
        continue
      }
    }
    const r = done!
    relocated.push(r)
    const copy = r.copyError ? `; its copy${r.taskId ? ` (${r.taskId})` : ''} failed ${r.copyError}: resync ${r.volume}` : r.taskId ? `; ${r.taskId} copied it from the other plexes` : `; ${r.volume} is stopped: its next start copies it`
    alert(`disk ${disk} failed: relocated plex ${r.plex} of volume ${r.volume}: ${placesText(r)}${copy}`, 'VM_IO', r.volume)
  }
  await p.stale.persist()
  return { dryRun: false, tid, changes, copyBytes, disk, relocated, notRelocated, notes }
}
