import type { DiskGroup, EngineEvent } from '@plexa/engine'
import { Counter, Gauge, Registry } from 'prom-client'
import type { Storage } from './storage.ts'
import { VolumeIoMetrics } from './volumeIoMetrics.ts'

/** What the metrics read when scraped: the groups, and the counts the servers keep. */
export interface MetricSources {
  storage: Storage
  websocketClients(): number
  nbdConnections(): Map<string, number>
}

/** One group as a scrape sees it: read once per scrape, shared by every collector. */
interface GroupScrape {
  name: string
  cfg: ReturnType<DiskGroup['config']>
  forcedOffline: boolean
  stale: ReturnType<DiskGroup['staleMaps']>
  dirty: ReturnType<DiskGroup['dirtyMaps']>
  tasks: ReturnType<DiskGroup['listTasks']>
  io: Map<string, ReturnType<DiskGroup['ioStats']>>
}

function readGroup(dg: DiskGroup): GroupScrape {
  const cfg = dg.config()
  return { name: dg.name, cfg, forcedOffline: dg.forcedOffline, stale: dg.staleMaps(), dirty: dg.dirtyMaps(), tasks: dg.listTasks(), io: new Map(cfg.plexes.map((p) => [p.pl_name, dg.ioStats(p.pl_name)])) }
}

const LATENCY_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10]

/**
 * The Prometheus metrics of `GET /metrics` (prom-client, the text exposition format). Volume I/O
 * is observed where it enters (NBD, lab load); plex I/O, states, stale and dirty regions and tasks
 * are read from the engine at scrape time, so a scrape costs nothing between scrapes.
 */
export class Metrics {
  readonly registry = new Registry()
  private readonly volumeIo: VolumeIoMetrics
  private readonly resyncBytes: Counter<'dg' | 'volume' | 'kind'>
  private readonly alerts: Counter<'severity'>
  /** doneBytes last seen per task, for the resync byte counter. */
  private readonly taskDone = new Map<string, number>()
  private readonly src: MetricSources
  /** The groups as the scrape under way read them (one configuration copy per group per scrape). */
  private scraped: GroupScrape[] = []
  private scraping: Promise<string> | undefined

