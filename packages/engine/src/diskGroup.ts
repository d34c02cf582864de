import type { TxOptions, TxResult } from './config/configStore.ts'
import type { InterruptedTask } from './config/kernelLog.ts'
import type { BlockDevice } from './device/blockDevice.ts'
import { type DiskSpec, checkDiskSpec } from './disk/vmDisk.ts'
import { type DiskOpOptions, addDisk, removeDisk, replaceDisk } from './disk/diskOps.ts'
import { type CreateOptions, type ImportOptions, type OpenedGroup, type UnusableDisk } from './lifecycle/options.ts'
import { checkCreateOptions, createGroup } from './lifecycle/create.ts'
import { checkImportOptions, foldKernelLog, importGroup } from './lifecycle/import.ts'
import { fail } from './errors.ts'
import type { EngineEvent, TaskProgress, Unsubscribe } from './events.ts'
import { setFields } from './fieldEdit.ts'
import type { IoStats } from './io/plexIo.ts'
import { extent } from './io/extent.ts'
import { checkStarted, checkVolumeIo, volumeBlockDevice } from './io/volumeIo.ts'
import { type AssistSpec, planAssist } from './assist.ts'
import {
  type MakeRecord,
  type PlexSpec,
  type SdAssoc,
  type SubdiskSpec,
  type VolumeSpec,
  assocLog,
  assocSubdisk,
  dissociateSubdisk,
  makePlex,
  makeRecord,
  makeSubdisk,
  makeVolume,
  removeRecord,
  renameRecord,
} from './recordOps.ts'
import { checkName, checkOneOf } from './records/validate.ts'
import type { MendOp } from './records/mend.ts'
import { ASSIST_INITS, type InitType, assertInitialisable, initClean } from './records/volumeInit.ts'
import { type Config, type DmRecord, type SdRecord, type VRecord, PROFILES } from './records/types.ts'
import { isLogPlexRec } from './records/plexState.ts'
import type { Task } from './tasks/task.ts'
import type { TaskHandle as Handle } from './tasks/taskRegistry.ts'
import type { StaleView } from './staleMaps.ts'
import type { DirtyView } from './drl/volumeLogs.ts'
import { Draft, findRecord } from './txn.ts'
import { SECTOR_SIZE, sectorsToBytes } from './units.ts'
import { REGION_SECTORS, type SyncReport } from './resync/regionCopy.ts'
import type { VerifyReport } from './resync/verify.ts'
import { fillSubdisk } from './resync/subdiskFill.ts'
import type { ResyncPlan } from './resync/resyncService.ts'
import { type GroupParts, composeGroup } from './groupParts.ts'

export type { IoStats }
export type { StaleView } from './staleMaps.ts'
export type { ResyncPlan } from './resync/resyncService.ts'
export { REGION_SECTORS } from './resync/regionCopy.ts'
export type { SyncReport } from './resync/regionCopy.ts'
export type { VerifyReport } from './resync/verify.ts'
export type { TxOptions, TxResult } from './config/configStore.ts'
export type { InterruptedTask } from './config/kernelLog.ts'
export type { MakeRecord } from './recordOps.ts'
export type { DiskSpec } from './disk/vmDisk.ts'
export type { CreateOptions, ImportOptions, OpenOptions, UnusableDisk } from './lifecycle/options.ts'

export interface GroupSnapshot {
  seq: number
  config: Config
  tasks: ReturnType<Task['progress']>[]
  forcedOffline: boolean
}

/**
 * One imported disk group and its manager: the configuration database on the disks, the record
 * operations as transactions, volume start/stop, and the volume I/O path.
 */
export class DiskGroup {
  /** The layers and their wiring (groupParts.ts). */
  private readonly p: GroupParts

  private constructor(init: OpenedGroup) {
    this.p = composeGroup(init)
  }

  /** The committed configuration (only `transact` changes it). */
  private get cfg(): Config {
    return this.p.store.current()
  }
  private get closed(): boolean {
    return this.p.store.closed
  }
  private get forcedOff(): boolean {
    return this.p.store.forcedOffline
  }

  // ---------------------------------------------------------------- lifecycle

  /** vxdg init: initialises every device as a VM disk of a new group and imports it (lifecycle/create.ts). */
  static async create(opts: CreateOptions): Promise<DiskGroup> {
    checkCreateOptions(opts)
    return DiskGroup.open(await createGroup(opts), async (dg) => {
      await dg.p.transact('dg.create', () => {}, {}, true)
      await dg.p.klog.write()
    })
  }

