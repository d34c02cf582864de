/**
 * The configuration records of a disk group: dg, dm, sd, pl, v, with the fields of the VxVM
 * record pages (SEMANTICS.md 1.2-1.6) under their man-page names. Offsets and lengths are in
 * sectors. rids and tids are unsigned integers (64-bit in VxVM; kept below 2^53 here so they are
 * plain JSON numbers). Fields listed in TEMPORARY_FIELDS are not stored: they reset on restart.
 */

export type KernelState = 'ENABLED' | 'DETACHED' | 'DISABLED'
export type PlexLayout = 'CONCAT' | 'STRIPE'
export type ReadPolicy = 'ROUND' | 'PREFER' | 'SELECT'
export type UsageType = 'fsgen' | 'gen'
export type RecordKind = 'dg' | 'dm' | 'sd' | 'pl' | 'v'

/** Plex device number of an unassociated plex. */
export const NODEV = -1

export const PL_PFLAG = { NOERROR: 0x1, STALE: 0x2, KDETACH: 0x4 } as const
export const PL_PFLAG_MASK = 0x7
export const PL_TFLAG = {
  READ: 0x1,
  WRITE: 0x2,
  LOG: 0x4,
  COMPLETE: 0x8,
  VOLATILE: 0x100,
  REMOVED: 0x200,
  NODAREC: 0x400,
  VK_OPEN: 0x01000000,
} as const
export const PL_TFLAG_WRITABLE = 0xf
export const PL_TFLAG_READONLY = 0x700

export const V_PFLAG = {
  WRITEBACK: 0x1,
  WRITECOPY: 0x2,
  ACTIVE: 0x4,
  FORCEMINOR: 0x8,
  LOGNONE: 0x10,
  LOGBLKNO: 0x20,
  LOGDRL: 0x30,
  BADLOG: 0x100,
  SPECIFY_WRITECOPY: 0x200,
} as const
export const V_PFLAG_MASK = 0x3ff
export const V_TFLAG = { READ: 0x1, WRITE: 0x2, RWBACK: 0x4, KRWBACK: 0x100, INVALID: 0x200, LOGGING: 0x400 } as const

export const SD_PFLAG = { VOLATILE: 0x100, IGNORE_WRITES: 0x200 } as const
export const SD_TFLAG = { IS_LOG: 0x100 } as const
/**
 * RESERVE: ordinary allocation never uses the disk (vxedit set reserve=on). SPARE: a hot-relocation
 * spare (vxedit set spare=on): relocation takes its space first and ordinary allocation only when
 * the disk is named. NOHOTUSE: hot relocation never uses it (vxedit set nohotuse=on). FAILING: hot
 * relocation moved failed subdisks off it; no allocation uses it until cleared (failing=off).
 * REMOVED: no device (set and cleared by the engine).
 */
export const DM_PFLAG = { RESERVE: 0x1, SPARE: 0x2, NOHOTUSE: 0x4, FAILING: 0x8, REMOVED: 0x100 } as const
/** The dm flags vxedit set may change (`pflag`, or each by name: reserve=on, spare=on, ...). */
export const DM_PFLAG_SETTABLE = DM_PFLAG.RESERVE | DM_PFLAG.SPARE | DM_PFLAG.NOHOTUSE | DM_PFLAG.FAILING
/** NODAREC: no device with this disk's id was found when the group was imported (vxprint NODEVICE). */
/**
 * CONFIG_DISABLED: the disk has its device but its configuration copy is disabled (a write to it
 * failed): no commit writes it until the engine enables it again (rule 235).
 */
export const DM_TFLAG = { VOLATILE: 0x4, NODAREC: 0x8, CONFIG_DISABLED: 0x10 } as const
export const DG_TFLAG = { DISABLED: 0x100 } as const
/**
 * NOQUORUM (chvg -Qn): stay imported until the last copy is lost; import then needs every disk.
 * NORELOC: no hot relocation when a disk fails (vxedit set hotreloc=off; on by default).
 */
export const DG_PFLAG = { NOQUORUM: 0x1, NORELOC: 0x2 } as const

/** Exception policies (SEMANTICS.md 1.6), enum values 1..10. */
export const EXCEPTION_POLICY = {
  V_NO_OP: 1,
  V_FAIL_OP: 2,
  V_DET_PL: 3,
  V_FAIL_DET_PL: 4,
  V_DET_VOL: 5,
  V_FAIL_DET_VOL: 6,
  V_GEN_DET: 7,
  V_GEN_DET_SPARSE: 8,
  V_GEN_FAIL: 9,
  V_GEN_DET2: 10,
} as const

export type Util3 = [string, string, string]

/** Limits that differ between VxVM generations (SEMANTICS.md 4.1). */
export interface Profile {
  readonly id: 'classic' | 'compat-1993' | 'vxvm3'
  readonly nameLen: number
  readonly maxPlexes: number
}
export const PROFILES: Record<Profile['id'], Profile> = {
  classic: { id: 'classic', nameLen: 14, maxPlexes: 32 },
  'compat-1993': { id: 'compat-1993', nameLen: 14, maxPlexes: 8 },
  vxvm3: { id: 'vxvm3', nameLen: 31, maxPlexes: 32 },
}

export interface DgRecord {
  dg_name: string
  dg_comment: string
  dg_putil: Util3
  dg_dgid: string
  dg_rid: number
  dg_update_tid: number
  dg_pflag: number
  /** Configuration copies to keep (0 = default: every disk). */
  dg_nconfig: number
  dg_nlog: number
  dg_minor: number
  dg_profile: Profile['id']
  // temporary
  dg_tutil: Util3
  dg_tflag: number
  dg_import_id: number
}

