import type { InterruptedTask } from '../config/kernelLog.ts'
import { isLogPlexRec, isServing } from '../records/plexState.ts'
import { type PlRecord, V_TFLAG, type VRecord } from '../records/types.ts'
import { RegionSet } from '../regionSet.ts'
import type { TaskHandle } from '../tasks/taskRegistry.ts'
import { EngineError } from '../errors.ts'
import { reportAs } from '../failures.ts'
import { diskOutcome, stoppedNeedsSync } from './diskOutcome.ts'
import { planRegion } from './copyUnit.ts'
import { afterResync, plannedHandBacks, syncScope } from './handOver.ts'
import { type PlexesByVolume, REGION_SECTORS, type SyncContext, type SyncItem, type SyncReport, addPlexes, runSync } from './regionCopy.ts'
import { type DiskRegion, diskRegions, planVolumeRegions } from './resyncPlan.ts'

/**
 * The resync operations behind the facade's `resyncVolume`, `resyncDisk` and `repair` (which
 * validate first): plan the regions, start the region copy, then hand back what it made current
 * (`afterResync`). The plans expand a plex stale "everywhere" into explicit regions first, so
 * that the copy can clear them one by one.
 */

/** A plex whose staleness is "everything" gets an explicit region set, so a resync can clear it. */
function expandStale(ctx: SyncContext, plexes: readonly PlRecord[], nRegions: number): void {
  for (const p of plexes) {
    const e = ctx.stale.get(p.pl_rid)
    if (e ? e.full : p.pl_state === 'STALE' || p.pl_state === 'IOFAIL') ctx.stale.expand(p.pl_rid, nRegions)
  }
}

/**
 * A started volume whose read-writeback no task is doing: a forced resync or a recovery was
 * aborted or failed (NEEDSYNC, or SYNC left by an older version). Its plexes are identical only
 * before `v_rwback_offset`: an unforced resync finishes the read-writeback from there.
 */
export function readWritebackLeft(ctx: SyncContext, v: VRecord): boolean {
  if (v.v_kstate !== 'ENABLED') return false
  return v.v_state === 'NEEDSYNC' || (v.v_state === 'SYNC' && !ctx.tasks.runningOn(v.v_name))
}

/**
 * vxvol resync's plan: every region when forced; else those stale on some data plex and, when a
 * read-writeback was left unfinished (`readWritebackLeft`), every region from the one holding
 * `v_rwback_offset` on (`rwback`: the plan copies a good copy to every other plex, as forced).
 */
export function planVolumeResync(ctx: SyncContext, v: VRecord, force: boolean): { data: PlRecord[]; regions: number[]; rwback: boolean } {
  const n = Math.ceil(v.v_len / REGION_SECTORS)
  const cfg = ctx.cfg()
  const data = ctx.plexesOf(v.v_rid).filter((p) => !isLogPlexRec(cfg, p))
  expandStale(ctx, data, n)
  const left = !force && readWritebackLeft(ctx, v)
  const from = left ? Math.floor(Math.min(v.v_rwback_offset, v.v_len) / REGION_SECTORS) : n
  return { data, regions: planVolumeRegions(n, force, (g) => g >= from || data.some((p) => ctx.stale.isStale(p.pl_rid, g))), rwback: force || left }
}

/**
 * lvm_resyncpv's plan for disk `dmRid`: the regions of started volumes it holds in ascending disk
 * offset (`plan`), those to copy (`work`: all when forced, else those stale on a copy the disk
 * holds: every plex on it counts, rule 157), whether a region of the plan is stale on the disk
 * (`onDisk`), and every stopped volume with an extent on it, with whether it has copies to
 * synchronise (`stopped`: the resync says it could not, VM_NOT_STARTED).
 */
export function planDiskResync(ctx: SyncContext, dmRid: number, force: boolean): { plan: DiskRegion[]; work: DiskRegion[]; onDisk: (x: DiskRegion) => boolean; stopped: Array<{ v: VRecord; needsSync: boolean }> } {
  const all = diskRegions(ctx.cfg(), dmRid, REGION_SECTORS)
  const plan = all.filter((x) => x.volume.v_kstate === 'ENABLED')
  const stopped = [...new Set(all.filter((x) => x.volume.v_kstate !== 'ENABLED').map((x) => x.volume))].map((v) => ({ v, needsSync: stoppedNeedsSync(ctx, v, force) }))
  for (const x of plan) expandStale(ctx, ctx.plexesOf(x.volume.v_rid), Math.ceil(x.volume.v_len / REGION_SECTORS))
  const onDisk = (x: DiskRegion) => x.plexes.some((p) => ctx.stale.isStale(p.pl_rid, x.region))
  const extra = offDiskRegions(ctx, plan)
  return { plan, work: [...(force ? plan : plan.filter(onDisk)), ...extra], onDisk, stopped }
}

