import type { TransactOptions, TxOptions, TxResult } from '../config/configStore.ts'
import type { BlockDevice } from '../device/blockDevice.ts'
import { EngineError, fail, isEngineError } from '../errors.ts'
import { type ReportFailure, closeReleased, reportAs, undoBestEffort } from '../failures.ts'
import { type Importer, acquireDeviceLocks, releaseDeviceLock } from '../locks.ts'
import type { OpResult } from '../ops/placeWords.ts'
import { removeRecord } from '../recordOps.ts'
import { isLogPlexRec } from '../records/plexState.ts'
import { type Config, type DmRecord, DM_PFLAG, DM_TFLAG, type PlRecord, PL_PFLAG, PL_TFLAG } from '../records/types.ts'
import type { StaleMaps } from '../staleMaps.ts'
import type { Draft } from '../txn.ts'
import { SECTOR_SIZE } from '../units.ts'
import type { DiskSet } from './diskSet.ts'
import { type DiskHeader, clearPrivateRegion, writeHeader } from './privateRegion.ts'
import { assertNoData } from './probe.ts'
import { type DiskSpec, type IdSource, deviceWhere, groupIds, newDiskHeader, newDiskId, newDmRecord } from './vmDisk.ts'

/** What the disk operations need of the group. */
export interface DiskContext {
  cfg(): Config
  /** A configuration transaction (config/configStore.ts), with its commit and failure hooks. */
  transact(operation: string, fn: (d: Draft) => void, opts?: Omit<TransactOptions, 'force'>): Promise<TxResult>
  disks: DiskSet
  stale: StaleMaps
  /** This manager, as the disk headers record it. */
  me: Importer
  /** Where new disk ids come from (the group's clock and randomness). */
  ids: IdSource
  /** Refuses taking `pl` away from its started volume when no other plex holds every region current (rule 117). */
  assertNotLastPlex(d: Draft, pl: PlRecord, force: boolean): void
  /** Reports a failure after the operation took effect (a removed device that could not be cleared). */
  report: ReportFailure
}

/** Options of the disk operations that initialise a device: a dry run, and force over a device holding data (rule 81). */
export type DiskOpOptions = TxOptions & { force?: boolean }

/**
 * vxdg adddisk of a checked spec (a new name, a device not in the group, room for a VM disk):
 * refuses a device holding data unless forced, writes its header and commits its disk media
 * record. The device joins the disk set as the commit writes the configuration copies (so it gets
 * one); a failure takes it out again before anything else runs, writes back what its private
 * region held and releases its lock: the group and the device are as they were (rule 82).
 */
export async function addDisk(ctx: DiskContext, spec: DiskSpec, opts: DiskOpOptions): Promise<TxResult> {
  if (opts.dryRun) {
    await assertNoData(spec.device, opts.force)
    return ctx.transact('dg.adddisk', (d) => void d.c.disks.push(newDmRecord(d.c, spec, '')), { dryRun: true })
  }
  const release = await acquireDeviceLocks([spec.device])
  try {
    await assertNoData(spec.device, opts.force)
    const cfg = ctx.cfg()
    const diskid = newDiskId(ctx.ids, groupIds(cfg))
    const header = newDiskHeader(spec, diskid, cfg.dg.dg_dgid, cfg.dg.dg_name, ctx.me)
    const restore = await keepPrivateRegion(spec.device, header.privLen)
    let added: number | undefined
    try {
      await writeHeader(spec.device, header)
      const r = await ctx.transact(
        'dg.adddisk',
        (d) => {
          const dm = newDmRecord(d.c, spec, diskid)
          d.c.disks.push(dm)
          added = dm.dm_rid
          ctx.disks.set(dm.dm_rid, { dev: spec.device, header, activeSlot: -1, copyEnabled: true })
          ctx.disks.refreshState(d.c)
        },
        { onFail: () => added !== undefined && ctx.disks.delete(added) },
      )
      ctx.disks.keepLock(release)
      return r
    } catch (e) {
      await undoBestEffort(restore)
      throw e
    }
  } catch (e) {
    await release()
    throw e
  }
}

/**
 * Replaces disk `dm` by a device not in the group, as vxdiskadm's replace does: the new device
 * takes over the disk media record and every subdisk on it; every data plex with a subdisk there
 * is detached and entirely stale (a log plex holds no volume data and stays as it is, rule 236), so the next resync or start copies everything to it. Until the
 * commit the old device stays the disk's (I/O goes on reaching it); the new one joins the disk set
 * as the commit writes the configuration copies. A failure puts the old device back before anything
 * else runs, leaves the plexes' stale regions as they are tracked, writes back what the new
 * device's private region held and releases its lock (rule 82).
 */
