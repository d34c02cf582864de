import type { BlockDevice } from '../device/blockDevice.ts'
import { type ConfigCopy, clearConfigSlot, decodeConfigPayload, encodeConfigPayload, writeConfigSlot } from '../disk/privateRegion.ts'
import { isEngineError } from '../errors.ts'
import { type Config, DG_PFLAG, DM_TFLAG } from '../records/types.ts'
import { type Lineage, membersOf } from './lineage.ts'
import { fromStored, toStored } from './stored.ts'

/** What a disk contributes to the configuration copies (the disk set's runtime entry has it). */
export interface CopyHolder {
  dev: BlockDevice | undefined
  header: { privLen: number }
  /** Slot holding this disk's current configuration copy, or -1 when none is current. */
  activeSlot: 0 | 1 | -1
  copyEnabled: boolean
}

/**
 * Do `held` of `total` configuration copies keep the group running? A majority does; a NOQUORUM
 * group (AIX varyonvg without quorum) needs all of them to import and one to stay online.
 */
export function hasQuorum(held: number, total: number, noQuorum: boolean, importing: boolean): boolean {
  if (noQuorum) return importing ? held === total : held > 0
  return held * 2 > total
}

/**
 * Does a commit that wrote the copies of the disks `wrote` (disk ids) keep the group running
 * (rule 351)? A quorum of the new configuration's copies, and, when it changes the membership (a
 * disk added, removed or replaced, `membersOf`), a quorum of the configuration's before it too, as
 * a joint consensus does: otherwise the disks it did not reach may still be a majority of the
 * membership before it, and their import would take the group from before the change. A
 * replace of disk01 that reached disk03 and the new disk alone (disk02's copy failed) was
 * acknowledged as 2 of 3 copies of the new membership, and the import of disk01 with disk02,
 * 2 of 3 of the old one, lost it.
 */
export function keepsQuorum(before: Config, after: Config, held: number, total: number, wrote: ReadonlySet<string>): boolean {
  const noQuorum = (c: Config) => (c.dg.dg_pflag & DG_PFLAG.NOQUORUM) !== 0
  if (!hasQuorum(held, total, noQuorum(after), false)) return false
  if (membersOf(before) === membersOf(after)) return true
  const copies = (c: Config, held?: ReadonlySet<string>) => c.disks.reduce((s, d) => s + (!held || held.has(d.dm_diskid) ? d.dm_config_copies : 0), 0)
  return hasQuorum(copies(before, wrote), copies(before), noQuorum(before), false)
}

/** The configuration import takes and the payload of its copies. */
export interface ChosenCopy {
  cfg: Config
  payload: Buffer
}

/**
 * Import's choice (checklist H, rule 265): the newest configuration of group `dgid` among the
 * copies read off each disk (by disk id), when the disks that hold a copy of the group make a
 * quorum of that configuration's copies; none when they do not. Pure: it reads nothing itself.
 *
 * - The newest complete copy wins over older ones whatever their number (as VxVM takes the copy
 *   with the newest committed tid): a commit that returned was written to a majority of the
 *   copies, so any majority of the disks holds it or something newer, and an older copy on a disk
 *   that was away or failed its write never brings back the configuration from before it. A
 *   disk's copy counts in the quorum when it holds any copy of the group: an older one is a
 *   copy that missed the newer commits, not another history.
 * - Copies of the newest tid that differ count apart (rule 226): the content most copies hold is
 *   tried first (equal counts in byte order, so the choice never depends on the order of the
 *   disks), and a disk that holds another content of that tid counts for none but its own.
 * - Only the newest configuration's disks count: a disk it no longer has (removed, or replaced by
 *   another device) holds copies from before it left, which count in no quorum (rule 225).
 */
export function chooseCopy(copies: ReadonlyMap<string, readonly ConfigCopy[]>, dgid: string): ChosenCopy | undefined {
  const all = [...copies.values()].flat()
  const tids = [...new Set(all.map((c) => c.tid))].sort((a, b) => b - a)
  for (const tid of tids) {
    const variants = variantsOf(all, tid).flatMap((payload) => {
      const cfg = fromStored(decodeConfigPayload(payload))
      return cfg.tid === tid && cfg.dg.dg_dgid === dgid ? [{ cfg, payload }] : []
    })
    // a copy of another group or with another tid inside is no copy of this one: the next tid is the newest
    if (variants.length === 0) continue
    return variants.find((chosen) => heldByQuorum(copies, chosen))
  }
  return undefined
}

/**
 * Do the disks read hold a quorum of `chosen`'s copies (`chooseCopy`)? A disk of its configuration
 * counts when it holds any copy of the group, but none of its tid with other content unless
 * `anyCopy` (the administrator chose it over the others, `selectcp`). Pure.
 */
export function heldByQuorum(copies: ReadonlyMap<string, readonly ConfigCopy[]>, chosen: ChosenCopy, anyCopy = false): boolean {
  const { cfg, payload } = chosen
  const holds = (diskid: string) => {
    const cs = copies.get(diskid) ?? []
    return cs.length > 0 && (anyCopy || !cs.some((c) => c.tid === cfg.tid && !c.payload.equals(payload)))
  }
  const total = cfg.disks.reduce((s, d) => s + d.dm_config_copies, 0)
  const held = cfg.disks.reduce((s, d) => s + (holds(d.dm_diskid) ? d.dm_config_copies : 0), 0)
  return hasQuorum(held, total, (cfg.dg.dg_pflag & DG_PFLAG.NOQUORUM) !== 0, true)
}

