import { systemClock } from './clock.ts'
import { ConfigStore, type Commit, type TxOptions, type TxResult } from './config/configStore.ts'
import type { ConfigSide } from './config/splitBrain.ts'
import { keepsQuorum, markDisabledCopies, takeBackCopies, writeConfigCopies } from './config/configCopies.ts'
import { KernelLog } from './config/kernelLog.ts'
import { MAP_AREA, writeRingEverywhere } from './disk/privateRegion.ts'
import { DiskSet } from './disk/diskSet.ts'
import type { DiskContext } from './disk/diskOps.ts'
import { type OpenedGroup, type UnusableDisk, idSourceOf, sleepOf } from './lifecycle/options.ts'
import { type EngineErrorCode, fail } from './errors.ts'
import { type EventBus, createEventBus } from './events.ts'
import { IoMap } from './io/ioMap.ts'
import { PlexIo } from './io/plexIo.ts'
import { extent } from './io/extent.ts'
import { VolumeIo } from './io/volumeIo.ts'
import { KernelDetach } from './io/kernelDetach.ts'
import { thisImporter } from './locks.ts'
import { type Config, type PlRecord, V_PFLAG, type VRecord } from './records/types.ts'
import { TaskRegistry } from './tasks/taskRegistry.ts'
import { StaleMaps, type StaleMapsImage } from './staleMaps.ts'
import { VolumeLogs } from './drl/volumeLogs.ts'
import { PlexOps } from './plex/plexOps.ts'
import { StartStop } from './volume/startStop.ts'
import { type VolumeRuntime, VolumeRuntimes } from './volume/volumeRuntimes.ts'
import type { Draft } from './txn.ts'
import { MAX_UNIT_REGIONS } from './resync/copyUnit.ts'
import { REGION_SECTORS, type SyncContext } from './resync/regionCopy.ts'
import { ResyncService } from './resync/resyncService.ts'

/** The layers of one opened disk group, wired together, and the few helpers the facade uses of them. */
export interface GroupParts {
  /** The committed configuration and its transactions (config/configStore.ts). */
  readonly store: ConfigStore
  /** The disks: devices, headers, configuration slots, device locks (disk/diskSet.ts). */
  readonly disks: DiskSet
  /** What the disk operations reach of the group (disk/diskOps.ts). */
  readonly diskOps: DiskContext
  /** Each volume's runtime state (volume/volumeRuntimes.ts). */
  readonly vols: VolumeRuntimes
  readonly bus: EventBus
  readonly klog: KernelLog
  /** Running tasks and their events (tasks/taskRegistry.ts). */
  readonly tasks: TaskRegistry
  readonly stale: StaleMaps
  /** The volumes' dirty region logs (drl/volumeLogs.ts). */
  readonly logs: VolumeLogs
  /** Plex I/O and its counters (io/plexIo.ts). */
  readonly plexIo: PlexIo
  /** Volume write, read, flush and the drain gate (io/volumeIo.ts). */
  readonly volumeIo: VolumeIo
  /** vxplex and vxmend (plex/plexOps.ts). */
  readonly plex: PlexOps
  /** vxvol start and stop (volume/startStop.ts). */
  readonly startStop: StartStop
  /** Resync, verify, repair and the resume of interrupted resyncs (resync/resyncService.ts). */
  readonly resync: ResyncService
  /** The region copy's view of the group (resync/regionCopy.ts), for the copies of the operations. */
  readonly sync: SyncContext
  readonly unusable: readonly UnusableDisk[]
  /** The sides of a split brain the import overruled (rule 350). */
  readonly dropped: readonly ConfigSide[]
  /** The I/O map (io/ioMap.ts) of the last commit. */
  ioMap(): IoMap
  /**
   * Runs `fn` on a copy of the configuration as one transaction (config/configStore.ts).
   * `onCommit` runs as the commit takes effect, before any other transaction or I/O can see it.
   */
  transact(operation: string, fn: (d: Draft) => void, opts?: TxOptions, force?: boolean, onCommit?: () => void): Promise<TxResult>
  /** The volume named `name`, VM_NOT_FOUND if none. */
  vol(name: string): VRecord
  /** The plexes of a volume (from the I/O map: no scan of every plex on the I/O path). */
  plexesOf(vrid: number): readonly PlRecord[]
  /** Volume `v`'s runtime state, made on first use (volume/volumeRuntimes.ts). */
  runtime(v: VRecord): VolumeRuntime
  /** Reports a failure nobody awaits, as a warning alert with a stable code (failures.ts). */
  warn(code: EngineErrorCode, message: string, object?: string): void
}