export async function replaceDisk(ctx: DiskContext, dm: DmRecord, device: BlockDevice, opts: DiskOpOptions): Promise<OpResult> {
  const cfg = ctx.cfg()
  const name = dm.dm_name
  const privLen = dm.dm_priv_len
  const need = cfg.subdisks.filter((sd) => sd.sd_dm_rid === dm.dm_rid).reduce((m, sd) => Math.max(m, sd.sd_dm_offset + sd.sd_len), 0)
  const pubLen = Math.floor(device.size / SECTOR_SIZE) - privLen
  if (pubLen < need) fail('VM_NO_SPACE', `the new device for disk ${name}${deviceWhere(device)} is too small for its subdisks: they need ${need + privLen} sectors, it has ${Math.floor(device.size / SECTOR_SIZE)}`)
  // A log plex holds no volume data: it stays ENABLED LOG, and its log on the new device is
  // written afresh by the volume's next log write (rule 236); only data plexes become stale.
  const affected = [...new Set(cfg.subdisks.filter((sd) => sd.sd_dm_rid === dm.dm_rid && sd.sd_plex_rid).map((sd) => sd.sd_plex_rid))].filter((rid) => {
    const pl = cfg.plexes.find((p) => p.pl_rid === rid)
    return pl !== undefined && !isLogPlexRec(cfg, pl)
  })
  const healthy = isHealthyDisk(ctx, dm)
  const change = (d: Draft, diskid: string) => {
    const x = d.disk(name)
    const lost: PlRecord[] = []
    for (const rid of affected) {
      const pl = d.c.plexes.find((p) => p.pl_rid === rid)
      if (!pl || !pl.pl_vol_rid) continue
      if (losesOnlyCopy(ctx, d, pl)) {
        lost.push(pl)
        continue
      }
      pl.pl_kstate = d.volOf(pl)!.v_kstate === 'DISABLED' ? 'DISABLED' : 'DETACHED'
      pl.pl_state = 'STALE'
      pl.pl_pflag |= PL_PFLAG.STALE // plexrec(4): a disk replacement made its contents out of date
      pl.pl_tflag &= ~PL_TFLAG.COMPLETE
    }
    if (lost.length) refuseLosingCopies(d, name, lost, healthy)
    x.dm_diskid = diskid
    x.dm_pub_len = pubLen
    x.dm_pflag &= ~DM_PFLAG.REMOVED
    // rule 478: the new device's configuration copy is enabled and this commit writes it
    x.dm_tflag &= ~DM_TFLAG.CONFIG_DISABLED
  }
  // rule 465: vxdiskadm's replace is for a failed or removed disk; a healthy one's is said so
  const notes = healthy ? [healthyNote(name)] : []
  if (opts.dryRun) {
    await assertNoData(device, opts.force)
    return { ...(await ctx.transact('dg.repldisk', (d) => change(d, '(new)'), { dryRun: true })), notes }
  }
  const release = await acquireDeviceLocks([device])
  try {
    await assertNoData(device, opts.force)
    // Validate before touching the new device.
    await ctx.transact('dg.repldisk', (d) => change(d, dm.dm_diskid), { dryRun: true })
    const diskid = newDiskId(ctx.ids, groupIds(cfg))
    const header: DiskHeader = { version: 1, diskid, dgid: cfg.dg.dg_dgid, dgname: cfg.dg.dg_name, dmname: name, privLen, pubOffset: privLen, pubLen, hostid: ctx.me.hostid, pid: ctx.me.pid }
    const restore = await keepPrivateRegion(device, privLen)
    const old = ctx.disks.get(dm.dm_rid)
    try {
      await writeHeader(device, header)
      // a crash after the commit finds the plexes entirely stale
      await ctx.stale.persistFull(affected)
      const r = await ctx.transact(
        'dg.repldisk',
        (d) => {
          change(d, diskid)
          ctx.disks.set(dm.dm_rid, { dev: device, header, activeSlot: -1, copyEnabled: true })
          ctx.disks.refreshState(d.c)
        },
        {
          onCommit: () => ctx.stale.commitFull(affected),
          onFail: () => (old ? ctx.disks.set(dm.dm_rid, old) : ctx.disks.delete(dm.dm_rid)),
        },
      )
      ctx.disks.keepLock(release)
      const gone = await clearReplaced(old?.dev, privLen, name, cfg.dg.dg_name)
      await letGo(old?.dev)
      return { ...r, notes: [...notes, ...gone] }
    } catch (e) {
      ctx.stale.dropFull(affected)
      await undoBestEffort(() => ctx.stale.persist())
      await undoBestEffort(restore)
      throw e
    }
  } catch (e) {
    await release()
    throw e
  }
}

/**
 * Rule 471: the device a replacement took a disk from no longer claims the group. Its private
 * region is cleared when it still takes writes (as rmdisk does, rule 225), so no later import or
 * start counts its header; when it fails writes, the note says where it is and that its old header
 * stays (import and the server count only the configuration's disks). The replacement stands either way.
 */
