// The flag values and the edit masks are the engine's own tables (plain constants, no I/O), so
// the page decodes exactly what the engine sets.
import { SETTABLE } from '../../../../packages/engine/src/fieldEdit.ts'
import { DG_PFLAG, DG_TFLAG, DM_PFLAG, DM_TFLAG, EXCEPTION_POLICY, PL_PFLAG, PL_TFLAG, SD_PFLAG, SD_TFLAG, V_PFLAG, V_TFLAG } from '../../../../packages/engine/src/records/types.ts'
import { formatSectors, sectorsText } from './units.ts'

export type Kind = 'dg' | 'dm' | 'sd' | 'pl' | 'v'
export type Group = 'Identity' | 'State' | 'Layout' | 'Flags' | 'I/O' | 'Utility fields'
export const GROUPS: Group[] = ['Identity', 'State', 'Layout', 'Flags', 'I/O', 'Utility fields']

/** Field meanings from the record pages (SEMANTICS.md 1.2-1.6), by name without the kind prefix. */
const MEANING: Record<string, string> = {
  name: 'Record name; changed only by a rename, which keeps the rid.',
  comment: 'Free text, at most 40 characters, no newline.',
  putil: 'Persistent utility strings, kept across restarts: [0] usage type, [1] higher-level applications (this console), [2] the site administrator.',
  tutil: 'Temporary utility strings, cleared at restart: [0] usage type, [1] an operation this console is running on the record, [2] the site.',
  rid: 'Record id: unique in the disk group for its lifetime, kept across renames.',
  update_tid: 'Transaction id of the last committed change of this record.',
  dgid: 'Unique disk group id (seconds.sequence.host).',
  import_id: 'Id of this import of the group (not stored).',
  profile: 'VxVM generation whose limits apply (name lengths, plexes per volume).',
  nconfig: 'Configuration copies to keep active (0: every disk).',
  nlog: 'Log copies to keep active (0: default).',
  minor: 'Device minor number.',
  diskid: 'Unique id written in the disk header.',
  last_da_name: 'Where the disk was last found (path or URL).',
  device: 'The device the disk is on now (not stored).',
  priv_len: 'Length of the private region (disk header, configuration copy, kernel log).',
  pub_offset: 'Where the public region starts on the device.',
  pub_len: 'Length of the public region, where subdisks are allocated.',
  config_copies: 'Weight of this disk’s configuration copy in the quorum.',
  sd_num: 'Number of associated subdisks.',
  path: 'Block device of the disk holding the subdisk.',
  pl_name: 'Name of the plex the subdisk belongs to; empty if none.',
  dev_offset: 'Offset on the block device (public-region offset + disk offset).',
  pl_offset: 'Association offset: where the subdisk starts in the plex (in its column, for a stripe).',
  column: 'Stripe column (0 for a concat plex).',
  dm_offset: 'Offset from the start of the disk’s public region.',
  len: 'Length.',
  plex_rid: 'rid of the associated plex (0 if none).',
  dm_rid: 'rid of the disk holding the subdisk.',
  is_log: 'Associated as the plex’s log subdisk.',
  orig_dmname: 'Hot relocation moved this subdisk’s data here from this disk (vxunreloc moves it back); empty if never relocated.',
  orig_dmoffset: 'Where on that original disk the data was (offset in its public region).',
  lock: '1 while locked by the caller’s current transaction.',
  da_name: 'Disk access name of the disk holding it.',
  dm_name: 'Name of the disk holding it.',
  v_name: 'Name of the associated volume; empty if none.',
  state: 'Utility state (CLEAN, ACTIVE, STALE, IOFAIL, LOG, ...), owned by the usage type.',
  layout: 'CONCAT or STRIPE; cannot change while associated.',
  pflag: 'Persistent flags, kept across restarts.',
  tflag: 'Temporary flags, cleared at restart; some bits are read-only.',
  st_width: 'Stripe unit: sectors written to one column before the next.',
  log_sd: 'Name of the log subdisk; empty if none.',
  vol_rid: 'rid of the associated volume (0 if none).',
  detach_tid: 'Committed tid in effect when the plex (or volume) was detached.',
  log_sd_rid: 'rid of the log subdisk (0 if none).',
  compact: '1 if the subdisks start at 0 and leave no gap.',
  kstate: 'Kernel state: ENABLED takes I/O, DETACHED only ioctls naming it, DISABLED nothing.',
  lasterr: 'Sequence number of the last I/O error (0: none).',
  contig_len: 'Length of the hole-free prefix; less than the volume length means sparse.',
  dev: 'Device number of the plex device.',
  ncol: 'Stripe columns (1 for concat).',
  use_type: 'Usage type: fsgen (file systems) or gen (raw).',
  fstype: 'File system type guessed for the volume.',
  pref_name: 'Preferred plex when the read policy is PREFER.',
  start_opts: 'Options applied at start.',
  read_pol: 'Read policy: ROUND alternates, PREFER reads the preferred plex, SELECT picks a striped plex or rounds.',
  uid: 'Owner of the volume’s device node.',
  gid: 'Group of the volume’s device node.',
  mode: 'Permissions of the volume’s device node.',
  pl_num: 'Number of associated plexes.',
  log_len: 'Length of the log area.',
  pref_plex_rid: 'rid of the preferred plex.',
  rec_lock: '1 while the record is locked by a transaction.',
  data_lock: '1 while the volume’s data is locked by a transaction.',
  r_all: 'Exception policy when a read fails on every plex.',
  r_some: 'Exception policy when a read fails on some plexes.',
  w_all: 'Exception policy when a write fails on every plex.',
  w_some: 'Exception policy when a write fails on some plexes.',
  current_read_pol: 'The read policy in effect now (SELECT resolved).',
  iosize: 'Minimum raw I/O size.',
  rwback_offset: 'Progress of read-writeback recovery.',
  logserial: 'Serial number of the log.',
}

