import type { KernelLog } from '../config/kernelLog.ts'
import { fail } from '../errors.ts'
import { reportAs } from '../failures.ts'
import type { FailureDecision } from '../io/exceptionPolicy.ts'
import { checkStarted } from '../io/volumeIo.ts'
import { isLogPlexRec, isServing } from '../records/plexState.ts'
import { checkBoolean, checkOneOf } from '../records/validate.ts'
import type { DmRecord, PlRecord, VRecord } from '../records/types.ts'
import { type TaskHandle, checkThrottle } from '../tasks/taskRegistry.ts'
import { type PlexesByVolume, REGION_SECTORS, type SyncContext, type SyncReport, regionSpan } from './regionCopy.ts'
import { type PlannedHandBack, planDiskResync, planEffects, planVolumeResync, startDiskResync, startRepair, startVolumeResync } from './resyncOps.ts'
import { diskRegions, regionBytes } from './resyncPlan.ts'
import { assertSomeSource } from './sourceCheck.ts'
import { assertTargetWritable } from './targetCheck.ts'
import { type VerifyReport, runVerify } from './verify.ts'

/**
 * The dry run of a resync: how many regions and bytes it would copy, every plex it would write
 * (by volume) and every plex it would hand back to its volume (rules 233, 234).
 */
export interface ResyncPlan {
  dryRun: true
  regions: number
  bytes: number
  writes: PlexesByVolume
  handBack: PlannedHandBack[]
}

/** What the resync operations need of the group beyond the region copy's `SyncContext`. */
export interface ResyncContext {
  sync: SyncContext
  klog: KernelLog
  /** The group's name (for messages). */
  group(): string
  /** Refuses when the group is closed or forced offline. */
  assertOnline(): void
  /** True while a configuration transaction holds the group. */
  busy(): boolean
  /** The volume named `name` (VM_NOT_FOUND otherwise). */
  vol(name: string): VRecord
  /** Does disk `dmRid` have a device? */
  hasDevice(dmRid: number): boolean
  /** Enables and rewrites every disabled configuration copy of a disk that has its device (rule 235). */
  reviveConfigCopies(): Promise<void>
  /** The exception policy and the kernel detach (io/kernelDetach.ts). */
  failures: {
    decide(v: VRecord, op: 'read' | 'write', targets: readonly PlRecord[], failed: ReadonlySet<number>): FailureDecision
    record(v: VRecord, failed: number[], decision: FailureDecision, regions: readonly number[]): Promise<void>
  }
  /** Reports a failed plex I/O (an `io.error` event). */
  ioError(v: VRecord, p: PlRecord, op: 'write', s: number, n: number, err: unknown): void
}

/**
 * The resync operations of a group (vxvol resync, lvm_resyncpv, verify, repair, the resume of an
 * interrupted resync): each checks its arguments and the group, then starts the copy
 * (resync/resyncOps.ts, verify.ts) as a task.
 */
export class ResyncService {
  private readonly ctx: ResyncContext

  constructor(ctx: ResyncContext) {
    this.ctx = ctx
  }

  /** What every resync checks after the group and its target's name: `force`, and no transaction holding the group. */
  private checkForceAndBusy(force: unknown): void {
    checkBoolean(force, 'force')
    if (this.ctx.busy()) fail('VM_BUSY', `a configuration transaction holds disk group ${this.ctx.group()}`)
  }

  private checkVolume(volume: string, force: boolean): VRecord {
    this.ctx.assertOnline()
    this.checkForceAndBusy(force)
    const v = checkStarted(this.ctx.vol(volume))
    this.ctx.sync.tasks.assertNoCopy([v.v_name])
    return v
  }

  /** Every volume with a data extent on disk `dmRid`: what a resync of the disk covers. */
  private volumesOn(dmRid: number): string[] {
    return [...new Set(diskRegions(this.ctx.sync.cfg(), dmRid, REGION_SECTORS).map((x) => x.volume.v_name))]
  }

  /**
   * A resync first enables the configuration copies of restored disks (rule 235); true when it
   * committed that, so the caller checks its target again (a commit ran between).
   */
  private async revived(): Promise<boolean> {
    const tid = this.ctx.sync.cfg().tid
    await this.ctx.reviveConfigCopies()
    return this.ctx.sync.cfg().tid !== tid
  }

