import { sharedBuffer } from '../device/copyWorker.ts'
import { fail } from '../errors.ts'
import { reportAs } from '../failures.ts'
import type { RegionLock } from '../io/regionLock.ts'
import { isLogPlexRec, isServing } from '../records/plexState.ts'
import type { PlRecord, VRecord } from '../records/types.ts'
import type { RegionSet } from '../regionSet.ts'
import { SECTOR_SIZE } from '../units.ts'
import { REGION_SECTORS, type SyncContext, type SyncItem, type SyncOptions, type SyncReport, regionSpan } from './regionCopy.ts'

/**
 * Regions one copy unit takes at most while no foreground I/O is under way: 4 MiB, as `dd bs=4M`.
 * While foreground I/O is under way a unit is one region, read and written whole (rule 206).
 */
export const MAX_UNIT_REGIONS = 8

/**
 * Regions of one volume in a row whose every source failed to read after which a copy stops
 * (rule 285): its good copies are failing as a whole (a failed disk), not a bad block here and there.
 */
export const UNREADABLE_STOP_REGIONS = 8

/** A volume's runtime as the copy sees it: its region lock, read-writeback set and foreground I/O in flight. */
export interface CopyRuntime {
  lock: RegionLock
  rwback: RegionSet | undefined
  /** Foreground reads and writes under way on the volume. */
  inflight: number
}

/** Regions [g, g + count) of one volume, locked exclusively, with their source data read. */
export interface CopyUnit {
  v: VRecord
  g: number
  count: number
  s: number
  n: number
  rt: CopyRuntime
  targets: PlRecord[]
  /** What its source was read into, once read (`loadUnit`). */
  data: Buffer | undefined
  /** The buffer its source is read into (a unit with copies to make). */
  buffer?: Buffer
  /** Good plexes to read it from, the preferred first. */
  sources: PlRecord[]
  /** The unit's regions some target took (rule 531: a region every target failed is not copied). */
  copied: number[]
  /** One region only, because foreground I/O was under way when it was prepared. */
  busy: boolean
  /** It had copies to make and every target had left the copy (rule 342): not done. */
  lost?: boolean
}

/**
 * What one copy keeps between its units: the buffers it reuses, and how many foreground writes
 * each volume's region lock had taken when the copy last looked.
 */
export class CopyState {
  readonly buffers = new UnitBuffers()
  /** Per volume, regions in a row whose every source failed to read (rule 285). */
  readonly unreadable = new Map<number, number>()
  /** Volumes with no source left to read from: UNREADABLE_STOP_REGIONS regions in a row unreadable (rule 285). */
  readonly sourceless = new Set<number>()
  /**
   * Targets that left the copy (rule 342): kernel-detached by a write error of the copy, or on a
   * disk known to fail writes. No later region is written to them.
   */
  readonly gone = new Set<number>()
  private readonly writesSeen = new Map<RegionLock, number>()

  /**
   * Is foreground I/O under way on the volume, waiting behind a copy's region, or has a
   * foreground write begun since the copy last looked? (A client that sends one request at a
   * time is between requests most of the time: it is still busy.)
   */
  foregroundBusy(rt: CopyRuntime): boolean {
    const taken = rt.lock.sharedTaken
    const before = this.writesSeen.get(rt.lock)
    this.writesSeen.set(rt.lock, taken)
    return rt.inflight > 0 || rt.lock.contended || (before !== undefined && before !== taken)
  }
}

/**
 * A few unit buffers a copy reuses instead of allocating one per region: with two units read
 * ahead while one is written (rules 255, 387), three are in use at a time.
 * They live in shared memory, so an image file or block device moves them on the copy worker
 * (`device/copyWorker.ts`), never on the event loop or the threadpool the foreground uses.
 */
export class UnitBuffers {
  private free: SharedArrayBuffer[] = []
  // computed on use: regionCopy.ts (REGION_SECTORS) and this module import each other
  private readonly size = () => MAX_UNIT_REGIONS * REGION_SECTORS * SECTOR_SIZE
  take(bytes: number): Buffer {
    if (bytes > this.size()) return sharedBuffer(bytes)
    const b = this.free.pop()
    return b ? Buffer.from(b, 0, bytes) : sharedBuffer(this.size()).subarray(0, bytes)
  }
  give(b: Buffer | undefined): void {
    if (b && b.byteOffset === 0 && b.buffer instanceof SharedArrayBuffer && b.buffer.byteLength === this.size() && this.free.length < 4) this.free.push(b.buffer)
  }
}

interface RegionPlan {
  targets: PlRecord[]
  sources: PlRecord[]
}

