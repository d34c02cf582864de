import { fail } from '../errors.ts'
import { type MakeRecord, assocSubdisk, freeExtents, makeSubdisk } from '../recordOps.ts'
import { isLogPlexRec } from '../records/plexState.ts'
import type { DmRecord, PlRecord, SdRecord, VRecord } from '../records/types.ts'
import { Draft } from '../txn.ts'
import { sizeText } from '../units.ts'
import type { DiskFault } from './diskFault.ts'
import { isOrdinaryDisk, mirrorPool, nextFreeName } from './mirrorAlloc.ts'

/** The data subdisks of a striped plex, one list a column, each sorted by its offset in the column. */
export function columnsOf(d: Draft, pl: PlRecord): SdRecord[][] {
  const cols: SdRecord[][] = []
  for (const sd of d.sdsOf(pl).filter((s) => !s.sd_is_log)) (cols[sd.sd_column] ??= []).push(sd)
  for (let c = 0; c < cols.length; c++) cols[c] = (cols[c] ?? []).sort((a, b) => a.sd_pl_offset - b.sd_pl_offset)
  return cols
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b)
}

/**
 * Rule 397: the sectors a volume's length moves in when it grows or shrinks: a whole stripe
 * (stripe unit x columns) of each of its striped data plexes (their least common multiple for a
 * mirror of two striped plexes that differ), 1 for a volume with concat plexes only. A new
 * length is rounded up to it, so every column changes by whole stripe units.
 */
export function stripeStep(d: Draft, v: VRecord): number {
  let step = 1
  for (const pl of d.plexesOf(v)) {
    if (pl.pl_layout !== 'STRIPE' || isLogPlexRec(d.c, pl)) continue
    const s = pl.pl_st_width * Math.max(1, columnsOf(d, pl).length)
    step = (step / gcd(step, s)) * s
  }
  return step
}

/** `len` rounded up to a multiple of `step`. */
export function roundUp(len: number, step: number): number {
  return Math.ceil(len / step) * step
}

/** The words of a rounding (rule 397), or undefined when the length asked for is kept. */
export function roundingNote(volume: string, asked: number, len: number, step: number): string | undefined {
  if (asked === len) return undefined
  return `${volume}: ${asked} sectors rounded up to ${len} sectors (${sizeText(len)}), a multiple of its whole stripe of ${step} sectors (stripe unit x columns)`
}

/**
 * Rule 398: extends every column of striped plex `pl` in the draft to hold `len` sectors of the
 * volume (`len` a multiple of the plex's stripe): each column by the same whole stripe units, its
 * last subdisk in place where the space after it on its own disk is free (not on a failed disk,
 * nor a spare not named), the rest by new subdisks appended to the column, on disks that hold no
 * other column of the plex and no other data plex of the volume (only `disks` when given), its own
 * disk first. VM_NO_SPACE when a column finds no room.
 */
export function extendStripedPlex(d: Draft, v: VRecord, pl: PlRecord, len: number, fault: DiskFault, disks: readonly string[] | undefined, taken: Set<string>): void {
  const w = pl.pl_st_width
  const cols = columnsOf(d, pl)
  const colLen = len / cols.length
  if (!Number.isInteger(colLen / w)) fail('VM_INVALID_PARAM', `${len} sectors are not whole stripes of plex ${pl.pl_name}`)
  const others = new Set<number>()
  for (const x of d.plexesOf(v)) if (x !== pl && !isLogPlexRec(d.c, x)) for (const sd of d.sdsOf(x)) others.add(sd.sd_dm_rid)
  const named = mirrorPool(d, v, fault, disks, others)
  cols.forEach((sds, column) => {
    const end = sds.reduce((m, s) => Math.max(m, s.sd_pl_offset + s.sd_len), 0)
    let need = colLen - end
    if (need <= 0) return
    const last = sds.find((s) => s.sd_pl_offset + s.sd_len === end)
    if (last) {
      const dm = d.c.disks.find((x) => x.dm_rid === last.sd_dm_rid)!
      const after = freeExtents(d, dm).find((e) => e.offset === last.sd_dm_offset + last.sd_len)
      if (after && !fault(dm, pl.pl_rid) && (isOrdinaryDisk(dm) || disks?.includes(dm.dm_name) === true)) {
        const n = Math.min(need, Math.floor(after.len / w) * w)
        last.sd_len += n
        need -= n
      }
    }
    if (need === 0) return
    // disks of the other columns (as they are now: a column just placed counts)
    const mine = new Set(sds.map((s) => s.sd_dm_rid))
    const busy = new Set(d.sdsOf(pl).filter((s) => s.sd_column !== column).map((s) => s.sd_dm_rid))
    const pool: DmRecord[] = named.filter((dm) => !busy.has(dm.dm_rid)).sort((a, b) => Number(mine.has(b.dm_rid)) - Number(mine.has(a.dm_rid)))
    // after the in-place growth: the column now ends at colLen - need
    let at = colLen - need
    for (const piece of stripePieces(d, pool, need, w, `column ${column} of plex ${pl.pl_name}`)) {
      const sd = makeSubdisk(d, { name: nextFreeName(d, piece.dm.dm_name, taken), disk: piece.dm.dm_name, offset: piece.offset, len: piece.len })
      assocSubdisk(d, pl, { name: sd.sd_name, column, offset: at })
      at += piece.len
    }
  })
}

