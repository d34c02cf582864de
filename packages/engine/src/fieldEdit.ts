import { fail } from './errors.ts'
import { checkComment, checkName, checkOneOf, checkSectors, checkUtil } from './records/validate.ts'
import {
  type DmRecord,
  type PlRecord,
  type RecordKind,
  type SdRecord,
  type VRecord,
  DG_PFLAG,
  DM_PFLAG,
  DM_PFLAG_SETTABLE,
  PL_PFLAG_MASK,
  PL_TFLAG,
  PL_TFLAG_WRITABLE,
  SD_PFLAG,
  V_PFLAG_MASK,
} from './records/types.ts'
import type { Draft } from './txn.ts'
import { PREFIX } from './txn.ts'

export const PLEX_STATES = ['EMPTY', 'CLEAN', 'ACTIVE', 'STALE', 'OFFLINE', 'TEMP', 'TEMPRM', 'TEMPRMSD', 'IOFAIL', 'LOG', 'SNAPATT', 'SNAPDONE', 'SNAPDIS', 'SNAPTMP', 'DCOSNP'] as const
export const VOLUME_STATES = ['CLEAN', 'ACTIVE', 'EMPTY', 'SYNC', 'NEEDSYNC', 'REPLAY', 'INVALID'] as const

const UTIL = ['putil0', 'putil1', 'putil2', 'tutil0', 'tutil1', 'tutil2']

/** Fields each kind lets `set` change (the edit masks of SEMANTICS.md 1.4-1.6), short names. */
export const SETTABLE: Record<RecordKind, readonly string[]> = {
  dg: ['comment', ...UTIL, 'nconfig', 'nlog', 'pflag', 'hotreloc'],
  dm: ['comment', ...UTIL, 'pflag', 'reserve', 'spare', 'nohotuse', 'failing'],
  sd: ['comment', ...UTIL, 'len', 'pflag', 'tflag'],
  pl: ['comment', ...UTIL, 'tflag', 'kstate', 'pflag', 'layout', 'st_width', 'state'],
  v: [
    'comment', ...UTIL, 'state', 'read_pol', 'pref_name', 'fstype', 'uid', 'gid', 'mode', 'len', 'use_type',
    'log_len', 'start_opts', 'pflag', 'r_all', 'r_some', 'w_all', 'w_some', 'logserial', 'rwback_offset',
  ],
}

/**
 * The flags vxedit sets by name, `on` or `off` (or true/false): a disk's reserve, spare, nohotuse
 * and failing (vxedit set spare=on disk05), a group's hotreloc (on unless NORELOC is set).
 */
const FLAG_FIELDS: Partial<Record<RecordKind, Record<string, { bit: number; off?: true }>>> = {
  dm: { reserve: { bit: DM_PFLAG.RESERVE }, spare: { bit: DM_PFLAG.SPARE }, nohotuse: { bit: DM_PFLAG.NOHOTUSE }, failing: { bit: DM_PFLAG.FAILING } },
  dg: { hotreloc: { bit: DG_PFLAG.NORELOC, off: true } },
}

function onOff(value: unknown, what: string): boolean {
  if (value === true || value === 'on') return true
  if (value === false || value === 'off') return false
  fail('VM_INVALID_PARAM', `${what} must be on or off`)
}

/** Sets or clears the bit of a named flag field (`FLAG_FIELDS`) in `pflag`. */
function withFlag(pflag: number, flag: { bit: number; off?: true }, value: unknown, what: string): number {
  return onOff(value, what) !== (flag.off === true) ? pflag | flag.bit : pflag & ~flag.bit
}

function num(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) fail('VM_INVALID_PARAM', `${what} must be a non-negative integer`)
  return value
}

function str(value: unknown, what: string, max: number): string {
  if (typeof value !== 'string' || value.length > max || /[\r\n]/.test(value)) fail('VM_INVALID_PARAM', `${what} must be a string of at most ${max} characters`)
  return value
}

function policy(value: unknown, what: string): number {
  const n = num(value, what)
  if (n < 1 || n > 10) fail('VM_INVALID_PARAM', `${what} must be an exception policy 1..10`)
  return n
}

/** Normalises `pl_putil1` / `putil1` / `comment` to the short name; undefined if unknown. */
function shortName(kind: RecordKind, key: string, rec: object): { short: string; known: boolean } {
  const p = `${PREFIX[kind]}_`
  const short = key.startsWith(p) ? key.slice(p.length) : key
  const util = /^([pt]util)(\d+)$/.exec(short)
  const known = util ? Number(util[2]) < 3 : `${p}${short}` in rec || FLAG_FIELDS[kind]?.[short] !== undefined
  return { short, known }
}

