import type { TxResult } from '../config/configStore.ts'
import type { InterruptedTask, KernelLog } from '../config/kernelLog.ts'
import { EngineError, fail } from '../errors.ts'
import { type ReportFailure, deliveredToCaller, reportAs } from '../failures.ts'
import type { Config, PlRecord, VRecord } from '../records/types.ts'
import type { StaleMaps } from '../staleMaps.ts'
import type { Task, TaskKind } from '../tasks/task.ts'
import type { TaskHandle, TaskRegistry } from '../tasks/taskRegistry.ts'
import type { Draft } from '../txn.ts'
import { SECTOR_SIZE } from '../units.ts'
import { type CopyRuntime, type CopyUnit, CopyState, finishUnit, loadUnit, planRegion, prepareUnit, releaseUnit } from './copyUnit.ts'
import { runRegionLoop } from './regionLoop.ts'

/** Region size in sectors: the unit of staleness, locking and copying (voldrl_min_regionsz). */
export const REGION_SECTORS = 1024

export interface SyncReport {
  regionsCopied: number
  bytesCopied: number
  /** Bytes written to target plexes: each target counted (a region copied to two plexes is written twice). */
  bytesWritten: number
  failedRegions: Array<{ volume: string; region: number; plex: string; reason: string }>
  /** Every volume whose plexes the copy wrote, with those plexes, in the order it first wrote them (what its dry run's `writes` foretold). */
  written?: PlexesByVolume
  /** A disk resync: every volume with an extent on the disk, and whether it was synchronised (rules 157-159). */
  volumes?: VolumeOutcome[]
}

/**
 * What a disk resync did for one volume: `synced`, or why not: `VM_NOT_STARTED` (a stopped volume
 * with stale copies on the disk), `VM_NOTSYNCED` (`plexes` on the disk left stale or detached).
 */
export interface VolumeOutcome {
  volume: string
  synced: boolean
  reason?: 'VM_NOT_STARTED' | 'VM_NOTSYNCED'
  /** Plexes on the disk that are not current after it. */
  plexes?: string[]
}

/** Plexes by volume, in the order first met. */
export type PlexesByVolume = Array<{ volume: string; plexes: string[] }>

