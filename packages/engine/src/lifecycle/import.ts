import { type ChosenCopy, chooseCopy, copiesOf } from '../config/configCopies.ts'
import { type KernelLogImage, KernelLog } from '../config/kernelLog.ts'
import { lineageOf, newEpochId, startEpoch } from '../config/lineage.ts'
import { type ConfigSide, type ReadCopies, divergedSides, droppedEpochs, droppedRecords, newestCopy, refuseSplitBrain, selectCopy } from '../config/splitBrain.ts'
import type { BlockDevice } from '../device/blockDevice.ts'
import type { DiskRuntime } from '../disk/diskSet.ts'
import { type ConfigCopy, type DiskHeader, MAP_AREA, decodeConfigPayload, readConfigSlots, readHeader, readRingOrNone, writeHeader } from '../disk/privateRegion.ts'
import { EngineError, fail, isEngineError } from '../errors.ts'
import { closeReleased } from '../failures.ts'
import { type Importer, acquireForImport, otherImporter, thisImporter, withImporter } from '../locks.ts'
import { checkBoolean } from '../records/validate.ts'
import { isLogPlexRec } from '../records/plexState.ts'
import { type Config, type DmRecord, type PlRecord, PL_PFLAG, PL_TFLAG } from '../records/types.ts'
import type { StaleMapsImage } from '../staleMaps.ts'
import { SECTOR_SIZE } from '../units.ts'
import { type ImportOptions, type OpenedGroup, type UnusableDisk, idSourceOf, sleepOf } from './options.ts'

/** A device and the disk header read off it. */
export interface FoundDisk {
  dev: BlockDevice
  header: DiskHeader
}

/** What import does with one disk of the chosen configuration. */
export interface ImportedDisk {
  dm: DmRecord
  /** The device holding the disk, if one of the devices does. */
  found: FoundDisk | undefined
  /** Slot of its copy of the chosen configuration, or -1 when it holds none. */
  slot: 0 | 1 | -1
  /** I77: the device is shorter than the disk's public region and is not used as it is. */
  short: boolean
}

/** vxdg import's arguments: at least one device, booleans for force and clearImport. */
export function checkImportOptions(opts: ImportOptions): void {
  if (!Array.isArray(opts.devices) || opts.devices.length === 0) fail('VM_INVALID_PARAM', 'import needs at least one device')
  checkBoolean(opts.force ?? false, 'force')
  checkBoolean(opts.clearImport ?? false, 'clearImport')
  if (opts.selectcp !== undefined && (typeof opts.selectcp !== 'string' || opts.selectcp === '')) fail('VM_INVALID_PARAM', 'selectcp must name a disk (its disk id)')
}

/**
 * vxdg import of checked options: reads every device's private region and takes the newest
 * configuration held by a majority of the group's configuration copies (checklist H); each disk's
 * header then names this manager. Takes nothing on failure (the device locks are released, the
 * headers claimed given back).
 */
