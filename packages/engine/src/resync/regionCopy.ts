import type { TxResult } from '../config/configStore.ts'
import type { InterruptedTask, KernelLog } from '../config/kernelLog.ts'
import { fail } from '../errors.ts'
import { type ReportFailure, deliveredToCaller, reportAs } from '../failures.ts'
import type { RegionLock } from '../io/regionLock.ts'
import { isLogPlexRec, isServing } from '../records/plexState.ts'
import type { Config, PlRecord, VRecord } from '../records/types.ts'
import type { RegionSet } from '../regionSet.ts'
import type { StaleMaps } from '../staleMaps.ts'
import type { TaskKind } from '../tasks/task.ts'
import type { TaskHandle, TaskRegistry } from '../tasks/taskRegistry.ts'
import type { Draft } from '../txn.ts'
import { SECTOR_SIZE } from '../units.ts'
import { runRegionLoop } from './regionLoop.ts'

/** Region size in sectors: the unit of staleness, locking and copying (voldrl_min_regionsz). */
export const REGION_SECTORS = 1024

export interface SyncReport {
  regionsCopied: number
  bytesCopied: number
  failedRegions: Array<{ volume: string; region: number; plex: string; reason: string }>
}

/** One region of one volume to copy. */
export interface SyncItem {
  v: VRecord
  region: number
}

export interface SyncOptions {
  /** Copy to every other plex (true) or only to stale copies (false). */
  force: boolean
  /** Only these plexes take part (as sources and targets). */
  among?: number[]
  /** Only these plexes are written. */
  targetsOnly?: number[]
  /** Always read from this plex. */
  source?: number
  /** Advance v_rwback_offset (read-writeback). */
  rwback?: boolean
  /** Initial throttle, bytes per second. */
  throttle?: number
  /** Checkpointed in the kernel log, so a restart continues it. */
  resumable?: InterruptedTask
  /** Plan items done before (a resumed task starts after them). */
  skip?: number
}

/**
 * What the region copy needs from the rest of the engine: the committed configuration, the
 * stale maps, the kernel log and the tasks, each volume's region lock and read-writeback set,
 * and the plex I/O (map, device calls, the write exception policy for a serving target).
 */
export interface SyncContext {
  cfg(): Config
  closed(): boolean
  stale: StaleMaps
  klog: KernelLog
  tasks: TaskRegistry
  /** A configuration transaction (config/configStore.ts); `onCommit` runs as it takes effect. */
  transact(operation: string, fn: (d: Draft) => void, onCommit?: () => void): Promise<TxResult>
  /** Regions between persisted checkpoints (vol_checkpt_default). */
  checkpointRegions: number
  runtime(v: VRecord): { lock: RegionLock; rwback: RegionSet | undefined }
  plexesOf(vrid: number): readonly PlRecord[]
  canRead(p: PlRecord, s: number, n: number): boolean
  covers(p: PlRecord, s: number, n: number): boolean
  readPlex(p: PlRecord, s: number, n: number): Promise<Buffer>
  writePlex(p: PlRecord, s: number, data: Uint8Array): Promise<void>
  flushPlex(p: PlRecord): Promise<void>
  /** Reports a failed plex read or write of the copy (an `io.error` event). */
  ioError(v: VRecord, p: PlRecord, op: 'read' | 'write', s: number, n: number, err: unknown): void
  /** A copy's write failed on a plex serving the volume: an I/O error of it like a foreground one (rule 76). */
  copyWriteFailed(v: VRecord, p: PlRecord, err: unknown, g: number): Promise<void>
  /** Reports a failure nobody awaits (an alert). */
  report: ReportFailure
}

interface PreparedRegion {
  v: VRecord
  g: number
  s: number
  n: number
  rt: { lock: RegionLock; rwback: RegionSet | undefined }
  targets: PlRecord[]
  data: Buffer | undefined
  /** Set once a target took the region. */
  copied: boolean
}

/** The sectors of region `g` of a volume of `len` sectors: [s, s + n). */
export function regionSpan(len: number, g: number): { s: number; n: number } {
  const s = g * REGION_SECTORS
  return { s, n: Math.min(REGION_SECTORS, len - s) }
}

/**
 * The region copy behind attach, recovery, resync of a volume or a disk, and repair. Each region
 * is copied under an exclusive region lock (foreground writes wait), from the preferred good
 * plex to its targets; stale marks are cleared as regions are copied and persisted every few
 * regions (the checkpoint a restart continues from).
 */