/**
 * Builds the layers over what create or import opened and the context each reaches the group
 * through: the configuration store's commit hooks (I/O map, DRLs, events), the task registry's
 * hooks, and the `SyncContext` the copy layer uses.
 */
export function composeGroup(init: OpenedGroup): GroupParts {
  const opts = init.opts
  const clock = opts.clock ?? systemClock
  const disks = new DiskSet(init.disks, init.release)
  disks.refreshState(init.cfg)
  let ioMap = IoMap.build(init.cfg, disks.byRid)
  let mapSeq = init.maps?.seq ?? 0
  /** The tid of the commit that last made each plex ENABLED (io/kernelDetach.ts). */
  const enabledAt = new Map<number, number>()
  const store = new ConfigStore(init.cfg, (c) => writeConfig(c), init.nextTid)
  const cfg = (): Config => store.current()
  const name = (): string => cfg().dg.dg_name
  const stale = new StaleMaps((image) => writeMaps(image), init.maps?.image)
  const klog = new KernelLog(init.klog, init.klogSeq, () => disks.devices())
  const bus = createEventBus(clock)
  const vols = new VolumeRuntimes(clock)
  const volumesOf = (names: readonly string[]) => cfg().volumes.filter((x) => names.includes(x.v_name))
  const tasks = new TaskRegistry({
    bus,
    group: name,
    clock,
    sleep: sleepOf(opts),
    started: (task) => vols.taskStarted(task, volumesOf(task.volumes)),
    finished: (task) => vols.taskFinished(task, volumesOf(task.volumes)),
  })
  const plexIo = new PlexIo(() => ioMap)

  const warn = (code: EngineErrorCode, message: string, object?: string): void => {
    bus.emit({ type: 'alert', dg: name(), severity: 'warning', code, message, ...(object ? { object } : {}) })
  }
  /** Copies a commit disabled (a write to them failed), to be recorded (`recordDisabled`). */
  let disabledNow: string[] = []
  const transact = async (operation: string, fn: (d: Draft) => void, o: TxOptions = {}, force = false, onCommit?: () => void): Promise<TxResult> => {
    try {
      return await store.transact(operation, fn, { ...o, force, ...(onCommit ? { onCommit } : {}) })
    } finally {
      await recordDisabled()
    }
  }
  const rebuildIoMap = (): void => {
    ioMap = IoMap.build(cfg(), disks.byRid)
  }
  const vol = (n: string): VRecord => ioMap.volume(n) ?? fail('VM_NOT_FOUND', `no volume ${n}`)
  const plexesOf = (vrid: number): readonly PlRecord[] => ioMap.plexesOf(vrid)
  const runtime = (v: VRecord): VolumeRuntime => vols.of(v)
  const flushVolume = (v: VRecord): Promise<void> => volumeIo.flush(v)
  const flushPlex = (p: PlRecord): Promise<void> => plexIo.flush(p)
  const ioError = (v: VRecord, p: PlRecord, op: 'read' | 'write' | 'flush', s: number, n: number, err: unknown): void => {
    volumeIo.ioError(v, p, op, extent(s, n), err)
  }

  const copyDisabledAlert = (disk: string): void => {
    bus.emit({ type: 'alert', dg: name(), severity: 'warning', code: 'VM_MAPFRDWR', message: `configuration copy on ${disk} failed to write and is disabled`, object: disk })
  }
  const markCopies = (d: Draft): void => markDisabledCopies(d.c, (rid) => disks.get(rid))

  /**
   * Writes the configuration to every enabled copy; a majority must succeed (checklist H 72). A
   * copy that fails is disabled: before the transaction returns, a commit of its own records it
   * (DM_TFLAG CONFIG_DISABLED, `recordDisabled`), then the alert goes out, so a client that sees
   * the alert sees the record say so (rule 235). Losing the quorum (of the configuration before a
   * membership change too, rule 351) forces the group offline, takes
   * back the copies the commit reached (rule 265) and alerts.
   */
  async function writeConfig(c: Config): Promise<void> {
    const disabled: string[] = []
    const { held, total, written, wrote } = await writeConfigCopies(c, init.lineage, (rid) => disks.get(rid), (disk) => disabled.push(disk))
    if (!keepsQuorum(store.current(), c, held, total, wrote)) {
      store.forceOffline()
      await takeBackCopies(written)
      disabled.forEach(copyDisabledAlert)
      bus.emit({ type: 'alert', dg: name(), severity: 'critical', code: 'VM_FORCEOFF', message: `disk group ${name()} lost the majority of its configuration copies and is forced offline` })
      bus.emit({ type: 'dg.state', dg: name(), state: 'forced-offline' })
      fail('VM_FORCEOFF', `disk group ${name()} lost quorum (${held} of ${total} copies written)`)
    }
    disabledNow.push(...disabled)
  }

  /** Records the copies commits disabled (one commit for them, which may disable more), then alerts each. */
  async function recordDisabled(): Promise<void> {
    while (disabledNow.length > 0) {
      const names = disabledNow
      disabledNow = []
      // refused (closed, forced offline) or failed: the alert still goes out
      await store.transact('dm.config.disabled', markCopies).catch(saidByTheAlert)
      names.forEach(copyDisabledAlert)
    }
  }

  /**
   * vxconfigd's re-enable (rule 235): every disk that has its device and a disabled configuration
   * copy gets it back, written with the configuration by a commit that clears DM_TFLAG
   * CONFIG_DISABLED; a copy whose write fails again is disabled again (and says so). A resync
   * asks first: it is the administrator's word that a restored disk answers again.
   */
  async function reviveConfigCopies(): Promise<void> {
    const back = [...disks.byRid.values()].filter((rt) => rt.dev && !rt.copyEnabled)
    if (back.length === 0 || store.closed || store.forcedOffline) return
    for (const rt of back) rt.copyEnabled = true
    // forced: the copy is written even when no record changes (a flag an older commit never set)
    await transact('dm.config.enabled', markCopies, {}, true)
  }

  /** A commit that records disabled copies and fails: the alert for each says what matters. */
  function saidByTheAlert(): void {}

  /** Writes the stale-region maps to every disk's region-map area. */
  function writeMaps(image: StaleMapsImage): Promise<void> {
    return writeRingEverywhere(disks.devices(), MAP_AREA, ++mapSeq, image, 'the stale-region maps')
  }

  /** After every commit: the configuration event, then the kernel-state changes it made. */
  function announce({ operation, before, after, changes }: Commit): void {
    bus.emit({ type: 'config.committed', dg: name(), tid: after.tid, operation, changes })
    for (const ch of changes) {
      if ((ch.kind === 'pl' || ch.kind === 'v') && ch.op === 'update') {
        const f = `${ch.kind}_kstate`
        if (!ch.fields.includes(f)) continue
        const old = ch.kind === 'pl' ? before.plexes.find((p) => p.pl_rid === ch.rid)?.pl_kstate : before.volumes.find((v) => v.v_rid === ch.rid)?.v_kstate
        const to = ch.after![f] as PlRecord['pl_kstate']
        if (ch.kind === 'pl' && to === 'ENABLED') enabledAt.set(ch.rid, after.tid)
        if (old) bus.emit({ type: 'kstate.changed', dg: name(), kind: ch.kind, name: ch.name, rid: ch.rid, from: old, to })
      }
    }
  }

  rebuildIoMap()
  const sync: SyncContext = {
    cfg,
    closed: () => store.closed,
    stale,
    klog,
    tasks,
    checkpointRegions: opts.checkpointRegions ?? 20,
    copyUnitRegions: Math.max(1, opts.copyUnitRegions ?? MAX_UNIT_REGIONS),
    transact: (operation, fn, onCommit) => transact(operation, fn, {}, false, onCommit),
    runtime,
    plexesOf,
    canRead: (p, s, n) => volumeIo.canRead(p, s, n),
    covers: (p, s, n) => plexIo.covers(p, s, n),
    failedDisks: (p, op) => plexIo.failedDisks(p, op),
    readPlex: (p, s, n, into) => plexIo.read(p, s, n, into),
    writePlex: (p, s, data) => plexIo.write(p, s, data),
    flushPlex,
    ioError,
    copyReadFailed: (v, tried, failed, g) => resync.copyReadFailed(v, tried, failed, g),
    copyWriteFailed: (v, p, err, g) => resync.copyWriteFailed(v, p, err, g),
    report: warn,
  }
  const logs = new VolumeLogs({
    cfg,
    plexesOf,
    device: (dmRid) => ioMap.device(dmRid),
    clock,
    maxDirty: opts.drlMaxDirty ?? 2048,
    cleanAgeMs: opts.drlCleanAgeMs ?? 5000,
    regionSectors: REGION_SECTORS,
    flushVolume,
    transact: (operation, fn) => transact(operation, fn),
    critical: (code, message, object) => bus.emit({ type: 'alert', dg: name(), severity: 'critical', code, message, object }),
    report: warn,
  })
  const detach = new KernelDetach({
    cfg,
    committing: () => store.committing,
    plexesOf,
    canRead: (p, s, n) => volumeIo.canRead(p, s, n),
    enabledAt,
    stale,
    klog,
    unflushed: (v) => runtime(v).unflushed,
    transact: (operation, fn) => transact(operation, fn),
    alert: (message, object) => bus.emit({ type: 'alert', dg: name(), severity: 'critical', code: 'VM_IO', message, ...(object !== undefined ? { object } : {}) }),
  })
  const plex = new PlexOps({
    cfg,
    transact: (operation, fn, o) => transact(operation, fn, o),
    stale,
    beingDetached: (p) => detach.beingDetached(p),
    unflushed: (v) => runtime(v).unflushed,
    flushPlex,
    // a log subdisk is not in the I/O map: the plex's log subdisk is tried too (rule 475)
    probeDisks: (p, write) => plexIo.probeDisks(p, write, cfg().subdisks.filter((s) => s.sd_plex_rid === p.pl_rid && s.sd_is_log)),
    sync,
    logAttached: async (volume) => {
      const v = cfg().volumes.find((x) => x.v_name === volume)
      if (!v || v.v_kstate !== 'ENABLED') return
      if (v.v_pflag & V_PFLAG.BADLOG) await startStop.recoverLog(volume)
      else await vols.find(v.v_rid)?.drl?.rewrite()
    },
  })
  const volumeIo: VolumeIo = new VolumeIo({
    map: () => ioMap,
    volume: (vrid) => cfg().volumes.find((x) => x.v_rid === vrid),
    plexIo,
    stale,
    markWritten: (vrid) => klog.markDirty(vrid),
    runtime,
    failures: detach,
    ioError: (e) => bus.emit({ type: 'io.error', dg: name(), ...e }),
    // forced offline, an I/O that fails records nothing (no stale mark, no kernel-log entry): the
    // disks may hold the commit that lost quorum, which no such record was decided against
    assertOnline: () => {
      if (store.forcedOffline) store.assertOnline()
    },
  })
  const diskOps: DiskContext = {
    cfg,
    transact: (operation, fn, o) => transact(operation, fn, o),
    disks,
    stale,
    me: thisImporter(opts.host),
    ids: idSourceOf(opts),
    assertNotLastPlex: (d, pl, force) => plex.assertNotLastPlex(d, pl, force),
    report: warn,
  }
  const startStop = new StartStop({
    cfg,
    vol,
    plexesOf,
    transact: (operation, fn, o) => transact(operation, fn, o),
    runtime,
    klog,
    stale,
    logs,
    enabledAt,
    flushVolume,
    sync,
    alert: (severity, code, message, object) => bus.emit({ type: 'alert', dg: name(), severity, code, message, object }),
    report: warn,
  })
  const resync: ResyncService = new ResyncService({
    sync,
    klog,
    group: name,
    assertOnline: () => store.assertOnline(),
    busy: () => store.busy,
    vol,
    hasDevice: (dmRid) => ioMap.device(dmRid) !== undefined,
    reviveConfigCopies,
    failures: detach,
    ioError,
  })
  store.onCommit(() => rebuildIoMap())
  store.onCommit(() => logs.refresh(vols.all()))
  store.onCommit((c) => announce(c))
  return {
    store, disks, diskOps, vols, bus, klog, tasks, stale, logs, plexIo, volumeIo, plex, startStop, resync, sync,
    unusable: init.unusable ?? [],
    dropped: init.dropped ?? [],
    ioMap: () => ioMap,
    transact, vol, plexesOf, runtime, warn,
  }
}
