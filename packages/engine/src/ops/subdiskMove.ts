import type { BlockDevice } from '../device/blockDevice.ts'
import { EngineError, fail } from '../errors.ts'
import type { RecordChange } from '../events.ts'
import type { GroupParts } from '../groupParts.ts'
import type { ShadowPlace } from '../io/plexIo.ts'
import { type MakeRecord, assertUnlocked, associatePlex, makeRecord, removeRecord } from '../recordOps.ts'
import { isLogPlexRec } from '../records/plexState.ts'
import { type DmRecord, DM_PFLAG, type PlRecord, PL_PFLAG, type SdRecord, type VRecord } from '../records/types.ts'
import { REGION_SECTORS } from '../resync/regionCopy.ts'
import type { Draft } from '../txn.ts'
import { sectorsToBytes } from '../units.ts'
import type { DiskFault } from './diskFault.ts'
import { mirrorPool, nextFreeName, takeSpace } from './mirrorAlloc.ts'
import { stripePieces } from './stripeColumns.ts'

/** The lock a stopped volume's subdisk move holds on it (v_tutil0), so no start runs meanwhile. */
const EVAC_LOCK = 'EVAC'

/** Sectors a concat subdisk is copied in at a time (a striped one: one stripe unit). */
const CHUNK = 2048

/**
 * One subdisk to move off a disk (vxsd mv): the new subdisks that take its place (each the part
 * [from, from+len) of it) and the temporary plex that holds them until they take it.
 */
export interface SdMove {
  kind: 'sd'
  volume: string
  plex: string
  sd: string
  temp: string
  records: MakeRecord[]
  pieces: Array<{ sd: string; from: number; len: number }>
  /** Set by vxunreloc (ops/unrelocate.ts): the new subdisks are home, so they record no original disk; otherwise they keep the one a relocated subdisk records. */
  unrelocate?: true
}

/**
 * Rule 400: plans, against `d` (which takes the records, so two moves never take the same space),
 * the move of data subdisk `sd` of plex `pl` off disk `dm`: new space of its length on disks that
 * are not `dm`, hold no other data plex of the volume and, for a striped plex, no other column of
 * it (`to` when given; else ordinary disks, not failed, not spares, reserved, nohotuse or
 * failing), in whole stripe units for a striped plex; one piece where a disk has room.
 */
export function planSubdiskMove(d: Draft, pl: PlRecord, sd: SdRecord, dm: DmRecord, fault: DiskFault, to: readonly string[] | undefined, taken: Set<string>): SdMove {
  const v = d.volOf(pl)!
  const exclude = new Set<number>([dm.dm_rid])
  for (const x of d.plexesOf(v)) if (x !== pl && !isLogPlexRec(d.c, x)) for (const s of d.sdsOf(x)) exclude.add(s.sd_dm_rid)
  const striped = pl.pl_layout === 'STRIPE'
  const columns = new Set(striped ? d.sdsOf(pl).filter((s) => s.sd_column !== sd.sd_column).map((s) => s.sd_dm_rid) : [])
  const pool = mirrorPool(d, v, fault, to, exclude).filter((x) => !columns.has(x.dm_rid) && (to !== undefined || !(x.dm_pflag & DM_PFLAG.NOHOTUSE)))
  const what = `moving subdisk ${sd.sd_name} of plex ${pl.pl_name} off ${dm.dm_name}`
  const pieces = striped ? stripePieces(d, pool, sd.sd_len, pl.pl_st_width, what) : takeSpace(d, pool, sd.sd_len, what)
  return subdiskMoveTo(d, pl, sd, pieces, taken)
}

/**
 * The move of data subdisk `sd` of plex `pl` to `pieces` (free space, together its length; whole
 * stripe units for a striped plex): the new subdisks and the temporary plex holding them, made in
 * `d` so that no other move takes the space.
 */
export function subdiskMoveTo(d: Draft, pl: PlRecord, sd: SdRecord, pieces: ReadonlyArray<{ dm: DmRecord; offset: number; len: number }>, taken: Set<string>): SdMove {
  const v = d.volOf(pl)!
  const striped = pl.pl_layout === 'STRIPE'
  const records: MakeRecord[] = []
  const out: SdMove['pieces'] = []
  let from = 0
  for (const piece of pieces) {
    const name = nextFreeName(d, piece.dm.dm_name, taken)
    records.push({ type: 'sd', name, disk: piece.dm.dm_name, offset: piece.offset, len: piece.len })
    out.push({ sd: name, from, len: piece.len })
    from += piece.len
  }
  const temp = nextFreeName(d, v.v_name, taken)
  records.push({ type: 'plex', name: temp, layout: pl.pl_layout, ...(striped ? { st_width: pl.pl_st_width } : {}), sd: out.map((x) => ({ name: x.sd, offset: sd.sd_pl_offset + x.from, ...(striped ? { column: sd.sd_column } : {}) })) })
  for (const r of records) makeRecord(d, r)
  return { kind: 'sd', volume: v.v_name, plex: pl.pl_name, sd: sd.sd_name, temp, records, pieces: out }
}