  private checkDisk(disk: string, force: boolean, modeArg: unknown, busy = true): { dm: DmRecord; mode: 'strict' | 'faithful' } {
    this.ctx.assertOnline()
    if (typeof disk !== 'string' || disk === '') fail('VM_INVALID_PARAM', 'a disk name is required')
    const mode = checkOneOf(modeArg ?? 'strict', ['strict', 'faithful'] as const, 'mode')
    if (busy) this.checkForceAndBusy(force)
    const dm = this.ctx.sync.cfg().disks.find((d) => d.dm_name === disk) ?? fail('VM_NOT_FOUND', `no disk ${disk} in ${this.ctx.group()}`)
    // rule 158: NOTSYNCED in the seed's meaning (OFFLINE is about the group): nothing on it can be copied until it returns
    if (!this.ctx.hasDevice(dm.dm_rid)) fail('VM_NOTSYNCED', `disk ${disk} has no device: nothing on it can be resynchronised until it returns (import with it, or replace it)`)
    this.ctx.sync.tasks.assertNoCopy(this.volumesOn(dm.dm_rid))
    return { dm, mode }
  }

  /** vxvol resync / lvm_resynclv of a started volume (resync/resyncOps.ts). */
  async resyncVolume(volume: string, force: boolean, opts: { throttle?: number; skip?: number; resumed?: boolean } = {}): Promise<TaskHandle<SyncReport>> {
    let v = this.checkVolume(volume, force)
    const throttle = checkThrottle(opts.throttle)
    // a resumed one goes on as it was started (its task ends failed if it can copy nothing)
    if (!opts.resumed) this.checkVolumeSources(v, force)
    if (await this.revived()) v = checkStarted(this.ctx.vol(volume))
    return startVolumeResync(this.ctx.sync, v, force, { throttle, skip: opts.skip ?? 0 })
  }

  /** Rule 341: a volume resync that could copy nothing (no region with a readable source) is refused up front. */
  private checkVolumeSources(v: VRecord, force: boolean): void {
    const { regions } = planVolumeResync(this.ctx.sync, v, force)
    assertSomeSource(this.ctx.sync, regions.map((region) => ({ v, region })), `resync of ${v.v_name}`)
  }

  /** What `resyncVolume` would copy, changing nothing (refused as `resyncVolume` would be). */
  planResyncVolume(volume: string, force: boolean): ResyncPlan {
    const v = this.checkVolume(volume, force)
    const { regions, rwback } = planVolumeResync(this.ctx.sync, v, force)
    const work = regions.map((region) => ({ v, region }))
    assertSomeSource(this.ctx.sync, work, `resync of ${v.v_name}`)
    return { dryRun: true, regions: regions.length, bytes: regionBytes(v, regions), ...planEffects(this.ctx.sync, [v], work, rwback) }
  }

  /**
   * lvm_resyncpv of one disk (resync/resyncOps.ts; SEMANTICS.md 2.6, checklist G 56-68): whole
   * regions, in ascending disk offset, each region once; without `force` a good copy goes to the
   * stale copies (on any disk), with `force` to every other copy. `mode` makes item 67 explicit:
   * 'strict' (default) fails VM_NOTSYNCED when a forced resync leaves something stale; 'faithful'
   * returns success as AIX does.
   */
  async resyncDisk(disk: string, force: boolean, opts: { mode?: 'strict' | 'faithful'; throttle?: number; skip?: number; resumed?: boolean } = {}): Promise<TaskHandle<SyncReport>> {
    const checked = this.checkDisk(disk, force, opts.mode)
    const throttle = checkThrottle(opts.throttle)
    if (!opts.resumed) {
      this.checkDiskWritable(disk, checked.dm.dm_rid)
      this.checkDiskSources(disk, checked.dm.dm_rid, force)
    }
    const { dm, mode } = (await this.revived()) ? this.checkDisk(disk, force, opts.mode, false) : checked
    this.clearLogPlexes(dm.dm_rid)
    return await startDiskResync(this.ctx.sync, { name: disk, rid: dm.dm_rid }, force, { mode, throttle, skip: opts.skip ?? 0 })
  }

