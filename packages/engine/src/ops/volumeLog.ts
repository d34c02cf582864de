import { drlLogLength } from '../assist.ts'
import type { TxOptions, TxResult } from '../config/configStore.ts'
import { fail } from '../errors.ts'
import type { GroupParts } from '../groupParts.ts'
import { assertUnlocked, dissociatePlex, freeExtents, makeRecord, removeRecord } from '../recordOps.ts'
import { isLogPlexRec } from '../records/plexState.ts'
import type { DmRecord, VRecord } from '../records/types.ts'
import { Draft } from '../txn.ts'
import { sizeText } from '../units.ts'
import { type DiskFault, diskFault } from './diskFault.ts'
import { dataDisksOf, mirrorPool, nextFreeName, takeSpace } from './mirrorAlloc.ts'

export interface AddLogOptions extends TxOptions {
  /** Put the log on one of these disks. */
  disks?: string[]
}

/**
 * The disks a new log plex of `v` may go on (rule 375). Named: each must not be failed
 * (VM_DISK_FAILED) nor hold a log of `v` already (two logs on one disk fail together); one
 * holding a data plex is taken, as a log is not a mirror (VxVM keeps a log off the data disks as
 * a preference only). Not named: disks holding no plex of `v` when one has room, else disks
 * beside a data plex; never a failed one.
 */
function logPool(d: Draft, v: VRecord, fault: DiskFault, logDisks: ReadonlySet<number>, fits: (pool: DmRecord[]) => DmRecord[], disks?: readonly string[]): DmRecord[] {
  if (disks !== undefined) {
    const named = mirrorPool(d, v, fault, disks, new Set())
    for (const dm of named) if (logDisks.has(dm.dm_rid)) fail('VM_INVALID_PARAM', `disk ${dm.dm_name} already holds a log of ${v.v_name}: two logs on one disk fail together`)
    return fits(named)
  }
  const apart = fits(mirrorPool(d, v, fault, undefined, new Set([...dataDisksOf(d, v), ...logDisks])))
  return apart.length > 0 ? apart : fits(mirrorPool(d, v, fault, undefined, logDisks))
}

/**
 * vxassist addlog VOL: a DRL log subdisk in a log plex of its own, attached in one transaction
 * (a log plex holds no volume data: nothing is copied; the DRL writes it at its next log write).
 * Its length is the longest log the volume has, or VxVM's table for the volume's length
 * (`drlLogLength`); it goes on a disk holding no data plex of the volume when one has room, else
 * beside one. The volume must be mirrored (a DRL has nothing to do on one plex).
 */
export async function addLog(p: GroupParts, volume: string, opts: AddLogOptions = {}): Promise<TxResult> {
  p.store.assertOnline()
  const v = p.vol(volume)
  const d = new Draft(structuredClone(p.store.current()))
  const data = d.plexesOf(v).filter((pl) => !isLogPlexRec(d.c, pl))
  if (data.length < 2) fail('VM_INVALID_PARAM', `volume ${volume} has ${data.length} data plex: a dirty region log needs a mirror`)
  const logs = d.plexesOf(v).filter((pl) => isLogPlexRec(d.c, pl))
  const len = Math.max(drlLogLength(v.v_len), ...logs.flatMap((pl) => d.sdsOf(pl).map((s) => s.sd_len)))
  const taken = new Set<string>()
  const fits = (pool: DmRecord[]) => pool.filter((dm) => hasRoom(d, dm, len))
  const logDisks = new Set(logs.flatMap((pl) => d.sdsOf(pl).map((s) => s.sd_dm_rid)))
  const pool = logPool(d, v, diskFault(p), logDisks, fits, opts.disks)
  const piece = takeSpace(d, pool.slice(0, 1), len, `a log of ${volume}`)[0]
  if (!piece) fail('VM_NO_SPACE', `no disk has ${sizeText(len)} of contiguous free space for a log of ${volume}`)
  const sd = nextFreeName(d, piece.dm.dm_name, taken)
  const plex = nextFreeName(d, volume, taken)
  const r = await p.plex.attach(volume, plex, {
    ...(opts.dryRun !== undefined ? { dryRun: opts.dryRun } : {}),
    operation: 'v.addlog',
    make: (x) => {
      makeRecord(x, { type: 'sd', name: sd, disk: piece.dm.dm_name, offset: piece.offset, len })
      makeRecord(x, { type: 'plex', name: plex, log_sd: sd })
      linkLog(x, plex)
    },
  })
  // a log plex holds no volume data: its attach copies nothing
  return opts.dryRun ? { ...r, copyBytes: 0 } : r
}

/**
 * Gives a log plex made in this transaction its `pl_log_sd`/`pl_log_sd_rid` now: they are derived at
 * the commit, but the attach in the same transaction enables the log (PL_TFLAG_LOG) by them.
 */
export function linkLog(d: Draft, plex: string): void {
  const pl = d.plex(plex)
  const sd = d.sdsOf(pl).find((s) => s.sd_is_log)
  if (!sd) return
  pl.pl_log_sd = sd.sd_name
  pl.pl_log_sd_rid = sd.sd_rid
}

/** Does `dm` have `len` contiguous free sectors? */
function hasRoom(d: Draft, dm: DmRecord, len: number): boolean {
  return freeExtents(d, dm).some((e) => e.len >= len)
}

/**
 * vxassist remove log VOL [PLEX]: dissociates a DRL log plex (the one named, else the newest) and
 * removes it with its subdisk in one transaction. When it was the volume's last log, the started
 * volume's DRL goes with it as the commit takes effect: a crash from then on recovers the volume
 * by a full resync, as a volume without a log does.
 */
export async function removeLog(p: GroupParts, volume: string, plex: string | undefined, opts: TxOptions = {}): Promise<TxResult> {
  let last = false
  return p.transact('v.rmlog', (d) => {
    const v = d.vol(volume)
    assertUnlocked(v.v_tutil[0], volume)
    const logs = d.plexesOf(v).filter((pl) => isLogPlexRec(d.c, pl)).sort((a, b) => b.pl_rid - a.pl_rid)
    const pl = plex === undefined ? (logs[0] ?? fail('VM_NOT_FOUND', `volume ${volume} has no log`)) : d.plex(plex)
    if (pl.pl_vol_rid !== v.v_rid) fail('VM_INVALID_PARAM', `plex ${pl.pl_name} is not a plex of ${volume}`)
    if (!isLogPlexRec(d.c, pl)) fail('VM_INVALID_PARAM', `plex ${pl.pl_name} is a data plex, not a log (remove a mirror instead)`)
    assertUnlocked(pl.pl_tutil[0], pl.pl_name)
    dissociatePlex(d, pl)
    removeRecord(d, pl.pl_name, true)
    last = logs.length === 1
  }, opts, false, () => {
    if (opts.dryRun || !last) return
    const rt = p.vols.find(p.vol(volume).v_rid)
    rt?.drl?.dispose()
    if (rt) rt.drl = undefined
  })
}