/**
 * Rule 371: a plex on the disk that is not current (kernel-detached when the disk failed, stale)
 * comes back whole, as vxrecover brings it back: its stale regions held by its subdisks on other
 * disks are copied too (after the disk's own, by volume and region), so it can be handed back.
 */
function offDiskRegions(ctx: SyncContext, plan: readonly DiskRegion[]): DiskRegion[] {
  const cfg = ctx.cfg()
  const planned = new Set(plan.map((x) => `${x.volume.v_rid}:${x.region}`))
  const plexes = new Map<number, { v: VRecord; p: PlRecord }>()
  for (const x of plan) for (const p of x.plexes) plexes.set(p.pl_rid, { v: x.volume, p })
  const out: DiskRegion[] = []
  for (const { v, p } of plexes.values()) {
    const e = ctx.stale.get(p.pl_rid)
    const current = isServing(p) && p.pl_state === 'ACTIVE'
    if (!e || e.full || current || p.pl_tutil[0] || p.pl_state === 'OFFLINE' || isLogPlexRec(cfg, p)) continue
    const n = Math.ceil(v.v_len / REGION_SECTORS)
    for (const g of e.regions) {
      if (g >= n || planned.has(`${v.v_rid}:${g}`)) continue
      planned.add(`${v.v_rid}:${g}`)
      out.push({ volume: v, region: g, plex: p, plexes: [p] })
    }
  }
  return out.sort((a, b) => a.volume.v_rid - b.volume.v_rid || a.region - b.region)
}

/** A plex a resync hands back to its volume once current: its kernel state and state now, and after. */
export interface PlannedHandBack {
  plex: string
  volume: string
  from: { kstate: PlRecord['pl_kstate']; state: string }
  /** ACTIVE for a data plex made current; LOG for a DRL log plex re-attached (rule 476). */
  to: { kstate: 'ENABLED'; state: 'ACTIVE' | 'LOG' }
}

/**
 * What a planned resync does besides copying bytes, for its dry run: every plex it writes, by
 * volume (the copy's targets region by region, as the copy will choose them), and every plex it
 * then hands back to its volume (a DETACHED or STALE plex made current becomes ENABLED ACTIVE),
 * both as they are when every region copies.
 */
export function planEffects(ctx: SyncContext, volumes: readonly VRecord[], work: readonly SyncItem[], force: boolean): { writes: PlexesByVolume; handBack: PlannedHandBack[] } {
  const writes: PlexesByVolume = []
  for (const w of work) addPlexes(writes, w.v.v_name, planRegion(ctx, w.v, w.region, { force }).targets)
  const handBack = plannedHandBacks(ctx, syncScope(ctx, volumes, work)).map((p) => ({ plex: p.pl_name, volume: p.pl_v_name, from: { kstate: p.pl_kstate, state: p.pl_state }, to: { kstate: 'ENABLED' as const, state: 'ACTIVE' as const } }))
  return { writes, handBack }
}

/** A read-writeback that reached the end: the volume is ACTIVE, its reads plain again. */
export function endReadWriteback(v: VRecord): void {
  v.v_state = 'ACTIVE'
  v.v_rwback_offset = v.v_len
  v.v_tflag &= ~V_TFLAG.RWBACK
}

/**
 * vxvol resync / lvm_resynclv of a started volume: unforced, a good copy to the stale copies of
 * every stale region; forced, a read-writeback of every region to every other copy (state SYNC
 * while it runs). Fails VM_NOTSYNCED when a region is left stale. `skip`: regions a forced resync
 * did before a restart.
 */