/**
 * The swap that ends a subdisk move, in the draft: the new subdisks leave the temporary plex and
 * take the old one's place in its plex (the same plex offsets, the same column), the old subdisk
 * is removed (its space free) and the temporary plex with it. VM_BUSY when the plex changed
 * meanwhile (its subdisk gone, or the temporary plex removed by a start).
 */
export function swapSubdisk(d: Draft, m: SdMove): void {
  const pl = d.plex(m.plex)
  const old = d.sd(m.sd)
  const tp = d.c.plexes.find((x) => x.pl_name === m.temp)
  if (old.sd_plex_rid !== pl.pl_rid || !tp) fail('VM_BUSY', `plex ${m.plex} changed while subdisk ${m.sd} was moved`)
  const at = old.sd_pl_offset
  const column = old.sd_column
  d.c.subdisks.splice(d.c.subdisks.indexOf(old), 1)
  for (const x of m.pieces) {
    const n = d.sd(x.sd)
    n.sd_plex_rid = pl.pl_rid
    n.sd_pl_offset = at + x.from
    n.sd_column = column
    // rule 500: a relocated subdisk moved elsewhere still knows its original place (vxunreloc's)
    if (old.sd_orig_dmname && !m.unrelocate) Object.assign(n, { sd_orig_dmname: old.sd_orig_dmname, sd_orig_dmoffset: old.sd_orig_dmoffset + x.from })
  }
  d.c.plexes.splice(d.c.plexes.indexOf(tp), 1)
}

/** The volume sector of sector `k` of subdisk `sd` of plex `pl` (a striped plex's: within one stripe unit, so the unit maps contiguously). */
function volumeSector(pl: PlRecord, sd: SdRecord, k: number): number {
  const a = sd.sd_pl_offset + k
  if (pl.pl_layout !== 'STRIPE') return a
  // unit u of a column is unit u*ncol+column of the plex
  const w = pl.pl_st_width
  return (Math.floor(a / w) * pl.pl_ncol + sd.sd_column) * w + (a % w)
}

/** The volume regions (region lock indexes) that sectors [k, k+n) of subdisk `sd` of plex `pl` map, ascending. */
function regionsOf(pl: PlRecord, sd: SdRecord, k: number, n: number): number[] {
  const a = volumeSector(pl, sd, k)
  const out: number[] = []
  for (let r = Math.floor(a / REGION_SECTORS); r <= Math.floor((a + n - 1) / REGION_SECTORS); r++) out.push(r)
  return out
}

/**
 * Sectors [k, k+n) of subdisk `sd` (one stripe unit of a striped plex, or a run of a concat one):
 * read from its own disk; where that disk has no device or fails the read, from another current
 * data plex of the volume at the same volume sectors (zeros beyond the volume's end, which no one
 * reads). VM_IO when no plex can give them.
 */
async function readPart(p: GroupParts, v: VRecord, pl: PlRecord, sd: SdRecord, k: number, n: number, src: BlockDevice | undefined): Promise<Buffer> {
  let why: unknown = new EngineError('VM_IO', `disk ${sd.sd_dm_name} has no device: subdisk ${sd.sd_name} cannot be read there`)
  if (src && !src.failing?.('read')) {
    try {
      return await src.read(sectorsToBytes(sd.sd_dev_offset + k), sectorsToBytes(n))
    } catch (e) {
      why = e
    }
  }
  const a = volumeSector(pl, sd, k)
  if (a >= v.v_len) return Buffer.alloc(sectorsToBytes(n))
  const len = Math.min(n, v.v_len - a)
  const g = Math.floor(a / REGION_SECTORS)
  const cfg = p.store.current()
  for (const other of p.plexesOf(v.v_rid)) {
    if (other.pl_rid === pl.pl_rid || isLogPlexRec(cfg, other) || other.pl_state !== 'ACTIVE' || other.pl_kstate !== 'ENABLED' || other.pl_pflag & (PL_PFLAG.STALE | PL_PFLAG.KDETACH)) continue
    if (p.stale.isStale(other.pl_rid, g) || !p.plexIo.covers(other, a, len) || p.plexIo.failedDisks(other, 'read').length) continue
    try {
      const got = await p.plexIo.read(other, a, len)
      return len === n ? got : Buffer.concat([got, Buffer.alloc(sectorsToBytes(n - len))])
    } catch (e) {
      why = e
    }
  }
  throw why
}

