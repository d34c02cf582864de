import type { TxOptions } from '../config/configStore.ts'
import type { RecordChange } from '../events.ts'
import { fail } from '../errors.ts'
import type { GroupParts } from '../groupParts.ts'
import { type MakeRecord, assertUnlocked, dissociatePlex, makeRecord, removeRecord } from '../recordOps.ts'
import { isLogPlexRec } from '../records/plexState.ts'
import type { Config, DmRecord, PlRecord } from '../records/types.ts'
import { Draft } from '../txn.ts'
import { sectorsToBytes, sizeText } from '../units.ts'
import { type DiskFault, diskFault } from './diskFault.ts'
import { mirrorPool, nextFreeName, takeSpace } from './mirrorAlloc.ts'
import { type OfflineSource, moveOffline, offlineSource } from './offlineMove.ts'
import { linkLog } from './volumeLog.ts'
import { type OpResult, placementNotes } from './placeWords.ts'
import { type SdMove, moveSubdisk, planSubdiskMove, swapSubdisk } from './subdiskMove.ts'

export interface EvacuateOptions extends TxOptions {
  /** Move the subdisks to these disks only (vxevac's todisk). */
  to?: string[]
  /** Told the id of each copy's task as it starts. */
  onTask?: (taskId: string) => void
  /** Told the notes (where each new subdisk goes) before the first move starts, for a reply that comes before the result (rule 468). */
  onNotes?: (notes: string[]) => void
}

/** One plex to move off the disk: its replacement's records and name; `source` for a stopped volume's (moved offline). */
interface PlexMove {
  kind: 'plex'
  volume: string
  old: string
  plex: string
  records: MakeRecord[]
  log: boolean
  source?: OfflineSource
}

type Move = PlexMove | SdMove

/**
 * Plans, against `d`, the moves off `dm`: for every data subdisk there of a started volume's plex
 * (concat or striped) and of a stopped volume's striped plex, a subdisk move (`planSubdiskMove`,
 * rule 400: only that subdisk moves, the plex keeps its layout); for a log plex, and a stopped
 * volume's concat plex (moved offline, rule 344), a replacement plex: a concat plex of the same
 * length (for a log plex, a log subdisk of the same length) on disks other than `dm` that hold no
 * other data plex of its volume. The draft takes the records as it plans, so two moves never take
 * the same space.
 */
function planMoves(d: Draft, dm: DmRecord, fault: DiskFault, unreadable: (p: PlRecord) => string[], to?: readonly string[]): Move[] {
  if (to?.includes(dm.dm_name)) fail('VM_INVALID_PARAM', `disk ${dm.dm_name} is the one being evacuated`)
  const taken = new Set<string>()
  const moves: Move[] = []
  const plexes = d.c.plexes.filter((pl) => pl.pl_vol_rid && d.sdsOf(pl).some((s) => s.sd_dm_rid === dm.dm_rid))
  for (const pl of plexes) {
    const v = d.volOf(pl)!
    // a stopped volume's plexes are moved offline (rule 344); one being stopped or detached waits
    if (v.v_kstate === 'DETACHED') fail('VM_NOT_STARTED', `volume ${v.v_name} has plex ${pl.pl_name} on ${dm.dm_name} and is DETACHED: start or stop it to evacuate the disk`)
    assertUnlocked(pl.pl_tutil[0], pl.pl_name)
    if (v.v_kstate === 'DISABLED') assertUnlocked(v.v_tutil[0], v.v_name)
    if (pl.pl_layout !== 'CONCAT' && pl.pl_layout !== 'STRIPE') fail('VM_INVALID_PARAM', `plex ${pl.pl_name} is ${pl.pl_layout}: only concat and striped plexes are evacuated here`)
    const log = isLogPlexRec(d.c, pl)
    if (!log && (v.v_kstate !== 'DISABLED' || pl.pl_layout === 'STRIPE')) {
      for (const sd of d.sdsOf(pl).filter((x) => x.sd_dm_rid === dm.dm_rid && !x.sd_is_log)) {
        // a stopped volume's subdisk is copied from itself: its disk must read
        if (v.v_kstate === 'DISABLED' && unreadable(pl).includes(dm.dm_name)) fail('VM_NOTSYNCED', `subdisk ${sd.sd_name} of stopped volume ${v.v_name} is on failed disk ${dm.dm_name}: start the volume to move it from the other plexes, or relocate it`)
        assertUnlocked(sd.sd_tutil[0], sd.sd_name)
        moves.push(planSubdiskMove(d, pl, sd, dm, fault, to, taken))
      }
      continue
    }
    const exclude = new Set<number>([dm.dm_rid])
    for (const x of d.plexesOf(v)) if (x !== pl && !isLogPlexRec(d.c, x)) for (const sd of d.sdsOf(x)) exclude.add(sd.sd_dm_rid)
    const pool = mirrorPool(d, v, fault, to, exclude)
    const plex = nextFreeName(d, v.v_name, taken)
    const records: MakeRecord[] = []
    if (log) {
      const len = d.sdsOf(pl).find((s) => s.sd_is_log)!.sd_len
      const piece = takeSpace(d, pool, len, `the log of ${v.v_name}`)
      if (piece.length !== 1) fail('VM_NO_SPACE', `no disk has ${sizeText(len)} of contiguous free space for the log of ${v.v_name}`)
      const sd = nextFreeName(d, piece[0]!.dm.dm_name, taken)
      records.push({ type: 'sd', name: sd, disk: piece[0]!.dm.dm_name, offset: piece[0]!.offset, len }, { type: 'plex', name: plex, log_sd: sd })
    } else {
      const sd: string[] = []
      for (const piece of takeSpace(d, pool, v.v_len, `moving plex ${pl.pl_name} off ${dm.dm_name}`)) {
        const name = nextFreeName(d, piece.dm.dm_name, taken)
        records.push({ type: 'sd', name, disk: piece.dm.dm_name, offset: piece.offset, len: piece.len })
        sd.push(name)
      }
      records.push({ type: 'plex', name: plex, layout: 'CONCAT', sd })
    }
    const source = v.v_kstate === 'DISABLED' ? offlineSource(d.c, v, pl, unreadable) : undefined
    for (const r of records) makeRecord(d, r)
    moves.push({ kind: 'plex', volume: v.v_name, old: pl.pl_name, plex, records, log, ...(source ? { source } : {}) })
  }
  return moves
}