export async function startVolumeResync(ctx: SyncContext, v: VRecord, force: boolean, o: { throttle: number; skip: number }): Promise<TaskHandle<SyncReport>> {
  const { data, regions, rwback } = planVolumeResync(ctx, v, force)
  const skip = force ? Math.min(o.skip, regions.length) : 0 // unforced plans shrink by themselves
  if (rwback) {
    // a forced one starts the read-writeback (every region before the first it copies is done);
    // an unforced one goes on with the one left unfinished, from where it got
    const from = force ? (regions[skip] ?? Math.ceil(v.v_len / REGION_SECTORS)) * REGION_SECTORS : undefined
    await ctx.transact('v.resync', (d) => {
      const x = d.vol(v.v_name)
      x.v_state = 'SYNC'
      x.v_tflag |= V_TFLAG.RWBACK
      if (from !== undefined) x.v_rwback_offset = Math.min(x.v_len, from)
    })
    ctx.runtime(v).rwback = RegionSet.fromRanges(regions.slice(skip).map((g) => [g, 1] as const))
  }
  const resumable: InterruptedTask = { kind: 'resyncVolume', target: v.v_name, force, done: skip, ...(o.throttle ? { throttle: o.throttle } : {}) }
  const work = regions.slice(skip).map((region) => ({ v, region }))
  const scope = syncScope(ctx, [v], work)
  const h = runSync(ctx, 'resync', v, work, { force: rwback, rwback, throttle: o.throttle, resumable, skip })
  const finish = async () => {
    await ctx.transact('v.resync.done', (d) => {
      const x = d.c.volumes.find((y) => y.v_rid === v.v_rid)
      if (x && x.v_state === 'SYNC') endReadWriteback(x)
    })
    ctx.runtime(v).rwback = undefined
  }
  // a plex whose hand-over was refused (its volume stopped meanwhile) is left stale too
  const leftStale = (refused: readonly string[]) => refused.length > 0 || data.some((p) => regions.some((g) => ctx.stale.isStale(p.pl_rid, g)))
  const done = afterResync(ctx, h.done, 'resync', scope, rwback ? finish : undefined, leftStale)
  return { id: h.id, done: rwback ? done.catch((e: unknown) => readWritebackStopped(ctx, v, e)) : done }
}

/**
 * A read-writeback that ended before its last region (aborted, failed): no task is doing it any
 * more, so the volume says NEEDSYNC (not SYNC), its reads are still written back where it did not
 * reach, and `v_rwback_offset` says how far it got; an unforced resync or the next start finishes
 * it. A closed group keeps SYNC for the next import to resume; a stopped volume is NEEDSYNC already.
 */
async function readWritebackStopped(ctx: SyncContext, v: VRecord, e: unknown): Promise<never> {
  if (!ctx.closed()) {
    await ctx
      .transact('v.resync.stopped', (d) => {
        const x = d.c.volumes.find((y) => y.v_rid === v.v_rid)
        if (x && x.v_state === 'SYNC' && x.v_kstate === 'ENABLED') x.v_state = 'NEEDSYNC'
      })
      .catch(reportAs(ctx.report, 'VM_MAPFRDWR', `${v.v_name} could not be marked NEEDSYNC after its resync ended unfinished`, v.v_name))
  }
  throw e
}

/**
 * lvm_resyncpv of disk `disk` (SEMANTICS.md 2.6, checklist G 56-68): whole regions in ascending
 * disk offset, each once; unforced, a good copy to the stale copies (on any disk), forced, to
 * every other copy; then the plexes it made current are handed back (a kernel-detached plex too,
 * as vxrecover does). The report says, volume by volume, what was and was not synchronised
 * (`volumes`). VM_NOTSYNCED when something on the disk is left stale or detached, or a stopped
 * volume has stale copies on it (rules 157-159); forced, only in 'strict' mode (item 67), where a
 * region without a good copy counts too.
 */