/**
 * vxsd mv of one subdisk (rule 401), crash-safe in three steps: (1) one transaction makes the new
 * subdisks in a temporary plex associated TEMPRMSD and disabled (a crash from here on: the next
 * start removes it with them, the subdisk where it was; a stopped volume is locked, v_tutil0
 * EVAC); (2) a `move` task copies the subdisk's sectors to the new ones unit by unit, each under
 * the volume's region lock held exclusively, while every write to the subdisk also goes to its
 * new place (`PlexIo.shadow`), then flushes them; (3) one transaction swaps them in
 * (`swapSubdisk`). The plex keeps its layout and its state; nothing else of the volume is copied.
 */
export async function moveSubdisk(p: GroupParts, m: SdMove, onTask?: (taskId: string) => void): Promise<{ changes: RecordChange[]; tid: number }> {
  if (p.tasks.runningOn(m.volume)) fail('VM_BUSY', `volume ${m.volume} has a running task; let it finish first`)
  const op = m.unrelocate ? 'dm.unreloc' : 'dm.evac'
  const made = await p.transact(op, (d) => {
    const v = d.vol(m.volume)
    const old = d.sd(m.sd)
    if (old.sd_plex_rid !== d.plex(m.plex).pl_rid) fail('VM_BUSY', `subdisk ${m.sd} left plex ${m.plex}`)
    assertUnlocked(old.sd_tutil[0], m.sd)
    assertUnlocked(v.v_tutil[0], m.volume)
    for (const r of m.records) makeRecord(d, r)
    const tp = d.plex(m.temp)
    associatePlex(d, v, tp)
    tp.pl_state = 'TEMPRMSD'
    if (v.v_kstate === 'DISABLED') v.v_tutil[0] = EVAC_LOCK
  })
  const unlock = (d: Draft) => {
    const v = d.c.volumes.find((x) => x.v_name === m.volume)
    if (v && v.v_tutil[0] === EVAC_LOCK) v.v_tutil[0] = ''
  }
  const cfg = p.store.current()
  const v = cfg.volumes.find((x) => x.v_name === m.volume)!
  const pl = cfg.plexes.find((x) => x.pl_name === m.plex)!
  const old = cfg.subdisks.find((x) => x.sd_name === m.sd)!
  const tempRid = cfg.plexes.find((x) => x.pl_name === m.temp)!.pl_rid
  const places: ShadowPlace[] = m.pieces.map((x) => {
    const n = cfg.subdisks.find((s) => s.sd_name === x.sd)!
    return { dm: n.sd_dm_rid, devOffset: n.sd_dev_offset, from: x.from, len: x.len }
  })
  const task = p.tasks.start('move', m.volume, sectorsToBytes(old.sd_len))
  onTask?.(task.id)
  p.plexIo.shadow(old.sd_rid, places)
  try {
    const src = p.ioMap().device(old.sd_dm_rid)
    const lock = p.runtime(v).lock
    const step = pl.pl_layout === 'STRIPE' ? pl.pl_st_width : CHUNK
    for (let k = 0; k < old.sd_len; k += step) {
      task.throwIfAborted()
      const n = Math.min(step, old.sd_len - k)
      await task.gate(sectorsToBytes(n))
      const regions = regionsOf(pl, old, k, n)
      for (const r of regions) await lock.lockExclusive(r)
      try {
        const bytes = await readPart(p, v, pl, old, k, n, src)
        await Promise.all(places.map(async (to) => {
          const a = Math.max(k, to.from)
          const b = Math.min(k + n, to.from + to.len)
          if (a < b) await p.ioMap().device(to.dm)!.write(sectorsToBytes(to.devOffset + a - to.from), bytes.subarray(sectorsToBytes(a - k), sectorsToBytes(b - k)))
        }))
      } finally {
        for (const r of regions) lock.unlockExclusive(r)
      }
      p.tasks.progress(task, sectorsToBytes(n))
    }
    for (const dm of new Set(places.map((x) => x.dm))) await p.ioMap().device(dm)?.flush()
    const moved = await p.transact(op, (d) => {
      swapSubdisk(d, m)
      unlock(d)
    }, {}, false, () => {
      p.plexIo.unshadow(old.sd_rid)
      p.stale.drop(tempRid)
    })
    p.tasks.finish(task, 'ok')
    return { changes: [...made.changes, ...moved.changes], tid: moved.tid }
  } catch (e) {
    p.tasks.fail(task, e)
    // the subdisk stays where it was; the temporary plex goes with its subdisks
    await p.transact(`${op}.failed`, (d) => {
      const tp = d.c.plexes.find((x) => x.pl_name === m.temp)
      if (tp) {
        tp.pl_vol_rid = 0
        removeRecord(d, tp.pl_name, true)
      }
      unlock(d)
    }, {}, false, () => p.stale.drop(tempRid)).catch(() => {})
    throw e
  } finally {
    p.plexIo.unshadow(old.sd_rid)
  }
}