/** `chooseCopy`'s configuration. */
export function chooseConfig(copies: ReadonlyMap<string, readonly ConfigCopy[]>, dgid: string): Config | undefined {
  return chooseCopy(copies, dgid)?.cfg
}

/** The copies that hold `chosen` (its tid with its content), by disk id. */
export function copiesOf(copies: ReadonlyMap<string, readonly ConfigCopy[]>, chosen: ChosenCopy): Map<string, ConfigCopy[]> {
  return new Map([...copies].map(([id, cs]) => [id, cs.filter((c) => c.tid === chosen.cfg.tid && c.payload.equals(chosen.payload))]))
}

/** The different payloads the copies of `tid` hold, the one most copies hold first (equal counts in byte order). */
function variantsOf(all: readonly ConfigCopy[], tid: number): Buffer[] {
  const found: Array<{ payload: Buffer; n: number }> = []
  for (const c of all) {
    if (c.tid !== tid) continue
    const v = found.find((f) => f.payload.equals(c.payload))
    if (v) v.n++
    else found.push({ payload: c.payload, n: 1 })
  }
  return found.sort((a, b) => b.n - a.n || Buffer.compare(a.payload, b.payload)).map((f) => f.payload)
}

/** A copy a commit wrote or tried to write: its holder, the slot written, and the slot that was current before. */
export interface WrittenCopy {
  holder: CopyHolder
  slot: 0 | 1
  was: 0 | 1 | -1
}

/**
 * Writes `c` to every enabled copy, each into the slot it does not hold now (a crash mid-write
 * leaves the old copy). A copy that fails to write is disabled and reported through `disabled`;
 * a configuration that outgrew the slot (VM_CONFIG_FULL) fails the whole write. Returns the
 * copies held and their total, for the caller's quorum decision, the disks (ids) written, and the copies written or tried
 * (a failed write may have reached its disk), for `takeBackCopies` when there is no quorum.
 */
export async function writeConfigCopies(c: Config, lineage: Lineage, disk: (rid: number) => CopyHolder | undefined, disabled: (diskName: string) => void): Promise<{ held: number; total: number; written: WrittenCopy[]; wrote: Set<string> }> {
  const payload = encodeConfigPayload(toStored(c, lineage))
  const wrote = new Set<string>()
  const total = c.disks.reduce((s, d) => s + d.dm_config_copies, 0)
  const written: WrittenCopy[] = []
  const results = await Promise.all(
    c.disks.map(async (dm) => {
      const rt = disk(dm.dm_rid)
      if (!rt?.dev || !rt.copyEnabled) return 0
      const was = rt.activeSlot
      const slot: 0 | 1 = was === 0 ? 1 : 0
      try {
        await writeConfigSlot(rt.dev, rt.header.privLen, slot, c.tid, payload)
        rt.activeSlot = slot
        written.push({ holder: rt, slot, was })
        wrote.add(dm.dm_diskid)
        return dm.dm_config_copies
      } catch (e) {
        if (isEngineError(e, 'VM_CONFIG_FULL')) throw e
        rt.copyEnabled = false
        disabled(dm.dm_name)
        // a write that failed may have reached the disk all the same (its flush failed)
        written.push({ holder: rt, slot, was })
        return 0
      }
    }),
  )
  return { held: results.reduce((a, b) => a + b, 0), total, written, wrote }
}

/**
 * Takes back a commit that lost quorum (rule 265): the commit fails (VM_FORCEOFF) and never
 * returned, so each copy it reached, or may have reached (a write that failed), has the slot it
 * wrote cleared and holds the configuration from before it again, as the copies it did not reach do. The next import takes the group as
 * it was, not a commit nobody was told of (an add, a replace or a removal that failed stays
 * undone, rule 182). A copy that cannot be cleared (its disk fails too) keeps the commit: it is
 * one whole configuration, which an import of that disk may take.
 */
export async function takeBackCopies(written: readonly WrittenCopy[]): Promise<void> {
  await Promise.all(
    written.map(async ({ holder, slot, was }) => {
      if (!holder.dev) return
      try {
        await clearConfigSlot(holder.dev, holder.header.privLen, slot)
        holder.activeSlot = was
      } catch {
        // the disk keeps the commit (see above); the group is offline already
      }
    }),
  )
}

/**
 * Records in the disk records which copies are disabled (rule 235): DM_TFLAG CONFIG_DISABLED on a
 * disk that has its device and whose copy is disabled, cleared on one whose copy is enabled; a disk
 * without its device keeps what it had (NODAREC says more).
 */
export function markDisabledCopies(c: Config, disk: (rid: number) => CopyHolder | undefined): void {
  for (const dm of c.disks) {
    const rt = disk(dm.dm_rid)
    if (!rt?.dev) continue
    dm.dm_tflag = rt.copyEnabled ? dm.dm_tflag & ~DM_TFLAG.CONFIG_DISABLED : dm.dm_tflag | DM_TFLAG.CONFIG_DISABLED
  }
}