export function runSync(ctx: SyncContext, kind: TaskKind, v: VRecord, work: SyncItem[], o: SyncOptions): TaskHandle<SyncReport> {
  const total = work.reduce((s, w) => s + regionSpan(w.v.v_len, w.region).n, 0) * SECTOR_SIZE
  // registered on every volume it copies, so stopping any of them waits for it (rule 157)
  const task = ctx.tasks.start(kind, v.v_name, total, work.map((w) => w.v.v_name))
  if (o.throttle) task.setThrottle(o.throttle)
  const entry = o.resumable
  const done = (async (): Promise<SyncReport> => {
    const report: SyncReport = { regionsCopied: 0, bytesCopied: 0, failedRegions: [] }
    const every = ctx.checkpointRegions
    let sinceCheckpoint = 0
    const forget = async () => {
      if (!entry || !ctx.klog.removeTask(entry)) return
      await ctx.klog.write().catch(reportAs(ctx.report, 'VM_WRTDAERR', `the kernel log could not forget the ended ${kind} of ${v.v_name}: the next import resumes it`, v.v_name))
    }
    // How far a read-writeback got (every sector before `end` recovered), committed to
    // v_rwback_offset by a transaction at each checkpoint and as the copy ends.
    let reached: { v: VRecord; end: number } | undefined
    const commitReached = async () => {
      if (!reached) return
      const { v: rv, end } = reached
      reached = undefined
      await ctx.transact('v.rwback', (d) => {
        const x = d.c.volumes.find((y) => y.v_rid === rv.v_rid)
        if (x) x.v_rwback_offset = Math.min(x.v_len, end)
      })
    }
    try {
      // inside the try: a task that cannot even be recorded fails, it never stays running
      if (entry) await ctx.klog.addTask(entry)
      await runRegionLoop<PreparedRegion>({
        count: work.length,
        gate: async () => {
          await task.gate()
          if (ctx.closed()) fail('VM_ABORTED', 'the disk group was closed')
        },
        prepare: (i) => prepareRegion(ctx, work[i]!, o, report),
        apply: async (cur) => {
          cur.copied = await finishRegion(ctx, cur, report)
          if (o.rwback) cur.rt.rwback?.delete(cur.g)
        },
        release: (cur) => cur.rt.lock.unlockExclusive(cur.g),
        after: async (cur, i) => {
          if (o.rwback) reached = { v: cur.v, end: cur.s + cur.n }
          if (cur.copied) {
            report.regionsCopied++
            report.bytesCopied += cur.n * SECTOR_SIZE
          }
          ctx.tasks.progress(task, cur.n * SECTOR_SIZE)
          sinceCheckpoint++
          // Checkpoint: copied data must be durable before the map (or the log) says it is done.
          // Stale maps every `every` regions; the kernel-log position of a resync that marks
          // nothing stale less often (each costs a flush of every plex).
          const mapDue = sinceCheckpoint >= every && (ctx.stale.pending || ctx.stale.unsettled().length > 0)
          const logDue = entry !== undefined && sinceCheckpoint >= every * 16
          if (mapDue || logDue) {
            sinceCheckpoint = 0
            await settleCopies(ctx, ctx.plexesOf(cur.v.v_rid))
            await ctx.stale.persist()
            await commitReached()
            if (entry) {
              entry.done = (o.skip ?? 0) + i + 1
              await ctx.klog.write()
            }
          }
        },
      })
      await settleCopies(ctx, ctx.plexesOf(v.v_rid))
      await ctx.stale.persist()
      await commitReached()
      await forget()
      ctx.tasks.finish(task, 'ok')
      return report
    } catch (e) {
      // what it copied counts only once flushed, an aborted copy too
      await settleCopies(ctx, []).catch(staysStaleOnDisk)
      await ctx.stale.persist().catch(staysStaleOnDisk)
      // an abort or a failure ends the resync; a closed group keeps it for the next import (and
      // forgets how far a read-writeback got, a temporary field a restart resets anyway)
      if (!ctx.closed()) {
        await commitReached().catch(reportAs(ctx.report, 'VM_MAPFRDWR', `how far the read-writeback of ${v.v_name} got could not be recorded: its next start recovers more`, v.v_name))
        await forget()
      }
      ctx.tasks.fail(task, e)
      throw e
    }
  })()
  deliveredToCaller(done)
  return { id: task.id, done }
}

/**
 * A failed copy's regions that could not be settled or persisted: the maps on disk still call
 * them stale, the safe side (a restart copies them again).
 */
function staysStaleOnDisk(): void {}

/**
 * Flushes `plexes` and every plex holding copied regions not flushed yet; a copy counts as
 * current on disk only after its target flushed, and one whose flush failed is stale again
 * (rule 78: the stale maps never say a region is current before its data is durable).
 */
export async function settleCopies(ctx: SyncContext, plexes: readonly PlRecord[]): Promise<void> {
  const pending = new Map(ctx.stale.unsettled())
  const rids = new Set([...plexes.map((p) => p.pl_rid), ...pending.keys()])
  await Promise.all(
    [...rids].map(async (rid) => {
      const p = ctx.cfg().plexes.find((x) => x.pl_rid === rid)
      const flushed = p ? await ctx.flushPlex(p).then(() => true, () => false) : false
      const regions = pending.get(rid)
      if (regions) ctx.stale.settle(rid, regions, flushed)
    }),
  )
}

