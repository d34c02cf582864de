import type { TxOptions, TxResult } from '../config/configStore.ts'
import { fail } from '../errors.ts'
import { assertUnlocked, associatePlex, dissociatePlex, isLogPlex } from '../recordOps.ts'
import { type MendOp, applyMend } from '../records/mend.ts'
import { isLogPlexRec, isServing, logFlag } from '../records/plexState.ts'
import { type Config, type PlRecord, PL_PFLAG, PL_TFLAG, type VRecord } from '../records/types.ts'
import type { RegionSet } from '../regionSet.ts'
import { runAttachCopy } from '../resync/handOver.ts'
import { runPlexCopy } from '../resync/plexCopy.ts'
import { REGION_SECTORS, type SyncContext } from '../resync/regionCopy.ts'
import { regionBytes } from '../resync/resyncPlan.ts'
import { assertSomeSource, attachItems } from '../resync/sourceCheck.ts'
import { assertTargetWritable } from '../resync/targetCheck.ts'
import type { StaleMaps } from '../staleMaps.ts'
import type { TaskKind } from '../tasks/task.ts'
import type { Draft } from '../txn.ts'

/** What the plex operations need of the group. */
export interface PlexContext {
  cfg(): Config
  /** A configuration transaction (config/configStore.ts). */
  transact(operation: string, fn: (d: Draft) => void, opts?: TxOptions): Promise<TxResult>
  stale: StaleMaps
  /** A plex a kernel detach has decided on and not yet committed: no current copy meanwhile (io/kernelDetach.ts). */
  beingDetached(p: PlRecord): boolean
  /** The regions of a volume written since its last completed flush. */
  unflushed(v: VRecord): RegionSet
  flushPlex(p: PlRecord): Promise<void>
  /** The disks of plex `p` that fail a probe read (and write-back, when `write`) now (io/plexIo.ts, rule 455). */
  probeDisks(p: PlRecord, write: boolean): Promise<string[]>
  /** The region copy (resync/), for the attach copy and `vxplex cp`. */
  sync: SyncContext
  /** Rule 475: puts the log of started `volume` back in use once a log plex is attached to it (a BADLOG one recovered: volume/startStop.ts `recoverLog`; another rewritten). */
  logAttached(volume: string): Promise<void>
}

/**
 * The plex operations of vxplex and vxmend (SEMANTICS.md checklist D 34-40): detach, dissociate,
 * attach (with its copy), copy, move, mend, and the rule they share that taking a plex away from
 * a started volume leaves every region a current copy (rule 117).
 */
export class PlexOps {
  private readonly ctx: PlexContext

  constructor(ctx: PlexContext) {
    this.ctx = ctx
  }

  /** The volume a plex is associated with, if any. */
  volumeOf(pl: PlRecord): VRecord | undefined {
    return pl.pl_vol_rid ? this.ctx.cfg().volumes.find((v) => v.v_rid === pl.pl_vol_rid) : undefined
  }

  /**
   * Refuses an operation that would leave a started volume without a readable complete plex:
   * taking `pl` away from its started volume (ENABLED, or DETACHED by an I/O error: rule 194)
   * must leave every region a current copy (rule 117); a serving, complete plex counts as one
   * only where it has no stale region.
   */
  assertNotLastPlex(d: Draft, pl: PlRecord, force: boolean): void {
    const v = d.volOf(pl)
    if (!v || v.v_kstate === 'DISABLED' || force) return
    const { stale } = this.ctx
    const others = d.plexesOf(v).filter((p) => p !== pl && isServing(p) && !this.ctx.beingDetached(p) && p.pl_contig_len >= v.v_len && !stale.get(p.pl_rid)?.full)
    const [first, ...rest] = others
    const uncovered = !first || [...(stale.get(first.pl_rid)?.regions ?? [])].some((g) => rest.every((p) => stale.isStale(p.pl_rid, g)))
    if (uncovered) fail('VM_LAST_PLEX', `detaching ${pl.pl_name} would leave ${v.v_name} with regions no other plex holds current`)
  }

