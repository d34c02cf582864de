import type { KernelLog } from '../config/kernelLog.ts'
import { isLogPlexRec, isServing } from '../records/plexState.ts'
import { type Config, type PlRecord, PL_PFLAG, PL_TFLAG, type VRecord } from '../records/types.ts'
import { REGION_SECTORS } from '../resync/regionCopy.ts'
import type { StaleMaps } from '../staleMaps.ts'
import type { Draft } from '../txn.ts'
import { type CopyView, type FailureDecision, type PolicyPlex, decideFailure } from './exceptionPolicy.ts'

/** What the kernel detach needs from the rest of the group. */
export interface KernelDetachContext {
  cfg(): Config
  /** The configuration a transaction is writing, if one is (rule 117). */
  committing(): Config | undefined
  plexesOf(vrid: number): readonly PlRecord[]
  /** Can plex `p` serve reads of sectors [s, s+n) (within one region)? */
  canRead(p: PlRecord, s: number, n: number): boolean
  /** The tid of the commit that last made each plex ENABLED: the plex's present life. */
  enabledAt: ReadonlyMap<number, number>
  stale: StaleMaps
  klog: KernelLog
  /** Regions of `v` written since its last flush. */
  unflushed(v: VRecord): Iterable<number>
  transact(operation: string, fn: (d: Draft) => void): Promise<unknown>
  /** A critical `VM_IO` alert about `object`. */
  alert(message: string, object: string | undefined): void
}

/**
 * The exception policy applied (SEMANTICS.md 1.6, 1.11): decides what an I/O error does against
 * the volume's copies as they are when it is decided, then records it as the kernel does (stale
 * regions, the kernel log's detach entries, then KDETACH, detach_tid, lasterr and IOFAIL in one
 * transaction, and alerts). One instance per group; it owns the detaches decided and not yet
 * committed, which no later decision counts as a copy.
 */
export class KernelDetach {
  private readonly ctx: KernelDetachContext
  /** Plexes whose detach is decided, not committed, with the life it was decided for (rule 118). */
  private readonly detaching = new Map<number, number | undefined>()
  /**
   * Per plex, the state its last error was recorded in (rule 281): a later error in the same state
   * (a last plex, a concat or a stripe that keeps failing) is already told, and commits nothing.
   */
  private readonly recordedIn = new Map<number, string>()
  private errSeq = 0

  constructor(ctx: KernelDetachContext) {
    this.ctx = ctx
  }

  /**
   * The exception policy for an I/O of `targets` that failed on `failed` (one function for
   * foreground writes, flushes, reads and resync copies): a plex being taken away by a commit in
   * flight (rule 117) or by another error's detach not committed yet is neither a participant nor
   * a current copy, and the last current copy of a region is never detached (rule 118). The
   * detaches it decides are recorded at once, so a failure decided next sees them.
   */
  decide(v: VRecord, op: 'read' | 'write', targets: readonly PlRecord[], failed: ReadonlySet<number>): FailureDecision {
    const plexes = this.ctx.plexesOf(v.v_rid)
    // a log plex holds none of the volume's data: it takes no part in a data I/O's policy, or
    // the last data plex failing a write would be "some" of the plexes (rule 192)
    const cfg = this.ctx.cfg()
    const part = targets.flatMap((t) => plexes.filter((p) => p.pl_rid === t.pl_rid && p.pl_kstate === 'ENABLED' && !this.leaving(p) && !isLogPlexRec(cfg, p)))
    const view: CopyView = {
      plexes: plexes.map((p) => p.pl_rid),
      regions: Math.ceil(v.v_len / REGION_SECTORS),
      isCurrent: (rid, g) => plexes.some((p) => p.pl_rid === rid && this.isCurrentCopy(v, p, g)),
    }
    // the copy kept when only one can stay: the preferred plex, else the first
    const keepOrder = [...plexes].sort((a, b) => Number(b.pl_name === v.v_pref_name) - Number(a.pl_name === v.v_pref_name)).map((p) => p.pl_rid)
    const policies = op === 'read' ? { some: v.v_r_some, all: v.v_r_all } : { some: v.v_w_some, all: v.v_w_all }
    const decision = decideFailure(policies, part.map(policyPlex), failed, view, keepOrder)
    for (const rid of decision.detachPlexes) this.detaching.set(rid, this.ctx.enabledAt.get(rid))
    return decision
  }