const GROUP_OF: Record<string, Group> = {
  state: 'State', kstate: 'State', lasterr: 'State', detach_tid: 'State', lock: 'State', rec_lock: 'State', data_lock: 'State', rwback_offset: 'State', logserial: 'State', current_read_pol: 'I/O',
  layout: 'Layout', len: 'Layout', contig_len: 'Layout', ncol: 'Layout', st_width: 'Layout', pl_offset: 'Layout', dm_offset: 'Layout', orig_dmname: 'Layout', orig_dmoffset: 'Layout', dev_offset: 'Layout', column: 'Layout', is_log: 'Layout', log_sd: 'Layout', log_sd_rid: 'Layout', sd_num: 'Layout', pl_num: 'Layout', priv_len: 'Layout', pub_offset: 'Layout', pub_len: 'Layout', log_len: 'Layout', compact: 'Layout', nconfig: 'Layout', nlog: 'Layout', config_copies: 'Layout',
  pflag: 'Flags', tflag: 'Flags',
  read_pol: 'I/O', pref_name: 'I/O', pref_plex_rid: 'I/O', r_all: 'I/O', r_some: 'I/O', w_all: 'I/O', w_some: 'I/O', iosize: 'I/O', start_opts: 'I/O',
  putil: 'Utility fields', tutil: 'Utility fields',
}

const SECTOR_FIELDS = new Set(['len', 'contig_len', 'st_width', 'pl_offset', 'dm_offset', 'orig_dmoffset', 'dev_offset', 'priv_len', 'pub_offset', 'pub_len', 'log_len', 'iosize', 'rwback_offset'])