/** Adds `plexes` of `volume` to `list` (each once, in the order met). */
export function addPlexes(list: PlexesByVolume, volume: string, plexes: readonly PlRecord[]): void {
  if (plexes.length === 0) return
  let at = list.find((x) => x.volume === volume)
  if (!at) list.push((at = { volume, plexes: [] }))
  for (const p of plexes) if (!at.plexes.includes(p.pl_name)) at.plexes.push(p.pl_name)
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
  /** Every volume the copy covers, those it has nothing to copy of too (a disk resync's, rule 282). */
  covers?: readonly string[]
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
  /** Regions a copy unit takes at most while no foreground I/O is under way (MAX_UNIT_REGIONS). */
  copyUnitRegions: number
  runtime(v: VRecord): CopyRuntime
  plexesOf(vrid: number): readonly PlRecord[]
  canRead(p: PlRecord, s: number, n: number): boolean
  covers(p: PlRecord, s: number, n: number): boolean
  /** The disks under plex `p` known to fail `op` now (no device, or one that says so: rule 341). */
  failedDisks(p: PlRecord, op: 'read' | 'write'): string[]
  /** Reads sectors of a plex, into `into` when given. */
  readPlex(p: PlRecord, s: number, n: number, into?: Buffer): Promise<Buffer>
  writePlex(p: PlRecord, s: number, data: Uint8Array): Promise<void>
  flushPlex(p: PlRecord): Promise<void>
  /** Reports a failed plex read or write of the copy (an `io.error` event). */
  ioError(v: VRecord, p: PlRecord, op: 'read' | 'write', s: number, n: number, err: unknown): void
  /** A copy's read failed on source plexes `failed` of those it `tried`: their I/O error like a foreground read's (rule 284). */
  copyReadFailed(v: VRecord, tried: readonly PlRecord[], failed: readonly PlRecord[], g: number): Promise<void>
  /** A copy's write failed on a plex serving the volume: an I/O error of it like a foreground one (rule 76). */
  copyWriteFailed(v: VRecord, p: PlRecord, err: unknown, g: number): Promise<void>
  /** Reports a failure nobody awaits (an alert). */
  report: ReportFailure
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
  const task = ctx.tasks.start(kind, v.v_name, total, [...work.map((w) => w.v.v_name), ...(o.covers ?? [])])
  if (o.throttle) task.setThrottle(o.throttle)
  const entry = o.resumable
  const done = (async (): Promise<SyncReport> => {
    const report: SyncReport = { regionsCopied: 0, bytesCopied: 0, bytesWritten: 0, failedRegions: [], written: [] }
    const every = ctx.checkpointRegions
    let sinceCheckpoint = 0
    const state = new CopyState()
    let checkpoint: Promise<void> = Promise.resolve()
    /** A checkpoint is flushing: the next one waits for it to end, the copy does not. */
    let checkpointing = false
    const forget = async () => {
      if (!entry || !ctx.klog.removeTask(entry)) return
      await ctx.klog.write().catch(reportAs(ctx.report, 'VM_WRTDAERR', `the kernel log could not forget the ended ${kind} of ${v.v_name}: the next import resumes it`, v.v_name))
    }
    // How far a read-writeback got (every sector before `end` recovered), committed to
    // v_rwback_offset by a transaction at each checkpoint and as the copy ends.
    let reached: { v: VRecord; end: number } | undefined
    // `at`: what a checkpoint took when it began (only that much is flushed); the latest otherwise
    const commitReached = async (at: typeof reached | 'latest' = 'latest') => {
      if (at === 'latest') {
        at = reached
        reached = undefined
      }
      if (!at) return
      const { v: rv, end } = at
      await ctx.transact('v.rwback', (d) => {
        const x = d.c.volumes.find((y) => y.v_rid === rv.v_rid)
        if (x) x.v_rwback_offset = Math.min(x.v_len, end)
      })
    }
    // the foreground writes of the volumes it copies, for the adaptive rate (rule 161)
    const locks = [...new Set(work.map((w) => ctx.runtime(w.v).lock))]
    const unwatch = locks.map((l) => l.watchShared((ms) => task.foregroundWrite(ms)))
    task.foregroundWaiting = () => Math.max(0, ...locks.map((l) => l.oldestShared()))
    try {
      // inside the try: a task that cannot even be recorded fails, it never stays running
      if (entry) await ctx.klog.addTask(entry)
      // TARGETS_GONE: the copy ends here, its report saying what it could not copy (rule 342)
      await runRegionLoop<CopyUnit>({
        count: work.length,
        // both units ahead are read at once, queued on the copy worker's read thread (rules 255, 387)
        ahead: 2,
        // a throttled unit is one region, charged before it is read (rule 162)
        gate: async (i) => {
          await task.gate(task.throttle > 0 ? regionSpan(work[i]!.v.v_len, work[i]!.region).n * SECTOR_SIZE : 0)
          if (ctx.closed()) fail('VM_ABORTED', 'the disk group was closed')
        },
        // a throttled copy (or an adaptive one held back) moves one region at a time, so no unit outruns its rate
        prepare: (i) => prepareUnit(ctx, work, i, o, report, state, task.throttle > 0 ? 1 : ctx.copyUnitRegions),
        // read apart from the preparing, so the next units' reads queue behind this one (rule 387)
        load: (cur) => loadUnit(ctx, cur, report, state),
        apply: async (cur) => {
          cur.copied = await finishUnit(ctx, cur, report, state)
          // a region copied to every copy needs no read-writeback any more (a forced disk resync's
          // volumes too, rule 286: one copy per volume at a time, rule 282, so the set is this copy's)
          if (o.rwback || (o.force && !o.targetsOnly && !o.among)) for (let r = cur.g; r < cur.g + cur.count; r++) cur.rt.rwback?.delete(r)
        },
        release: (cur) => releaseUnit(cur, state.buffers),
        size: (cur) => cur.count,
        after: async (cur, i) => {
          if (o.rwback) reached = { v: cur.v, end: cur.s + cur.n }
          const copiedBytes = cur.copied.reduce((b, r) => b + regionSpan(cur.v.v_len, r).n * SECTOR_SIZE, 0)
          if (cur.copied.length > 0) {
            report.regionsCopied += cur.copied.length
            report.bytesCopied += copiedBytes
            addPlexes(report.written!, cur.v.v_name, cur.targets)
          }
          // a unit's regions with copies to make that no target took are not done (rules 283, 531)
          if (cur.targets.length > 0 || cur.lost === true) {
            if (copiedBytes > 0) ctx.tasks.progress(task, copiedBytes)
            if (copiedBytes < cur.n * SECTOR_SIZE) ctx.tasks.progress(task, cur.n * SECTOR_SIZE - copiedBytes, true)
          } else ctx.tasks.progress(task, cur.n * SECTOR_SIZE)
          // every target it had left the copy (rule 342): nothing is left to write for any region still to copy
          const rest = state.gone.size > 0 && (cur.lost || cur.targets.some((t) => state.gone.has(t.pl_rid))) ? work.slice(i + cur.count) : []
          if (rest.length > 0 && !rest.some((w) => hasTarget(ctx, w, o, state))) {
            targetsGone(ctx, task, rest, o, state, report)
            throw TARGETS_GONE
          }
          // nothing left to read from for any region still to copy: the copy stops here (rule 285)
          if (state.sourceless.has(cur.v.v_rid) && work.slice(i + cur.count).every((w) => state.sourceless.has(w.v.v_rid))) {
            const names = [...new Set(work.filter((w) => state.sourceless.has(w.v.v_rid)).map((w) => w.v.v_name))]
            fail('VM_NOTSYNCED', `no readable source is left for ${names.join(', ')}: every good copy failed to read; the copy stopped`)
          }
          sinceCheckpoint += cur.count
          // Checkpoint: copied data must be durable before the map (or the log) says it is done.
          // Stale maps every `every` regions; the kernel-log position of a resync that marks
          // nothing stale less often (each costs a flush of every plex). A checkpoint flushes
          // while the copy goes on (one at a time): it settles only what was copied when it began,
          // and the log's position moves only once that is durable. One that comes due while the
          // last still flushes waits for it to end, and the copy never waits for either: on a slow
          // device checkpoints are simply further apart.
          if (checkpointing) return
          const mapDue = sinceCheckpoint >= every && (ctx.stale.pending || ctx.stale.unsettled().length > 0)
          const logDue = entry !== undefined && sinceCheckpoint >= every * 16
          if (mapDue || logDue) {
            sinceCheckpoint = 0
            // settled: a failed checkpoint fails the copy here
            await checkpoint
            const position = (o.skip ?? 0) + i + cur.count
            const rwback = reached
            reached = undefined
            checkpointing = true
            checkpoint = (async () => {
              try {
                await settleCopies(ctx, ctx.plexesOf(cur.v.v_rid))
                await ctx.stale.persist()
                await commitReached(rwback)
                if (entry) {
                  entry.done = position
                  await ctx.klog.write()
                }
              } finally {
                checkpointing = false
              }
            })()
            checkpoint.catch(awaitedLater)
          }
        },
      }).catch((e: unknown) => {
        if (e !== TARGETS_GONE) throw e
      })
      await checkpoint
      await settleCopies(ctx, ctx.plexesOf(v.v_rid))
      await ctx.stale.persist()
      await commitReached()
      await forget()
      // a copy that left regions uncopied is a failed task in the event stream too (its caller
      // fails VM_NOTSYNCED), never 'ok' with regions left stale (rule 287)
      if (report.failedRegions.length > 0) ctx.tasks.finish(task, 'failed', new EngineError('VM_NOTSYNCED', `${report.failedRegions.length} region(s) could not be copied`))
      else ctx.tasks.finish(task, 'ok')
      return report
    } catch (e) {
      await checkpoint.catch(awaitedLater)
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
    } finally {
      for (const f of unwatch) f()
    }
  })()
  deliveredToCaller(done)
  return { id: task.id, done }
}

