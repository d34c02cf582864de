import { fail } from '../errors.ts'
import { type MakeRecord, freeExtents } from '../recordOps.ts'
import { isLogPlexRec } from '../records/plexState.ts'
import { type DmRecord, DM_PFLAG, type VRecord } from '../records/types.ts'
import type { Draft } from '../txn.ts'
import { sizeText } from '../units.ts'
import type { DiskFault } from './diskFault.ts'

/** A piece of free space taken for a new subdisk: disk and public-region extent (sectors). */
export interface Piece {
  dm: DmRecord
  offset: number
  len: number
}

/**
 * The disks that hold a data plex of volume `v`: a new data plex never goes there, so no two of
 * its data plexes share a disk (vxassist's mirror rule; a DRL log plex holds no volume data and
 * does not count, as vxassist places logs beside data when it must).
 */
export function dataDisksOf(d: Draft, v: VRecord): Set<number> {
  const out = new Set<number>()
  for (const pl of d.plexesOf(v)) {
    if (isLogPlexRec(d.c, pl)) continue
    for (const sd of d.sdsOf(pl)) out.add(sd.sd_dm_rid)
  }
  return out
}

/** Flags that keep a disk out of ordinary allocation unless it is named: reserved, a hot-relocation spare, failing, removed. */
const NOT_ORDINARY = DM_PFLAG.RESERVE | DM_PFLAG.SPARE | DM_PFLAG.FAILING | DM_PFLAG.REMOVED

/**
 * May ordinary allocation (vxassist make, mirror, growto, addlog, vxevac without disks named)
 * choose this disk? Not a reserved one, a spare (kept for hot relocation), a failing or a removed one.
 */
export function isOrdinaryDisk(dm: DmRecord): boolean {
  return (dm.dm_pflag & NOT_ORDINARY) === 0
}

/**
 * The disks a new data plex of `v` may use: the ones named (each checked: it exists, it is not
 * failed, VM_DISK_FAILED, it holds no data plex of `v`), or every ordinary disk (`isOrdinaryDisk`)
 * that is not failed (`fault`, ops/diskFault.ts, rule 372) and holds none.
 */
export function mirrorPool(d: Draft, v: VRecord, fault: DiskFault, disks?: readonly string[], exclude: ReadonlySet<number> = dataDisksOf(d, v)): DmRecord[] {
  if (disks === undefined) return d.c.disks.filter((dm) => isOrdinaryDisk(dm) && !fault(dm) && !exclude.has(dm.dm_rid))
  if (!Array.isArray(disks) || disks.length === 0) fail('VM_INVALID_PARAM', 'disks must be a non-empty list of disk names')
  return disks.map((n) => {
    const dm = d.disk(n)
    assertNoFault(fault, dm)
    if (exclude.has(dm.dm_rid)) fail('VM_INVALID_PARAM', `disk ${n} already holds a data plex of ${v.v_name}: two mirrors on one disk are one failure away from none`)
    return dm
  })
}

/** Refuses a disk named for new space that `fault` says is failed (rule 372). */
export function assertNoFault(fault: DiskFault, dm: DmRecord): void {
  const why = fault(dm)
  if (why) fail('VM_DISK_FAILED', `disk ${dm.dm_name} ${why}: no new space is taken there`)
}

/**
 * Takes `len` sectors of free space from `pool` for one concat plex: the disk with the most free
 * space first, its largest extents first, so a plex takes as few subdisks as it can. VM_NO_SPACE,
 * saying how much was missing, when the pool has less; nothing is taken then.
 */
export function takeSpace(d: Draft, pool: readonly DmRecord[], len: number, what: string): Piece[] {
  const free = pool
    .map((dm) => ({ dm, extents: freeExtents(d, dm).sort((a, b) => b.len - a.len) }))
    .map((x) => ({ ...x, total: x.extents.reduce((s, e) => s + e.len, 0) }))
    .sort((a, b) => b.total - a.total)
  const have = free.reduce((s, x) => s + x.total, 0)
  if (have < len) fail('VM_NO_SPACE', `${what} needs ${sizeText(len)} on disks that hold no other mirror; ${sizeText(have)} are free there`)
  const out: Piece[] = []
  let left = len
  for (const { dm, extents } of free) {
    for (const e of extents) {
      if (left === 0) return out
      const n = Math.min(left, e.len)
      out.push({ dm, offset: e.offset, len: n })
      left -= n
    }
  }
  return out
}

/** The first name `<base>-NN` (NN from 01) that no record of the draft has, nor one of `taken`. */
export function nextFreeName(d: Draft, base: string, taken: Set<string>): string {
  for (let i = 1; ; i++) {
    const n = `${base}-${String(i).padStart(2, '0')}`
    if (!taken.has(n) && !d.find(n)) {
      taken.add(n)
      return n
    }
  }
}

/**
 * The records of a new concat data plex of `len` sectors for volume `v` (vxassist mirror): its
 * subdisks on `pool` (named after their disks, `disk01-03`) and the plex (`vol-03`) holding them
 * one after another.
 */
export function planMirrorPlex(d: Draft, v: VRecord, pool: readonly DmRecord[], len: number): { plex: string; records: MakeRecord[] } {
  const taken = new Set<string>()
  const plex = nextFreeName(d, v.v_name, taken)
  if (plex.length > d.profile.nameLen) fail('VM_INVALID_NAME', `the new plex's name ${plex} is longer than ${d.profile.nameLen} characters`)
  const records: MakeRecord[] = []
  const sd: string[] = []
  for (const piece of takeSpace(d, pool, len, `a new mirror of ${v.v_name}`)) {
    const name = nextFreeName(d, piece.dm.dm_name, taken)
    records.push({ type: 'sd', name, disk: piece.dm.dm_name, offset: piece.offset, len: piece.len })
    sd.push(name)
  }
  records.push({ type: 'plex', name: plex, layout: 'CONCAT', sd })
  return { plex, records }
}