export async function importGroup(opts: ImportOptions): Promise<OpenedGroup> {
  const me = thisImporter(opts.host)
  const release = await acquireForImport(opts.devices, me, sleepOf(opts))
  try {
    const { found, unreadable } = await readHeaders(opts.devices)
    const { wanted, mine, dgid } = pickGroup(found, unreadable, opts.name)
    const { copies, readErrors, unread } = await readCopies(mine)
    const read: ReadCopies = { copies, names: new Map(mine.map((f) => [f.header.diskid, f.header.dmname])), dgid }
    const { picked, dropped } = pickConfig(wanted, read, readErrors, opts.selectcp)
    const chosen = picked.cfg
    const plan = planImportDisks(chosen, mine, copiesOf(copies, picked))
    // Only the chosen configuration's disks say who holds the group: a removed disk's old header does not (rule 225).
    if (!opts.clearImport) assertNotImported(wanted, plan.flatMap((p) => (p.found ? [p.found] : [])), me)
    const unreadableDisks = unreadable.map((u): UnusableDisk => ({ disk: '', reason: 'unreadable', device: u.dev.location }))
    // Rule 130: missing disks need force; refused before any header is written.
    const absent = absentDisks(plan)
    if (absent.length > 0 && !opts.force) refuseMissing(wanted, [...absent, ...unreadableDisks])
    const { disks, unusable } = await claimDisks(plan, { me, force: opts.force ?? false, group: wanted, dgid })
    for (const u of unreadable) await closeReleased(u.dev)
    // Devices that carry the group's id but are not in the chosen configuration are left alone.
    // The kernel log and stale maps come from the disks holding the chosen configuration: a disk
    // that holds none of it (it was away while the others committed) may hold newer blocks of
    // another history, such as the detach a commit that lost quorum recorded (rule 227).
    // Their next blocks are numbered above every block on the disks, so that such a block never
    // becomes the newest once its disk holds the configuration again.
    const present = [...disks.values()].flatMap((d) => (d.dev ? [d.dev] : []))
    const current = [...disks.values()].flatMap((d) => (d.dev && d.activeSlot !== -1 ? [d.dev] : []))
    const { image: klog } = await KernelLog.read(current)
    const { seq: klogSeq } = await KernelLog.read(present)
    const maps = await readStaleMaps(current)
    const mapSeq = (await readStaleMaps(present))?.seq ?? 0
    const mapsNumbered = maps || mapSeq > 0 ? { maps: { seq: mapSeq, image: maps?.image ?? { plexes: [] } } } : {}
    // Rule 350: this session's commits carry the chosen lineage with an epoch of its own, which
    // names the sides a chosen configuration overruled; its first commit is numbered above every
    // copy read, so a repaired disk's newest copy is the chosen one.
    const lineage = startEpoch(lineageOf(decodeConfigPayload(picked.payload)), chosen, newEpochId(idSourceOf(opts).random), droppedEpochs(dropped))
    const above = dropped.length > 0 ? Math.max(...[...copies.values()].flat().map((c) => c.tid)) + 1 : 0
    const nextTid = Math.max(nextTidAfter(chosen, copies, unread), above)
    const overruled = dropped.map(({ lined: _lined, ...side }): ConfigSide => side)
    return { cfg: chosen, disks, opts, release, klog, klogSeq, ...mapsNumbered, unusable: [...unusable, ...unreadableDisks], nextTid, lineage, ...(overruled.length > 0 ? { dropped: overruled } : {}) }
  } catch (e) {
    await release()
    throw e
  }
}

/**
 * The disk ids of the configuration an import of `devices` (one group's) would take, read only (no
 * lock taken, no header written), or undefined when none can be chosen (the import then says why).
 * A device whose header carries the group's id and a disk id not among them holds a disk the group
 * replaced or removed since: it is no member, and its header says nothing of who holds the group
 * (rule 471).
 */
export async function memberDiskIds(devices: readonly BlockDevice[]): Promise<Set<string> | undefined> {
  try {
    const { found, unreadable } = await readHeaders(devices)
    const { wanted, mine, dgid } = pickGroup(found, unreadable, undefined)
    const { copies, readErrors } = await readCopies(mine)
    const read: ReadCopies = { copies, names: new Map(mine.map((f) => [f.header.diskid, f.header.dmname])), dgid }
    return new Set(pickConfig(wanted, read, readErrors, undefined).picked.cfg.disks.map((d) => d.dm_diskid))
  } catch (e) {
    if (isEngineError(e)) return undefined
    throw e
  }
}

/** Reads every device's disk header; a device whose private region cannot be read is left out (its disk imports NODEVICE). */
async function readHeaders(devices: readonly BlockDevice[]): Promise<{ found: FoundDisk[]; unreadable: Array<{ dev: BlockDevice; error: EngineError }> }> {
  const found: FoundDisk[] = []
  const unreadable: Array<{ dev: BlockDevice; error: EngineError }> = []
  for (const dev of devices) {
    let header: DiskHeader | undefined
    try {
      header = await readHeader(dev)
    } catch (e) {
      if (!isEngineError(e, 'VM_DALVOPN')) throw e
      unreadable.push({ dev, error: e })
      continue
    }
    if (!header) fail('VM_INV_DEVENT', `${dev.location} holds no Plexa disk header`)
    found.push({ dev, header })
  }
  return { found, unreadable }
}