export interface DmRecord {
  dm_name: string
  dm_comment: string
  dm_putil: Util3
  dm_diskid: string
  /**
   * Where the disk was last found (path or URL), whole: VxVM's da name is a 32-byte field, but this
   * record is stored as JSON in the configuration copies, so a long path or URL is kept as it is.
   */
  dm_last_da_name: string
  dm_rid: number
  dm_update_tid: number
  dm_pflag: number
  /** Sectors of the private region (at disk offset 0). */
  dm_priv_len: number
  /** Sector offset of the public region on the device. */
  dm_pub_offset: number
  dm_pub_len: number
  /** Weight of this disk's configuration copy in the quorum (AIX: 2 on the first of two disks). */
  dm_config_copies: number
  // temporary
  dm_tutil: Util3
  dm_tflag: number
  dm_device: string
  dm_sd_num: number
}

export interface SdRecord {
  sd_name: string
  sd_path: string
  sd_pl_name: string
  sd_comment: string
  sd_putil: Util3
  sd_pflag: number
  sd_update_tid: number
  /** Offset inside the block device (= public-region offset + sd_dm_offset). */
  sd_dev_offset: number
  /** Where the subdisk starts in its plex (or, for a stripe, in its column). */
  sd_pl_offset: number
  /** Stripe column (0 for concat plexes). */
  sd_column: number
  /** Offset relative to the start of the disk's public region. */
  sd_dm_offset: number
  sd_len: number
  sd_rid: number
  sd_plex_rid: number
  sd_dm_rid: number
  /** Associated as the plex's log subdisk (SD_TFLAG_IS_LOG mirrors it). */
  sd_is_log: boolean
  /**
   * Hot relocation (rule 500): the disk (disk media name) this subdisk's data was on before
   * vxrelocd moved it here, kept through later moves; '' when never relocated (vxprint's
   * orig_dmname). vxunreloc moves it back there; the subdisk it makes records none.
   */
  sd_orig_dmname: string
  /** Its offset in that disk's public region, sectors (orig_dmoffset); 0 when never relocated. */
  sd_orig_dmoffset: number
  // temporary
  sd_tutil: Util3
  sd_lock: number
  sd_tflag: number
  sd_da_name: string
  sd_dm_name: string
}

export interface PlRecord {
  pl_name: string
  pl_comment: string
  pl_putil: Util3
  pl_v_name: string
  pl_state: string
  pl_layout: PlexLayout
  pl_pflag: number
  pl_sd_num: number
  pl_update_tid: number
  pl_st_width: number
  pl_log_sd: string
  pl_rid: number
  pl_vol_rid: number
  pl_detach_tid: number
  pl_log_sd_rid: number
  // temporary
  pl_tutil: Util3
  pl_lock: number
  pl_compact: number
  pl_tflag: number
  pl_kstate: KernelState
  pl_minor: number
  pl_lasterr: number
  pl_len: number
  pl_contig_len: number
  pl_dev: number
  /** Stripe columns (derived: highest sd_column + 1; 1 for concat). */
  pl_ncol: number
}

export interface VRecord {
  v_name: string
  v_use_type: UsageType
  v_fstype: string
  v_comment: string
  v_putil: Util3
  v_state: string
  v_pref_name: string
  v_start_opts: string
  v_read_pol: ReadPolicy
  v_minor: number
  v_uid: number
  v_gid: number
  v_mode: number
  v_pflag: number
  v_pl_num: number
  v_update_tid: number
  v_len: number
  v_log_len: number
  v_rid: number
  v_pref_plex_rid: number
  v_detach_tid: number
  // temporary
  v_tutil: Util3
  v_rec_lock: number
  v_data_lock: number
  v_lasterr: number
  v_kstate: KernelState
  v_r_all: number
  v_r_some: number
  v_w_all: number
  v_w_some: number
  v_current_read_pol: ReadPolicy
  v_tflag: number
  v_iosize: number
  v_rwback_offset: number
  v_logserial: number
}

export type AnyRecord = DgRecord | DmRecord | SdRecord | PlRecord | VRecord

/** The whole configuration database of one disk group. */
export interface Config {
  tid: number
  /** Next rid to hand out; rids are never reused. */
  nextRid: number
  dg: DgRecord
  disks: DmRecord[]
  subdisks: SdRecord[]
  plexes: PlRecord[]
  volumes: VRecord[]
}

/** Temporary (non-persistent) fields per record kind: dropped when stored, reset at restart. */
export const TEMPORARY_FIELDS: Record<RecordKind, readonly string[]> = {
  dg: ['dg_tutil', 'dg_tflag', 'dg_import_id'],
  dm: ['dm_tutil', 'dm_tflag', 'dm_device', 'dm_sd_num'],
  sd: ['sd_tutil', 'sd_lock', 'sd_tflag', 'sd_da_name', 'sd_dm_name'],
  pl: [
    'pl_tutil', 'pl_lock', 'pl_compact', 'pl_tflag', 'pl_kstate', 'pl_minor', 'pl_lasterr',
    'pl_len', 'pl_contig_len', 'pl_dev', 'pl_ncol',
  ],
  v: [
    'v_tutil', 'v_rec_lock', 'v_data_lock', 'v_lasterr', 'v_kstate', 'v_r_all', 'v_r_some',
    'v_w_all', 'v_w_some', 'v_current_read_pol', 'v_tflag', 'v_iosize', 'v_rwback_offset',
    'v_logserial',
  ],
}

export function emptyUtil(): Util3 {
  return ['', '', '']
}