/**
 * Free space for `len` sectors of one column, in pieces of whole stripe units `w`: one piece on
 * the first disk of `pool` that has it (the column's own disk is first), else the largest pieces
 * there are, disk after disk. VM_NO_SPACE, taking nothing, when the pool has less.
 */
export function stripePieces(d: Draft, pool: readonly DmRecord[], len: number, w: number, what: string): Array<{ dm: DmRecord; offset: number; len: number }> {
  const extents = pool.map((dm) => ({ dm, free: freeExtents(d, dm).map((e) => ({ offset: e.offset, len: Math.floor(e.len / w) * w })).filter((e) => e.len > 0) }))
  for (const { dm, free } of extents) {
    const e = free.find((x) => x.len >= len)
    if (e) return [{ dm, offset: e.offset, len }]
  }
  const all = extents.flatMap(({ dm, free }) => free.map((e) => ({ dm, ...e }))).sort((a, b) => b.len - a.len)
  const have = all.reduce((s, e) => s + e.len, 0)
  if (have < len) fail('VM_NO_SPACE', `${what} needs ${sizeText(len)} in whole stripe units on disks holding no other column of it and no other plex of its volume; ${sizeText(have)} are free there`)
  const out: Array<{ dm: DmRecord; offset: number; len: number }> = []
  let left = len
  for (const e of all) {
    if (left === 0) break
    const n = Math.min(left, e.len)
    out.push({ dm: e.dm, offset: e.offset, len: n })
    left -= n
  }
  return out
}

/**
 * Rule 399: cuts every column of striped plex `pl` in the draft to hold `len` sectors of the
 * volume (a multiple of its stripe): in each column the subdisks wholly beyond the new column
 * length are removed, the one across it shortened; their space is free again.
 */
export function cutStripedPlex(d: Draft, pl: PlRecord, len: number): void {
  const cols = columnsOf(d, pl)
  const colLen = Math.ceil(len / cols.length / pl.pl_st_width) * pl.pl_st_width
  for (const sds of cols) {
    for (const sd of sds) {
      if (sd.sd_pl_offset >= colLen) d.c.subdisks.splice(d.c.subdisks.indexOf(sd), 1)
      else if (sd.sd_pl_offset + sd.sd_len > colLen) sd.sd_len = colLen - sd.sd_pl_offset
    }
  }
}

/** The stripe of a volume's first striped data plex (columns, stripe unit), or undefined when it has none. */
export function stripeOf(d: Draft, v: VRecord): { ncol: number; width: number } | undefined {
  const pl = d.plexesOf(v).find((x) => x.pl_layout === 'STRIPE' && !isLogPlexRec(d.c, x))
  return pl && { ncol: Math.max(1, columnsOf(d, pl).length), width: pl.pl_st_width }
}

/**
 * Rule 402: the records of a new striped data plex for volume `v` (vxassist mirror of a striped
 * volume): `ncol` columns of whole stripe units `width`, each as long as `len` needs, each on
 * disks of `pool` that no other column of it uses (one piece on one disk where one has room),
 * the subdisks named after their disks and the plex after the volume.
 */
export function planStripedPlex(d: Draft, v: VRecord, pool: readonly DmRecord[], len: number, ncol: number, width: number): { plex: string; records: MakeRecord[] } {
  const taken = new Set<string>()
  const plex = nextFreeName(d, v.v_name, taken)
  if (plex.length > d.profile.nameLen) fail('VM_INVALID_NAME', `the new plex's name ${plex} is longer than ${d.profile.nameLen} characters`)
  const colLen = Math.ceil(len / ncol / width) * width
  if (pool.length < ncol) fail('VM_NO_SPACE', `a new mirror of ${v.v_name} with ${ncol} columns needs ${ncol} disks holding none of its plexes, one a column: ${pool.length} ${pool.length === 1 ? 'is' : 'are'} usable`)
  // planned on a copy, so that each column sees the space the ones before it took
  const plan = new Draft(structuredClone(d.c))
  const used = new Set<number>()
  const records: MakeRecord[] = []
  const sd: Array<{ name: string; column: number; offset: number }> = []
  for (let column = 0; column < ncol; column++) {
    const left = pool.filter((dm) => !used.has(dm.dm_rid)).map((dm) => plan.disk(dm.dm_name))
    // a column on one disk when one has room; the disks with the most free space first
    const free = (dm: DmRecord) => freeExtents(plan, dm).reduce((s, e) => s + e.len, 0)
    const candidates = left.sort((a, b) => free(b) - free(a)).slice(0, Math.max(1, left.length - (ncol - column - 1)))
    let at = 0
    for (const piece of stripePieces(plan, candidates, colLen, width, `column ${column} of a new mirror of ${v.v_name}`)) {
      const name = nextFreeName(plan, piece.dm.dm_name, taken)
      makeSubdisk(plan, { name, disk: piece.dm.dm_name, offset: piece.offset, len: piece.len })
      records.push({ type: 'sd', name, disk: piece.dm.dm_name, offset: piece.offset, len: piece.len })
      sd.push({ name, column, offset: at })
      at += piece.len
      used.add(piece.dm.dm_rid)
    }
  }
  records.push({ type: 'plex', name: plex, layout: 'STRIPE', st_width: width, sd })
  return { plex, records }
}
