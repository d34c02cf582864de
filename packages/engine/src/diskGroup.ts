import type { TxOptions, TxResult } from './config/configStore.ts'
import type { InterruptedTask } from './config/kernelLog.ts'
import type { ConfigSide } from './config/splitBrain.ts'
import type { BlockDevice } from './device/blockDevice.ts'
import { type DiskSpec, checkDiskSpec } from './disk/vmDisk.ts'
import { type DiskOpOptions, addDisk, removeDisk, replaceDisk } from './disk/diskOps.ts'
import type { CreateOptions, ImportOptions, OpenedGroup, UnusableDisk } from './lifecycle/options.ts'
import { checkCreateOptions, createGroup } from './lifecycle/create.ts'
import { checkImportOptions, foldKernelLog, importGroup, markOverruled, overruledPlexes } from './lifecycle/import.ts'
import { EngineError, fail } from './errors.ts'
import type { EngineEvent, TaskProgress, Unsubscribe } from './events.ts'
import { setFields } from './fieldEdit.ts'
import type { IoStats } from './io/plexIo.ts'
import { checkStarted, checkVolumeIo, volumeBlockDevice } from './io/volumeIo.ts'
import type { AssistSpec } from './assist.ts'
import { assistMake, initVolume } from './volume/initOps.ts'
import { assocSubdiskFilled } from './plex/subdiskAssoc.ts'
import { type AddMirrorOptions, addMirror } from './ops/addMirror.ts'
import { type RemoveMirrorOptions, removeMirror } from './ops/removeMirror.ts'
import { type GrowOptions, growVolume } from './ops/growVolume.ts'
import type { OpResult } from './ops/placeWords.ts'
import { type ShrinkOptions, shrinkVolume } from './ops/shrinkVolume.ts'
import { type EvacuateOptions, evacuateDisk } from './ops/evacuateDisk.ts'
import { type RelocateOptions, type RelocationReport, relocateDisk } from './ops/hotRelocate.ts'
import { type UnrelocateOptions, type UnrelocateReport, unrelocateDisk } from './ops/unrelocate.ts'
import { type AddLogOptions, addLog, removeLog } from './ops/volumeLog.ts'
import { type MakeRecord, type PlexSpec, type SdAssoc, type SubdiskSpec, type VolumeSpec, assocLog, assocSubdisk, dissociateSubdisk, makePlex, makeRecord, makeSubdisk, makeVolume, removeRecord, renameRecord } from './recordOps.ts'
import { checkName } from './records/validate.ts'
import type { MendOp } from './records/mend.ts'
import type { InitType } from './records/volumeInit.ts'
import { type Config, DG_PFLAG, type DmRecord, type VRecord, PROFILES } from './records/types.ts'
import type { Task } from './tasks/task.ts'
import type { TaskHandle as Handle } from './tasks/taskRegistry.ts'
import type { StaleView } from './staleMaps.ts'
import type { DirtyView } from './drl/volumeLogs.ts'
import { Draft } from './txn.ts'
import { sectorsToBytes } from './units.ts'
import { REGION_SECTORS, type SyncReport } from './resync/regionCopy.ts'
import type { VerifyReport } from './resync/verify.ts'
import type { ResyncPlan } from './resync/resyncService.ts'
import { type GroupParts, composeGroup } from './groupParts.ts'

export type { IoStats }
export type { StaleView } from './staleMaps.ts'
export type { ResyncPlan } from './resync/resyncService.ts'
export { REGION_SECTORS, type SyncReport } from './resync/regionCopy.ts'
export type { VerifyReport } from './resync/verify.ts'
export type { TxOptions, TxResult } from './config/configStore.ts'
export type { InterruptedTask } from './config/kernelLog.ts'
export type { MakeRecord } from './recordOps.ts'
export type { DiskSpec } from './disk/vmDisk.ts'
export type { AddMirrorOptions } from './ops/addMirror.ts'
export type { RemoveMirrorOptions } from './ops/removeMirror.ts'
export type { GrowOptions } from './ops/growVolume.ts'
export type { OpResult } from './ops/placeWords.ts'
export type { ShrinkOptions } from './ops/shrinkVolume.ts'
export type { EvacuateOptions } from './ops/evacuateDisk.ts'
export type { NotRelocated, RelocateOptions, Relocation, RelocatedPiece, RelocationReport } from './ops/hotRelocate.ts'
export type { UnrelocateOptions, UnrelocateReport, Unrelocation } from './ops/unrelocate.ts'
export type { AddLogOptions } from './ops/volumeLog.ts'
export type { CreateOptions, ImportOptions, OpenOptions, UnusableDisk } from './lifecycle/options.ts'

