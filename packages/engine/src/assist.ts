import { EngineError, fail } from './errors.ts'
import { freeExtents } from './recordOps.ts'
import { assertNoFault, isOrdinaryDisk } from './ops/mirrorAlloc.ts'
import type { MakeRecord, PlexSpec } from './recordOps.ts'
import { checkName, checkOneOf, checkSectors } from './records/validate.ts'
import { sectorsText } from './units.ts'
import type { DmRecord, Profile, UsageType } from './records/types.ts'
import type { AssistInit } from './records/volumeInit.ts'
import type { Draft } from './txn.ts'
import type { DiskFault } from './ops/diskFault.ts'

export type AssistLayout = 'concat' | 'stripe' | 'mirror' | 'mirror-stripe'

/** vxassist make: what to build; the allocator picks disks and offsets. */
export interface AssistSpec {
  name: string
  /** Volume length in sectors. */
  len: number
  layout?: AssistLayout
  /** Mirrors for mirror layouts (default 2). */
  nmirror?: number
  /** Stripe columns (default 2). */
  ncol?: number
  /** Stripe unit in sectors (default 128 = 64 KiB). */
  stwidth?: number
  /** 'drl' adds a dirty region log in its own log plex. */
  log?: 'drl' | 'none'
  /** Restrict allocation to these disks. */
  disks?: string[]
  usetype?: UsageType
  /** How the new volume is initialised (default `sync`: started, mirrors copied from the first plex). */
  init?: AssistInit
}

/** What vxassist appends to a volume's name for its plexes: `-01`, `-02`, ... */
const PLEX_SUFFIX_LEN = '-01'.length

/**
 * The longest name a vxassist-made volume may have: its plexes are named `<volume>-01`, ... and
 * every record name fits the profile's limit (NAME_LEN, SEMANTICS.md 4.1): 11 of 14 characters.
 */
export function assistVolumeNameMax(profile: Profile): number {
  return profile.nameLen - PLEX_SUFFIX_LEN
}

/** Volume sectors each pair of DRL log sectors covers: 2 GiB. */
const DRL_LOG_SPAN = (2 * 1024 * 1024 * 1024) / 512

/**
 * DRL log length for a volume, VxVM's table (3.1 Administrator's Guide, DRL guidelines): 2 sectors
 * for a volume up to 2 GiB, 2 more for each further 2 GiB begun (rule 158).
 */
export function drlLogLength(volLen: number): number {
  return 2 * Math.max(1, Math.ceil(volLen / DRL_LOG_SPAN))
}

/**
 * Plans the records of a vxassist-made volume against the draft's free space. Every mirror uses
 * disks no other mirror of the volume uses; stripe columns use distinct disks; a failed disk
 * (`fault`, rule 372) is never chosen, and named is refused VM_DISK_FAILED.
 */