/** Preferred good plex for a region: the preferred plex, then association order (SEMANTICS.md 3.2). */
function sourcesFor(ctx: SyncContext, v: VRecord, g: number, among?: number[]): PlRecord[] {
  const { s, n } = regionSpan(v.v_len, g)
  const all = ctx.plexesOf(v.v_rid).filter((p) => (!among || among.includes(p.pl_rid)) && ctx.canRead(p, s, n) && p.pl_state === 'ACTIVE')
  const pref = all.findIndex((p) => p.pl_name === v.v_pref_name)
  return pref > 0 ? [all[pref]!, ...all.filter((_, i) => i !== pref)] : all
}

/** The targets and candidate sources of region `g`, as the configuration and stale maps are now (a resync's dry run asks too). */
export function planRegion(ctx: SyncContext, v: VRecord, g: number, o: SyncOptions): RegionPlan {
  const { s, n } = regionSpan(v.v_len, g)
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
  return { targets: targets.filter((p) => p !== src && ctx.covers(p, s, n)), sources }
}

function samePlan(a: RegionPlan, b: RegionPlan): boolean {
  const same = (x: PlRecord[], y: PlRecord[]) => x.length === y.length && x.every((p, i) => p.pl_rid === y[i]!.pl_rid)
  return same(a.targets, b.targets) && same(a.sources, b.sources)
}

/**
 * Locks region `work[i]` and, while no foreground I/O is under way, the regions after it that
 * are free and copy the same way (up to MAX_UNIT_REGIONS); chooses the source (the preferred good
 * plex) and targets and takes the unit's buffer. The locks stay held until the unit is released
 * after `finishUnit`. Its source is read by `loadUnit`, apart (rule 387): the next unit is
 * prepared while this one is read.
 */
export async function prepareUnit(ctx: SyncContext, work: readonly SyncItem[], i: number, o: SyncOptions, report: SyncReport, state: CopyState, maxRegions: number): Promise<CopyUnit> {
  const w = work[i]!
  const v = ctx.cfg().volumes.find((x) => x.v_rid === w.v.v_rid) ?? fail('VM_ABORTED', `volume ${w.v.v_name} is gone`)
  const g = w.region
  const rt: CopyRuntime = ctx.runtime(v)
  await rt.lock.lockExclusive(g)
  const unit: CopyUnit = { v, g, count: 1, ...regionSpan(v.v_len, g), rt, targets: [], data: undefined, copied: [], busy: false, sources: [] }
  try {
    const plan = planRegion(ctx, v, g, o)
    unit.targets = plan.targets.filter((t) => !state.gone.has(t.pl_rid))
    if (plan.targets.length === 0) return unit // G 63: a single copy needs nothing
    if (unit.targets.length === 0) {
      // every target left the copy (rule 342): the region is not copied, and the copy stops
      unit.lost = true
      report.failedRegions.push({ volume: v.v_name, region: g, plex: plan.targets.map((t) => t.pl_name).join(','), reason: 'target gone' })
      return unit
    }
    unit.busy = state.foregroundBusy(rt)
    while (!unit.busy && unit.count < maxRegions) {
      const nx = work[i + unit.count]
      if (!nx || nx.v.v_rid !== v.v_rid || nx.region !== g + unit.count || !rt.lock.tryLockExclusive(nx.region)) break
      if (!samePlan(plan, planRegion(ctx, v, nx.region, o))) {
        rt.lock.unlockExclusive(nx.region)
        break
      }
      unit.count++
    }
    unit.n = Math.min(unit.count * REGION_SECTORS, v.v_len - unit.s)
    unit.sources = plan.sources
    unit.buffer = state.buffers.take(unit.n * SECTOR_SIZE)
    return unit
  } catch (e) {
    releaseUnit(unit, state.buffers)
    throw e
  }
}

/**
 * Reads a prepared unit's source into its buffer. A unit of several regions whose read fails
 * shrinks to its first region (its other locks dropped), read (and its failure reported) as on
 * its own, from each good plex in turn. A region no source could give is a failed
 * region of the report, and the unit has no data. It fails only as recording a source's read
 * error fails (the copy then fails).
 */