/** The group imported (`name`, else the first device's), its disks among the devices, and its id; a device of another group is refused. */
export function pickGroup(found: readonly FoundDisk[], unreadable: ReadonlyArray<{ dev: BlockDevice; error: EngineError }>, name: string | undefined): { wanted: string; mine: FoundDisk[]; dgid: string } {
  if (found.length === 0) fail('VM_DALVOPN', `no private region could be read: ${unreadable.map((u) => u.dev.location).join(', ')}`, unreadable[0]?.error)
  const wanted = name ?? found[0]!.header.dgname
  const mine = found.filter((f) => f.header.dgname === wanted)
  if (mine.length === 0) fail('VM_NOT_FOUND', `no disk of group ${wanted} among the devices`)
  const dgid = mine[0]!.header.dgid
  const stranger = found.find((f) => f.header.dgid !== dgid)
  if (stranger) fail('VM_INV_DEVENT', `${stranger.dev.location} belongs to group ${stranger.header.dgname}, not ${wanted}`)
  return { wanted, mine, dgid }
}

/** I80: the headers say who has the group imported; another host keeps it until cleared. */
function assertNotImported(group: string, mine: readonly FoundDisk[], me: Importer): void {
  for (const f of mine) {
    const other = otherImporter(f.header, f.dev, me)
    if (!other) continue
    const details = f.header.hostid && f.header.hostid !== me.hostid ? { importedBy: f.header.hostid } : {}
    throw new EngineError('VM_BUSY', `disk group ${group} is imported by ${other} (${f.dev.location}); clear its import to take it over (vxdg -C) only if that manager is down`, { details })
  }
}

/** Reads every configuration copy of the group's disks, by disk id, the reads that failed, and the disks whose reads failed. */
async function readCopies(mine: readonly FoundDisk[]): Promise<{ copies: Map<string, ConfigCopy[]>; readErrors: EngineError[]; unread: Set<string> }> {
  const copies = new Map<string, ConfigCopy[]>()
  const readErrors: EngineError[] = []
  const unread = new Set<string>()
  for (const f of mine) {
    const r = await readConfigSlots(f.dev, f.header.privLen)
    copies.set(f.header.diskid, r.copies)
    if (r.error) {
      readErrors.push(r.error)
      unread.add(f.header.diskid)
    }
  }
  return { copies, readErrors, unread }
}

/**
 * The tid the group's first commit after this import takes (rule 265): the next one, or one more
 * when a disk of the chosen configuration was not read whole (missing, no copy, a slot that failed
 * to read). A commit that lost quorum may have left a copy of the next tid on such a disk, never
 * acknowledged; a commit of this import numbered the same would make two contents of one tid, and
 * the import of that disk with one of this import's could take the one never acknowledged. A
 * commit that lost quorum ends its import (VM_FORCEOFF), so no copy on a disk away is newer. Pure.
 */
export function nextTidAfter(chosen: Config, copies: ReadonlyMap<string, readonly ConfigCopy[]>, unread: ReadonlySet<string>): number {
  const whole = chosen.disks.every((d) => (copies.get(d.dm_diskid) ?? []).length > 0 && !unread.has(d.dm_diskid))
  return chosen.tid + (whole ? 1 : 2)
}

/**
 * The configuration import takes and its copies' payload (`chooseCopy`: the newest a quorum of copies holds), or why
 * there is none: no copy read (VM_MAPFOPN) or no quorum (VM_NOQUORUM), each VM_MAPFRDWR when copies
 * that failed to read cost the import (rule 132). Pure.
 */
export function chooseImported(group: string, dgid: string, copies: ReadonlyMap<string, readonly ConfigCopy[]>, readErrors: readonly EngineError[]): ChosenCopy {
  const readFailed = (what: string): never => fail('VM_MAPFRDWR', `${what}: reading ${readErrors.length} configuration copie(s) failed (${readErrors.map((e) => e.message).join('; ')})`, readErrors[0])
  if (![...copies.values()].some((c) => c.length > 0)) {
    if (readErrors.length > 0) readFailed(`no configuration copy of ${group} could be read`)
    fail('VM_MAPFOPN', `no configuration copy of ${group} could be read`)
  }
  const chosen = chooseCopy(copies, dgid)
  if (!chosen) {
    if (readErrors.length > 0) readFailed(`no configuration of ${group} is held by a majority of its readable copies`)
    fail('VM_NOQUORUM', `no configuration of ${group} is held by a majority of its copies`)
  }
  return chosen
}

