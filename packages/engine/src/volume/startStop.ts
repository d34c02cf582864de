import type { TxOptions, TxResult } from '../config/configStore.ts'
import type { KernelLog } from '../config/kernelLog.ts'
import type { DirtyRegionLog } from '../drl/dirtyRegionLog.ts'
import type { VolumeLogs } from '../drl/volumeLogs.ts'
import { type EngineErrorCode, fail, isEngineError } from '../errors.ts'
import { type ReportFailure, reportAs } from '../failures.ts'
import { assertUnlocked } from '../recordOps.ts'
import { isLogPlexRec, logFlag, onMissingDisk } from '../records/plexState.ts'
import { type Config, type PlRecord, PL_PFLAG, PL_TFLAG, V_PFLAG, type VRecord } from '../records/types.ts'
import { RegionSet } from '../regionSet.ts'
import { runAttachCopy } from '../resync/handOver.ts'
import { type StartPlan, planRecovery, planStart } from '../resync/planStart.ts'
import { REGION_SECTORS, type SyncContext, runSync } from '../resync/regionCopy.ts'
import { endReadWriteback } from '../resync/resyncOps.ts'
import type { StaleMaps } from '../staleMaps.ts'
import type { Task } from '../tasks/task.ts'
import type { Draft } from '../txn.ts'

/** What a start and a stop keep per volume (the group's volume runtime has more). */
export interface StartStopRuntime {
  /** The kernel log's record that the volume is being written, once asked for. */
  dirtyMarked: Promise<void> | undefined
  drl: DirtyRegionLog | undefined
  unflushed: RegionSet
  rwback: RegionSet | undefined
  /** The tasks copying the volume: a stop aborts them and waits for them to end. */
  tasks: ReadonlySet<Task>
  /** The drain gate: foreground I/O under way, and who waits for it to reach zero. */
  inflight: number
  drained: Array<() => void>
}

/** What a start and a stop need of the group. */
export interface StartStopContext {
  cfg(): Config
  /** The volume named `name` (VM_NOT_FOUND otherwise). */
  vol(name: string): VRecord
  plexesOf(vrid: number): readonly PlRecord[]
  /** A configuration transaction (config/configStore.ts). */
  transact(operation: string, fn: (d: Draft) => void, opts?: TxOptions): Promise<TxResult>
  runtime(v: VRecord): StartStopRuntime
  klog: KernelLog
  stale: StaleMaps
  logs: VolumeLogs
  /** The tid of the commit that last made each plex ENABLED. */
  enabledAt: ReadonlyMap<number, number>
  /** Flushes every plex of the volume (a plex that fails is the write policies' to handle). */
  flushVolume(v: VRecord): Promise<void>
  /** The region copy (resync/), for the crash recovery and the attach of stale plexes. */
  sync: SyncContext
  alert(severity: 'warning' | 'critical', code: EngineErrorCode, message: string, object: string): void
  report: ReportFailure
}

/**
 * vxvol start and stop (SEMANTICS.md checklist D 28-33, 36, 38): a start enables what
 * `planStart` (pure) says, recovers what a crash left inconsistent and attaches stale plexes; a
 * stop closes the gate, drains, flushes, cleans the log and marks the volume CLEAN.
 */
export class StartStop {
  private readonly ctx: StartStopContext

  constructor(ctx: StartStopContext) {
    this.ctx = ctx
  }

