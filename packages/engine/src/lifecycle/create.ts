import { newEpochId, startEpoch } from '../config/lineage.ts'
import { fromStored, toStored } from '../config/stored.ts'
import { assertNoData } from '../disk/probe.ts'
import type { DiskRuntime } from '../disk/diskSet.ts'
import { initDisk, newDiskId } from '../disk/vmDisk.ts'
import { fail } from '../errors.ts'
import { acquireDeviceLocks, thisImporter } from '../locks.ts'
import { checkName, checkOneOf } from '../records/validate.ts'
import { type Config, type Profile, PROFILES, emptyUtil } from '../records/types.ts'
import { type CreateOptions, type OpenedGroup, idSourceOf } from './options.ts'

/** vxdg init's arguments: a profile, a group name and at least one disk, every name valid and unique. */
export function checkCreateOptions(opts: CreateOptions): void {
  const profile = PROFILES[checkOneOf(opts.profile ?? 'classic', Object.keys(PROFILES) as Profile['id'][], 'profile')]
  checkName(opts.name, profile)
  if (!Array.isArray(opts.disks) || opts.disks.length === 0) fail('VM_INVALID_PARAM', 'a disk group needs at least one disk')
  const names = new Set<string>()
  for (const d of opts.disks) {
    checkName(d.name, profile)
    if (names.has(d.name) || d.name === opts.name) fail('VM_EXISTS', `duplicate name ${d.name}`)
    names.add(d.name)
  }
}

/**
 * vxdg init of checked options: locks every device, refuses one that holds data (unless forced),
 * writes each a VM disk header and makes the group's first configuration. Takes nothing on failure.
 */
export async function createGroup(opts: CreateOptions): Promise<OpenedGroup> {
  const release = await acquireDeviceLocks(opts.disks.map((d) => d.device))
  try {
    for (const d of opts.disks) await assertNoData(d.device, opts.force)
    const ids = idSourceOf(opts)
    const dgid = newDiskId(ids)
    const cfg = emptyConfig(opts.name, dgid, opts.profile ?? 'classic')
    const disks = new Map<number, DiskRuntime>()
    for (const spec of opts.disks) {
      const { dm, header } = await initDisk(cfg, spec, dgid, opts.name, thisImporter(opts.host), ids)
      disks.set(dm.dm_rid, { dev: spec.device, header, activeSlot: -1, copyEnabled: true })
    }
    // AIX rule for two disks: the first holds two copies, so losing the second keeps quorum.
    if (cfg.disks.length === 2) cfg.disks[0]!.dm_config_copies = 2
    return { cfg: fromStored(toStored(cfg)), disks, opts, release, klog: { dirty: [], detached: [] }, klogSeq: 0, lineage: startEpoch([], cfg, newEpochId(ids.random)) }
  } catch (e) {
    await release()
    throw e
  }
}

/** A group with no records but its own (tid 0). */
function emptyConfig(name: string, dgid: string, profile: Profile['id']): Config {
  const cfg: Config = {
    tid: 0,
    nextRid: 1,
    dg: {
      dg_name: name, dg_comment: '', dg_putil: emptyUtil(), dg_dgid: dgid, dg_rid: 0, dg_update_tid: 0,
      dg_pflag: 0, dg_nconfig: 0, dg_nlog: 0, dg_minor: 0, dg_profile: profile, dg_tutil: emptyUtil(),
      dg_tflag: 0, dg_import_id: 0,
    },
    disks: [],
    subdisks: [],
    plexes: [],
    volumes: [],
  }
  cfg.dg.dg_rid = cfg.nextRid++
  return cfg
}