/** The disk of a log plex's log subdisk, when it has no device or its device fails reads. */
function logDiskFailed(p: GroupParts, c: Config, pl: PlRecord): string[] {
  const sd = c.subdisks.find((s) => s.sd_rid === pl.pl_log_sd_rid)
  if (!sd) return []
  const dev = p.ioMap().device(sd.sd_dm_rid)
  return !dev || dev.failing?.('read') ? [sd.sd_dm_name] : []
}

/**
 * vxevac -g dg DISK [TODISK...]: moves everything off the disk, one move at a time. Each data
 * subdisk of a started volume's plex (and of a stopped volume's striped plex) is moved as vxsd mv
 * does (ops/subdiskMove.ts, rules 400, 401): only that subdisk, the plex keeping its layout, its
 * new place copied live and swapped in, a crash leaving it where it was or moved. A log plex is
 * moved whole (vxplex mv): a replacement made and attached in one transaction, then the old plex
 * removed with its subdisks in another. A stopped volume's concat plexes are moved offline, their
 * data copied with the volume stopped (ops/offlineMove.ts, rule 344). The dry run lists every
 * record change, where each new subdisk goes (`notes`) and the bytes it would copy.
 */
export async function evacuateDisk(p: GroupParts, disk: string, opts: EvacuateOptions = {}): Promise<OpResult> {
  p.store.assertOnline()
  const cfg = p.store.current()
  const dm = cfg.disks.find((x) => x.dm_name === disk) ?? fail('VM_NOT_FOUND', `no disk ${disk}`)
  const unreadable = (pl: PlRecord) => (isLogPlexRec(cfg, pl) ? logDiskFailed(p, cfg, pl) : p.plexIo.failedDisks(pl, 'read'))
  const plan = new Draft(structuredClone(cfg))
  const moves = planMoves(plan, dm, diskFault(p), unreadable, opts.to)
  const bytesOf = (m: Move) => (m.kind === 'sd' ? sectorsToBytes(plan.sd(m.sd).sd_len) : !m.log && m.source?.kind !== 'none' ? sectorsToBytes(plan.vol(m.volume).v_len) : 0)
  const copyBytes = moves.reduce((s, m) => s + bytesOf(m), 0)
  // rule 404: where everything goes, as the whole evacuation leaves it
  const after = new Draft(structuredClone(cfg))
  applyMoves(after, moves)
  const notes = placementNotes(cfg, after.c)
  if (opts.dryRun) {
    const r = await p.transact('dm.evac', (d) => applyMoves(d, moves), { dryRun: true })
    return { ...r, copyBytes, notes }
  }
  opts.onNotes?.(notes)
  const changes: RecordChange[] = []
  let tid = cfg.tid
  for (const m of moves) {
    if (m.kind === 'sd') {
      const r = await moveSubdisk(p, m, opts.onTask)
      changes.push(...r.changes)
      tid = r.tid
      continue
    }
    if (m.source) {
      const r = await moveOffline(p, { ...m, source: m.source }, opts.onTask)
      changes.push(...r.changes)
      tid = r.tid
      continue
    }
    const attached = await p.plex.attach(m.volume, m.plex, {
      ...(opts.onTask ? { onTask: opts.onTask } : {}),
      operation: 'dm.evac',
      make: (d) => {
        for (const rec of m.records) makeRecord(d, rec)
        if (m.log) linkLog(d, m.plex)
      },
    })
    const moved = await p.transact('dm.evac', (d) => {
      const old: PlRecord = d.plex(m.old)
      dissociatePlex(d, old)
      removeRecord(d, old.pl_name, true)
    }, {}, false, () => p.stale.drop(cfg.plexes.find((x) => x.pl_name === m.old)?.pl_rid ?? 0))
    changes.push(...attached.changes, ...moved.changes)
    tid = moved.tid
  }
  await p.stale.persist()
  return { dryRun: false, tid, changes, notes }
}

/** Every move's end state in the draft: the plexes replaced, the subdisks swapped (a dry run's changes). */
function applyMoves(d: Draft, moves: readonly Move[]): void {
  for (const m of moves) {
    for (const rec of m.records) makeRecord(d, rec)
    if (m.kind === 'sd') {
      swapSubdisk(d, m)
      continue
    }
    const old = d.plex(m.old)
    dissociatePlex(d, old)
    removeRecord(d, old.pl_name, true)
  }
}