/**
 * The configuration import takes (rule 350): without `selectcp`, `chooseImported`'s, refused
 * VM_SPLIT_BRAIN when a disk read holds a copy of a history that went another way (when no
 * configuration has a quorum, told against the newest copy, as two halves of one tid hold none);
 * with it, the newest copy on that disk, and the sides it overrules with what each drops. Pure.
 */
export function pickConfig(group: string, read: ReadCopies, readErrors: readonly EngineError[], selectcp: string | undefined): { picked: ChosenCopy; dropped: ReturnType<typeof divergedSides> } {
  if (selectcp !== undefined) {
    const picked = selectCopy(read, selectcp)
    return { picked, dropped: divergedSides(read, picked).map((s) => ({ ...s, records: droppedRecords(s.lined, picked.cfg) })) }
  }
  let picked: ChosenCopy
  try {
    picked = chooseImported(group, read.dgid, read.copies, readErrors)
  } catch (e) {
    const newest = isEngineError(e, 'VM_NOQUORUM') ? newestCopy(read) : undefined
    const diverged = newest ? divergedSides(read, newest) : []
    if (newest && diverged.length > 0) refuseSplitBrain(group, read, newest, diverged)
    throw e
  }
  const diverged = divergedSides(read, picked)
  if (diverged.length > 0) refuseSplitBrain(group, read, picked, diverged)
  return { picked, dropped: [] }
}

/** Which device holds each disk of the chosen configuration, in which slot its copy is, and whether it is too short (I77). Pure. */
export function planImportDisks(chosen: Config, mine: readonly FoundDisk[], copies: ReadonlyMap<string, readonly ConfigCopy[]>): ImportedDisk[] {
  return chosen.disks.map((dm) => {
    const found = mine.find((m) => m.header.diskid === dm.dm_diskid)
    const slot = (copies.get(dm.dm_diskid) ?? []).find((c) => c.tid === chosen.tid)?.slot ?? -1
    return { dm, found, slot, short: found !== undefined && found.dev.size < (dm.dm_pub_offset + dm.dm_pub_len) * SECTOR_SIZE }
  })
}

/** The disks of the plan that have no device, or one too short (rule 130 refuses them without force). Pure. */
export function absentDisks(plan: readonly ImportedDisk[]): UnusableDisk[] {
  return plan.flatMap((p): UnusableDisk[] => {
    if (!p.found) return [{ disk: p.dm.dm_name, reason: 'missing' }]
    return p.short ? [{ disk: p.dm.dm_name, reason: 'short', device: p.found.dev.location }] : []
  })
}

/**
 * I80: each disk's header records this manager as the importer. A disk without a usable device
 * (missing, short, or with force one whose header cannot be written) imports NODEVICE; without
 * force an unwritable header refuses the import, giving back the disks already claimed.
 */
async function claimDisks(plan: readonly ImportedDisk[], how: { me: Importer; force: boolean; group: string; dgid: string }): Promise<{ disks: Map<number, DiskRuntime>; unusable: UnusableDisk[] }> {
  const disks = new Map<number, DiskRuntime>()
  const unusable: UnusableDisk[] = []
  const recordedHere: FoundDisk[] = []
  for (const { dm, found: f, slot, short } of plan) {
    const header = f && !short ? withImporter(f.header, how.me) : undefined
    const recorded = f && header && (await writeHeader(f.dev, header).then(() => true, () => false))
    if (f && header && recorded) {
      disks.set(dm.dm_rid, { dev: f.dev, header, activeSlot: slot, copyEnabled: true })
      recordedHere.push(f)
      continue
    }
    if (f && !short && !how.force) {
      // Its header cannot be written: without force, the disks already claimed are given back.
      for (const r of recordedHere) await writeHeader(r.dev, r.header).catch(staysClaimedByThisHost)
      refuseMissing(how.group, [{ disk: dm.dm_name, reason: 'unwritable', device: f.dev.location }])
    }
    unusable.push(f ? { disk: dm.dm_name, reason: short ? 'short' : 'unwritable', device: f.dev.location } : { disk: dm.dm_name, reason: 'missing' })
    if (f) await closeReleased(f.dev)
    const header0: DiskHeader = { version: 1, diskid: dm.dm_diskid, dgid: how.dgid, dgname: how.group, dmname: dm.dm_name, privLen: dm.dm_priv_len, pubOffset: dm.dm_pub_offset, pubLen: dm.dm_pub_len }
    disks.set(dm.dm_rid, { dev: undefined, header: header0, activeSlot: -1, copyEnabled: false })
  }
  return { disks, unusable }
}