/** Thrown out of the region loop when no region left has a target (rule 342): the copy ends with its report. */
const TARGETS_GONE = Symbol('targets gone')

/**
 * Rule 342: the regions left when every target of the copy is gone are not copied: each is a
 * failed region of the report and of the task's progress, and stale on the targets that left
 * (they did not get it), so what the engine knows of them is what they hold.
 */
function targetsGone(ctx: SyncContext, task: Task, rest: readonly SyncItem[], o: SyncOptions, state: CopyState, report: SyncReport): void {
  let bytes = 0
  for (const w of rest) {
    const v = ctx.cfg().volumes.find((x) => x.v_rid === w.v.v_rid) ?? w.v
    const gone = planRegion(ctx, v, w.region, o).targets.filter((t) => state.gone.has(t.pl_rid))
    if (gone.length === 0) continue
    for (const t of gone) {
      ctx.stale.track(t.pl_rid)
      ctx.stale.add(t.pl_rid, w.region, w.region)
    }
    report.failedRegions.push({ volume: v.v_name, region: w.region, plex: gone.map((t) => t.pl_name).join(','), reason: 'target gone' })
    bytes += regionSpan(v.v_len, w.region).n * SECTOR_SIZE
  }
  if (bytes > 0) ctx.tasks.progress(task, bytes, true)
}

/** Has region `w` a target that has not left the copy (rule 342)? */
function hasTarget(ctx: SyncContext, w: SyncItem, o: SyncOptions, state: CopyState): boolean {
  const v = ctx.cfg().volumes.find((x) => x.v_rid === w.v.v_rid)
  return v !== undefined && planRegion(ctx, v, w.region, o).targets.some((t) => !state.gone.has(t.pl_rid))
}

/** A checkpoint's failure is awaited by the next checkpoint or the end of the copy. */
function awaitedLater(): void {}

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
