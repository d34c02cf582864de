import { fail } from './errors.ts'
import { checkComment, checkName, checkOneOf, checkSectors, checkUtil } from './records/validate.ts'
import {
  type DmRecord,
  type PlexLayout,
  type PlRecord,
  type ReadPolicy,
  type SdRecord,
  type UsageType,
  type VRecord,
  NODEV,
  PL_PFLAG,
  PL_TFLAG,
  emptyUtil,
} from './records/types.ts'
import type { Draft } from './txn.ts'

/** Pure record operations on a transaction draft; every one validates before it changes anything. */

export interface SubdiskSpec {
  name: string
  disk: string
  /** Offset in the disk's public region; first fit when omitted. */
  offset?: number
  len: number
  comment?: string
}

export interface SdAssoc {
  name: string
  /** Plex offset (concat) or column offset (stripe); appended when omitted. */
  offset?: number
  column?: number
}

export interface PlexSpec {
  name: string
  layout?: PlexLayout
  /** Stripe unit in sectors (STRIPE only). */
  st_width?: number
  sd?: Array<string | SdAssoc>
  log_sd?: string
  comment?: string
}

export interface VolumeSpec {
  name: string
  usetype?: UsageType
  len: number
  read_pol?: ReadPolicy
  pref_name?: string
  plex?: string[]
  comment?: string
}

/** Free extents (sectors, public-region offsets) of a disk. */
export function freeExtents(d: Draft, dm: DmRecord): Array<{ offset: number; len: number }> {
  const used = d.c.subdisks.filter((s) => s.sd_dm_rid === dm.dm_rid).sort((a, b) => a.sd_dm_offset - b.sd_dm_offset)
  const out: Array<{ offset: number; len: number }> = []
  let pos = 0
  for (const s of used) {
    if (s.sd_dm_offset > pos) out.push({ offset: pos, len: s.sd_dm_offset - pos })
    pos = Math.max(pos, s.sd_dm_offset + s.sd_len)
  }
  if (pos < dm.dm_pub_len) out.push({ offset: pos, len: dm.dm_pub_len - pos })
  return out
}

export function makeSubdisk(d: Draft, spec: SubdiskSpec): SdRecord {
  const name = checkName(spec.name, d.profile)
  d.assertFreeName(name)
  const dm = d.disk(spec.disk)
  const len = checkSectors(spec.len, 'len', true)
  let offset: number
  if (spec.offset === undefined) {
    const hole = freeExtents(d, dm).find((e) => e.len >= len) ?? fail('VM_NO_SPACE', `no ${len} free sectors on ${dm.dm_name}`)
    offset = hole.offset
  } else {
    offset = checkSectors(spec.offset, 'offset')
  }
  if (offset + len > dm.dm_pub_len) fail('VM_OUT_OF_RANGE', `subdisk ${name} ends beyond the public region of ${dm.dm_name}`)
  const clash = d.c.subdisks.find((s) => s.sd_dm_rid === dm.dm_rid && offset < s.sd_dm_offset + s.sd_len && s.sd_dm_offset < offset + len)
  if (clash) fail('VM_OVERLAP', `subdisk ${name} overlaps ${clash.sd_name} on ${dm.dm_name}`)
  const sd: SdRecord = {
    sd_name: name,
    sd_path: '',
    sd_pl_name: '',
    sd_comment: checkComment(spec.comment ?? ''),
    sd_putil: emptyUtil(),
    sd_pflag: 0,
    sd_update_tid: 0,
    sd_dev_offset: 0,
    sd_pl_offset: 0,
    sd_column: 0,
    sd_dm_offset: offset,
    sd_len: len,
    sd_rid: d.newRid(),
    sd_plex_rid: 0,
    sd_dm_rid: dm.dm_rid,
    sd_is_log: false,
    sd_orig_dmname: '',
    sd_orig_dmoffset: 0,
    sd_tutil: emptyUtil(),
    sd_lock: 0,
    sd_tflag: 0,
    sd_da_name: '',
    sd_dm_name: '',
  }
  d.c.subdisks.push(sd)
  return sd
}