async function clearReplaced(dev: BlockDevice | undefined, privLen: number, disk: string, dg: string): Promise<string[]> {
  if (!dev) return []
  try {
    await clearPrivateRegion(dev, privLen)
    return [`the old device of ${disk} (${dev.location}) no longer holds ${dg}'s header: it is a free disk now`]
  } catch {
    return [`the old device of ${disk} (${dev.location}) failed the write that clears its header: it keeps its old header of ${disk}, which is no member of ${dg} (its disk id left the configuration); remove it, or clear it by adding it with force`]
  }
}

/** A disk with its device, not removed and not failing: not what vxdiskadm's replace is for. */
function isHealthyDisk(ctx: DiskContext, dm: DmRecord): boolean {
  const dev = ctx.disks.get(dm.dm_rid)?.dev
  return !(dm.dm_pflag & DM_PFLAG.REMOVED) && dev !== undefined && !dev.failing?.('read') && !dev.failing?.('write')
}

/** Whether taking `pl` away with its disk leaves its started volume a region with no current copy (rule 117's check). */
function losesOnlyCopy(ctx: DiskContext, d: Draft, pl: PlRecord): boolean {
  try {
    ctx.assertNotLastPlex(d, pl, false)
    return false
  } catch (e) {
    if (isEngineError(e, 'VM_LAST_PLEX')) return true
    throw e
  }
}

function healthyNote(disk: string): string {
  return `${disk} is healthy (it has its device and is neither failed nor removed): a replacement is for a failed or removed disk (vxdiskadm option 5); to move its data to other disks, evacuate it (plexa disk evacuate ${disk})`
}

/**
 * Rule 465: a replacement that would take a started volume's only current copy is refused
 * VM_LAST_PLEX in the replacement's words: which volumes (`details.volumes`) and plexes
 * (`details.plexes`) would lose it, whether the disk is healthy (`details.healthy`), and what to
 * do instead: evacuate the disk first, or stop the volume (its data there is then lost).
 */
function refuseLosingCopies(d: Draft, disk: string, lost: PlRecord[], healthy: boolean): never {
  const volumes = [...new Set(lost.map((pl) => d.volOf(pl)!.v_name))]
  const plexes = lost.map((pl) => pl.pl_name)
  const state = healthy ? `${disk} is healthy (a replacement is for a failed or removed disk)` : `${disk} has failed or was removed`
  const what = `replacing ${disk} would lose the only current copy of ${volumes.join(', ')} (${plexes.join(', ')} on ${disk}, not mirrored on another disk)`
  const fix = healthy ? `evacuate ${disk} first (plexa disk evacuate ${disk}), then replace it` : `add a mirror first if the disk still reads, or stop ${volumes.join(', ')} (plexa vol stop) and restore from a backup after the replacement`
  throw new EngineError('VM_LAST_PLEX', `${what}; ${state}: ${fix}`, { details: { volumes, plexes, healthy } })
}

/**
 * What a disk operation may write on a device before the group holds it (its private region:
 * header, kernel log, stale maps, configuration slots), read now; the function returned writes it
 * back, for a failed operation to leave the device as it found it.
 */
async function keepPrivateRegion(dev: BlockDevice, privLen: number): Promise<() => Promise<void>> {
  const saved = await dev.read(0, privLen * SECTOR_SIZE)
  return async () => {
    await dev.write(0, saved)
    await dev.flush()
  }
}

/**
 * vxdg rmdisk of disk `dm`: the disk must hold no subdisks. Once the removal commits (on the
 * remaining disks' copies), the device's private region is cleared, as VxVM clears the group's
 * identity from it, and the device is closed: it is no member of the group (rule 225). A crash
 * or a write error between the two leaves its old header and copies, which import does not
 * count (config/configCopies.ts); a wipe that fails is reported and the removal stands.
 */
export async function removeDisk(ctx: DiskContext, dm: DmRecord, opts: TxOptions): Promise<TxResult> {
  const rt = ctx.disks.get(dm.dm_rid)
  // the disk leaves the set as the removal commits, before the I/O map is built from it again
  const r = await ctx.transact('dg.rmdisk', (d) => removeRecord(d, dm.dm_name, false), { ...opts, onCommit: () => ctx.disks.delete(dm.dm_rid) })
  if (opts.dryRun) return r
  if (rt?.dev) await clearPrivateRegion(rt.dev, rt.header.privLen).catch(reportAs(ctx.report, 'VM_WRTDAERR', `removed disk ${dm.dm_name}: its device ${rt.dev.location} still holds the group's header, which import ignores`, dm.dm_name))
  await letGo(rt?.dev)
  return r
}

/** Closes the device of a disk the group no longer has and releases its lock, so that it may be added again (rule 183). */
async function letGo(dev: BlockDevice | undefined): Promise<void> {
  if (!dev) return
  await closeReleased(dev)
  releaseDeviceLock(dev)
}