  /** vxplex det: the plex stays associated, DETACHED and STALE, and gets no volume I/O (D 36). */
  async detach(plex: string, opts: TxOptions & { force?: boolean } = {}): Promise<TxResult> {
    const { stale } = this.ctx
    const target = this.ctx.cfg().plexes.find((p) => p.pl_name === plex)
    const owner = target && this.volumeOf(target)
    let lost: number[] = []
    if (!opts.dryRun && target && owner && target.pl_kstate === 'ENABLED') {
      const pending = [...this.ctx.unflushed(owner)]
      lost = await this.ctx.flushPlex(target).then(() => [], () => pending)
    }
    const r = await this.ctx.transact('pl.det', (d) => {
      const pl = d.plex(plex)
      assertUnlocked(pl.pl_tutil[0], plex)
      if (!pl.pl_vol_rid) fail('VM_INVALID_PARAM', `plex ${plex} is not associated`)
      this.assertNotLastPlex(d, pl, opts.force ?? false)
      const wasCurrent = pl.pl_state === 'ACTIVE' || pl.pl_state === 'CLEAN'
      pl.pl_kstate = d.volOf(pl)!.v_kstate === 'DISABLED' ? 'DISABLED' : 'DETACHED'
      if (pl.pl_state !== 'LOG') pl.pl_state = 'STALE'
      if (!opts.dryRun && wasCurrent) {
        stale.track(pl.pl_rid)
        for (const g of lost) stale.add(pl.pl_rid, g, g)
      }
    }, opts)
    if (!opts.dryRun) await stale.persist()
    return r
  }

  /** vxplex dis. */
  async dissociate(plex: string, opts: TxOptions & { force?: boolean } = {}): Promise<TxResult> {
    return this.ctx.transact('pl.dis', (d) => {
      const pl = d.plex(plex)
      assertUnlocked(pl.pl_tutil[0], plex)
      this.assertNotLastPlex(d, pl, opts.force ?? false)
      dissociatePlex(d, pl)
      if (!opts.dryRun) this.ctx.stale.drop(pl.pl_rid)
    }, opts)
  }