/**
 * vxedit set: changes settable fields of one record. Unknown fields (including putil3) fail
 * VM_INVALID_PARAM, read-only fields VM_READONLY (checklist A2, A3, A8, B15, B16, C21-C23).
 */
export function setFields(d: Draft, name: string, fields: Record<string, unknown>): void {
  if (typeof fields !== 'object' || fields === null || Array.isArray(fields)) fail('VM_INVALID_PARAM', 'fields must be an object')
  const n = d.find(name) ?? fail('VM_NOT_FOUND', `no record ${name}`)
  const entries = Object.entries(fields)
  if (entries.length === 0) fail('VM_INVALID_PARAM', 'no fields to set')
  // Check every key before changing anything.
  for (const [key] of entries) {
    const { short, known } = shortName(n.kind, key, n.rec)
    if (!known) fail('VM_INVALID_PARAM', `${key} is not a field of a ${n.kind} record`)
    if (!SETTABLE[n.kind].includes(short)) fail('VM_READONLY', `${key} is read-only`)
  }
  for (const [key, value] of entries) {
    const { short } = shortName(n.kind, key, n.rec)
    const rec = n.rec as unknown as Record<string, unknown>
    const util = /^([pt]util)(\d)$/.exec(short)
    if (util) {
      const arr = rec[`${PREFIX[n.kind]}_${util[1]}`] as string[]
      arr[Number(util[2])] = checkUtil(value)
      continue
    }
    if (short === 'comment') {
      rec[`${PREFIX[n.kind]}_comment`] = checkComment(value)
      continue
    }
    switch (n.kind) {
      case 'pl':
        setPlexField(d, n.rec as PlRecord, short, value)
        break
      case 'v':
        setVolumeField(d, n.rec as VRecord, short, value, fields)
        break
      case 'sd':
        setSubdiskField(d, n.rec as SdRecord, short, value)
        break
      case 'dm': {
        const dm = n.rec as DmRecord
        const flag = FLAG_FIELDS.dm![short]
        const f = flag ? withFlag(dm.dm_pflag, flag, value, short) : num(value, 'pflag')
        if (f & ~DM_PFLAG_SETTABLE & ~DM_PFLAG.REMOVED) fail('VM_INVALID_PARAM', 'unknown disk flag')
        dm.dm_pflag = (dm.dm_pflag & DM_PFLAG.REMOVED) | (f & DM_PFLAG_SETTABLE)
        // vxedit: a spare is there for hot relocation, which nohotuse forbids
        if ((dm.dm_pflag & (DM_PFLAG.SPARE | DM_PFLAG.NOHOTUSE)) === (DM_PFLAG.SPARE | DM_PFLAG.NOHOTUSE)) fail('VM_INVALID_PARAM', `disk ${dm.dm_name} cannot be both spare and nohotuse`)
        break
      }
      case 'dg': {
        const flag = FLAG_FIELDS.dg![short]
        if (flag) {
          rec.dg_pflag = withFlag(rec.dg_pflag as number, flag, value, short)
          break
        }
        const x = num(value, short)
        if (short === 'pflag' && x & ~(DG_PFLAG.NOQUORUM | DG_PFLAG.NORELOC)) fail('VM_INVALID_PARAM', 'disk group pflag mask is 0x3 (NOQUORUM, NORELOC)')
        rec[`dg_${short}`] = x
        break
      }
    }
  }
}

function setPlexField(d: Draft, pl: PlRecord, f: string, value: unknown): void {
  switch (f) {
    case 'state':
      pl.pl_state = checkOneOf(checkUtil(value, 'state'), PLEX_STATES, 'plex state')
      return
    case 'pflag': {
      const v = num(value, 'pflag')
      if (v & ~PL_PFLAG_MASK) fail('VM_INVALID_PARAM', 'plex pflag mask is 0x7')
      pl.pl_pflag = v
      return
    }
    case 'tflag': {
      const v = num(value, 'tflag') & PL_TFLAG_WRITABLE // read-only and kernel bits are ignored
      if ((v & (PL_TFLAG.READ | PL_TFLAG.WRITE)) === 0) fail('VM_INVALID_PARAM', 'a plex cannot have both READ and WRITE cleared')
      pl.pl_tflag = (pl.pl_tflag & ~PL_TFLAG_WRITABLE) | v
      return
    }
    case 'kstate': {
      const k = checkOneOf(value, ['ENABLED', 'DETACHED', 'DISABLED'] as const, 'kstate')
      if (k !== 'DISABLED' && !pl.pl_vol_rid) fail('VM_INVALID_PARAM', `plex ${pl.pl_name} is not associated; only DISABLED is allowed`)
      pl.pl_kstate = k
      return
    }
    case 'layout': {
      const l = checkOneOf(value, ['CONCAT', 'STRIPE'] as const, 'layout')
      if (pl.pl_vol_rid && l !== pl.pl_layout) fail('VM_BUSY_ASSOC', `plex ${pl.pl_name} is associated; its layout cannot change`)
      if (l === 'STRIPE' && pl.pl_st_width === 0) fail('VM_INVALID_PARAM', 'set st_width > 0 before layout STRIPE')
      if (d.sdsOf(pl).some((s) => !s.sd_is_log) && l !== pl.pl_layout) fail('VM_BUSY_ASSOC', `plex ${pl.pl_name} has subdisks; its layout cannot change`)
      pl.pl_layout = l
      return
    }
    case 'st_width': {
      const w = checkSectors(value, 'st_width')
      if (pl.pl_layout === 'STRIPE' && w === 0) fail('VM_INVALID_PARAM', 'a striped plex needs st_width > 0')
      if (pl.pl_vol_rid && w !== pl.pl_st_width) fail('VM_BUSY_ASSOC', `plex ${pl.pl_name} is associated; its stripe width cannot change`)
      pl.pl_st_width = w
      return
    }
  }
}