  constructor(src: MetricSources) {
    this.src = src
    const registers = [this.registry]
    this.volumeIo = new VolumeIoMetrics(this.registry, LATENCY_BUCKETS)
    this.resyncBytes = new Counter({ name: 'plexa_resync_bytes_total', help: 'bytes copied by resync, attach, verify and repair tasks', labelNames: ['dg', 'volume', 'kind'], registers })
    this.alerts = new Counter({ name: 'plexa_alerts_total', help: 'alerts raised, by severity', labelNames: ['severity'], registers })
    for (const severity of ['warning', 'critical']) this.alerts.inc({ severity }, 0)

    const groups = () => this.scraped
    /** Sets a counter to the engine's per-plex totals (they start at 0 with the process). */
    const plexTotals = (c: Counter<'dg' | 'volume' | 'plex' | 'op'>, read: 'reads' | 'readBytes', write: 'writes' | 'writeBytes') => {
      c.reset()
      for (const dg of groups()) {
        const cfg = dg.cfg
        for (const p of cfg.plexes) {
          const st = dg.io.get(p.pl_name)!
          const volume = cfg.volumes.find((v) => v.v_rid === p.pl_vol_rid)?.v_name ?? ''
          c.inc({ dg: dg.name, volume, plex: p.pl_name, op: 'read' }, st[read])
          c.inc({ dg: dg.name, volume, plex: p.pl_name, op: 'write' }, st[write])
        }
      }
    }
    new Counter({ name: 'plexa_plex_io_total', help: 'reads and writes of each plex (volume I/O, resyncs, recovery)', labelNames: ['dg', 'volume', 'plex', 'op'], registers, collect() {
      plexTotals(this, 'reads', 'writes')
    } })
    new Counter({ name: 'plexa_plex_io_bytes_total', help: 'bytes read from and written to each plex', labelNames: ['dg', 'volume', 'plex', 'op'], registers, collect() {
      plexTotals(this, 'readBytes', 'writeBytes')
    } })

    new Gauge({ name: 'plexa_kernel_state', help: 'kernel state of each volume and plex (1 for the state it is in)', labelNames: ['dg', 'kind', 'name', 'state'], registers, collect() {
      this.reset()
      for (const dg of groups()) {
        const cfg = dg.cfg
        for (const state of ['ENABLED', 'DISABLED', 'DETACHED']) {
          for (const v of cfg.volumes) this.set({ dg: dg.name, kind: 'volume', name: v.v_name, state }, v.v_kstate === state ? 1 : 0)
          for (const p of cfg.plexes) this.set({ dg: dg.name, kind: 'plex', name: p.pl_name, state }, p.pl_kstate === state ? 1 : 0)
        }
      }
    } })
    new Gauge({ name: 'plexa_state', help: 'utility state of each volume and plex (v_state, pl_state): 1 for the state it is in', labelNames: ['dg', 'kind', 'name', 'state'], registers, collect() {
      this.reset()
      for (const dg of groups()) {
        const cfg = dg.cfg
        for (const v of cfg.volumes) this.set({ dg: dg.name, kind: 'volume', name: v.v_name, state: v.v_state }, 1)
        for (const p of cfg.plexes) this.set({ dg: dg.name, kind: 'plex', name: p.pl_name, state: p.pl_state }, 1)
      }
    } })
    new Gauge({ name: 'plexa_disk_group_forced_offline', help: '1 while a disk group is forced offline (lost quorum)', labelNames: ['dg'], registers, collect() {
      this.reset()
      for (const dg of groups()) this.set({ dg: dg.name }, dg.forcedOffline ? 1 : 0)
    } })
    new Gauge({ name: 'plexa_plex_stale_regions', help: 'stale regions of each plex that has any (a fully stale plex counts all its regions)', labelNames: ['dg', 'plex'], registers, collect() {
      this.reset()
      for (const dg of groups()) {
        const plexes = dg.cfg.plexes
        for (const [plex, s] of Object.entries(dg.stale)) {
          const len = plexes.find((p) => p.pl_name === plex)?.pl_len ?? 0
          this.set({ dg: dg.name, plex }, s.full ? Math.ceil(len / s.regionSectors) : s.regions.length)
        }
      }
    } })
    new Gauge({ name: 'plexa_volume_dirty_regions', help: 'DRL dirty regions of each started volume', labelNames: ['dg', 'volume'], registers, collect() {
      this.reset()
      for (const dg of groups()) for (const [volume, d] of Object.entries(dg.dirty)) this.set({ dg: dg.name, volume }, d.regions.length)
    } })
    new Gauge({ name: 'plexa_volume_recovery_bytes', help: 'bytes a crash recovery of the volume would copy now', labelNames: ['dg', 'volume'], registers, collect() {
      this.reset()
      for (const dg of groups()) for (const [volume, d] of Object.entries(dg.dirty)) this.set({ dg: dg.name, volume }, d.recoveryBytes)
    } })
    const taskLabels = ['dg', 'task', 'kind', 'volume'] as const
    const tasks = () => groups().flatMap((dg) => dg.tasks.map((t) => ({ t, labels: { dg: dg.name, task: t.taskId, kind: t.kind, volume: t.volume } })))
    new Gauge({ name: 'plexa_task_progress_ratio', help: 'fraction done of each running task', labelNames: taskLabels, registers, collect() {
      this.reset()
      for (const { t, labels } of tasks()) this.set(labels, t.totalBytes ? t.doneBytes / t.totalBytes : 0)
    } })
    new Gauge({ name: 'plexa_task_done_bytes', help: 'bytes done of each running task', labelNames: taskLabels, registers, collect() {
      this.reset()
      for (const { t, labels } of tasks()) this.set(labels, t.doneBytes)
    } })
    new Gauge({ name: 'plexa_task_rate_bytes_per_second', help: 'copy rate of each running task (moving average)', labelNames: taskLabels, registers, collect() {
      this.reset()
      for (const { t, labels } of tasks()) this.set(labels, t.rate)
    } })
    new Gauge({ name: 'plexa_nbd_connections', help: 'open NBD connections, by export', labelNames: ['export'], registers, collect() {
      this.reset()
      for (const [name, n] of src.nbdConnections()) this.set({ export: name }, n)
    } })
    new Gauge({ name: 'plexa_websocket_clients', help: 'connected WebSocket clients', registers, collect() {
      this.set(src.websocketClients())
    } })
  }

  /** A volume read or write that entered through NBD or the lab load. */
  observeIo(dg: string, volume: string, op: 'read' | 'write', bytes: number, seconds: number): void {
    this.volumeIo.observe(dg, volume, op, bytes, seconds)
  }

  /** Follows the engine's events: task progress (resync bytes) and alerts. */
  onEvent(dg: string, e: EngineEvent): void {
    if (e.type === 'task.progress') {
      const before = this.taskDone.get(e.taskId) ?? 0
      if (e.doneBytes > before) this.resyncBytes.inc({ dg, volume: e.volume, kind: e.kind }, e.doneBytes - before)
      this.taskDone.set(e.taskId, e.doneBytes)
    } else if (e.type === 'task.finished') this.taskDone.delete(e.taskId)
    else if (e.type === 'alert') this.alerts.inc({ severity: e.severity })
  }

  /** The text exposition format. Scrapes that arrive while one is under way share its answer. */
  text(): Promise<string> {
    this.scraping ??= (async () => {
      this.scraped = [...this.src.storage.groups.values()].map((g) => readGroup(g.dg))
      try {
        return await this.registry.metrics()
      } finally {
        this.scraped = []
        this.scraping = undefined
      }
    })()
    return this.scraping
  }
}