export async function startDiskResync(ctx: SyncContext, disk: { name: string; rid: number }, force: boolean, o: { mode: 'strict' | 'faithful'; throttle: number; skip: number }): Promise<TaskHandle<SyncReport>> {
  const { plan, work, onDisk, stopped } = planDiskResync(ctx, disk.rid, force)
  const first = plan[0]?.volume ?? stopped[0]?.v ?? ctx.cfg().volumes[0]
  if (!first) return { id: '', done: Promise.resolve({ regionsCopied: 0, bytesCopied: 0, bytesWritten: 0, failedRegions: [], volumes: [] }) }
  // forced, `work` begins with the whole plan: a resumed one skips what it did of that (the regions
  // off the disk it adds after shrink as they are copied, so they are planned afresh)
  const skip = force ? Math.min(o.skip, plan.length) : 0
  // forced, it is a read-writeback of every volume it copies, as a forced volume resync is
  // (rule 286): SYNC while it runs, NEEDSYNC if it ends unfinished, ACTIVE when done. Its regions
  // go in disk order, so v_rwback_offset stays at the first region it copies of the volume (an
  // unforced resync after an abort copies from there: more than needed, never less)
  const rw = force ? readWritebacks(ctx, work.slice(skip)) : []
  if (rw.length > 0) {
    await ctx.transact('v.resync', (d) => {
      for (const { v, from } of rw) {
        const x = d.vol(v.v_name)
        x.v_state = 'SYNC'
        x.v_tflag |= V_TFLAG.RWBACK
        x.v_rwback_offset = Math.min(x.v_len, from * REGION_SECTORS)
      }
    })
    for (const { v, regions } of rw) ctx.runtime(v).rwback = RegionSet.fromRanges(regions.map((g) => [g, 1] as const))
  }
  const resumable: InterruptedTask = { kind: 'resyncDisk', target: disk.name, force, mode: o.mode, done: skip, ...(o.throttle ? { throttle: o.throttle } : {}) }
  const items = work.slice(skip).map((x) => ({ v: x.volume, region: x.region }))
  const scope = syncScope(ctx, plan.map((x) => x.volume), items)
  const h = runSync(ctx, 'resync', first, items, { force, throttle: o.throttle, resumable, skip, covers: plan.map((x) => x.volume.v_name) })
  const finish = async () => {
    await ctx.transact('v.resync.done', (d) => {
      for (const { v } of rw) {
        const x = d.c.volumes.find((y) => y.v_rid === v.v_rid)
        if (x && x.v_state === 'SYNC') endReadWriteback(x)
      }
    })
    for (const { v } of rw) ctx.runtime(v).rwback = undefined
  }
  const stoppedEarly = async (e: unknown): Promise<never> => {
    for (const { v } of rw) await readWritebackStopped(ctx, v, e).catch(() => {})
    throw e
  }
  const done = (async () => {
    const report = await afterResync(ctx, h.done, 'resync', scope, rw.length > 0 ? finish : undefined, () => false).catch(stoppedEarly)
    report.volumes = diskOutcome(ctx, plan, stopped)
    const checked = !force || o.mode === 'strict' // AIX makes no final check after a forced resync
    const left = plan.some(onDisk) || report.volumes.some((x) => !x.synced) || (force && report.failedRegions.length > 0)
    if (checked && left) throw Object.assign(new EngineError('VM_NOTSYNCED', diskLeftText(disk.name, report)), { report })
    return report
  })()
  return { id: h.id, done }
}

/**
 * What a disk resync left undone, in words that agree with its report: the regions it could not
 * copy (when any), and each volume not synchronised with why (its plexes on the disk still not
 * current, or stopped).
 */
export function diskLeftText(disk: string, report: SyncReport): string {
  const parts: string[] = []
  if (report.failedRegions.length > 0) parts.push(`${report.failedRegions.length} region(s) could not be copied`)
  for (const x of report.volumes ?? []) {
    if (x.synced) continue
    if (x.reason === 'VM_NOT_STARTED') parts.push(`${x.volume} is stopped with stale copies on the disk (start it to recover them)`)
    else parts.push(`${x.volume} not synchronised: ${x.plexes?.length ? `plex ${x.plexes.join(', ')} still not current` : 'a copy on the disk is still stale'}`)
  }
  if (parts.length === 0) parts.push('a region on the disk still stale')
  return `resync of ${disk} left ${parts.join('; ')}`
}

/**
 * The volumes a forced disk resync reads back and writes to every other copy: each started volume
 * it copies regions of, with the first of them (by volume offset) and all of them.
 */
function readWritebacks(ctx: SyncContext, work: readonly DiskRegion[]): Array<{ v: VRecord; from: number; regions: number[] }> {
  const by = new Map<number, { v: VRecord; from: number; regions: number[] }>()
  for (const x of work) {
    const e = by.get(x.volume.v_rid) ?? { v: x.volume, from: x.region, regions: [] }
    e.from = Math.min(e.from, x.region)
    e.regions.push(x.region)
    by.set(x.volume.v_rid, e)
  }
  return [...by.values()]
}

/** Copies plex `source` over every other plex of `v` for `regions`, then hands back what it made current. */
export function startRepair(ctx: SyncContext, v: VRecord, source: PlRecord, regions: readonly number[]): TaskHandle<SyncReport> {
  const work = regions.map((region) => ({ v, region }))
  const scope = syncScope(ctx, [v], work)
  const h = runSync(ctx, 'repair', v, work, { force: true, source: source.pl_rid })
  return { id: h.id, done: afterResync(ctx, h.done, 'repair', scope, undefined, (refused) => refused.length > 0) }
}