/** Preferred good plex for a region: the preferred plex, then association order (SEMANTICS.md 3.2). */
function sourcesFor(ctx: SyncContext, v: VRecord, g: number, among?: number[]): PlRecord[] {
  const { s, n } = regionSpan(v.v_len, g)
  const all = ctx.plexesOf(v.v_rid).filter((p) => (!among || among.includes(p.pl_rid)) && ctx.canRead(p, s, n) && p.pl_state === 'ACTIVE')
  const pref = all.findIndex((p) => p.pl_name === v.v_pref_name)
  return pref > 0 ? [all[pref]!, ...all.filter((_, i) => i !== pref)] : all
}

/**
 * Locks a region, chooses its source (the preferred good plex) and targets, and reads the
 * source. The lock stays held until the region is released after `finishRegion`.
 */
async function prepareRegion(ctx: SyncContext, w: SyncItem, o: SyncOptions, report: SyncReport): Promise<PreparedRegion> {
  const v = ctx.cfg().volumes.find((x) => x.v_rid === w.v.v_rid) ?? fail('VM_ABORTED', `volume ${w.v.v_name} is gone`)
  const g = w.region
  const { s, n } = regionSpan(v.v_len, g)
  const rt = ctx.runtime(v)
  await rt.lock.lockExclusive(g)
  const prepared: PreparedRegion = { v, g, s, n, rt, targets: [], data: undefined, copied: false }
  try {
    const cfg = ctx.cfg()
    const plexes = ctx.plexesOf(v.v_rid).filter((p) => !isLogPlexRec(cfg, p) && p.pl_state !== 'OFFLINE')
    const untrackedStale = (p: PlRecord) => (p.pl_state === 'STALE' || p.pl_state === 'IOFAIL') && !ctx.stale.get(p.pl_rid)
    let targets: PlRecord[]
    if (o.targetsOnly) targets = plexes.filter((p) => o.targetsOnly!.includes(p.pl_rid))
    else if (o.force) targets = plexes.filter((p) => !o.among || o.among.includes(p.pl_rid))
    else targets = plexes.filter((p) => ctx.stale.isStale(p.pl_rid, g) || untrackedStale(p))
    let sources = sourcesFor(ctx, v, g, o.among)
    // a repair's chosen source serves only while it is current there: one detached (or marked
    // stale) since the repair began would copy old data over newer writes
    if (o.source !== undefined) sources = ctx.plexesOf(v.v_rid).filter((p) => p.pl_rid === o.source && p.pl_state === 'ACTIVE' && ctx.canRead(p, s, n))
    const src = sources[0]
    prepared.targets = targets.filter((p) => p !== src && ctx.covers(p, s, n))
    if (prepared.targets.length === 0) return prepared // G 63: a single copy needs nothing
    for (const cand of sources) {
      try {
        prepared.data = await ctx.readPlex(cand, s, n)
        break
      } catch (e) {
        ctx.ioError(v, cand, 'read', s, n, e)
      }
    }
    if (!prepared.data) report.failedRegions.push({ volume: v.v_name, region: g, plex: prepared.targets.map((t) => t.pl_name).join(','), reason: 'no readable good copy' })
    return prepared
  } catch (e) {
    rt.lock.unlockExclusive(g)
    throw e
  }
}

/** Writes a prepared region to its targets; returns whether anything was written. */
async function finishRegion(ctx: SyncContext, p: PreparedRegion, report: SyncReport): Promise<boolean> {
  if (!p.data || p.targets.length === 0) return false
  let wrote = false
  for (const t of p.targets) {
    try {
      await ctx.writePlex(t, p.s, p.data)
      ctx.stale.clear(t.pl_rid, p.g)
      wrote = true
    } catch (e) {
      report.failedRegions.push({ volume: p.v.v_name, region: p.g, plex: t.pl_name, reason: 'target write failed' })
      const now = ctx.cfg().plexes.find((x) => x.pl_rid === t.pl_rid)
      // a serving target becomes stale there as a foreground write's would: unless it is the last copy
      if (now && isServing(now) && now.pl_state === 'ACTIVE') await ctx.copyWriteFailed(p.v, now, e, p.g).catch(reportAs(ctx.report, 'VM_IO', `the write error of plex ${now.pl_name} in a copy of ${p.v.v_name} could not be recorded`, now.pl_name))
      else {
        ctx.stale.track(t.pl_rid)
        ctx.stale.add(t.pl_rid, p.g, p.g)
      }
      ctx.stale.markSyncErr(t.pl_rid, p.g)
    }
  }
  return wrote
}