  /**
   * vxvol start (D 28, 30-33, 36, 38): cleans up TEMP* plexes, enables CLEAN/ACTIVE plexes,
   * recovers a volume that crashed dirty (the DRL's dirty regions, or the whole volume by
   * read-writeback without a log), and recovers STALE plexes by attaching them (only their stale
   * regions when those are known). Resolves when the volume is fully recovered.
   */
  async start(volume: string, opts: TxOptions & { delayRecover?: boolean; onStarted?: (r: TxResult) => void } = {}): Promise<TxResult> {
    const { ctx } = this
    const { klog, stale } = ctx
    // Read the crash image of the DRL before the volume can take new writes.
    const pre = ctx.cfg().volumes.find((x) => x.v_name === volume)
    const logged = pre && !opts.dryRun && pre.v_kstate === 'DISABLED' ? await ctx.logs.readCrashImage(pre) : undefined
    let plan: StartPlan = { crashed: false, needSync: false, track: [], handBack: [], waiting: [] }
    const r = await ctx.transact('v.start', (d) => {
      plan = planStart(d, volume, { wasWritten: (vrid) => klog.isDirty(vrid), delayRecover: opts.delayRecover ?? false, failsWrites: (p) => ctx.sync.failedDisks(p, 'write') })
      if (!opts.dryRun) for (const rid of plan.track) stale.track(rid)
    }, opts)
    const { crashed, needSync } = plan
    if (opts.dryRun) return r
    opts.onStarted?.(r)
    const v = ctx.vol(volume)
    // rule 419: what this start leaves waiting for a failed disk is said, not tried and failed
    for (const w of plan.waiting) ctx.alert('warning', 'VM_DISK_FAILED', `plex ${w.plex} of ${volume} is waiting for disk ${w.disks.join(', ')}, which fails every write: restore or replace it, then resync disk ${w.disks[0]}`, w.plex)
    const rt = ctx.runtime(v)
    rt.dirtyMarked = klog.dirty.includes(v.v_rid) ? Promise.resolve() : undefined
    const nRegions = Math.ceil(v.v_len / REGION_SECTORS)
    // What a crash left inconsistent: the DRL's dirty regions, or everything without a usable log.
    const recovery = planRecovery({ plan, len: v.v_len, rwbackOffset: v.v_rwback_offset, logged: logged?.regions })
    const crashRegions = recovery.regions
    if (recovery.fullResync) ctx.alert('warning', 'VM_NOTSYNCED', `${v.v_name} crashed without a usable dirty region log: full resync`, v.v_name)
    rt.drl ??= ctx.logs.create(v)
    // The crash's dirty regions stay in the log until recovery has copied them: the bits of this
    // log that cover them. Rule 514: none past the end (the volume shrunk since), which would stay
    // dirty in memory but not on disk, so that a grow's writes there would never log their bit;
    // rule 515: the crash image's own bits may count regions of another size (a log made for a
    // longer volume), so its regions are mapped, not its bit numbers.
    const pinned = new Set<number>()
    if (crashed && logged && rt.drl) {
      for (const g of logged.regions) {
        const from = g * REGION_SECTORS
        if (from >= v.v_len) continue
        const [a, b] = rt.drl.regionsOf(from, Math.min(REGION_SECTORS, v.v_len - from))
        for (let bit = a; bit <= b; bit++) pinned.add(bit)
      }
    }
    if (needSync && rt.drl && v.v_rwback_offset < v.v_len) {
      // rule 121: what the NEEDSYNC recovery has to do is pinned in the log too, so a crash
      // during it leaves all of it to the next start, not only the regions the log had dirty
      const [a, b] = rt.drl.regionsOf(v.v_rwback_offset, v.v_len - v.v_rwback_offset)
      for (let i = a; i <= b; i++) pinned.add(i)
    }
    if (rt.drl && pinned.size) await rt.drl.pin(pinned).catch(reportAs(ctx.report, 'VM_WRTDAERR', `the dirty region log of ${v.v_name} could not keep the crash's regions`, v.v_name))
    else if (rt.drl) await rt.drl.cleanIdle().catch(reportAs(ctx.report, 'VM_WRTDAERR', `the dirty region log of ${v.v_name} could not be cleaned`, v.v_name))
    const plexes = ctx.plexesOf(v.v_rid)
    // Stale plexes also missed whatever was in flight at the crash (a NEEDSYNC stop was clean).
    // One without a stale map (a crash between its detach's commit and its map's write) stays
    // untracked: stale everywhere, copied in full (rule 110).
    for (const p of needSync ? [] : plexes.filter((x) => x.pl_tutil[0] === 'ATT' || x.pl_state === 'STALE' || x.pl_state === 'IOFAIL')) {
      if (!crashRegions || crashRegions.size === nRegions) {
        if (crashRegions) stale.setFull(p.pl_rid)
      } else {
        for (const g of crashRegions) stale.add(p.pl_rid, g, g)
      }
    }
    await stale.persist()
    let last = r
    const active = plexes.filter((p) => p.pl_state === 'ACTIVE' && p.pl_tutil[0] !== 'ATT')
    if (crashRegions && crashRegions.size > 0 && active.length > 1) {
      // D 31 / F 53: recovery copies one source plex to all the others, for the crash regions only.
      rt.rwback = crashRegions.clone()
      const handle = runSync(ctx.sync, 'recovery', v, [...crashRegions].map((g) => ({ v, region: g })), { force: true, rwback: true, among: active.map((p) => p.pl_rid) })
      try {
        await handle.done
      } catch (e) {
        // Rule 76: a recovery that cannot go on (its task failed) says so. The volume stays
        // started, its reads still written back where it is not recovered (RWBACK), and its state
        // is NEEDSYNC, not a SYNC that no task is doing: a forced resync or the next start finishes it.
        await ctx.transact('v.recovery.failed', (d) => {
          const x = d.c.volumes.find((y) => y.v_rid === v.v_rid)
          if (x && x.v_state === 'SYNC') x.v_state = 'NEEDSYNC'
        }).catch(reportAs(ctx.report, 'VM_MAPFRDWR', `${v.v_name} could not be marked NEEDSYNC after its recovery failed`, v.v_name))
        ctx.alert('critical', 'VM_NOTSYNCED', `the recovery of ${v.v_name} failed: its plexes may differ where it did not reach; resync it`, v.v_name)
        throw e
      }
      rt.drl?.unpin(pinned)
      last = await ctx.transact('v.recovery.done', (d) => {
        const x = d.c.volumes.find((y) => y.v_rid === v.v_rid)
        if (x && x.v_state === 'SYNC') endReadWriteback(x)
      })
      rt.rwback = undefined
    } else {
      // Rule 417: nothing to copy among current plexes (one is left, the others stale): what the
      // crash left is in the stale plexes' maps, persisted above, which their attach copies; the
      // log need not keep it, so its regions clean as any idle ones do
      rt.drl?.unpin(pinned)
      if (v.v_state === 'SYNC') last = await ctx.transact('v.recovery.done', (d) => endReadWriteback(d.vol(volume)))
    }
    last = (await this.logValidAgain(volume)) ?? last
    // Rule 119: only the plexes this start made write targets, still in the life it gave them; a
    // plex another operation (an attach, a resync's hand-over) is handing back meanwhile is theirs.
    const mine = ctx.plexesOf(v.v_rid).filter((p) => plan.handBack.includes(p.pl_rid) && p.pl_tutil[0] === 'ATT' && ctx.enabledAt.get(p.pl_rid) === r.tid)
    for (const pl of mine) {
      try {
        last = await runAttachCopy(ctx.sync, v, pl, 'recovery')
      } catch (e) {
        // the volume is started; a plex that cannot be recovered now stays STALE/IOFAIL
        ctx.alert('warning', isEngineError(e) ? e.code : 'VM_IO', `plex ${pl.pl_name} of ${v.v_name} could not be recovered at start`, pl.pl_name)
      }
    }
    return last
  }

