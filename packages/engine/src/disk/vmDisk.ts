import type { Clock } from '../clock.ts'
import type { BlockDevice } from '../device/blockDevice.ts'
import { fail } from '../errors.ts'
import type { Importer } from '../locks.ts'
import type { Random } from '../random.ts'
import { type Config, type DmRecord, emptyUtil } from '../records/types.ts'
import { SECTOR_SIZE } from '../units.ts'
import { type DiskHeader, DEFAULT_PRIV_LEN, MIN_PRIV_LEN, writeHeader } from './privateRegion.ts'

export interface DiskSpec {
  /** Disk media name in the group (disk01). */
  name: string
  device: BlockDevice
  /** Private-region length in sectors. */
  privLen?: number
}

/** Where new disk ids come from: the group's injected clock and randomness, and its host (OpenOptions). */
export interface IdSource {
  clock: Clock
  random: Random
  /** The host as the disk headers name the importer (`Importer.hostid`). */
  host: string
}

/**
 * A new disk id (or disk group id), as VxVM's: the clock's time in seconds, 32 random bits (8 hex
 * digits) and the host, at most 64 characters. Never one of `taken` (the group's ids): on a clash
 * the random part counts on, so a seeded source gives the same ids every run and they stay unique.
 */
export function newDiskId(src: IdSource, taken: Iterable<string> = []): string {
  const used = new Set(taken)
  const seconds = Math.floor(src.clock.now() / 1000)
  const r = Math.floor(src.random() * 2 ** 32)
  for (let k = 0; ; k++) {
    const id = `${seconds}.${((r + k) % 2 ** 32).toString(16).padStart(8, '0')}.${src.host}`.slice(0, 64)
    if (!used.has(id)) return id
  }
}

/** The ids a new disk id must differ from: the group's and its disks'. */
export function groupIds(c: Config): string[] {
  return [c.dg.dg_dgid, ...c.disks.map((d) => d.dm_diskid)]
}

/** The disk media record of a device that becomes disk `spec.name` (private region first, public region after it). */
export function newDmRecord(c: Config, spec: DiskSpec, diskid: string): DmRecord {
  const privLen = spec.privLen ?? DEFAULT_PRIV_LEN
  const sectors = Math.floor(spec.device.size / SECTOR_SIZE)
  return {
    dm_name: spec.name,
    dm_comment: '',
    dm_putil: emptyUtil(),
    dm_diskid: diskid,
    dm_last_da_name: spec.device.location, // whole: the stored record is JSON, no 32-byte da name field
    dm_rid: c.nextRid++,
    dm_update_tid: 0,
    dm_pflag: 0,
    dm_priv_len: privLen,
    dm_pub_offset: privLen,
    dm_pub_len: sectors - privLen,
    dm_config_copies: 1,
    dm_tutil: emptyUtil(),
    dm_tflag: 0,
    dm_device: spec.device.location,
    dm_sd_num: 0,
  }
}

/**
 * Where a device is, for a message that names its disk first: " (/path/disk.img)", or nothing for
 * a device with no place of its own to name (an in-memory one, `memory:N`, rule 374).
 */
export function deviceWhere(device: { location: string }): string {
  return device.location.startsWith('memory:') ? '' : ` (${device.location})`
}

/** Refuses a private-region length or a device too small for a VM disk. */
export function checkDiskSpec(spec: DiskSpec): void {
  const privLen = spec.privLen ?? DEFAULT_PRIV_LEN
  if (!Number.isSafeInteger(privLen) || privLen < MIN_PRIV_LEN) fail('VM_INVALID_PARAM', `privLen must be at least ${MIN_PRIV_LEN} sectors`)
  if (Math.floor(spec.device.size / SECTOR_SIZE) < privLen + 2048) fail('VM_NO_SPACE', `the device for disk ${spec.name}${deviceWhere(spec.device)} is too small for a VM disk`)
}

/** The header of a device that becomes VM disk `spec.name` of group `dgid` (private region at offset 0, public region after it). */
export function newDiskHeader(spec: DiskSpec, diskid: string, dgid: string, dgname: string, me: Importer): DiskHeader {
  const privLen = spec.privLen ?? DEFAULT_PRIV_LEN
  const sectors = Math.floor(spec.device.size / SECTOR_SIZE)
  return { version: 1, diskid, dgid, dgname, dmname: spec.name, privLen, pubOffset: privLen, pubLen: sectors - privLen, hostid: me.hostid, pid: me.pid }
}

/** Writes a VM disk header and adds the disk's record to `c` (a group being created). */
export async function initDisk(c: Config, spec: DiskSpec, dgid: string, dgname: string, me: Importer, ids: IdSource): Promise<{ dm: DmRecord; header: DiskHeader }> {
  checkDiskSpec(spec)
  const diskid = newDiskId(ids, groupIds(c))
  const dm = newDmRecord(c, spec, diskid)
  const header = newDiskHeader(spec, diskid, dgid, dgname, me)
  await writeHeader(spec.device, header)
  c.disks.push(dm)
  return { dm, header }
}