export function makePlex(d: Draft, spec: PlexSpec): PlRecord {
  const name = checkName(spec.name, d.profile)
  d.assertFreeName(name)
  const layout = checkOneOf(spec.layout ?? 'CONCAT', ['CONCAT', 'STRIPE'] as const, 'layout')
  const width = spec.st_width === undefined ? (layout === 'STRIPE' ? 128 : 0) : checkSectors(spec.st_width, 'st_width')
  if (layout === 'STRIPE' && width === 0) fail('VM_INVALID_PARAM', 'a striped plex needs st_width > 0')
  const pl: PlRecord = {
    pl_name: name,
    pl_comment: checkComment(spec.comment ?? ''),
    pl_putil: emptyUtil(),
    pl_v_name: '',
    pl_state: 'EMPTY',
    pl_layout: layout,
    pl_pflag: 0,
    pl_sd_num: 0,
    pl_update_tid: 0,
    pl_st_width: width,
    pl_log_sd: '',
    pl_rid: d.newRid(),
    pl_vol_rid: 0,
    pl_detach_tid: 0,
    pl_log_sd_rid: 0,
    pl_tutil: emptyUtil(),
    pl_lock: 0,
    pl_compact: 1,
    pl_tflag: 0,
    pl_kstate: 'DISABLED',
    pl_minor: NODEV,
    pl_lasterr: 0,
    pl_len: 0,
    pl_contig_len: 0,
    pl_dev: NODEV,
    pl_ncol: 1,
  }
  d.c.plexes.push(pl)
  for (const a of spec.sd ?? []) assocSubdisk(d, pl, typeof a === 'string' ? { name: a } : a)
  if (spec.log_sd !== undefined) assocLog(d, pl, spec.log_sd)
  return pl
}

function assertUnassociatedSd(sd: SdRecord): void {
  if (sd.sd_plex_rid) fail('VM_BUSY_ASSOC', `subdisk ${sd.sd_name} is already associated with ${sd.sd_pl_name || 'a plex'}`)
}

/** Where an appended subdisk goes: the end of the plex (concat) or of its column (stripe). */
function appendOffset(d: Draft, pl: PlRecord, column: number): number {
  const sds = d.sdsOf(pl).filter((s) => !s.sd_is_log && (pl.pl_layout === 'CONCAT' || s.sd_column === column))
  return sds.reduce((m, s) => Math.max(m, s.sd_pl_offset + s.sd_len), 0)
}

/** Associates a data subdisk (vxsd assoc); no overlap inside the plex (checklist B13). */
export function assocSubdisk(d: Draft, pl: PlRecord, a: SdAssoc): SdRecord {
  const sd = d.sd(a.name)
  assertUnassociatedSd(sd)
  const column = pl.pl_layout === 'STRIPE' ? checkSectors(a.column ?? 0, 'column') : 0
  if (a.column !== undefined && pl.pl_layout === 'CONCAT' && a.column !== 0) fail('VM_INVALID_PARAM', 'a concat plex has no columns')
  const offset = a.offset === undefined ? appendOffset(d, pl, column) : checkSectors(a.offset, 'offset')
  if (pl.pl_layout === 'STRIPE' && (offset % pl.pl_st_width !== 0 || sd.sd_len % pl.pl_st_width !== 0)) {
    fail('VM_INVALID_PARAM', `stripe column pieces must be multiples of st_width ${pl.pl_st_width}`)
  }
  const clash = d
    .sdsOf(pl)
    .find((s) => !s.sd_is_log && s.sd_column === column && offset < s.sd_pl_offset + s.sd_len && s.sd_pl_offset < offset + sd.sd_len)
  if (clash) fail('VM_OVERLAP', `subdisk ${sd.sd_name} overlaps ${clash.sd_name} in plex ${pl.pl_name}`)
  if (d.c.subdisks.filter((s) => s.sd_plex_rid === pl.pl_rid).length >= 4096) fail('VM_INVALID_PARAM', 'a plex holds at most 4096 subdisks')
  sd.sd_plex_rid = pl.pl_rid
  sd.sd_pl_offset = offset
  sd.sd_column = column
  sd.sd_is_log = false
  return sd
}

/** Associates a log subdisk (vxsd aslog): one per plex (checklist B18); no plex range. */
export function assocLog(d: Draft, pl: PlRecord, sdName: string): SdRecord {
  const sd = d.sd(sdName)
  assertUnassociatedSd(sd)
  if (d.sdsOf(pl).some((s) => s.sd_is_log)) fail('VM_LOG_EXISTS', `plex ${pl.pl_name} already has a log subdisk`)
  if (sd.sd_len < 2) fail('VM_INVALID_PARAM', 'a log subdisk needs at least 2 sectors')
  sd.sd_plex_rid = pl.pl_rid
  sd.sd_pl_offset = 0
  sd.sd_column = 0
  sd.sd_is_log = true
  return sd
}