/** What a deport did (or, dry run, would do): the disks whose headers it clears and the (stopped) volumes leaving with the group. */
export interface DeportReport {
  name: string
  dryRun: boolean
  disks: string[]
  volumes: string[]
}

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

  // ---------------------------------------------------------------- lifecycle
  /** vxdg init: initialises every device as a VM disk of a new group and imports it (lifecycle/create.ts). */
  static async create(opts: CreateOptions): Promise<DiskGroup> {
    checkCreateOptions(opts)
    return DiskGroup.open(await createGroup(opts), async (dg) => {
      await dg.p.transact('dg.create', () => {}, {}, true)
      await dg.p.klog.write()
    })
  }
  /** vxdg import: the newest configuration a majority of the copies holds (checklist H; lifecycle/import.ts). */
  static async import(opts: ImportOptions): Promise<DiskGroup> {
    checkImportOptions(opts)
    const opened = await importGroup(opts)
    return DiskGroup.open(opened, async (dg) => {
      const dropped = opened.dropped ?? []
      // Rule 350: a chosen configuration's import writes it to every disk at once, the overruled
      // side's plexes entirely stale; the kernel log and stale maps go to every disk first,
      // numbered above the overruled side's own, so a crash after the commit reads none of those.
      const overruled = overruledPlexes(opened.cfg, dropped)
      if (dropped.length > 0) {
        await dg.p.klog.write()
        await dg.p.stale.persistFull(overruled)
      }
      // Fold kernel-log detaches into the records (a restart never picks them as a source).
      const fold = (d: Draft) => {
        dg.p.disks.refreshState(d.c)
        foldKernelLog(d.c, opened.klog)
        markOverruled(d.c, overruled)
      }
      await dg.p.transact('dg.import', fold, {}, dropped.length > 0, () => dg.p.stale.commitFull(overruled))
      for (const side of dropped) {
        const message = `split brain: the configuration of ${side.disks.join(', ')} (tid ${side.tid}) was overruled by the one chosen (selectcp); it held otherwise: ${side.records?.join(', ') || 'nothing else'}`
        dg.p.bus.emit({ type: 'alert', dg: dg.name, severity: 'warning', code: 'VM_SPLIT_BRAIN', message })
      }
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
  /** The sides of a split brain the import's `selectcp` overruled, with what each held otherwise (rule 350). */
  droppedConfigs(): readonly ConfigSide[] {
    return this.p.dropped
  }
  /**
   * The disks whose device knows that every read or write on it fails now (a lost NBD connection, a
   * power cut, a whole-device fault), by disk name: what operations are refused up front for (rule
   * 341). A disk without a device (NODEVICE) is not listed: its record says so (dm_pflag REMOVED).
   */
  failingDisks(): Record<string, 'read' | 'write' | 'both'> {
    const out: Record<string, 'read' | 'write' | 'both'> = {}
    const map = this.p.ioMap()
    for (const dm of this.cfg.disks) {
      const dev = map.device(dm.dm_rid)
      if (!dev?.failing) continue
      const [r, w] = [dev.failing('read'), dev.failing('write')]
      if (r || w) out[dm.dm_name] = r && w ? 'both' : r ? 'read' : 'write'
    }
    return out
  }
  /** The disks the last import could not use, and why (missing, unreadable, shorter than recorded). */
  unusableDisks(): readonly UnusableDisk[] {
    return this.p.unusable
  }
  /**
   * vxdg deport: every volume stopped (VM_VOL_ENABLED, `details.volumes` naming the started ones),
   * no task running and no transaction under way (VM_BUSY); clears the importer from the headers,
   * releases devices and locks (rule 449). A refusal changes nothing; `dryRun` checks and reports
   * only. The headers are written one by one: a crash between them leaves headers naming this host,
   * whose own import takes the group back whole (rule 450).
   */
  async deport(opts: { dryRun?: boolean } = {}): Promise<DeportReport> {
    if (this.p.store.closed) fail('VM_OFFLINE', `disk group ${this.name} is not imported`)
    const forced = this.p.store.forcedOffline
    const running = this.cfg.volumes.filter((v) => v.v_kstate !== 'DISABLED').map((v) => v.v_name)
    if (running.length > 0 && !forced) throw new EngineError('VM_VOL_ENABLED', `disk group ${this.name} is not deported: volume(s) ${running.join(', ')} still started (stop them first: vxvol stop)`, { details: { volumes: running } })
    const tasks = this.p.tasks.list().map((t) => t.taskId)
    if (tasks.length > 0 && !forced) throw new EngineError('VM_BUSY', `disk group ${this.name} is not deported: task(s) ${tasks.join(', ')} still running (let them finish or abort them first)`, { details: { tasks } })
    if (this.p.store.busy) fail('VM_BUSY', `disk group ${this.name} is not deported: a configuration change is under way`)
    const report: DeportReport = { name: this.name, dryRun: opts.dryRun === true, disks: this.cfg.disks.filter((d) => d.dm_device !== '').map((d) => d.dm_name), volumes: this.cfg.volumes.map((v) => v.v_name) }
    if (report.dryRun) return report
    await this.p.disks.clearImporter(this.p.warn)
    await this.close()
    this.p.bus.emit({ type: 'dg.state', dg: this.name, state: 'deported' })
    return report
  }
  /** Releases devices and locks without changing any state, as a process exit would (started volumes look crashed). */
  async close(): Promise<void> {
    if (this.p.store.closed) return
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
    return this.p.store.forcedOffline
  }

  // ---------------------------------------------------------------- events and snapshot
  subscribe(listener: (e: EngineEvent) => void): Unsubscribe {
    return this.p.bus.subscribe(listener)
  }
  /** The whole configuration (temporary fields included) with the sequence number it is current at. */
  snapshot(): GroupSnapshot {
    return { seq: this.p.bus.seq, config: structuredClone(this.cfg), tasks: this.p.tasks.list(), forcedOffline: this.p.store.forcedOffline }
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
  /** vxassist make: allocates, creates and initialises (`spec.init`, rule 156) a whole volume (volume/initOps.ts). */
  async assistMake(spec: AssistSpec, opts: TxOptions = {}): Promise<TxResult> {
    return assistMake(this.p, this, spec, opts)
  }
  /** vxvol init (rule 155) of a stopped EMPTY volume: `active`, `zero`, or `clean PLEX` (volume/initOps.ts). */
  async initVolume(volume: string, how: InitType, plex?: string, opts: TxOptions = {}): Promise<TxResult> {
    return initVolume(this.p, this, volume, how, plex, opts)
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
  /** vxsd assoc; filling a hole of a live plex copies the range first (B 14, plex/subdiskAssoc.ts). */
  async assocSubdisk(plex: string, a: SdAssoc, opts: TxOptions = {}): Promise<TxResult> {
    return assocSubdiskFilled(this.p, plex, a, opts)
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
  /** vxdiskadm replace: a new device takes over a failed disk; its data plexes are detached and entirely stale, a log plex stays ENABLED LOG (rule 236). */
  async replaceDisk(name: string, device: BlockDevice, opts: DiskOpOptions = {}): Promise<OpResult> {
    this.assertOnline()
    const dm = this.diskRecord(name)
    this.assertNotInGroup(device)
    return replaceDisk(this.p.diskOps, dm, device, opts)
  }
  /** vxdg rmdisk: the disk must hold no subdisks. */
  async removeDisk(name: string, opts: TxOptions = {}): Promise<TxResult> {
    return removeDisk(this.p.diskOps, this.diskRecord(name), opts)
  }

  /** vxevac: every plex with a subdisk on the disk moved to other disks, one plex move at a time (ops/evacuateDisk.ts). */
  async evacuateDisk(name: string, opts: EvacuateOptions = {}): Promise<OpResult> {
    return evacuateDisk(this.p, name, opts)
  }

  /** Hot relocation (vxrelocd) of the failed plexes on the disk: failed subdisks replaced on spares or free space, copied as `relocate` tasks (ops/hotRelocate.ts). */
  async relocateDisk(name: string, opts: RelocateOptions = {}): Promise<RelocationReport> {
    return relocateDisk(this.p, name, opts)
  }

  /** vxunreloc: the subdisks hot relocation moved off the disk moved back to it (or to `to`), each as a subdisk move (ops/unrelocate.ts). */
  async unrelocate(name: string, opts: UnrelocateOptions = {}): Promise<UnrelocateReport> {
    return unrelocateDisk(this.p, name, opts)
  }
  /** Is hot relocation on for the group (DG_PFLAG NORELOC clear; vxedit set hotreloc=on|off)? */
  get hotRelocation(): boolean {
    return (this.cfg.dg.dg_pflag & DG_PFLAG.NORELOC) === 0
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
  /** vxplex att: associates; on an ENABLED volume copies into it write-only (tutil0=ATT), then ACTIVE (D 34-35). */
  async attachPlex(volume: string, plex: string, opts: TxOptions & { onTask?: (taskId: string) => void } = {}): Promise<TxResult> {
    return this.p.plex.attach(volume, plex, opts)
  }
  /** vxplex cp: copies a DISABLED volume to an unassociated plex (D 39). */
  async copyPlex(volume: string, plex: string, opts: { onTask?: (taskId: string) => void } = {}): Promise<void> {
    this.assertOnline()
    return this.p.plex.copy(volume, plex, opts)
  }
  /** vxplex mv: replaces `oldPlex` by the unassociated `newPlex`, at least as large unless `force` (D 40). */
  async movePlex(oldPlex: string, newPlex: string, opts: { force?: boolean; onTask?: (taskId: string) => void } = {}): Promise<TxResult> {
    this.assertOnline()
    return this.p.plex.move(oldPlex, newPlex, opts)
  }
  /** vxmend (records/mend.ts): `clear` util fields, `fix` a state, `off`, `on`; `force` as volmend's -f. */
  async mend(op: MendOp, name: string, arg?: string, opts: TxOptions & { force?: boolean } = {}): Promise<TxResult> {
    return this.p.plex.mend(op, name, arg, opts)
  }

  // ---------------------------------------------------------------- everyday operations (ops/)
  /** vxassist mirror: a new concat plex on disks holding no data plex of the volume, attached and copied (ops/addMirror.ts). */
  async addMirror(volume: string, opts: AddMirrorOptions = {}): Promise<OpResult> {
    return addMirror(this.p, volume, opts)
  }
  /** vxassist remove mirror / vxplex -o rm dis: a data plex (`plex`, or one chosen) dissociated and removed with its subdisks (ops/removeMirror.ts). */
  async removeMirror(volume: string, plex?: string, opts: RemoveMirrorOptions = {}): Promise<TxResult> {
    return removeMirror(this.p, volume, plex, opts)
  }
  /** vxassist growto (growby: `len` + the volume's length): every data plex extended, the new space zeroed as a `grow` task, then the length (ops/growVolume.ts). */
  async growVolume(volume: string, len: number, opts: GrowOptions = {}): Promise<OpResult> {
    return growVolume(this.p, volume, len, opts)
  }
  /** vxassist addlog: a DRL log plex of its own, attached in one transaction (ops/volumeLog.ts). */
  async addLog(volume: string, opts: AddLogOptions = {}): Promise<TxResult> {
    return addLog(this.p, volume, opts)
  }
  /** vxassist remove log: a log plex (`plex`, or the newest) dissociated and removed with its subdisk (ops/volumeLog.ts). */
  async removeLog(volume: string, plex?: string, opts: TxOptions = {}): Promise<TxResult> {
    return removeLog(this.p, volume, plex, opts)
  }
  /** vxassist shrinkto (shrinkby: the volume's length - `len`): one transaction cuts the plexes and the length; a started volume only with `force` (ops/shrinkVolume.ts). */
  async shrinkVolume(volume: string, len: number, opts: ShrinkOptions = {}): Promise<OpResult> {
    return shrinkVolume(this.p, volume, len, opts)
  }

  // ---------------------------------------------------------------- volume start/stop (volume/startStop.ts)
  /** vxvol start (D 28, 30-33, 36, 38): resolves when the volume is fully recovered (volume/startStop.ts). */
  async start(volume: string, opts: TxOptions & { delayRecover?: boolean; onStarted?: (r: TxResult) => void } = {}): Promise<TxResult> {
    return this.p.startStop.start(volume, opts)
  }
  /** vxvol stop (D 29): drains, flushes, cleans the DRL, marks the volume and its ACTIVE plexes CLEAN. */
  async stop(volume: string, opts: TxOptions & { force?: boolean } = {}): Promise<TxResult> {
    this.assertOnline()
    return this.p.startStop.stop(volume, opts)
  }

  // ---------------------------------------------------------------- dirty region logging (drl/volumeLogs.ts) and stale maps
  /** The DRL dirty map of a volume and the bytes a crash recovery would copy now, per target plex. */
  dirtyRegions(volume: string): DirtyView {
    const v = this.p.vol(volume)
    return this.p.logs.dirtyView(v, this.p.vols.find(v.v_rid)?.drl)
  }
  /** Stale regions of a plex: `full`, else the regions it missed; `syncErrors` could not be resynced. */
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
    this.assertOnline()
    return this.p.volumeIo.flush(checkStarted(this.p.vol(volume)))
  }

  // ---------------------------------------------------------------- tasks
  /** Resyncs that were under way when the group was last closed or crashed. */
  interruptedTasks(): InterruptedTask[] {
    return structuredClone(this.p.klog.tasks ?? [])
  }
  /** Continues the interrupted resyncs from their checkpoints (resync/resyncService.ts). */
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
  /** Limits a task to bytes per second (0 = unlimited) or `{ adaptive: { latencyMs } }` (rule 161). */
  throttleTask(id: string, throttle: number | { adaptive: { latencyMs: number; minBytesPerSecond?: number } }): void {
    this.p.tasks.throttle(id, throttle)
  }

  // ---------------------------------------------------------------- resync, verify, repair (resync/resyncService.ts)
  /** vxvol resync / lvm_resynclv: stale regions to their stale copies, or with `force` every region everywhere. */
  async resyncVolume(volume: string, force: boolean, opts: { throttle?: number; skip?: number } = {}): Promise<TaskHandle> {
    const h = await this.p.resync.resyncVolume(volume, force, opts)
    // rule 343: a BADLOG volume's restored log plexes are recovered with it
    await this.p.startStop.recoverLog(volume)
    return h
  }
  /** What `resyncVolume` would copy, changing nothing (its dry run). */
  planResyncVolume(volume: string, force: boolean): ResyncPlan {
    return this.p.resync.planResyncVolume(volume, force)
  }
  /** What `resyncDisk` would copy, changing nothing (its dry run). */
  planResyncDisk(disk: string, force: boolean): ResyncPlan {
    return this.p.resync.planResyncDisk(disk, force)
  }
  /** lvm_resyncpv of one disk (SEMANTICS.md 2.6, G 56-68); `mode` strict (default) or faithful (item 67). */
  async resyncDisk(disk: string, force: boolean, opts: { mode?: 'strict' | 'faithful'; throttle?: number; skip?: number } = {}): Promise<TaskHandle> {
    const h = await this.p.resync.resyncDisk(disk, force, opts)
    // rule 476: the disk's detached log plexes are re-attached with it (vxrecover), nothing copied into them
    const dm = this.p.store.current().disks.find((x) => x.dm_name === disk)
    for (const l of dm ? this.p.resync.logsToAttach(dm.dm_rid) : []) await this.p.plex.attach(l.volume, l.plex)
    return h
  }
  /** Compares every plex of a volume region by region and reports where they differ; changes nothing. */
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