type FlagTable = Record<string, number>
const FLAGS: Record<string, { prefix: string; table: FlagTable; field?: { mask: number; values: FlagTable } }> = {
  pl_pflag: { prefix: 'PL_PFLAG', table: PL_PFLAG },
  pl_tflag: { prefix: 'PL_TFLAG', table: PL_TFLAG },
  v_pflag: { prefix: 'V_PFLAG', table: { WRITEBACK: V_PFLAG.WRITEBACK, WRITECOPY: V_PFLAG.WRITECOPY, ACTIVE: V_PFLAG.ACTIVE, FORCEMINOR: V_PFLAG.FORCEMINOR, BADLOG: V_PFLAG.BADLOG, SPECIFY_WRITECOPY: V_PFLAG.SPECIFY_WRITECOPY }, field: { mask: 0xf0, values: { LOGNONE: V_PFLAG.LOGNONE, LOGBLKNO: V_PFLAG.LOGBLKNO, LOGDRL: V_PFLAG.LOGDRL } } },
  v_tflag: { prefix: 'V_TFLAG', table: V_TFLAG },
  sd_pflag: { prefix: 'SD_PFLAG', table: SD_PFLAG },
  sd_tflag: { prefix: 'SD_TFLAG', table: SD_TFLAG },
  dm_pflag: { prefix: 'DM_PFLAG', table: DM_PFLAG },
  dm_tflag: { prefix: 'DM_TFLAG', table: DM_TFLAG },
  dg_pflag: { prefix: 'DG_PFLAG', table: DG_PFLAG },
  dg_tflag: { prefix: 'DG_TFLAG', table: DG_TFLAG },
}

/**
 * A flag word in words, as the man pages write it: `PL_TFLAG_READ | WRITE | LOG`, then the number
 * in hex; bits no name covers are written as hex. 0 is "none".
 */
export function decodeFlags(field: string, value: number): string {
  const f = FLAGS[field]
  if (!f) return String(value)
  const words: string[] = []
  let rest = value
  if (f.field) {
    const v = value & f.field.mask
    const name = Object.entries(f.field.values).find(([, n]) => n === v)?.[0]
    if (name) {
      words.push(name)
      rest &= ~f.field.mask
    }
  }
  for (const [name, bit] of Object.entries(f.table)) {
    if (rest & bit) {
      words.push(name)
      rest &= ~bit
    }
  }
  if (rest) words.push(`0x${(rest >>> 0).toString(16)}`)
  if (words.length === 0) return `none (0)`
  return `${f.prefix}_${words.join(' | ')} (0x${(value >>> 0).toString(16)})`
}

const POLICY_NAMES = Object.fromEntries(Object.entries(EXCEPTION_POLICY).map(([k, v]) => [v, k]))

/** A field of a record as people read it. */
export interface FieldView {
  key: string
  group: Group
  meaning: string
  text: string
  /** The exact figure, for the hover (sectors). */
  exact?: string
  readOnly: boolean
}

function short(kind: Kind, key: string): string {
  return key.startsWith(`${kind}_`) ? key.slice(kind.length + 1) : key
}

/** Mode bits as `0600 (rw-------)`. */
export function formatMode(mode: number): string {
  const rwx = [6, 3, 0].map((s) => ((mode >> s) & 4 ? 'r' : '-') + ((mode >> s) & 2 ? 'w' : '-') + ((mode >> s) & 1 ? 'x' : '-')).join('')
  return `0${(mode & 0o777).toString(8).padStart(3, '0')} (${rwx})`
}

/** Every field of a record, grouped, with its meaning, its value for people and whether it is settable. */
export function fieldViews(kind: Kind, rec: Record<string, unknown>): FieldView[] {
  const settable = SETTABLE[kind]
  return Object.entries(rec).map(([key, value]) => {
    const s = short(kind, key)
    const group = GROUP_OF[s] ?? 'Identity'
    const readOnly = s === 'putil' || s === 'tutil' ? false : !settable.includes(s)
    let text: string
    let exact: string | undefined
    if (Array.isArray(value)) text = value.map((u, i) => `[${i}] ${u === '' ? '—' : u}`).join('  ')
    else if (typeof value === 'number' && SECTOR_FIELDS.has(s)) {
      text = `${formatSectors(value)} · ${sectorsText(value)}`
      exact = sectorsText(value)
    } else if (typeof value === 'number' && FLAGS[key]) text = decodeFlags(key, value)
    else if (typeof value === 'number' && /^(r|w)_(all|some)$/.test(s)) text = `${POLICY_NAMES[value] ?? 'unknown'} (${value})`
    else if (typeof value === 'number' && s === 'mode') text = formatMode(value)
    else if (typeof value === 'boolean') text = value ? 'yes' : 'no'
    else text = value === '' ? '—' : String(value)
    return { key, group, meaning: MEANING[s] ?? '', text, ...(exact ? { exact } : {}), readOnly }
  })
}
