import type { TxResult } from '../config/configStore.ts'
import { EngineError, fail, isEngineError } from '../errors.ts'
import { assertUnlocked } from '../recordOps.ts'
import { isLogPlexRec, isServing, logFlag } from '../records/plexState.ts'
import { type PlRecord, PL_PFLAG, PL_TFLAG, type VRecord } from '../records/types.ts'
import type { RegionSet } from '../regionSet.ts'
import type { TaskKind } from '../tasks/task.ts'
import { reportAs } from '../failures.ts'
import { REGION_SECTORS, type SyncContext, type SyncReport, runSync } from './regionCopy.ts'

/** What a resync or a repair set out to do (`syncScope`). */
export interface SyncScope {
  /** Regions of the plan, by volume rid. */
  regions: Map<number, Set<number>>
  /** Stale regions, when planned, of each plex that was not current then, by plex rid. */
  before: Map<number, RegionSet>
}

/**
 * Copies the volume into a write-only target plex (tutil0 ATT: every foreground write already
 * reaches it), then makes it ACTIVE; IOFAIL or STALE when the copy or the enabling fails.
 * `quiet`: no task when nothing is left to copy (the last step of a hand-over).
 */
export async function runAttachCopy(ctx: SyncContext, v: VRecord, target: PlRecord, kind: TaskKind, o: { onTask?: (taskId: string) => void; quiet?: boolean } = {}): Promise<TxResult> {
  // the volume stays held until the plex is enabled or marked failed (rule 373)
  const release = ctx.tasks.hold([v.v_name])
  try {
    return await attachCopy(ctx, v, target, kind, o)
  } finally {
    release()
  }
}

async function attachCopy(ctx: SyncContext, v: VRecord, target: PlRecord, kind: TaskKind, o: { onTask?: (taskId: string) => void; quiet?: boolean }): Promise<TxResult> {
  const rid = target.pl_rid
  const n = Math.ceil(v.v_len / REGION_SECTORS)
  const entry = ctx.stale.expand(rid, n)
  const regions = [...entry.regions].filter((g) => g < n)
  // an I/O error of the target's own (a write into it failed) makes it IOFAIL; a source that
  // could not be read leaves it STALE: the error is the source's (rule 284)
  let ownError = true
  try {
    if (regions.length > 0 || !o.quiet) {
      const handle = runSync(ctx, kind, v, regions.map((g) => ({ v, region: g })), { force: true, targetsOnly: [rid] })
      o.onTask?.(handle.id)
      const report = await handle.done.catch((e: unknown) => {
        if (isEngineError(e, 'VM_NOTSYNCED')) ownError = false
        throw e
      })
      if (report.failedRegions.length) {
        ownError = report.failedRegions.some((r) => r.reason === 'target write failed')
        throw new EngineError('VM_NOTSYNCED', `${report.failedRegions.length} regions of ${target.pl_name} could not be copied`)
      }
    }
    return await enablePlex(ctx, rid, `${kind}.done`)
  } catch (e) {
    await ctx.transact(`${kind}.failed`, (d) => {
      const pl = d.c.plexes.find((p) => p.pl_rid === rid)
      if (!pl) return
      pl.pl_tutil[0] = ''
      if (pl.pl_vol_rid) {
        pl.pl_kstate = 'DETACHED'
        pl.pl_state = isEngineError(e, 'VM_ABORTED') || !ownError ? 'STALE' : 'IOFAIL'
        pl.pl_tflag = (pl.pl_tflag & ~0xf) | PL_TFLAG.READ | PL_TFLAG.WRITE
      }
    }).catch(reportAs(ctx.report, 'VM_MAPFRDWR', `plex ${target.pl_name} could not be marked failed after its ${kind} copy failed`, target.pl_name))
    throw e
  }
}

/**
 * The last step of every hand-over (rule 73): a write-only plex (tutil0 ATT) whose regions
 * are all current becomes ACTIVE, ENABLED, READ+WRITE. It is checked inside the transaction:
 * a plex that stopped being a write target (kernel detach, stop) or that a write marked stale
 * since its copy is not enabled (VM_NOTSYNCED). The stale map is dropped as the commit takes
 * effect, only while it is still empty (a write failing on the plex meanwhile keeps its marks):
 * a detach or kernel detach that follows finds no map and tracks the plex afresh.
 */