  /**
   * What the kernel records after an I/O error: the failed regions become stale on the failing
   * plexes, detaches go to the kernel log first (so no restart picks those plexes as a source,
   * E 50), then the configuration commits KDETACH, detach_tid, lasterr and IOFAIL (E 46).
   */
  async record(v: VRecord, failed: number[], decision: FailureDecision, regions: readonly number[]): Promise<void> {
    try {
      await this.commit(v, failed, decision, regions)
    } finally {
      for (const rid of decision.detachPlexes) if (this.detaching.get(rid) === this.ctx.enabledAt.get(rid)) this.detaching.delete(rid)
    }
  }

  /** Is there a current, readable copy of region `g` of `v` outside `exclude`? */
  hasCurrentCopy(v: VRecord, g: number, exclude: ReadonlySet<number>): boolean {
    return this.ctx.plexesOf(v.v_rid).some((p) => !exclude.has(p.pl_rid) && this.isCurrentCopy(v, p, g))
  }

  /** Is `p` a current copy of region `g` of `v`: ACTIVE, serving it, not stale there, not being taken away? */
  isCurrentCopy(v: VRecord, p: PlRecord, g: number): boolean {
    const s = g * REGION_SECTORS
    return p.pl_state === 'ACTIVE' && !this.leaving(p) && this.ctx.canRead(p, s, Math.min(REGION_SECTORS, v.v_len - s))
  }

  /** Is an I/O error's detach of `p`, in its present life, decided but not committed yet (rule 118)? */
  beingDetached(p: PlRecord): boolean {
    return this.detaching.has(p.pl_rid) && this.detaching.get(p.pl_rid) === this.ctx.enabledAt.get(p.pl_rid)
  }

  /** Is `p` being taken away from serving its volume: by a transaction being committed (rule 117) or an error's detach (rule 118)? */
  leaving(p: PlRecord): boolean {
    if (this.beingDetached(p)) return true
    const committing = this.ctx.committing()
    if (!committing) return false
    const next = committing.plexes.find((x) => x.pl_rid === p.pl_rid)
    return !next || next.pl_vol_rid !== p.pl_vol_rid || !isServing(next) || next.pl_state !== 'ACTIVE'
  }