  /**
   * vxdg import: reads every device's private region and takes the newest configuration held
   * by a majority of the group's configuration copies (checklist H; lifecycle/import.ts).
   */
  static async import(opts: ImportOptions): Promise<DiskGroup> {
    checkImportOptions(opts)
    const opened = await importGroup(opts)
    return DiskGroup.open(opened, async (dg) => {
      // Fold kernel-log detaches into the records (a restart never picks them as a source).
      await dg.p.transact('dg.import', (d) => {
        dg.p.disks.refreshState(d.c)
        foldKernelLog(d.c, opened.klog)
      })
    })
  }

  /** The group over what create or import opened, once its first transaction commits; the device locks go back if it fails. */
  private static async open(opened: OpenedGroup, first: (dg: DiskGroup) => Promise<void>): Promise<DiskGroup> {
    try {
      const dg = new DiskGroup(opened)
      await first(dg)
      return dg
    } catch (e) {
      await opened.release()
      throw e
    }
  }

  /** The disks the last import could not use, and why (missing, unreadable, shorter than recorded). */
  unusableDisks(): readonly UnusableDisk[] {
    return this.p.unusable
  }

  /**
   * vxdg deport: every volume must be stopped; clears the importer from the disk headers (so
   * another host may import the group) and releases the devices and their locks.
   */
  async deport(): Promise<void> {
    const running = this.cfg.volumes.find((v) => v.v_kstate !== 'DISABLED')
    if (running && !this.forcedOff) fail('VM_VOL_ENABLED', `volume ${running.v_name} is still started`)
    await this.p.disks.clearImporter(this.p.warn)
    await this.close()
    this.p.bus.emit({ type: 'dg.state', dg: this.name, state: 'deported' })
  }

  /**
   * Releases devices and locks without changing any state, as a process exit would: started
   * volumes stay ACTIVE on disk, so the next import sees them as crashed.
   */
  async close(): Promise<void> {
    if (this.closed) return
    this.p.tasks.abortAll()
    for (const rt of this.p.vols.all().values()) rt.drl?.dispose()
    this.p.store.close()
    await this.p.disks.close(this.p.warn)
  }

  get name(): string {
    return this.cfg.dg.dg_name
  }
  get tid(): number {
    return this.cfg.tid
  }
  get forcedOffline(): boolean {
    return this.forcedOff
  }

  // ---------------------------------------------------------------- events and snapshot

  subscribe(listener: (e: EngineEvent) => void): Unsubscribe {
    return this.p.bus.subscribe(listener)
  }

  /** The whole configuration (temporary fields included) with the sequence number it is current at. */
  snapshot(): GroupSnapshot {
    return { seq: this.p.bus.seq, config: structuredClone(this.cfg), tasks: this.p.tasks.list(), forcedOffline: this.forcedOff }
  }

  /** A copy of the current configuration. */
  config(): Config {
    return structuredClone(this.cfg)
  }

  ioStats(plex: string): IoStats {
    const pl = this.cfg.plexes.find((p) => p.pl_name === plex) ?? fail('VM_NOT_FOUND', `no plex ${plex}`)
    return this.p.plexIo.stats(pl.pl_rid)
  }

  // ---------------------------------------------------------------- transactions

  private assertOnline(): void {
    this.p.store.assertOnline()
  }

  /** True while a configuration transaction holds the group lock. */
  get busy(): boolean {
    return this.p.store.busy
  }

  // ---------------------------------------------------------------- record operations

  /** vxmake sd. */
  async makeSubdisk(spec: SubdiskSpec, opts?: TxOptions): Promise<TxResult> {
    return this.p.transact('sd.make', (d) => void makeSubdisk(d, spec), opts)
  }
  /** vxmake plex (with subdisks to associate). */
  async makePlex(spec: PlexSpec, opts?: TxOptions): Promise<TxResult> {
    return this.p.transact('pl.make', (d) => void makePlex(d, spec), opts)
  }
  /** vxmake vol (with plexes to associate): DISABLED/EMPTY (checklist D 27). */
  async makeVolume(spec: VolumeSpec, opts?: TxOptions): Promise<TxResult> {
    return this.p.transact('v.make', (d) => void makeVolume(d, spec), opts)
  }

  /** vxmake with a description of several records: one transaction, all or nothing (A 7). */
  async makeRecords(records: MakeRecord[], opts?: TxOptions): Promise<TxResult> {
    if (!Array.isArray(records) || records.length === 0) fail('VM_INVALID_PARAM', 'records must be a non-empty list')
    return this.p.transact('make', (d) => {
      for (const r of records) makeRecord(d, r)
    }, opts)
  }