async function enablePlex(ctx: SyncContext, rid: number, operation: string): Promise<TxResult> {
  const r = await ctx.transact(operation, (d) => {
    const pl = d.c.plexes.find((p) => p.pl_rid === rid)
    const v = pl && d.volOf(pl)
    if (!pl || !v) return
    const e = ctx.stale.get(rid)
    const target = pl.pl_tutil[0] === 'ATT' && pl.pl_kstate === 'ENABLED' && (pl.pl_tflag & PL_TFLAG.WRITE) !== 0
    if (!target || !e || e.full || e.regions.size > 0) fail('VM_NOTSYNCED', `plex ${pl.pl_name} is no longer current: it was not enabled`)
    pl.pl_tutil[0] = ''
    pl.pl_state = 'ACTIVE'
    pl.pl_pflag &= ~(PL_PFLAG.STALE | PL_PFLAG.KDETACH)
    pl.pl_kstate = v.v_kstate === 'ENABLED' ? 'ENABLED' : 'DISABLED'
    pl.pl_tflag = (pl.pl_tflag & ~0xf) | PL_TFLAG.READ | PL_TFLAG.WRITE | logFlag(pl) | (pl.pl_contig_len >= v.v_len ? PL_TFLAG.COMPLETE : 0)
  }, () => {
    const e = ctx.stale.get(rid)
    if (e && !e.full && e.regions.size === 0) ctx.stale.drop(rid)
  })
  ctx.klog.forgetDetach(rid)
  await ctx.stale.persist()
  await ctx.klog.write().catch(reportAs(ctx.report, 'VM_WRTDAERR', `the kernel log still lists plex ${ctx.cfg().plexes.find((p) => p.pl_rid === rid)?.pl_name ?? rid} as kernel-detached: the next import makes it stale again`))
  return r
}

/**
 * Hands a plex that a resync or a repair made current back to its volume, atomically with
 * respect to foreground writes (rule 73): it first becomes a write target (tutil0 ATT, WRITE
 * only), so every later write reaches it; the regions written while it was not one are copied
 * again; only then is it enabled and its stale map dropped (`enablePlex`).
 */
async function handOver(ctx: SyncContext, rid: number, kind: TaskKind): Promise<TxResult> {
  await ctx.transact(`${kind}.att`, (d) => {
    const pl = d.c.plexes.find((p) => p.pl_rid === rid)
    const v = pl && d.volOf(pl)
    if (!pl || !v || v.v_kstate !== 'ENABLED') fail('VM_NOTSYNCED', `plex ${pl?.pl_name ?? rid} cannot be handed back to a volume that is not started`)
    assertUnlocked(pl.pl_tutil[0], pl.pl_name)
    pl.pl_tutil[0] = 'ATT'
    pl.pl_kstate = 'ENABLED'
    pl.pl_tflag = (pl.pl_tflag & ~0xf) | PL_TFLAG.WRITE
  })
  const pl = ctx.cfg().plexes.find((p) => p.pl_rid === rid)!
  return runAttachCopy(ctx, ctx.cfg().volumes.find((x) => x.v_rid === pl.pl_vol_rid)!, pl, kind, { quiet: true })
}

/**
 * What a resync or repair is about to copy, taken when it is planned: the regions of its
 * plan by volume, and the stale regions of each plex not current then (the plexes it may
 * hand back).
 */
export function syncScope(ctx: SyncContext, volumes: readonly VRecord[], work: ReadonlyArray<{ v: VRecord; region: number }>): SyncScope {
  const regions = new Map<number, Set<number>>()
  const before = new Map<number, RegionSet>()
  for (const v of volumes) {
    if (regions.has(v.v_rid)) continue
    regions.set(v.v_rid, new Set())
    for (const p of ctx.plexesOf(v.v_rid)) {
      const e = ctx.stale.get(p.pl_rid)
      if (e && !e.full && !(isServing(p) && p.pl_state === 'ACTIVE')) before.set(p.pl_rid, e.regions.clone())
    }
  }
  for (const w of work) regions.get(w.v.v_rid)?.add(w.region)
  return { regions, before }
}

/**
 * Did the copy make plex `p` current, but for regions written since they were copied? Every
 * region it had stale when planned was in the plan and copied without error.
 */