export async function loadUnit(ctx: SyncContext, unit: CopyUnit, report: SyncReport, state: CopyState): Promise<void> {
  const data = unit.buffer
  if (!data) return
  const { v, g, rt } = unit
  if (unit.count > 1) {
    const whole = await ctx.readPlex(unit.sources[0]!, unit.s, unit.n, data).then(() => true, () => false)
    if (whole) {
      unit.data = data
      state.unreadable.set(v.v_rid, 0)
      return
    }
    for (let r = g + 1; r < g + unit.count; r++) rt.lock.unlockExclusive(r)
    unit.count = 1
    unit.n = regionSpan(v.v_len, g).n
  }
  const into = data.subarray(0, unit.n * SECTOR_SIZE)
  const tried: PlRecord[] = []
  const failed: PlRecord[] = []
  for (const cand of unit.sources) {
    tried.push(cand)
    try {
      await ctx.readPlex(cand, unit.s, unit.n, into)
      unit.data = into
      break
    } catch (e) {
      ctx.ioError(v, cand, 'read', unit.s, unit.n, e)
      failed.push(cand)
    }
  }
  // a source that fails a read is charged as a foreground read's failure would be (rule 284):
  // its lasterr, and a kernel detach when another current copy remains; never the targets
  if (failed.length > 0) await ctx.copyReadFailed(v, tried, failed, g)
  const inRow = unit.data ? 0 : (state.unreadable.get(v.v_rid) ?? 0) + 1
  state.unreadable.set(v.v_rid, inRow)
  if (inRow >= UNREADABLE_STOP_REGIONS) state.sourceless.add(v.v_rid)
  if (!unit.data) report.failedRegions.push({ volume: v.v_name, region: g, plex: unit.targets.map((t) => t.pl_name).join(','), reason: 'no readable good copy' })
}

/** Drops the unit's region locks and gives its buffer back (its read is over). */
export function releaseUnit(u: CopyUnit, buffers: UnitBuffers): void {
  for (let r = u.g; r < u.g + u.count; r++) u.rt.lock.unlockExclusive(r)
  buffers.give(u.buffer)
  u.buffer = u.data = undefined
}

/**
 * Writes a prepared unit to its targets, all targets at once; returns the unit's regions some
 * target took. A target that fails a unit of several regions is written again region by region, so
 * each failure is the region's own (what a unit of one region would have reported), and a region
 * no target took is not copied (rule 531).
 */
export async function finishUnit(ctx: SyncContext, u: CopyUnit, report: SyncReport, state?: CopyState): Promise<number[]> {
  const data = u.data
  if (!data || u.targets.length === 0) return []
  const results = await Promise.allSettled(u.targets.map((t) => ctx.writePlex(t, u.s, data)))
  const wrote = new Set<number>()
  for (let k = 0; k < u.targets.length; k++) {
    const t = u.targets[k]!
    const res = results[k]!
    if (res.status === 'fulfilled') {
      for (let r = u.g; r < u.g + u.count; r++) {
        ctx.stale.clear(t.pl_rid, r)
        wrote.add(r)
      }
      report.bytesWritten += data.length
      continue
    }
    for (let r = u.g; r < u.g + u.count; r++) {
      const { s, n } = regionSpan(u.v.v_len, r)
      const part = data.subarray((s - u.s) * SECTOR_SIZE, (s - u.s + n) * SECTOR_SIZE)
      const err = u.count === 1 ? res.reason : await ctx.writePlex(t, s, part).then(() => undefined, (e: unknown) => e ?? new Error('write failed'))
      if (err === undefined) {
        ctx.stale.clear(t.pl_rid, r)
        report.bytesWritten += part.length
        wrote.add(r)
      } else await regionWriteFailed(ctx, u.v, t, r, err, report)
    }
    if (state && hasLeft(ctx, t)) state.gone.add(t.pl_rid)
  }
  return [...wrote].sort((a, b) => a - b)
}

/**
 * Rule 342: has a target that failed a write of the copy left it? It has when the error's kernel
 * detach took it away (a plex that served the volume and no longer does) or its disk is known to
 * fail every write (`BlockDevice.failing`); a bad block on a target that still serves is not that.
 */
function hasLeft(ctx: SyncContext, t: PlRecord): boolean {
  const now = ctx.cfg().plexes.find((x) => x.pl_rid === t.pl_rid)
  if (!now || now.pl_vol_rid !== t.pl_vol_rid) return true
  if (t.pl_kstate === 'ENABLED' && now.pl_kstate !== 'ENABLED') return true
  return ctx.failedDisks(now, 'write').length > 0
}

/** A target that failed region `g`'s copy: stale there (a serving one as a foreground write's failure would). */
async function regionWriteFailed(ctx: SyncContext, v: VRecord, t: PlRecord, g: number, e: unknown, report: SyncReport): Promise<void> {
  report.failedRegions.push({ volume: v.v_name, region: g, plex: t.pl_name, reason: 'target write failed' })
  const now = ctx.cfg().plexes.find((x) => x.pl_rid === t.pl_rid)
  // a serving target becomes stale there as a foreground write's would: unless it is the last copy
  if (now && isServing(now) && now.pl_state === 'ACTIVE') await ctx.copyWriteFailed(v, now, e, g).catch(reportAs(ctx.report, 'VM_IO', `the write error of plex ${now.pl_name} in a copy of ${v.v_name} could not be recorded`, now.pl_name))
  else {
    ctx.stale.track(t.pl_rid)
    ctx.stale.add(t.pl_rid, g, g)
  }
  ctx.stale.markSyncErr(t.pl_rid, g)
}