  /**
   * vxplex att: associates the plex if needed; on an ENABLED volume it is made write-only with
   * tutil0=ATT and state STALE, the volume contents are copied into it, then it becomes ACTIVE
   * (D 34). On a DISABLED volume it is only associated (STALE), for the next start (D 35).
   */
  async attach(volume: string, plex: string, opts: TxOptions & { onTask?: (taskId: string) => void; make?: (d: Draft) => void; operation?: string; kind?: TaskKind } = {}): Promise<TxResult> {
    const { stale } = this.ctx
    this.checkAttachSource(volume, plex, !opts.make)
    const probed = !opts.make && (await this.probeTarget(volume, plex, !opts.dryRun))
    const r = await this.ctx.transact(opts.operation ?? 'pl.att', (d) => {
      // `make`: records the attach creates first, in its own transaction (vxassist mirror, ops/addMirror.ts)
      opts.make?.(d)
      const v = d.vol(volume)
      const pl = d.plex(plex)
      // stopped after its disks were tried: what was asked for was a copy onto a started volume
      if (probed && v.v_kstate !== 'ENABLED') fail('VM_ABORTED', `attaching ${plex} to ${volume}: ${volume} was stopped meanwhile; nothing was attached`)
      this.assertAttachable(v, pl)
      // rule 154: a never-started volume (EMPTY, every data plex EMPTY) has no contents to copy,
      // so a plex attached to it is EMPTY too, and the start enables them all without a copy
      const uninitialised = v.v_kstate === 'DISABLED' && v.v_state === 'EMPTY' && d.plexesOf(v).every((p) => p === pl || p.pl_state === 'EMPTY' || isLogPlex(d, p))
      const log = isLogPlexRec(d.c, pl) || pl.pl_state === 'LOG'
      if (!pl.pl_vol_rid) {
        associatePlex(d, v, pl)
        if (!opts.dryRun && !uninitialised && !log) stale.setFull(pl.pl_rid)
      }
      if (uninitialised && !isLogPlex(d, pl)) {
        pl.pl_state = 'EMPTY'
        pl.pl_kstate = 'DISABLED'
        if (!opts.dryRun) stale.drop(pl.pl_rid)
        return
      }
      // rule 475: a log plex (by its subdisks, whatever its state: IOFAIL after its disk failed)
      // holds no volume data: nothing is copied into it; it is LOG again and its log rewritten
      if (log) {
        pl.pl_state = 'LOG'
        pl.pl_pflag &= ~PL_PFLAG.KDETACH
        pl.pl_kstate = v.v_kstate === 'ENABLED' ? 'ENABLED' : 'DISABLED'
        if (v.v_kstate === 'ENABLED') pl.pl_tflag = (pl.pl_tflag & ~0xf) | PL_TFLAG.READ | PL_TFLAG.WRITE | logFlag(pl)
        if (!opts.dryRun) stale.drop(pl.pl_rid)
        return
      }
      pl.pl_state = 'STALE'
      if (v.v_kstate === 'ENABLED') {
        pl.pl_tutil[0] = 'ATT'
        pl.pl_kstate = 'ENABLED'
        pl.pl_tflag = (pl.pl_tflag & ~0xf) | PL_TFLAG.WRITE
      } else pl.pl_kstate = 'DISABLED'
    }, opts)
    const cfg = this.ctx.cfg()
    const v = cfg.volumes.find((x) => x.v_name === volume)!
    const pl = cfg.plexes.find((p) => p.pl_name === plex)
    const log = pl !== undefined && isLogPlexRec(cfg, pl)
    if (opts.dryRun) {
      if (v.v_kstate !== 'ENABLED' || log) return { ...r, copyBytes: 0 }
      // a plex the dry run would make (`make`) is not in the configuration: all of it is copied
      const e = pl && stale.get(pl.pl_rid)
      const n = Math.ceil(v.v_len / REGION_SECTORS)
      const regions = e && !e.full && pl.pl_vol_rid ? [...e.regions].filter((g) => g < n) : Array.from({ length: n }, (_, g) => g)
      return { ...r, copyBytes: regionBytes(v, regions) }
    }
    if (log && v.v_kstate === 'ENABLED') {
      await this.ctx.logAttached(volume)
      return { ...r, tid: this.ctx.cfg().tid }
    }
    if (!pl || v.v_kstate !== 'ENABLED' || pl.pl_tutil[0] !== 'ATT') return r
    return runAttachCopy(this.ctx.sync, v, pl, opts.kind ?? 'attach', opts.onTask ? { onTask: opts.onTask } : {})
  }

  /**
   * Rule 341: an attach to a started volume copies the volume into the plex; when no other plex
   * of the volume can be read where the plex needs a copy (each on a failed disk, detached or
   * stale there) it could copy nothing,
   * so it is refused VM_NOTSYNCED before anything changes (its dry run too); rule 418: a plex on a
   * disk failing every write is refused VM_DISK_FAILED the same way. A log plex, one
   * already attached and a stopped volume copy nothing and are left to the checks that follow.
   */
  private checkAttachSource(volume: string, plex: string, checkTarget: boolean): void {
    const c = this.ctx.cfg()
    const v = c.volumes.find((x) => x.v_name === volume)
    if (!v || v.v_kstate !== 'ENABLED') return
    const pl = c.plexes.find((p) => p.pl_name === plex)
    if (pl && (isLogPlexRec(c, pl) || pl.pl_state === 'LOG' || (pl.pl_vol_rid === v.v_rid && pl.pl_kstate === 'ENABLED' && pl.pl_state === 'ACTIVE'))) return
    if (pl && pl.pl_vol_rid && pl.pl_vol_rid !== v.v_rid) return
    // a plex the attach's own transaction makes or moves (`make`: vxassist mirror, relocation, vxevac) is checked by its allocation
    if (pl && checkTarget) assertTargetWritable(this.ctx.sync, [pl], `attaching ${plex} to ${volume}`)
    assertSomeSource(this.ctx.sync, attachItems(this.ctx.sync, v, pl), `attaching ${plex} to ${volume}`, pl?.pl_rid)
  }

