import type { Clock } from '../clock.ts'
import type { TxResult } from '../config/configStore.ts'
import type { BlockDevice } from '../device/blockDevice.ts'
import { type ReportFailure, reportAs } from '../failures.ts'
import { hasEnabledLog, isLogPlexRec } from '../records/plexState.ts'
import { type Config, type PlRecord, PL_PFLAG, V_PFLAG, type VRecord } from '../records/types.ts'
import { RegionSet } from '../regionSet.ts'
import type { Draft } from '../txn.ts'
import { SECTOR_SIZE } from '../units.ts'
import { badLogAlertMessage } from './badLogAlert.ts'
import { DirtyRegionLog, type LogTarget } from './dirtyRegionLog.ts'
import { decodeDrl, drlRegionSectors } from './drlFormat.ts'

/** What a volume's dirty region log needs from the group. */
export interface DrlContext {
  cfg(): Config
  plexesOf(vrid: number): readonly PlRecord[]
  /** The device of a disk, when it has one. */
  device(dmRid: number): BlockDevice | undefined
  clock: Clock
  /** voldrl_max_drtregs and the idle age after which a dirty region is cleaned. */
  maxDirty: number
  cleanAgeMs: number
  /** The engine's region size (sectors): the unit a crash image is returned in. */
  regionSectors: number
  /** Flushes the volume's plexes before bits are cleaned (a failure is the write policies' to handle). */
  flushVolume(v: VRecord): Promise<void>
  transact(operation: string, fn: (d: Draft) => void): Promise<TxResult>
  critical(code: 'VM_WRTDAERR', message: string, object: string): void
  report: ReportFailure
}

/** A volume's dirty regions, what their recovery would copy, and the log writes so far. */
export interface DirtyView {
  regionSectors: number
  regions: number[]
  recoveryBytes: number
  logWrites: number
}

/**
 * The dirty region logs of a group's volumes (SEMANTICS.md 1.12, checklist F): which log
 * subdisks a volume can log to, a `DirtyRegionLog` for a started volume that has two data plexes
 * and a log (F 54), and the crash image a start reads before the volume takes writes. A log that
 * fails marks the volume BADLOG (a crash then needs a full resync).
 */
export class VolumeLogs {
  private readonly ctx: DrlContext
  /** The sequence number of each volume's newest log image, so a new log writes after it. */
  private readonly seq = new Map<number, number>()

  constructor(ctx: DrlContext) {
    this.ctx = ctx
  }

  /** Log subdisks of a volume that can hold a log now (in ENABLED plexes, or any with `anyState`, on present disks). */
  targets(v: VRecord, anyState = false): LogTarget[] {
    const out: LogTarget[] = []
    const cfg = this.ctx.cfg()
    for (const p of this.ctx.plexesOf(v.v_rid)) {
      if (!p.pl_log_sd_rid || (!anyState && !hasEnabledLog(p))) continue
      const sd = cfg.subdisks.find((s) => s.sd_rid === p.pl_log_sd_rid)
      const dev = sd && this.ctx.device(sd.sd_dm_rid)
      if (sd && dev) out.push({ dev, offset: sd.sd_dev_offset * SECTOR_SIZE, sectors: sd.sd_len, name: sd.sd_name })
    }
    return out
  }

  /** The DRL of a started volume, or undefined without two data plexes and a log subdisk (F 54). */
  create(v: VRecord): DirtyRegionLog | undefined {
    const ctx = this.ctx
    const data = ctx.plexesOf(v.v_rid).filter((p) => !isLogPlexRec(ctx.cfg(), p))
    const logs = this.targets(v)
    if (data.length < 2 || logs.length === 0) return undefined
    const logSectors = Math.min(...logs.map((l) => l.sectors))
    const regionSectors = drlRegionSectors(v.v_len, logSectors, ctx.regionSectors)
    if (regionSectors === 0) return undefined
    const vrid = v.v_rid
    const current = () => ctx.cfg().volumes.find((x) => x.v_rid === vrid)
    return new DirtyRegionLog({
      regionSectors,
      nbits: Math.ceil(v.v_len / regionSectors),
      maxDirty: ctx.maxDirty,
      cleanAgeMs: ctx.cleanAgeMs,
      clock: ctx.clock,
      seq: this.seq.get(vrid) ?? 0,
      targets: () => {
        const cur = current()
        return cur ? this.targets(cur) : []
      },
      flushData: async () => {
        const cur = current()
        if (cur) await ctx.flushVolume(cur).catch(handledByThePolicies)
      },
      onLogFailure: () => {
        ctx.critical('VM_WRTDAERR', badLogAlertMessage(v.v_name), v.v_name)
        // rule 343: the log plexes it wrote to are kernel-detached with it (DETACHED IOFAIL): the
        // records say the log is not in use, until a start or a resync rewrites it
        void ctx.transact('drl.badlog', (d) => {
          const x = d.c.volumes.find((y) => y.v_rid === vrid)
          if (!x) return
          x.v_pflag |= V_PFLAG.BADLOG
          for (const p of d.plexesOf(x)) {
            if (!hasEnabledLog(p) || !isLogPlexRec(d.c, p)) continue
            detachFailedLog(p, d.c.tid)
          }
        }).catch(reportAs(ctx.report, 'VM_MAPFRDWR', `the BADLOG flag of ${v.v_name} could not be committed`, v.v_name))
      },
      // rule 532: a log copy that failed while another was written leaves the log (DETACHED
      // IOFAIL); the volume keeps logging to the others and is not BADLOG
      onLogCopiesFailed: (subdisks) => {
        ctx.critical('VM_WRTDAERR', `a DRL log copy of ${v.v_name} (${subdisks.join(', ')}) could not be written: its log plex is detached; the other log copies are in use`, v.v_name)
        void ctx.transact('drl.logfail', (d) => {
          const x = d.c.volumes.find((y) => y.v_rid === vrid)
          if (!x) return
          for (const p of d.plexesOf(x)) {
            if (!hasEnabledLog(p) || !isLogPlexRec(d.c, p) || !subdisks.includes(p.pl_log_sd)) continue
            detachFailedLog(p, d.c.tid)
          }
        }).catch(reportAs(ctx.report, 'VM_MAPFRDWR', `the detach of a failed DRL log plex of ${v.v_name} could not be committed`, v.v_name))
      },
    })
  }

