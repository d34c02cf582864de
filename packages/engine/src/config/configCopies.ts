import type { BlockDevice } from '../device/blockDevice.ts'
import { type ConfigCopy, decodeConfigPayload, encodeConfigPayload, writeConfigSlot } from '../disk/privateRegion.ts'
import { isEngineError } from '../errors.ts'
import { type Config, DG_PFLAG, DM_TFLAG } from '../records/types.ts'
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

/** The configuration import takes and the payload of its copies. */
export interface ChosenCopy {
  cfg: Config
  payload: Buffer
}

/**
 * Import's choice (checklist H): the newest configuration of group `dgid` held by a quorum of its
 * copies, from the copies read off each disk (by disk id). The newest readable copy decides
 * whether the group runs without quorum. Pure: it reads nothing itself.
 *
 * - Copies of one tid that differ count apart (rule 226): a commit that failed on all but one
 *   disk leaves its copy there, and a forced import without that disk commits the same tid anew.
 * - A disk that a newer configuration read here no longer has (removed, or replaced by another
 *   device) holds copies from before it left: they count in no configuration's quorum, or they
 *   would bring back the configuration it left (rule 225).
 */
export function chooseCopy(copies: ReadonlyMap<string, readonly ConfigCopy[]>, dgid: string): ChosenCopy | undefined {
  const all = [...copies.values()].flat()
  const tids = [...new Set(all.map((c) => c.tid))].sort((a, b) => b - a)
  if (tids.length === 0) return undefined
  const newest = all.find((c) => c.tid === tids[0])!
  const noQuorum = (fromStored(decodeConfigPayload(newest.payload)).dg.dg_pflag & DG_PFLAG.NOQUORUM) !== 0
  /** Disk ids every configuration newer than the one looked at has: a disk missing from one has left. */
  let stayed: Set<string> | undefined
  for (const tid of tids) {
    const ids = new Set<string>()
    for (const payload of variantsOf(all, tid)) {
      const cfg = fromStored(decodeConfigPayload(payload))
      if (cfg.tid !== tid || cfg.dg.dg_dgid !== dgid) continue
      const counts = (diskid: string) => (!stayed || stayed.has(diskid)) && (copies.get(diskid) ?? []).some((c) => c.tid === tid && c.payload.equals(payload))
      const total = cfg.disks.reduce((s, d) => s + d.dm_config_copies, 0)
      const held = cfg.disks.reduce((s, d) => s + (counts(d.dm_diskid) ? d.dm_config_copies : 0), 0)
      if (hasQuorum(held, total, noQuorum, true)) return { cfg, payload }
      for (const d of cfg.disks) ids.add(d.dm_diskid)
    }
    if (ids.size > 0) stayed = stayed ? new Set([...stayed].filter((id) => ids.has(id))) : ids
  }
  return undefined
}

/** `chooseCopy`'s configuration. */
export function chooseConfig(copies: ReadonlyMap<string, readonly ConfigCopy[]>, dgid: string): Config | undefined {
  return chooseCopy(copies, dgid)?.cfg
}

/** The copies that hold `chosen` (its tid with its content), by disk id. */
export function copiesOf(copies: ReadonlyMap<string, readonly ConfigCopy[]>, chosen: ChosenCopy): Map<string, ConfigCopy[]> {
  return new Map([...copies].map(([id, cs]) => [id, cs.filter((c) => c.tid === chosen.cfg.tid && c.payload.equals(chosen.payload))]))
}

/** The different payloads the copies of `tid` hold, the one most copies hold first. */
function variantsOf(all: readonly ConfigCopy[], tid: number): Buffer[] {
  const found: Array<{ payload: Buffer; n: number }> = []
  for (const c of all) {
    if (c.tid !== tid) continue
    const v = found.find((f) => f.payload.equals(c.payload))
    if (v) v.n++
    else found.push({ payload: c.payload, n: 1 })
  }
  return found.sort((a, b) => b.n - a.n).map((f) => f.payload)
}

/**
 * Writes `c` to every enabled copy, each into the slot it does not hold now (a crash mid-write
 * leaves the old copy). A copy that fails to write is disabled and reported through `disabled`;
 * a configuration that outgrew the slot (VM_CONFIG_FULL) fails the whole write. Returns the
 * copies held and their total, for the caller's quorum decision.
 */
export async function writeConfigCopies(c: Config, disk: (rid: number) => CopyHolder | undefined, disabled: (diskName: string) => void): Promise<{ held: number; total: number }> {
  const payload = encodeConfigPayload(toStored(c))
  const total = c.disks.reduce((s, d) => s + d.dm_config_copies, 0)
  const results = await Promise.all(
    c.disks.map(async (dm) => {
      const rt = disk(dm.dm_rid)
      if (!rt?.dev || !rt.copyEnabled) return 0
      const slot: 0 | 1 = rt.activeSlot === 0 ? 1 : 0
      try {
        await writeConfigSlot(rt.dev, rt.header.privLen, slot, c.tid, payload)
        rt.activeSlot = slot
        return dm.dm_config_copies
      } catch (e) {
        if (isEngineError(e, 'VM_CONFIG_FULL')) throw e
        rt.copyEnabled = false
        disabled(dm.dm_name)
        return 0
      }
    }),
  )
  return { held: results.reduce((a, b) => a + b, 0), total }
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