  /** What an attach of `pl` to `v` needs of them now: both unlocked, `pl` not another volume's nor attached, no other copy on a started `v` (rule 282). */
  private assertAttachable(v: VRecord, pl: PlRecord): void {
    assertUnlocked(pl.pl_tutil[0], pl.pl_name)
    assertUnlocked(v.v_tutil[0], v.v_name)
    if (pl.pl_vol_rid && pl.pl_vol_rid !== v.v_rid) fail('VM_BUSY_ASSOC', `plex ${pl.pl_name} belongs to ${pl.pl_v_name}`)
    if (pl.pl_vol_rid && pl.pl_kstate === 'ENABLED' && pl.pl_state === 'ACTIVE') fail('VM_INVALID_PARAM', `plex ${pl.pl_name} is already attached`)
    // an attach to a started volume copies into it: one copy per volume at a time (rule 282); into a log plex nothing (rule 475)
    if (v.v_kstate === 'ENABLED' && !isLogPlexRec(this.ctx.cfg(), pl)) this.ctx.sync.tasks.assertNoCopy([v.v_name])
  }

  /**
   * Rule 455: an attach to a started volume of a plex that gets no I/O now (detached by hand,
   * unassociated) tries each of its disks first (one sector read and written back, a flush),
   * its dry run too: a disk whose device fails every I/O without knowing it (an image file whose
   * I/O errors, an NBD server failing every request) is seen there, and the attach is refused
   * VM_DISK_FAILED before anything changes rather than ending ACTIVE on a disk that holds nothing
   * it can serve (an attach with nothing to copy writes nothing that would fail). True when it
   * tried them (the attach then copies onto a started volume, or fails VM_ABORTED). A dry run
   * (`write` false) only reads the sector: it changes nothing on disk (rule 530).
   */
  private async probeTarget(volume: string, plex: string, write: boolean): Promise<boolean> {
    const c = this.ctx.cfg()
    const v = c.volumes.find((x) => x.v_name === volume)
    const pl = c.plexes.find((p) => p.pl_name === plex)
    if (!v || !pl || v.v_kstate !== 'ENABLED' || pl.pl_kstate === 'ENABLED') return false
    // the refusals the attach's transaction makes come first, before the probe's first await
    this.assertAttachable(v, pl)
    const failed = await this.ctx.probeDisks(pl, write)
    // a stop, or another operation on the plex, while the probe ran: the attach it was asked for is not what would run now
    const now = this.ctx.cfg()
    const v2 = now.volumes.find((x) => x.v_rid === v.v_rid)
    const pl2 = now.plexes.find((p) => p.pl_rid === pl.pl_rid)
    if (v2?.v_kstate !== 'ENABLED' || pl2?.pl_kstate !== pl.pl_kstate || pl2.pl_vol_rid !== pl.pl_vol_rid) fail('VM_ABORTED', `attaching ${plex} to ${volume}: ${volume} or ${plex} changed while its disks were tried; nothing was attached`)
    if (!failed.length) return true
    const names = failed.join(', ')
    fail('VM_DISK_FAILED', `attaching ${plex} to ${volume}: disk ${names} fails I/O (a probe of it failed), so ${plex} could not serve ${volume}: restore or replace ${names} first`)
  }