function setVolumeField(d: Draft, v: VRecord, f: string, value: unknown, all: Record<string, unknown>): void {
  switch (f) {
    case 'state':
      v.v_state = checkOneOf(checkUtil(value, 'state'), VOLUME_STATES, 'volume state')
      return
    case 'read_pol': {
      const p = checkOneOf(value, ['ROUND', 'PREFER', 'SELECT'] as const, 'read_pol')
      const pref = (all.pref_name ?? all.v_pref_name ?? v.v_pref_name) as string
      if (p === 'PREFER' && !d.plexesOf(v).some((pl) => pl.pl_name === pref)) fail('VM_INVALID_PARAM', 'read policy PREFER needs pref_name naming a plex of the volume')
      v.v_read_pol = p
      v.v_current_read_pol = p
      return
    }
    case 'pref_name': {
      const p = str(value, 'pref_name', d.profile.nameLen)
      if (p !== '' && !d.plexesOf(v).some((pl) => pl.pl_name === p)) fail('VM_INVALID_PARAM', `${p} is not a plex of ${v.v_name}`)
      v.v_pref_name = p
      return
    }
    case 'len': {
      if (v.v_kstate !== 'DISABLED') fail('VM_VOL_ENABLED', `volume ${v.v_name} is started; stop it to change its length`)
      v.v_len = checkSectors(value, 'len', true)
      return
    }
    case 'use_type':
      v.v_use_type = checkOneOf(value, ['fsgen', 'gen'] as const, 'use_type')
      return
    case 'fstype':
      v.v_fstype = str(value, 'fstype', 8)
      return
    case 'start_opts':
      v.v_start_opts = str(value, 'start_opts', 32)
      return
    case 'pflag': {
      const n = num(value, 'pflag')
      if (n & ~V_PFLAG_MASK) fail('VM_INVALID_PARAM', 'volume pflag mask is 0x3ff')
      v.v_pflag = n
      return
    }
    case 'r_all':
    case 'r_some':
    case 'w_all':
    case 'w_some':
      ;(v as unknown as Record<string, number>)[`v_${f}`] = policy(value, f)
      return
    default:
      ;(v as unknown as Record<string, number>)[`v_${f}`] = num(value, f)
  }
}

function setSubdiskField(d: Draft, sd: SdRecord, f: string, value: unknown): void {
  if (f === 'len') {
    const len = checkSectors(value, 'len', true)
    if (sd.sd_plex_rid) fail('VM_BUSY_ASSOC', `subdisk ${sd.sd_name} is associated; dissociate it to change its length`)
    const dm = d.c.disks.find((x) => x.dm_rid === sd.sd_dm_rid)!
    if (sd.sd_dm_offset + len > dm.dm_pub_len) fail('VM_OUT_OF_RANGE', 'the subdisk would end beyond the public region')
    const clash = d.c.subdisks.find((s) => s !== sd && s.sd_dm_rid === sd.sd_dm_rid && sd.sd_dm_offset < s.sd_dm_offset + s.sd_len && s.sd_dm_offset < sd.sd_dm_offset + len)
    if (clash) fail('VM_OVERLAP', `the subdisk would overlap ${clash.sd_name}`)
    sd.sd_len = len
    return
  }
  const n = num(value, f)
  if (f === 'pflag') {
    if (n & ~(SD_PFLAG.IGNORE_WRITES | SD_PFLAG.VOLATILE)) fail('VM_INVALID_PARAM', 'unknown subdisk flag')
    sd.sd_pflag = (sd.sd_pflag & SD_PFLAG.VOLATILE) | (n & SD_PFLAG.IGNORE_WRITES)
  } else sd.sd_tflag = (sd.sd_tflag & 0x100) | (n & 0xff)
}

export { checkName }