/** The newest stale-region maps any of the devices holds. */
async function readStaleMaps(devices: readonly BlockDevice[]): Promise<{ seq: number; image: StaleMapsImage } | undefined> {
  let maps: { seq: number; image: StaleMapsImage } | undefined
  for (const dev of devices) {
    const r = await readRingOrNone(dev, MAP_AREA)
    if (r && (!maps || r.seq > maps.seq)) maps = { seq: r.seq, image: r.payload as StaleMapsImage }
  }
  return maps
}

/**
 * Folds the kernel log's detaches into the records, so that a restart never picks such a plex as a
 * source. Pure. An entry the records have overtaken is passed over: its detach was committed
 * (pl_detach_tid at or after the entry's tid) and a later commit made the plex current again
 * (KDETACH cleared: an attach or resync enabled it, a vxmend), and the crash came before the
 * kernel log was written without it.
 */
export function foldKernelLog(c: Config, klog: KernelLogImage): void {
  for (const k of klog.detached) {
    const pl = c.plexes.find((p) => p.pl_rid === k.plexRid)
    if (!pl) continue
    if (pl.pl_detach_tid !== 0 && pl.pl_detach_tid >= k.tid && !(pl.pl_pflag & PL_PFLAG.KDETACH)) continue
    pl.pl_pflag |= PL_PFLAG.KDETACH | PL_PFLAG.STALE
    if (pl.pl_state === 'ACTIVE' || pl.pl_state === 'CLEAN') pl.pl_state = 'IOFAIL'
    pl.pl_detach_tid ||= k.tid
  }
}

/**
 * The plexes a chosen configuration (`selectcp`, rule 350) takes as entirely stale: each data plex
 * of a volume with a subdisk on a disk of an overruled side, whose blocks that side may have
 * written since, when the volume has another data plex with none there to copy from. Pure.
 */
export function overruledPlexes(c: Config, dropped: readonly ConfigSide[]): number[] {
  const away = new Set(dropped.flatMap((s) => s.diskids))
  const onAway = (pl: PlRecord) => c.subdisks.some((sd) => sd.sd_plex_rid === pl.pl_rid && away.has(c.disks.find((d) => d.dm_rid === sd.sd_dm_rid)?.dm_diskid ?? ''))
  const data = c.plexes.filter((p) => p.pl_vol_rid && !isLogPlexRec(c, p))
  return data.filter((p) => onAway(p) && data.some((o) => o.pl_vol_rid === p.pl_vol_rid && o !== p && !onAway(o))).map((p) => p.pl_rid)
}

/** Makes plexes `rids` entirely stale (`overruledPlexes`): STALE, out of date, recovered by the volume's start. */
export function markOverruled(c: Config, rids: readonly number[]): void {
  for (const pl of c.plexes.filter((p) => rids.includes(p.pl_rid))) {
    pl.pl_state = 'STALE'
    pl.pl_pflag |= PL_PFLAG.STALE
    pl.pl_tflag &= ~PL_TFLAG.COMPLETE
  }
}

function refuseMissing(group: string, disks: UnusableDisk[]): never {
  const named = disks.map((d) => `${d.disk || d.device} (${d.reason})`).join(', ')
  throw new EngineError('VM_MISSING_DISKS', `disk group ${group} has disks without a usable device: ${named}; import with force to bring it up without them (vxdg -f import)`, { details: { disks } })
}

/**
 * Import giving back the disks it claimed could not rewrite one's header: the disk still names
 * this host as its importer, which this host's next import takes over (its process is gone).
 */
function staysClaimedByThisHost(): void {}