  /**
   * vxassist make: allocates and creates a whole volume (never two mirrors on one disk), then
   * initialises it as vxassist does (`spec.init`, rule 156): `sync` (the default) starts it with its
   * first plex CLEAN and the others copied from it, `zero` and `active` as vxvol init, `none`
   * leaves it EMPTY and stopped. The result lists the records made, as the last commit left them.
   */
  async assistMake(spec: AssistSpec, opts: TxOptions = {}): Promise<TxResult> {
    const init = checkOneOf(spec.init ?? 'sync', ASSIST_INITS, 'init')
    const made = await this.p.transact('assist.make', (d) => {
      for (const r of planAssist(d, spec)) makeRecord(d, r)
    }, opts)
    if (opts.dryRun || init === 'none') return made
    const first = this.p.plexesOf(this.p.vol(spec.name).v_rid).find((p) => !isLogPlexRec(this.cfg, p))!
    const last = init === 'sync' ? await this.initVolume(spec.name, 'clean', first.pl_name).then(() => this.start(spec.name)) : await this.initVolume(spec.name, init)
    return { ...made, tid: last.tid, changes: made.changes.map((c) => ({ ...c, after: findRecord(this.cfg, c.kind, c.rid) ?? c.after })) }
  }

  /**
   * vxvol init (rule 155) of a stopped, never-initialised (EMPTY) volume: `active` starts it with
   * every plex ACTIVE and nothing copied; `zero` starts it the same way and writes zeros over the
   * whole volume (every plex); `clean PLEX` makes that plex CLEAN and the others STALE, the volume
   * CLEAN and stopped, so the next start copies the plex to the others.
   */
  async initVolume(volume: string, how: InitType, plex?: string, opts: TxOptions = {}): Promise<TxResult> {
    if (how === 'clean') return this.p.transact('v.init', (d) => initClean(d, volume, plex), opts)
    await this.p.transact('v.init', (d) => void assertInitialisable(d, volume, how), { dryRun: true })
    if (plex !== undefined) fail('VM_INVALID_PARAM', `init ${how} takes no plex`)
    const r = await this.start(volume, opts)
    if (opts.dryRun || how === 'active') return r
    const len = this.p.vol(volume).v_len * SECTOR_SIZE
    const zeros = Buffer.alloc(Math.min(len, 1 << 20))
    for (let off = 0; off < len; off += zeros.length) await this.write(volume, off, zeros.subarray(0, Math.min(zeros.length, len - off)))
    await this.flush(volume)
    return { ...r, tid: this.tid }
  }

  /** vxedit rm (with `recursive`, vxedit -r rm). */
  async remove(name: string, opts: TxOptions & { recursive?: boolean } = {}): Promise<TxResult> {
    return this.p.transact('rm', (d) => removeRecord(d, name, opts.recursive ?? false), opts)
  }

  /** vxedit rename: the rid is unchanged (A 5). */
  async rename(name: string, newName: string, opts?: TxOptions): Promise<TxResult> {
    return this.p.transact('rename', (d) => renameRecord(d, name, newName), opts)
  }

  /** vxedit set: comment, util fields, state, flags, ... (A 2-3, A 8, B 15-16, C 21-23). */
  async set(name: string, fields: Record<string, unknown>, opts?: TxOptions): Promise<TxResult> {
    return this.p.transact('set', (d) => setFields(d, name, fields), opts)
  }

  /** vxsd assoc. Filling a hole of a live plex copies the range first (B 14). */
  async assocSubdisk(plex: string, a: SdAssoc, opts: TxOptions = {}): Promise<TxResult> {
    const plan = await this.p.transact('sd.assoc', (d) => void assocSubdisk(d, d.plex(plex), a), { dryRun: true })
    if (opts.dryRun) return plan
    const commit = () => this.p.transact('sd.assoc', (d) => void assocSubdisk(d, d.plex(plex), a))
    const pl = this.cfg.plexes.find((p) => p.pl_name === plex)!
    const v = this.p.plex.volumeOf(pl)
    if (!v || v.v_kstate !== 'ENABLED' || pl.pl_kstate !== 'ENABLED') return commit()
    // Live plex: the range the subdisk will serve is regenerated first (resync/subdiskFill.ts).
    const after = plan.changes.find((c) => c.kind === 'sd' && c.name === a.name)!.after as unknown as SdRecord
    const sd = this.cfg.subdisks.find((s) => s.sd_name === a.name)!
    const device = this.p.ioMap().device(sd.sd_dm_rid) ?? fail('VM_IO', `disk of ${a.name} is not available`)
    const read = (s: number, n: number) => this.p.volumeIo.readFrom(v, extent(s, n), (p) => p.pl_rid !== pl.pl_rid, true)
    return fillSubdisk({ lock: this.p.runtime(v).lock, read, device }, { plex: pl, sd, after, volumeLen: v.v_len }, commit)
  }