  /**
   * Rule 343: a BADLOG volume's log plexes are enabled again by its start (or a resync); once its
   * log is rewritten with what it holds now, after what a crash left is recovered (without a
   * valid log, by a full resync), the log is valid again and BADLOG is cleared. A log that fails
   * to be written keeps BADLOG (and is detached again).
   */
  async logValidAgain(volume: string): Promise<TxResult | undefined> {
    const { ctx } = this
    const v = ctx.vol(volume)
    const drl = ctx.runtime(v).drl
    if (!(v.v_pflag & V_PFLAG.BADLOG) || v.v_kstate !== 'ENABLED' || !drl) return undefined
    if (!(await drl.rewrite().catch(() => false))) return undefined
    return ctx.transact('drl.valid', (d) => {
      d.vol(volume).v_pflag &= ~V_PFLAG.BADLOG
    })
  }

  /**
   * Rule 343, a resync of a started BADLOG volume: its log plexes on disks that take writes again
   * are enabled (LOG ENABLED) and a new log takes every write from then on; once every write
   * begun before it has ended (the volume drained once) the log is rewritten and, valid again,
   * BADLOG is cleared. Until then a crash recovers the volume by a full resync, as BADLOG says.
   */
  async recoverLog(volume: string): Promise<void> {
    const { ctx } = this
    const v = ctx.vol(volume)
    if (!(v.v_pflag & V_PFLAG.BADLOG) || v.v_kstate !== 'ENABLED') return
    const cfg = ctx.cfg()
    // log subdisks on disks with a device that takes writes
    const writable = new Set(ctx.logs.targets(v, true).filter((t) => !t.dev.failing?.('write')).map((t) => t.name))
    const usable = (p: PlRecord) => writable.has(cfg.subdisks.find((s) => s.sd_rid === p.pl_log_sd_rid)?.sd_name ?? '')
    const back = ctx.plexesOf(v.v_rid).filter((p) => isLogPlexRec(cfg, p) && p.pl_kstate !== 'ENABLED' && p.pl_state !== 'OFFLINE' && !onMissingDisk(p) && usable(p))
    // a log plex an attach has just enabled (rule 475) is recovered as one enabled here
    const enabled = ctx.plexesOf(v.v_rid).some((p) => isLogPlexRec(cfg, p) && p.pl_kstate === 'ENABLED' && p.pl_state === 'LOG' && usable(p))
    if (back.length === 0 && !enabled) return
    if (back.length) await ctx.transact('drl.recover', (d) => {
      for (const b of back) {
        const p = d.plex(b.pl_name)
        Object.assign(p, { pl_state: 'LOG', pl_kstate: 'ENABLED', pl_tflag: (p.pl_tflag & ~0xf) | PL_TFLAG.READ | PL_TFLAG.WRITE | logFlag(p) })
        p.pl_pflag &= ~PL_PFLAG.KDETACH
      }
    })
    const rt = ctx.runtime(v)
    rt.drl?.dispose()
    rt.drl = ctx.logs.create(ctx.vol(volume))
    // the writes begun before the new log took over have not marked it
    while (rt.inflight > 0) await new Promise<void>((res) => rt.drained.push(res))
    await this.logValidAgain(volume)
  }