  /**
   * A log plex holds no volume data, so nothing is copied to it: stale regions tracked for a log
   * plex on the disk (a replace before rule 236 marked them) are dropped as the disk is resynced.
   */
  private clearLogPlexes(dmRid: number): void {
    const c = this.ctx.sync.cfg()
    for (const pl of c.plexes) {
      if (this.ctx.sync.stale.get(pl.pl_rid) && isLogPlexRec(c, pl) && c.subdisks.some((sd) => sd.sd_plex_rid === pl.pl_rid && sd.sd_dm_rid === dmRid)) this.ctx.sync.stale.drop(pl.pl_rid)
    }
  }

  /**
   * Rule 476: the log plexes on disk `dmRid` a resync of it re-attaches (as vxrecover does): DRL
   * log plexes of started volumes that are not enabled (DETACHED IOFAIL after the disk failed),
   * nothing copied into them; with the state each is in now, and will be in.
   */
  logsToAttach(dmRid: number): PlannedHandBack[] {
    const c = this.ctx.sync.cfg()
    const started = new Set(c.volumes.filter((v) => v.v_kstate === 'ENABLED').map((v) => v.v_rid))
    return c.plexes
      .filter((pl) => started.has(pl.pl_vol_rid) && pl.pl_kstate !== 'ENABLED' && pl.pl_state !== 'OFFLINE' && isLogPlexRec(c, pl) && c.subdisks.some((sd) => sd.sd_plex_rid === pl.pl_rid && sd.sd_dm_rid === dmRid))
      .map((pl) => ({ plex: pl.pl_name, volume: pl.pl_v_name, from: { kstate: pl.pl_kstate, state: pl.pl_state }, to: { kstate: 'ENABLED' as const, state: 'LOG' as const } }))
  }

  /** Rule 341: a disk resync that could copy nothing (no region with a readable source) is refused up front. */
  private checkDiskSources(disk: string, dmRid: number, force: boolean): void {
    const { work } = planDiskResync(this.ctx.sync, dmRid, force)
    assertSomeSource(this.ctx.sync, work.map((x) => ({ v: x.volume, region: x.region })), `resync of disk ${disk}`)
  }

  /** Rule 418: a resync onto a disk that fails every write now is refused up front (VM_DISK_FAILED). */
  private checkDiskWritable(disk: string, dmRid: number): void {
    const plexes = new Set(diskRegions(this.ctx.sync.cfg(), dmRid, REGION_SECTORS).flatMap((x) => x.plexes))
    assertTargetWritable(this.ctx.sync, [...plexes], `resync of disk ${disk}`, disk)
  }

  /** Does disk `disk` fail every write now (a resumed resync of it waits for it: rule 418)? */
  private diskFailsWrites(dm: DmRecord): boolean {
    return diskRegions(this.ctx.sync.cfg(), dm.dm_rid, REGION_SECTORS).some((x) => x.plexes.some((p) => this.ctx.sync.failedDisks(p, 'write').includes(dm.dm_name)))
  }

  /** What `resyncDisk` would copy, changing nothing (refused as `resyncDisk` would be). */
  planResyncDisk(disk: string, force: boolean): ResyncPlan {
    const { dm } = this.checkDisk(disk, force, 'strict')
    this.checkDiskWritable(disk, dm.dm_rid)
    const { plan, work } = planDiskResync(this.ctx.sync, dm.dm_rid, force)
    const items = work.map((x) => ({ v: x.volume, region: x.region }))
    assertSomeSource(this.ctx.sync, items, `resync of disk ${disk}`)
    const effects = planEffects(this.ctx.sync, plan.map((x) => x.volume), items, force)
    return { dryRun: true, regions: work.length, bytes: work.reduce((s, x) => s + regionBytes(x.volume, [x.region]), 0), ...effects, handBack: [...effects.handBack, ...this.logsToAttach(dm.dm_rid)] }
  }

  /** Compares every plex of a started volume region by region, changing nothing, and reports the regions where they differ (offset, length, which plexes agree with which; resync/verify.ts). */
  async verify(volume: string): Promise<TaskHandle<VerifyReport>> {
    this.ctx.assertOnline()
    return runVerify(this.ctx.sync, checkStarted(this.ctx.vol(volume)))
  }