  /** vxsd aslog. */
  async assocLog(plex: string, sd: string, opts?: TxOptions): Promise<TxResult> {
    return this.p.transact('sd.aslog', (d) => void assocLog(d, d.plex(plex), sd), opts)
  }

  /** vxsd dis. */
  async dissociateSubdisk(sd: string, opts?: TxOptions): Promise<TxResult> {
    return this.p.transact('sd.dis', (d) => dissociateSubdisk(d, d.sd(sd)), opts)
  }

  // ---------------------------------------------------------------- disks (disk/diskOps.ts)

  /** vxdg adddisk: initialises the device and adds it to the group. */
  async addDisk(spec: DiskSpec, opts: DiskOpOptions = {}): Promise<TxResult> {
    this.assertOnline()
    checkName(spec.name, PROFILES[this.cfg.dg.dg_profile])
    if (new Draft(this.cfg).find(spec.name)) fail('VM_EXISTS', `a record named ${spec.name} already exists`)
    this.assertNotInGroup(spec.device)
    checkDiskSpec(spec)
    return addDisk(this.p.diskOps, spec, opts)
  }

  /**
   * Replaces a failed (or failing) disk by a new device, as vxdiskadm's replace does: the new
   * device takes over the disk media record and every subdisk on it; every plex with a subdisk
   * there is detached and entirely stale, so the next resync or start copies everything to it.
   */
  async replaceDisk(name: string, device: BlockDevice, opts: DiskOpOptions = {}): Promise<TxResult> {
    this.assertOnline()
    const dm = this.diskRecord(name)
    this.assertNotInGroup(device)
    return replaceDisk(this.p.diskOps, dm, device, opts)
  }

  /** vxdg rmdisk: the disk must hold no subdisks. */
  async removeDisk(name: string, opts: TxOptions = {}): Promise<TxResult> {
    return removeDisk(this.p.diskOps, this.diskRecord(name), opts)
  }

  private diskRecord(name: string): DmRecord {
    return this.cfg.disks.find((d) => d.dm_name === name) ?? fail('VM_NOT_FOUND', `no disk ${name}`)
  }

  private assertNotInGroup(device: BlockDevice): void {
    if (this.p.disks.holds(device)) fail('VM_EXISTS', `${device.location} is already in the group`)
  }

  // ---------------------------------------------------------------- plex operations (plex/plexOps.ts)

  /** vxplex det: the plex stays associated, DETACHED and STALE, and gets no volume I/O (D 36). */
  async detachPlex(plex: string, opts: TxOptions & { force?: boolean } = {}): Promise<TxResult> {
    return this.p.plex.detach(plex, opts)
  }

  /** vxplex dis. */
  async dissociatePlex(plex: string, opts: TxOptions & { force?: boolean } = {}): Promise<TxResult> {
    return this.p.plex.dissociate(plex, opts)
  }

  /**
   * vxplex att: associates the plex if needed; on an ENABLED volume it is made write-only with
   * tutil0=ATT and state STALE, the volume contents are copied into it, then it becomes ACTIVE
   * (D 34). On a DISABLED volume it is only associated (STALE), for the next start (D 35).
   */
  async attachPlex(volume: string, plex: string, opts: TxOptions & { onTask?: (taskId: string) => void } = {}): Promise<TxResult> {
    return this.p.plex.attach(volume, plex, opts)
  }

  /**
   * vxplex cp: copies a DISABLED volume's contents to an unassociated plex, which stays
   * unassociated (D 39).
   */
  async copyPlex(volume: string, plex: string, opts: { onTask?: (taskId: string) => void } = {}): Promise<void> {
    this.assertOnline()
    return this.p.plex.copy(volume, plex, opts)
  }

  /**
   * vxplex mv: replaces `oldPlex` (ACTIVE in an ENABLED volume) by the unassociated `newPlex`,
   * which must be at least as large unless `force` (D 40).
   */
  async movePlex(oldPlex: string, newPlex: string, opts: { force?: boolean; onTask?: (taskId: string) => void } = {}): Promise<TxResult> {
    this.assertOnline()
    return this.p.plex.move(oldPlex, newPlex, opts)
  }