export function makeVolume(d: Draft, spec: VolumeSpec): VRecord {
  const name = checkName(spec.name, d.profile)
  d.assertFreeName(name)
  const usedMinors = new Set(d.c.volumes.map((v) => v.v_minor))
  let minor = d.c.dg.dg_minor
  while (usedMinors.has(minor)) minor++
  const v: VRecord = {
    v_name: name,
    v_use_type: checkOneOf(spec.usetype ?? 'fsgen', ['fsgen', 'gen'] as const, 'usetype'),
    v_fstype: '',
    v_comment: checkComment(spec.comment ?? ''),
    v_putil: emptyUtil(),
    v_state: 'EMPTY',
    v_pref_name: '',
    v_start_opts: '',
    v_read_pol: checkOneOf(spec.read_pol ?? 'ROUND', ['ROUND', 'PREFER', 'SELECT'] as const, 'read_pol'),
    v_minor: minor,
    v_uid: 0,
    v_gid: 0,
    v_mode: 0o600,
    v_pflag: 0,
    v_pl_num: 0,
    v_update_tid: 0,
    v_len: checkSectors(spec.len, 'len', true),
    v_log_len: 0,
    v_rid: d.newRid(),
    v_pref_plex_rid: 0,
    v_detach_tid: 0,
    v_tutil: emptyUtil(),
    v_rec_lock: 0,
    v_data_lock: 0,
    v_lasterr: 0,
    v_kstate: 'DISABLED',
    v_r_all: 2,
    v_r_some: 7,
    v_w_all: 2,
    v_w_some: 7,
    v_current_read_pol: 'SELECT',
    v_tflag: 0,
    v_iosize: 1,
    v_rwback_offset: 0,
    v_logserial: 0,
  }
  v.v_current_read_pol = v.v_read_pol
  d.c.volumes.push(v)
  for (const p of spec.plex ?? []) associatePlex(d, v, d.plex(p))
  if (spec.pref_name !== undefined) {
    if (!d.plexesOf(v).some((p) => p.pl_name === spec.pref_name)) fail('VM_INVALID_PARAM', `${spec.pref_name} is not a plex of ${name}`)
    v.v_pref_name = spec.pref_name
  }
  return v
}

/** Plain association of a plex with a volume (the first step of vxplex att). */
export function associatePlex(d: Draft, v: VRecord, pl: PlRecord): void {
  if (pl.pl_vol_rid) fail('VM_BUSY_ASSOC', `plex ${pl.pl_name} is already associated with ${pl.pl_v_name}`)
  assertUnlocked(pl.pl_tutil[0], pl.pl_name)
  if (d.plexesOf(v).length >= d.profile.maxPlexes) fail('VM_TOO_MANY_PLEXES', `volume ${v.v_name} already has ${d.profile.maxPlexes} plexes`)
  pl.pl_vol_rid = v.v_rid
  pl.pl_v_name = v.v_name
  const used = new Set(d.c.plexes.filter((p) => p.pl_vol_rid).map((p) => p.pl_minor))
  let m = 0
  while (used.has(m)) m++
  pl.pl_minor = m
  pl.pl_kstate = 'DISABLED'
  if (isLogPlex(d, pl)) pl.pl_state = 'LOG'
  else if (v.v_state === 'EMPTY' && pl.pl_state === 'EMPTY') pl.pl_state = 'EMPTY'
  else pl.pl_state = 'STALE'
}

/** A plex that holds only a log subdisk. */
export function isLogPlex(d: Draft, pl: PlRecord): boolean {
  const sds = d.sdsOf(pl)
  return sds.length > 0 && sds.every((s) => s.sd_is_log)
}

export function assertUnlocked(tutil0: string, name: string): void {
  if (tutil0) fail('VM_LOCKED', `${name} is locked by another utility (tutil0=${tutil0})`)
}

/** vxplex dis: removes the association; the plex keeps its data but gets no volume I/O. */
export function dissociatePlex(d: Draft, pl: PlRecord): void {
  if (!pl.pl_vol_rid) fail('VM_INVALID_PARAM', `plex ${pl.pl_name} is not associated`)
  assertUnlocked(pl.pl_tutil[0], pl.pl_name)
  const v = d.volOf(pl)
  if (v && v.v_pref_name === pl.pl_name) v.v_pref_name = ''
  pl.pl_vol_rid = 0
  pl.pl_kstate = 'DISABLED'
  pl.pl_tflag &= ~0xf
}

/** vxsd dis. A data subdisk cannot leave a plex that is taking volume I/O. */
export function dissociateSubdisk(d: Draft, sd: SdRecord): void {
  if (!sd.sd_plex_rid) fail('VM_INVALID_PARAM', `subdisk ${sd.sd_name} is not associated`)
  const pl = d.c.plexes.find((p) => p.pl_rid === sd.sd_plex_rid)
  if (pl && !sd.sd_is_log && pl.pl_kstate !== 'DISABLED') fail('VM_VOL_ENABLED', `plex ${pl.pl_name} is ${pl.pl_kstate}; detach it first`)
  assertUnlocked(sd.sd_tutil[0], sd.sd_name)
  sd.sd_plex_rid = 0
  sd.sd_is_log = false
  sd.sd_pl_offset = 0
  sd.sd_column = 0
}