  /**
   * vxplex cp: copies a DISABLED volume's contents to an unassociated plex, which stays
   * unassociated (D 39).
   */
  async copy(volume: string, plex: string, opts: { onTask?: (taskId: string) => void } = {}): Promise<void> {
    const cfg = this.ctx.cfg()
    const v = cfg.volumes.find((x) => x.v_name === volume) ?? fail('VM_NOT_FOUND', `no volume ${volume}`)
    const target = cfg.plexes.find((p) => p.pl_name === plex) ?? fail('VM_NOT_FOUND', `no plex ${plex}`)
    if (v.v_kstate !== 'DISABLED') fail('VM_VOL_ENABLED', `volume ${volume} is ${v.v_kstate}; plex cp needs it stopped`)
    if (target.pl_vol_rid) fail('VM_BUSY_ASSOC', `plex ${plex} is associated with ${target.pl_v_name}`)
    assertUnlocked(target.pl_tutil[0], plex)
    const source = cfg.plexes.find((p) => p.pl_vol_rid === v.v_rid && (p.pl_state === 'CLEAN' || p.pl_state === 'ACTIVE') && !(p.pl_pflag & (PL_PFLAG.STALE | PL_PFLAG.KDETACH)) && p.pl_contig_len >= v.v_len)
    if (!source) fail('VM_UNSTARTABLE', `volume ${volume} has no clean complete plex to copy from`)
    await runPlexCopy(this.ctx.sync, v, source, target, opts.onTask)
  }

  /**
   * vxplex mv: replaces `oldPlex` (ACTIVE in an ENABLED volume) by the unassociated `newPlex`,
   * which must be at least as large unless `force` (D 40).
   */
  async move(oldPlex: string, newPlex: string, opts: { force?: boolean; onTask?: (taskId: string) => void } = {}): Promise<TxResult> {
    const cfg = this.ctx.cfg()
    const old = cfg.plexes.find((p) => p.pl_name === oldPlex) ?? fail('VM_NOT_FOUND', `no plex ${oldPlex}`)
    const neu = cfg.plexes.find((p) => p.pl_name === newPlex) ?? fail('VM_NOT_FOUND', `no plex ${newPlex}`)
    const v = this.volumeOf(old)
    if (!v || v.v_kstate !== 'ENABLED' || old.pl_state !== 'ACTIVE' || old.pl_kstate !== 'ENABLED') fail('VM_INVALID_PARAM', `plex ${oldPlex} is not an active plex of an enabled volume`)
    if (neu.pl_vol_rid) fail('VM_BUSY_ASSOC', `plex ${newPlex} is associated with ${neu.pl_v_name}`)
    if (!opts.force && (neu.pl_len < old.pl_len || neu.pl_contig_len < old.pl_contig_len)) fail('VM_INVALID_PARAM', `plex ${newPlex} is smaller or sparser than ${oldPlex} (use force)`)
    await this.attach(v.v_name, newPlex, opts.onTask ? { onTask: opts.onTask } : {})
    return this.ctx.transact('pl.mv', (d) => dissociatePlex(d, d.plex(oldPlex)))
  }

  /** vxmend (records/mend.ts): `clear` util fields, `fix` a state, `off`, `on`; `force` as volmend's -f. */
  async mend(op: MendOp, name: string, arg?: string, opts: TxOptions & { force?: boolean } = {}): Promise<TxResult> {
    const { stale } = this.ctx
    const live = !opts.dryRun
    let forgot = false
    const r = await this.ctx.transact(`mend.${op}`, (d) => applyMend(d, op, name, arg, {
      force: opts.force ?? false,
      assertNotLastPlex: (dd, pl, force) => this.assertNotLastPlex(dd, pl, force),
      track: (pl) => void (live && stale.track(pl.pl_rid)),
      forget: (pl) => void (live && stale.get(pl.pl_rid) && (forgot = true) && stale.drop(pl.pl_rid)),
    }), opts)
    if (forgot) await stale.persist()
    return r
  }
}