export function planAssist(d: Draft, spec: AssistSpec, fault: DiskFault = () => undefined): MakeRecord[] {
  const max = assistVolumeNameMax(d.profile)
  if (typeof spec.name === 'string' && spec.name.length > max) {
    throw new EngineError('VM_INVALID_NAME', `volume names are at most ${max} characters here, because its plexes are named ${spec.name}-01, ... and record names are at most ${d.profile.nameLen} (profile ${d.profile.id}); ${JSON.stringify(spec.name)} has ${spec.name.length}`, { details: { maxLength: max } })
  }
  const name = checkName(spec.name, d.profile)
  d.assertFreeName(name)
  const len = checkSectors(spec.len, 'len', true)
  const layout = checkOneOf(spec.layout ?? 'concat', ['concat', 'stripe', 'mirror', 'mirror-stripe'] as const, 'layout')
  const mirrored = layout === 'mirror' || layout === 'mirror-stripe'
  const striped = layout === 'stripe' || layout === 'mirror-stripe'
  const nmirror = mirrored ? checkSectors(spec.nmirror ?? 2, 'nmirror', true) : 1
  if (nmirror > d.profile.maxPlexes) fail('VM_TOO_MANY_PLEXES', `at most ${d.profile.maxPlexes} mirrors`)
  if (!mirrored && spec.nmirror !== undefined && spec.nmirror !== 1) fail('VM_INVALID_PARAM', `layout ${layout} has one plex`)
  const ncol = striped ? checkSectors(spec.ncol ?? 2, 'ncol', true) : 1
  const width = striped ? checkSectors(spec.stwidth ?? 128, 'stwidth', true) : 0
  const log = checkOneOf(spec.log ?? 'none', ['drl', 'none'] as const, 'log')
  if (log === 'drl' && !mirrored) fail('VM_INVALID_PARAM', 'a dirty region log needs a mirrored layout')
  let pool: DmRecord[] = d.c.disks.filter((dm) => isOrdinaryDisk(dm) && !fault(dm))
  if (spec.disks !== undefined) {
    if (!Array.isArray(spec.disks)) fail('VM_INVALID_PARAM', 'disks must be a list of disk names')
    pool = spec.disks.map((n) => d.disk(n))
    for (const dm of pool) assertNoFault(fault, dm)
  }
  // each column of a stripe plex on a disk of its own (and each plex on disks of its own)
  if (striped && ncol * nmirror > pool.length) throw new EngineError('VM_NO_SPACE', `${ncol} columns${nmirror > 1 ? ` in each of ${nmirror} mirrors` : ''} need ${ncol * nmirror} disks, one for each: ${spec.disks !== undefined ? `${pool.length} disks were given` : `the group has ${pool.length} usable disks`}`, { details: { disksNeeded: ncol * nmirror, disksUsable: pool.length } })
  // Local view of free space, consumed as the plan allocates.
  const free = new Map(pool.map((dm) => [dm.dm_rid, freeExtents(d, dm)]))
  const freeTotal = (dm: DmRecord) => free.get(dm.dm_rid)!.reduce((s, e) => s + e.len, 0)
  const used = new Set<number>()
  const out: MakeRecord[] = []
  const taken = new Set([...d.all()].map((n) => (n.rec as unknown as Record<string, string>)[`${n.kind}_name`]))
  const nextName = (base: string) => {
    for (let i = 1; ; i++) {
      const n = `${base}-${String(i).padStart(2, '0')}`
      if (!taken.has(n)) {
        taken.add(n)
        return n
      }
    }
  }
  const take = (dm: DmRecord, want: number, contiguous: boolean): { offset: number; len: number } | undefined => {
    const ext = free.get(dm.dm_rid)!
    const i = ext.findIndex((e) => e.len >= want)
    const e = i >= 0 ? ext[i] : contiguous ? undefined : ext[0]
    if (!e) return undefined
    const n = Math.min(want, e.len)
    const got = { offset: e.offset, len: n }
    e.offset += n
    e.len -= n
    if (e.len === 0) ext.splice(ext.indexOf(e), 1)
    return got
  }
  const candidates = () => pool.filter((dm) => !used.has(dm.dm_rid)).sort((a, b) => freeTotal(b) - freeTotal(a))
  const plexNames: string[] = []
  for (let m = 0; m < nmirror; m++) {
    const plexName = nextName(name)
    // what a refusal names: the volume, or with mirrors the plex that did not fit
    const what = mirrored ? `plex ${plexName} (mirror ${m + 1} of volume ${name})` : `volume ${name}`
    const sds: PlexSpec['sd'] = []
    const mine = new Set<number>()
    if (striped) {
      const colLen = Math.ceil(len / ncol / width) * width
      for (let c = 0; c < ncol; c++) {
        const dm = candidates().find((x) => !mine.has(x.dm_rid) && free.get(x.dm_rid)!.some((e) => e.len >= colLen))
        if (!dm) fail('VM_NO_SPACE', `no disk left with ${sectorsText(colLen)} (${colLen} sectors) of contiguous free space for column ${c} of ${what}`)
        const e = take(dm, colLen, true)!
        const sdName = nextName(dm.dm_name)
        out.push({ type: 'sd', name: sdName, disk: dm.dm_name, offset: e.offset, len: e.len })
        sds.push({ name: sdName, column: c, offset: 0 })
        mine.add(dm.dm_rid)
      }
    } else {
      let left = len
      let at = 0
      while (left > 0) {
        const dm = candidates().find((x) => freeTotal(x) > 0 && (mine.has(x.dm_rid) || true))
        // every disk it may use is full: what it took so far is all the free space there was
        if (!dm) throw new EngineError('VM_NO_SPACE', `not enough free space for ${what}: it needs ${sectorsText(len)}, the disks it may use have ${sectorsText(len - left)} free (${len} sectors needed, ${len - left} free)`, { details: { sectorsNeeded: len, sectorsFree: len - left } })
        const e = take(dm, left, false)!
        const sdName = nextName(dm.dm_name)
        out.push({ type: 'sd', name: sdName, disk: dm.dm_name, offset: e.offset, len: e.len })
        sds.push({ name: sdName, offset: at })
        at += e.len
        left -= e.len
        mine.add(dm.dm_rid)
        if (freeTotal(dm) === 0) used.add(dm.dm_rid)
      }
    }
    for (const r of mine) used.add(r)
    out.push({ type: 'plex', name: plexName, layout: striped ? 'STRIPE' : 'CONCAT', ...(striped ? { st_width: width } : {}), sd: sds })
    plexNames.push(plexName)
  }
  if (log === 'drl') {
    const logLen = drlLogLength(len)
    const dm = [...candidates(), ...pool].find((x) => free.get(x.dm_rid)!.some((e) => e.len >= logLen))
    if (!dm) fail('VM_NO_SPACE', 'no room for the log subdisk')
    const e = take(dm, logLen, true)!
    const sdName = nextName(dm.dm_name)
    const plexName = nextName(name)
    out.push({ type: 'sd', name: sdName, disk: dm.dm_name, offset: e.offset, len: e.len })
    out.push({ type: 'plex', name: plexName, log_sd: sdName })
    plexNames.push(plexName)
  }
  out.push({ type: 'vol', name, len, usetype: spec.usetype ?? 'fsgen', read_pol: 'SELECT', plex: plexNames })
  return out
}