/** Removes an unassociated record (vxedit rm), or with `recursive` its children too. */
export function removeRecord(d: Draft, name: string, recursive: boolean): void {
  const n = d.find(name) ?? fail('VM_NOT_FOUND', `no record ${name}`)
  switch (n.kind) {
    case 'sd': {
      const sd = n.rec as SdRecord
      if (sd.sd_plex_rid) fail('VM_BUSY_ASSOC', `subdisk ${name} is associated with ${sd.sd_pl_name}`)
      d.c.subdisks.splice(d.c.subdisks.indexOf(sd), 1)
      return
    }
    case 'pl': {
      const pl = n.rec as PlRecord
      if (pl.pl_vol_rid) fail('VM_BUSY_ASSOC', `plex ${name} is associated with ${pl.pl_v_name}`)
      const sds = d.sdsOf(pl)
      if (sds.length && !recursive) fail('VM_BUSY_ASSOC', `plex ${name} still has subdisks (remove recursively)`)
      for (const sd of sds) d.c.subdisks.splice(d.c.subdisks.indexOf(sd), 1)
      d.c.plexes.splice(d.c.plexes.indexOf(pl), 1)
      return
    }
    case 'v': {
      const v = n.rec as VRecord
      if (v.v_kstate !== 'DISABLED') fail('VM_VOL_ENABLED', `volume ${name} is ${v.v_kstate}; stop it first`)
      assertUnlocked(v.v_tutil[0], name)
      const pls = d.plexesOf(v)
      if (pls.length && !recursive) fail('VM_BUSY_ASSOC', `volume ${name} still has plexes (remove recursively)`)
      for (const pl of pls) {
        pl.pl_vol_rid = 0
        removeRecord(d, pl.pl_name, true)
      }
      d.c.volumes.splice(d.c.volumes.indexOf(v), 1)
      return
    }
    case 'dm': {
      const dm = n.rec as DmRecord
      if (d.c.subdisks.some((s) => s.sd_dm_rid === dm.dm_rid)) fail('VM_BUSY_ASSOC', `disk ${name} still holds subdisks`)
      if (d.c.disks.length === 1) fail('VM_INVALID_PARAM', 'the last disk of a group cannot be removed; deport or destroy the group')
      d.c.disks.splice(d.c.disks.indexOf(dm), 1)
      return
    }
    case 'dg':
      fail('VM_INVALID_PARAM', 'a disk group is not removed with rm')
  }
}

/** vxedit rename: the rid stays, references by name follow. */
export function renameRecord(d: Draft, name: string, newName: string): void {
  const n = d.find(name) ?? fail('VM_NOT_FOUND', `no record ${name}`)
  checkName(newName, d.profile)
  if (newName !== name) d.assertFreeName(newName)
  const rec = n.rec as unknown as Record<string, unknown>
  rec[`${n.kind}_name`] = newName
  if (n.kind === 'pl') for (const v of d.c.volumes) if (v.v_pref_name === name) v.v_pref_name = newName
}

/** Whole-plex staleness as the state machine sees it (STALE flag or a non-usable state). */
export function isStalePlex(pl: PlRecord): boolean {
  return (pl.pl_pflag & (PL_PFLAG.STALE | PL_PFLAG.KDETACH)) !== 0 || ['STALE', 'IOFAIL', 'OFFLINE', 'EMPTY', 'TEMP', 'TEMPRM', 'TEMPRMSD'].includes(pl.pl_state)
}

/** A record of a vxmake batch (or of vxassist's plan). */
export type MakeRecord = ({ type: 'sd' } & SubdiskSpec) | ({ type: 'plex' } & PlexSpec) | ({ type: 'vol' } & VolumeSpec)

/** vxmake of one record of a batch on the draft; an unknown record type is VM_INVALID_PARAM. */
export function makeRecord(d: Draft, r: MakeRecord): void {
  switch (r?.type) {
    case 'sd':
      makeSubdisk(d, r)
      return
    case 'plex':
      makePlex(d, r)
      return
    case 'vol':
      makeVolume(d, r)
      return
    default:
      fail('VM_INVALID_PARAM', `unknown record type ${JSON.stringify((r as { type?: unknown })?.type)}`)
  }
}

export { checkUtil }