  private async commit(v: VRecord, failed: number[], decision: FailureDecision, regions: readonly number[]): Promise<void> {
    const { ctx } = this
    const { detachPlexes: detach, detachVolume } = decision
    const seq = ++this.errSeq
    const excluded = new Set(failed)
    // A region becomes stale on a failing plex only while another current copy of it exists: the
    // last copy of a region, even one a write failed on, stays the best data there is.
    // rule 459: only regions of the volume as long as it is now (the unflushed set may still hold
    // regions a shrink has cut away: no copy would ever make those current again)
    const nRegions = Math.ceil((ctx.cfg().volumes.find((x) => x.v_rid === v.v_rid) ?? v).v_len / REGION_SECTORS)
    const markStale = (rid: number, g: number) => {
      if (g >= nRegions || !this.hasCurrentCopy(v, g, excluded)) return
      ctx.stale.track(rid)
      ctx.stale.add(rid, g, g)
    }
    for (const rid of failed) for (const g of regions) markStale(rid, g)
    const newly = detach.filter((rid) => ctx.cfg().plexes.find((p) => p.pl_rid === rid)?.pl_kstate === 'ENABLED')
    // The detach is decided for the plex as it is now: one detached and enabled again while this
    // error is recorded (a resync or attach handing it back) is not detached by it (rule 73).
    const since = new Map(newly.map((rid) => [rid, ctx.enabledAt.get(rid)]))
    const sameLife = (rid: number) => ctx.enabledAt.get(rid) === since.get(rid)
    // A failing disk may also have lost writes it acknowledged but never flushed.
    for (const rid of newly) {
      ctx.stale.track(rid)
      for (const g of ctx.unflushed(v)) markStale(rid, g)
    }
    await ctx.stale.persist()
    const logged = newly.filter(sameLife)
    const entries = logged.map((rid) => ({ plexRid: rid, tid: ctx.cfg().tid }))
    if (entries.length) {
      ctx.klog.detached.push(...entries)
      await ctx.klog.write()
    }
    // an error is recorded once per plex per state (rule 281): claimed before the commit, so
    // errors failing together record it once, and given back if the commit fails
    const fresh = failed.filter((rid) => {
      const p = ctx.cfg().plexes.find((x) => x.pl_rid === rid)
      return p !== undefined && this.recordedIn.get(rid) !== this.stateOf(p)
    })
    for (const rid of fresh) this.recordedIn.set(rid, this.stateOf(ctx.cfg().plexes.find((x) => x.pl_rid === rid)!))
    const detached: number[] = []
    let volumeDetached = false
    let committed = false
    try {
      await ctx.transact('kernel.error', (d) => {
        for (const rid of fresh) {
          const pl = d.c.plexes.find((p) => p.pl_rid === rid)
          if (pl) pl.pl_lasterr = seq
        }
        detached.length = 0
        for (const rid of logged) {
          const pl = d.c.plexes.find((p) => p.pl_rid === rid)
          if (!pl || pl.pl_kstate !== 'ENABLED' || !sameLife(rid)) continue
          detached.push(rid)
          pl.pl_kstate = 'DETACHED'
          pl.pl_pflag |= PL_PFLAG.KDETACH
          pl.pl_detach_tid = d.c.tid
          pl.pl_state = 'IOFAIL'
          pl.pl_tflag &= ~PL_TFLAG.COMPLETE
        }
        const x = d.c.volumes.find((y) => y.v_rid === v.v_rid)
        if (x) {
          volumeDetached = detachVolume && x.v_kstate === 'ENABLED'
          if (fresh.length > 0 || detached.length > 0 || volumeDetached) x.v_lasterr = seq
          if (volumeDetached) {
            x.v_kstate = 'DETACHED'
            x.v_detach_tid = d.c.tid
          }
        }
      })
      committed = true
    } catch (e) {
      for (const rid of fresh) this.recordedIn.delete(rid)
      throw e
    } finally {
      // A plex this commit did not detach (the commit failed, or the plex was stopped, detached or
      // handed back meanwhile) was not kernel-detached: its entry goes, or the next import would
      // fail a plex the group goes on using, with a configuration it never saw (rule 266). Its
      // failed regions stay stale in its map; an entry that cannot be taken back stays (the
      // next import makes the plex stale, as a crash before the commit would).
      const undone = entries.filter((k) => !committed || !detached.includes(k.plexRid))
      if (undone.length) {
        ctx.klog.detached = ctx.klog.detached.filter((k) => !undone.includes(k))
        await ctx.klog.write().catch(staysLogged)
      }
    }
    // what the commit made of them is the state their error is recorded in
    for (const rid of failed) {
      const p = ctx.cfg().plexes.find((x) => x.pl_rid === rid)
      if (p && (fresh.includes(rid) || detached.includes(rid))) this.recordedIn.set(rid, this.stateOf(p))
    }
    const name = (rid: number) => ctx.cfg().plexes.find((p) => p.pl_rid === rid)?.pl_name
    for (const rid of detached) ctx.alert(`plex ${name(rid)} of ${v.v_name} was detached after an I/O error`, name(rid))
    for (const rid of decision.kept.filter((r) => fresh.includes(r))) ctx.alert(`plex ${name(rid)} of ${v.v_name} had an I/O error but holds the last current copy of some of the volume: it stays attached and the I/O failed`, name(rid))
    if (volumeDetached) ctx.alert(`volume ${v.v_name} was detached after an I/O error`, v.v_name)
  }

  /** The state a plex's error is recorded in: its present life, kernel state and state (rule 281). */
  private stateOf(p: PlRecord): string {
    return `${this.ctx.enabledAt.get(p.pl_rid) ?? 0}:${p.pl_kstate}:${p.pl_state}`
  }
}

/** A plex as the exception policies see it. */
export function policyPlex(p: PlRecord): PolicyPlex {
  return { rid: p.pl_rid, complete: (p.pl_tflag & PL_TFLAG.COMPLETE) !== 0, noError: (p.pl_pflag & PL_PFLAG.NOERROR) !== 0 }
}

/** An entry the kernel log could not take back: it stays, the conservative side (see `commit`). */
function staysLogged(): void {}