  /** vxmend (records/mend.ts): `clear` util fields, `fix` a state, `off`, `on`; `force` as volmend's -f. */
  async mend(op: MendOp, name: string, arg?: string, opts: TxOptions & { force?: boolean } = {}): Promise<TxResult> {
    return this.p.plex.mend(op, name, arg, opts)
  }

  // ---------------------------------------------------------------- volume start/stop (volume/startStop.ts)

  /**
   * vxvol start (D 28, 30-33, 36, 38): cleans up TEMP* plexes, enables CLEAN/ACTIVE plexes,
   * recovers a volume that crashed dirty (the DRL's dirty regions, or the whole volume by
   * read-writeback without a log), and recovers STALE plexes by attaching them (only their stale
   * regions when those are known). Resolves when the volume is fully recovered.
   */
  async start(volume: string, opts: TxOptions & { delayRecover?: boolean; onStarted?: (r: TxResult) => void } = {}): Promise<TxResult> {
    return this.p.startStop.start(volume, opts)
  }

  /**
   * vxvol stop (D 29): waits for in-flight I/O, flushes, cleans the dirty region log, and marks
   * the volume and its ACTIVE plexes CLEAN and DISABLED; the kernel log then records it clean.
   */
  async stop(volume: string, opts: TxOptions & { force?: boolean } = {}): Promise<TxResult> {
    this.assertOnline()
    return this.p.startStop.stop(volume, opts)
  }

  // ---------------------------------------------------------------- dirty region logging (drl/volumeLogs.ts) and stale maps

  /**
   * The DRL dirty map of a volume (drawn as a heatmap) and the bytes a crash recovery would copy
   * right now, per target plex.
   */
  dirtyRegions(volume: string): DirtyView {
    const v = this.p.vol(volume)
    return this.p.logs.dirtyView(v, this.p.vols.find(v.v_rid)?.drl)
  }

  /**
   * Stale regions of a plex (drawn over the address space): `full` when everything is stale
   * (new plex, replaced disk), else the regions it missed; `syncErrors` could not be resynced.
   */
  staleRegions(plex: string): StaleView {
    const pl = this.cfg.plexes.find((p) => p.pl_name === plex) ?? fail('VM_NOT_FOUND', `no plex ${plex}`)
    return this.p.stale.view(pl, REGION_SECTORS)
  }

  /** The DRL dirty map of every started volume, by volume name. */
  dirtyMaps(): Record<string, DirtyView> {
    const out: Record<string, DirtyView> = {}
    for (const v of this.cfg.volumes) if (v.v_kstate === 'ENABLED') out[v.v_name] = this.dirtyRegions(v.v_name)
    return out
  }

  /** The stale view of every plex that has anything stale, by plex name (one pass). */
  staleMaps(): Record<string, StaleView> {
    const out: Record<string, StaleView> = {}
    for (const pl of this.cfg.plexes) {
      const v = this.p.stale.view(pl, REGION_SECTORS)
      if (v.full || v.regions.length || v.syncErrors.length) out[pl.pl_name] = v
    }
    return out
  }

  /** Cleans every idle dirty region of the volume's log now (what lazy cleaning does over time). */
  async cleanDirtyRegions(volume: string): Promise<void> {
    const drl = this.p.vols.find(this.p.vol(volume).v_rid)?.drl
    if (drl) await drl.cleanIdle()
  }

  // ---------------------------------------------------------------- the I/O path (io/volumeIo.ts)

  private ioVolume(volume: string, offset: number, length: number): VRecord {
    this.assertOnline()
    return checkVolumeIo(this.p.vol(volume), offset, length)
  }

  /** Volume length in bytes. */
  volumeSize(volume: string): number {
    return sectorsToBytes(this.p.vol(volume).v_len)
  }

  /** A volume as a `BlockDevice` (what an NBD export serves instead of the group), checked call by call here. */
  volumeDevice(volume: string): BlockDevice {
    return volumeBlockDevice(this, this.name, this.p.vol(volume).v_name)
  }

  /** Writes `data` at byte `offset` of a started volume to every writable plex (E 41, E 46-49). */
  async write(volume: string, offset: number, data: Uint8Array): Promise<void> {
    return this.p.volumeIo.write(this.ioVolume(volume, offset, data.length), offset, data)
  }