function madeCurrent(ctx: SyncContext, p: PlRecord, scope: SyncScope, report: SyncReport): boolean {
  const was = scope.before.get(p.pl_rid)
  const e = ctx.stale.get(p.pl_rid)
  if (!was || !e || e.full || e.syncErr.size > 0 || p.pl_state === 'OFFLINE' || p.pl_state === 'LOG' || isLogPlexRec(ctx.cfg(), p)) return false
  const planned = scope.regions.get(p.pl_vol_rid)
  const failed = new Set(report.failedRegions.filter((f) => f.volume === p.pl_v_name).map((f) => f.region))
  for (const g of e.regions) if (failed.has(g) || (was.has(g) && !planned?.has(g))) return false
  return true
}

/**
 * After a resync or a repair: hands back the plexes it made current (`handOver`; one that
 * cannot be stays as it was), forgets the emptied stale maps of current plexes, then reports
 * VM_NOTSYNCED when `leftStale` says so, given the plexes whose hand-over was refused (rule 190:
 * a copy that a stop kept from handing its plex back did not synchronise it).
 */
export async function afterResync(ctx: SyncContext, done: Promise<SyncReport>, kind: TaskKind, scope: SyncScope, then: (() => Promise<void>) | undefined, leftStale: (refused: readonly string[]) => boolean): Promise<SyncReport> {
  // taken as the copy starts, given back once its plexes are handed back (rule 373): no other copy
  // starts on these volumes between its task's end and the hand-over
  const release = ctx.tasks.hold(ctx.cfg().volumes.filter((v) => scope.regions.has(v.v_rid)).map((v) => v.v_name))
  try {
    return await handBack(ctx, done, kind, scope, then, leftStale)
  } finally {
    release()
  }
}

async function handBack(ctx: SyncContext, done: Promise<SyncReport>, kind: TaskKind, scope: SyncScope, then: (() => Promise<void>) | undefined, leftStale: (refused: readonly string[]) => boolean): Promise<SyncReport> {
  const report = await done
  const refused: string[] = []
  for (const { p, serving } of trackedPlexes(ctx, scope)) {
    if (serving) {
      if (ctx.stale.get(p.pl_rid)!.regions.size > 0) continue
      ctx.stale.drop(p.pl_rid)
      await ctx.stale.persist()
    } else if (madeCurrent(ctx, p, scope, report)) await handOver(ctx, p.pl_rid, kind).catch((x: unknown) => staysAsItWas(x, () => refused.push(p.pl_name)))
  }
  if (then) await then()
  if (leftStale(refused)) {
    const left = refused.length ? `; not handed back: ${refused.join(', ')}` : ''
    throw Object.assign(new EngineError('VM_NOTSYNCED', `resync left ${report.failedRegions.length} region(s) unsynchronised${left}`), { report })
  }
  return report
}

/**
 * The plexes of the scope's volumes with a stale map of explicit regions and no operation on them:
 * `serving` ones (ACTIVE, taking I/O) only lose an emptied map; the others are handed back when
 * the copy made them current.
 */
function* trackedPlexes(ctx: SyncContext, scope: SyncScope): Generator<{ p: PlRecord; serving: boolean }> {
  for (const vrid of scope.regions.keys()) {
    for (const p of ctx.plexesOf(vrid)) {
      const e = ctx.stale.get(p.pl_rid)
      if (!e || e.full || p.pl_tutil[0]) continue
      yield { p, serving: isServing(p) && p.pl_state === 'ACTIVE' }
    }
  }
}

/**
 * The plexes a resync planned as `scope` hands back to their volume when every region copies
 * (`afterResync` with nothing failed): what its dry run lists as state changes.
 */
export function plannedHandBacks(ctx: SyncContext, scope: SyncScope): PlRecord[] {
  const none: SyncReport = { regionsCopied: 0, bytesCopied: 0, bytesWritten: 0, failedRegions: [] }
  return [...trackedPlexes(ctx, scope)].filter(({ p, serving }) => !serving && madeCurrent(ctx, p, scope, none)).map(({ p }) => p)
}

/**
 * A hand-over the plex refuses (a write marked it stale meanwhile, it was detached, locked or its
 * volume stopped: VM_NOTSYNCED and the like) leaves it as it was, for a later resync, and is
 * noted; anything but an EngineError is a bug and goes on.
 */
function staysAsItWas(e: unknown, note: () => void): void {
  if (!isEngineError(e)) throw e
  note()
}