  /** Copies plex `source` over every other plex for the chosen regions (default: all). */
  async repair(volume: string, source: string, regions?: number[]): Promise<TaskHandle<SyncReport>> {
    this.ctx.assertOnline()
    const v = checkStarted(this.ctx.vol(volume))
    const src = this.ctx.sync.plexesOf(v.v_rid).find((p) => p.pl_name === source) ?? fail('VM_INVALID_PARAM', `${source} is not a plex of ${volume}`)
    if (src.pl_kstate !== 'ENABLED' || src.pl_state !== 'ACTIVE') fail('VM_INVALID_PARAM', `${source} is not an ACTIVE, ENABLED plex`)
    const n = Math.ceil(v.v_len / REGION_SECTORS)
    const list = regions === undefined ? Array.from({ length: n }, (_, g) => g) : Array.isArray(regions) ? [...new Set(regions)].sort((a, b) => a - b) : regions
    if (!Array.isArray(list) || list.some((g) => !Number.isSafeInteger(g) || g < 0 || g >= n)) fail('VM_INVALID_PARAM', `regions must be region numbers 0..${n - 1}`)
    const failed = this.ctx.sync.failedDisks(src, 'read')
    if (failed.length) fail('VM_NOTSYNCED', `${source} is on failed disk ${failed.join(', ')}: it cannot be read from`)
    return startRepair(this.ctx.sync, v, src, list)
  }

  /**
   * Continues the resyncs the kernel log records as interrupted, from their checkpoints; one
   * whose volume is not started stays recorded.
   */
  async resumeInterrupted(): Promise<Array<TaskHandle<SyncReport>>> {
    const { klog } = this.ctx
    const out: Array<TaskHandle<SyncReport>> = []
    for (const t of [...(klog.tasks ?? [])]) {
      const c = this.ctx.sync.cfg()
      const v = t.kind === 'resyncVolume' ? c.volumes.find((x) => x.v_name === t.target) : undefined
      if (t.kind === 'resyncVolume' && v?.v_kstate !== 'ENABLED') continue
      // another copy works on its volumes (rule 282): it stays recorded for the next resume
      const dm = t.kind === 'resyncDisk' ? c.disks.find((d) => d.dm_name === t.target) : undefined
      const covers = t.kind === 'resyncVolume' ? [t.target] : dm ? this.volumesOn(dm.dm_rid) : []
      if (covers.some((x) => this.ctx.sync.tasks.runningOn(x))) continue
      // rule 418: a disk resync onto a disk that still fails every write would fail at once; it
      // stays recorded, for the next start or a resync of the disk once it is restored or replaced
      if (dm && this.diskFailsWrites(dm)) continue
      klog.removeTask(t)
      const opts = { skip: t.done, ...(t.throttle ? { throttle: t.throttle } : {}) }
      const resumed = { ...opts, resumed: true }
      out.push(t.kind === 'resyncVolume' ? await this.resyncVolume(t.target, t.force, resumed) : await this.resyncDisk(t.target, t.force, { ...resumed, ...(t.mode ? { mode: t.mode } : {}) }))
    }
    return out
  }

  /**
   * Rule 284: a copy's read that fails is an I/O error of its source like a foreground read's
   * (the read policies: the source's lasterr, a kernel detach while another current copy remains),
   * never of the plexes it was copying to.
   */
  async copyReadFailed(v: VRecord, tried: readonly PlRecord[], failed: readonly PlRecord[], g: number): Promise<void> {
    const { failures } = this.ctx
    const set = new Set(failed.map((p) => p.pl_rid))
    await failures.record(v, [...set], failures.decide(v, 'read', tried, set), [g]).catch(reportAs(this.ctx.sync.report, 'VM_IO', `the read error of ${failed.map((p) => p.pl_name).join(', ')} in a copy of ${v.v_name} could not be recorded`, failed[0]?.pl_name))
  }

  /**
   * Rule 76: a copy's write that fails on a plex serving the volume is an I/O error of that plex
   * like a foreground one (the write policies: a kernel detach by default), not a stale region
   * left on a plex that still looks current to every check.
   */
  async copyWriteFailed(v: VRecord, pl: PlRecord, err: unknown, g: number): Promise<void> {
    const { s, n } = regionSpan(v.v_len, g)
    this.ctx.ioError(v, pl, 'write', s, n, err)
    const serving = this.ctx.sync.plexesOf(v.v_rid).filter((x) => isServing(x) && x.pl_state === 'ACTIVE')
    const { failures } = this.ctx
    await failures.record(v, [pl.pl_rid], failures.decide(v, 'write', serving, new Set([pl.pl_rid])), [g])
  }
}