  /** Reads `length` bytes at byte `offset` from one plex the read policy chooses (E 41-45). */
  async read(volume: string, offset: number, length: number): Promise<Buffer> {
    return this.p.volumeIo.read(this.ioVolume(volume, offset, length), offset, length)
  }

  /** `read` into the caller's buffer (`target.length` bytes), for callers that reuse buffers. */
  async readInto(volume: string, offset: number, target: Buffer): Promise<void> {
    await this.p.volumeIo.read(this.ioVolume(volume, offset, target.length), offset, target.length, target)
  }

  /** Flushes every device of the volume's plexes (I78: a failing plex under the write policies). */
  async flush(volume: string): Promise<void> {
    return this.p.volumeIo.flush(checkStarted(this.p.vol(volume)))
  }

  // ---------------------------------------------------------------- tasks

  /** Resyncs that were under way when the group was last closed or crashed. */
  interruptedTasks(): InterruptedTask[] {
    return structuredClone(this.p.klog.tasks ?? [])
  }

  /**
   * Continues the interrupted resyncs from their checkpoints (a forced one skips the regions it
   * had done; an unforced one re-plans, which leaves out what it had copied). Volumes must be
   * started; a resync whose volume is not stays recorded.
   */
  async resumeInterrupted(): Promise<TaskHandle[]> {
    return this.p.resync.resumeInterrupted()
  }

  /** Running tasks. */
  listTasks(): TaskProgress[] {
    return this.p.tasks.list()
  }
  abortTask(id: string): void {
    this.p.tasks.abort(id)
  }
  pauseTask(id: string): void {
    this.p.tasks.pause(id)
  }
  resumeTask(id: string): void {
    this.p.tasks.resume(id)
  }
  /**
   * Limits a task to a rate in bytes per second (0 = unlimited), or `{ adaptive: { latencyMs } }`:
   * copy as fast as the foreground writes' p99 within `latencyMs` allows (rule 161); takes effect
   * at the next region.
   */
  throttleTask(id: string, throttle: number | { adaptive: { latencyMs: number; minBytesPerSecond?: number } }): void {
    this.p.tasks.throttle(id, throttle)
  }

  // ---------------------------------------------------------------- resync, verify, repair (resync/resyncService.ts)

  /**
   * vxvol resync / lvm_resynclv: `force` false copies a good copy to the stale copies of every
   * stale region; `force` true read-writebacks every region to every other copy (state SYNC while
   * it runs). Fails VM_NOTSYNCED when a region is left stale.
   */
  async resyncVolume(volume: string, force: boolean, opts: { throttle?: number; skip?: number } = {}): Promise<TaskHandle> {
    return this.p.resync.resyncVolume(volume, force, opts)
  }

  /** What `resyncVolume` would copy, changing nothing (its dry run). */
  planResyncVolume(volume: string, force: boolean): ResyncPlan {
    return this.p.resync.planResyncVolume(volume, force)
  }

  /** What `resyncDisk` would copy, changing nothing (its dry run). */
  planResyncDisk(disk: string, force: boolean): ResyncPlan {
    return this.p.resync.planResyncDisk(disk, force)
  }

  /**
   * Resynchronises everything on one disk with AIX lvm_resyncpv semantics (SEMANTICS.md 2.6,
   * checklist G 56-68): whole regions, in ascending disk offset, each region once; without
   * `force` a good copy goes to the stale copies (on any disk), with `force` to every other copy.
   * `mode` makes item 67 explicit: 'strict' (default) fails VM_NOTSYNCED when a forced resync
   * leaves something stale; 'faithful' returns success as AIX does.
   */
  async resyncDisk(disk: string, force: boolean, opts: { mode?: 'strict' | 'faithful'; throttle?: number; skip?: number } = {}): Promise<TaskHandle> {
    return this.p.resync.resyncDisk(disk, force, opts)
  }

  /**
   * Compares every plex of a volume region by region without changing anything and reports the
   * regions where they differ (offset, length, which plexes agree with which).
   */
  async verify(volume: string): Promise<TaskHandle<VerifyReport>> {
    return this.p.resync.verify(volume)
  }

  /** Copies plex `source` over every other plex for the chosen regions (default: all). */
  async repair(volume: string, source: string, regions?: number[]): Promise<TaskHandle> {
    return this.p.resync.repair(volume, source, regions)
  }
}

/** A started long-running operation: its task id, and a promise of its outcome (a resync's report by default). */
export type TaskHandle<R = SyncReport> = Handle<R>