  /**
   * vxvol stop (D 29): waits for in-flight I/O, flushes, cleans the dirty region log, and marks
   * the volume and its ACTIVE plexes CLEAN and DISABLED; the kernel log then records it clean.
   */
  async stop(volume: string, opts: TxOptions & { force?: boolean } = {}): Promise<TxResult> {
    const { ctx } = this
    const v = ctx.vol(volume)
    assertUnlocked(v.v_tutil[0], volume)
    if (v.v_kstate === 'DISABLED') fail('VM_INVALID_PARAM', `volume ${volume} is not started`)
    const rt = ctx.runtime(v)
    if (rt.tasks.size > 0 && !opts.force) fail('VM_BUSY', `volume ${volume} has a running task; abort it first`)
    if (opts.dryRun) return ctx.transact('v.stop', (d) => stopVolume(d, d.vol(volume)), opts)
    for (const t of rt.tasks) t.abort()
    // Closing the gate: no new I/O starts once the kernel state leaves ENABLED.
    if (v.v_kstate === 'ENABLED') await ctx.transact('v.stop', (d) => void (d.vol(volume).v_kstate = 'DETACHED'))
    while (rt.inflight > 0 || rt.tasks.size > 0) await new Promise<void>((res) => rt.drained.push(res))
    // a plex whose flush fails is detached (I78) rather than marked CLEAN over writes it may lose
    const flushed = await ctx.flushVolume(v).then(() => true, () => false)
    rt.unflushed = new RegionSet()
    if (rt.drl && flushed) await rt.drl.cleanIdle().catch(reportAs(ctx.report, 'VM_WRTDAERR', `the dirty region log of ${volume} could not be cleaned at its stop: a crash now recovers its dirty regions`, volume))
    rt.drl?.dispose()
    rt.drl = undefined
    const r = await ctx.transact('v.stop', (d) => {
      const x = d.vol(volume)
      if (!flushed) {
        // no plex made the last writes durable: the plexes may differ anywhere they were written,
        // so the next start read-writebacks the whole volume (and the stop says why, below)
        x.v_state = 'NEEDSYNC'
        x.v_rwback_offset = 0
      }
      stopVolume(d, x)
    })
    if (flushed) await ctx.klog.markClean(v.v_rid).catch(reportAs(ctx.report, 'VM_WRTDAERR', `the kernel log could not record ${volume} as stopped clean: the next import recovers it as crashed`, volume))
    rt.dirtyMarked = undefined
    rt.rwback = undefined
    if (!flushed) fail('VM_IO', `volume ${volume} was stopped, but its last writes could not be flushed: the next start resynchronises it`)
    return r
  }
}

/**
 * A stopped volume is CLEAN with CLEAN plexes, except one stopped in the middle of a
 * read-writeback (state SYNC, running or aborted): it stays NEEDSYNC with ACTIVE plexes and its
 * v_rwback_offset, and its next start finishes the job (rule 74).
 */
function stopVolume(d: Draft, v: VRecord): void {
  const needSync = v.v_state === 'SYNC' || v.v_state === 'NEEDSYNC'
  for (const p of d.plexesOf(v)) {
    if (p.pl_state === 'ACTIVE' && !needSync) p.pl_state = 'CLEAN'
    p.pl_kstate = 'DISABLED'
    p.pl_tflag &= ~0xf
  }
  v.v_kstate = 'DISABLED'
  v.v_state = needSync ? 'NEEDSYNC' : 'CLEAN'
  v.v_tflag = 0
}