  /** Gives each started volume without a DRL one, as soon as it has two data plexes and an enabled log. */
  refresh(volumes: ReadonlyMap<number, { drl: DirtyRegionLog | undefined }>): void {
    for (const [vrid, rt] of volumes) {
      if (rt.drl) continue
      const v = this.ctx.cfg().volumes.find((x) => x.v_rid === vrid)
      if (v && v.v_kstate === 'ENABLED') rt.drl = this.create(v)
    }
  }

  /**
   * The dirty map of volume `v`'s DRL (drawn as a heatmap) and the bytes a crash recovery would
   * copy right now, to all its target plexes.
   */
  dirtyView(v: VRecord, drl: DirtyRegionLog | undefined): DirtyView {
    if (!drl) return { regionSectors: this.ctx.regionSectors, regions: [], recoveryBytes: 0, logWrites: 0 }
    const regions = drl.dirtyRegions()
    const bytes = regions.reduce((s, r) => s + Math.min(drl.regionSectors, v.v_len - r * drl.regionSectors), 0) * SECTOR_SIZE
    const others = Math.max(0, this.ctx.plexesOf(v.v_rid).filter((p) => p.pl_state === 'ACTIVE').length - 1)
    return { regionSectors: drl.regionSectors, regions, recoveryBytes: bytes * others, logWrites: drl.logWrites }
  }

  /**
   * The newest valid DRL image of a volume as engine regions (and its own bits); undefined when
   * the volume has no usable log (no log subdisk, BADLOG, or every copy torn or unreadable).
   */
  async readCrashImage(v: VRecord): Promise<{ regions: RegionSet; bits: RegionSet } | undefined> {
    const ctx = this.ctx
    const data = ctx.plexesOf(v.v_rid).filter((p) => !isLogPlexRec(ctx.cfg(), p))
    if (data.length < 2) return undefined
    let best: ReturnType<typeof decodeDrl>
    for (const t of this.targets(v, true)) {
      const img = decodeDrl(await t.dev.read(t.offset, t.sectors * SECTOR_SIZE).catch(readsAsTorn))
      if (img && (!best || img.seq > best.seq)) best = img
    }
    if (!best) return undefined
    // the next image writes after the newest on any copy, a BADLOG volume's too: an image older
    // than its log's failure must never outrank the one that rewrites it (rule 343)
    this.seq.set(v.v_rid, best.seq)
    if (v.v_pflag & V_PFLAG.BADLOG) return undefined
    const out = new RegionSet()
    for (const bit of best.dirty) {
      const first = Math.floor((bit * best.regionSectors) / ctx.regionSectors)
      const last = Math.floor((Math.min((bit + 1) * best.regionSectors, v.v_len) - 1) / ctx.regionSectors)
      for (let g = first; g <= last; g++) out.add(g)
    }
    return { regions: out, bits: best.dirty }
  }
}

/**
 * A flush the DRL asks for before it cleans bits that fails has been dealt with by the write
 * exception policies (`flushFailed`: the plexes that failed are detached, their regions stale).
 */
function handledByThePolicies(): void {}

/** A log copy that cannot be read is no usable image: it counts as torn. */
function readsAsTorn(): Buffer {
  return Buffer.alloc(0)
}

/** A log plex whose log write failed is kernel-detached: DETACHED IOFAIL (rules 343, 532). */
function detachFailedLog(p: PlRecord, tid: number): void {
  p.pl_kstate = 'DETACHED'
  p.pl_state = 'IOFAIL'
  p.pl_pflag |= PL_PFLAG.KDETACH
  p.pl_detach_tid = tid
  p.pl_tflag &= ~0xf
}
