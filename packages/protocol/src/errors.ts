import type { EngineErrorCode } from '@plexa/engine'

/** Codes the API adds to the engine's. */
export const API_ONLY_CODES = [
  'VM_UNAUTHORIZED',
  'VM_TOKEN_REFUSED',
  'VM_FORBIDDEN',
  'VM_BAD_REQUEST',
  'VM_TOO_LARGE',
  'VM_MEDIA_TYPE',
  'VM_RATE_LIMITED',
  'VM_TOKEN_USED',
  'VM_TOKEN_EXPIRED',
  'VM_LAB_DISABLED',
  'VM_BAD_ORIGIN',
  'VM_BAD_HOST',
  'VM_AUDIT_FAILED',
  'VM_NO_ROUTE',
  'VM_METHOD',
  'VM_PROTOCOL_MISMATCH',
  'VM_INTERNAL',
] as const

export type ApiErrorCode = EngineErrorCode | (typeof API_ONLY_CODES)[number]

/** What an error is about beyond its code, for a caller to act on without reading the message. */
export interface ApiErrorDetails {
  /** VM_MISSING_DISKS: the disks of the group without a usable device, and why. */
  disks?: Array<{ disk: string; reason: string; device?: string }>
  /** VM_BUSY at import: the other host that has the group imported. */
  importedBy?: string
  /** VM_SPLIT_BRAIN at import: the sides whose configurations went separate ways (disk names, ids, newest tid), the one import would take first. */
  sides?: Array<{ disks: string[]; diskids: string[]; tid: number }>
  /** VM_INVALID_NAME: the most characters the name may have there (`POST /api/dgs/:dg/assist`: the
   * record name limit less the `-01` of the volume's plexes' names, 11 of 14). */
  maxLength?: number
  /** VM_NO_SPACE of a striped vxassist volume: the disks its columns need (one each, each mirror
   * its own), and the usable disks there are (or were given). */
  disksNeeded?: number
  disksUsable?: number
  /** VM_NO_SPACE of a concat vxassist volume (or one mirror of it): the sectors it needs, and the
   * free sectors on the disks it may use (rule 383). */
  sectorsNeeded?: number
  sectorsFree?: number
  /**
   * VM_NO_SPACE of an allocation that chose its own disks: every disk of the group it passed over,
   * why, and what gives it back (rule 428).
   */
  excluded?: ExcludedDisk[]
  /** VM_VOL_ENABLED of a deport: the volumes still started (rule 449); VM_LAST_PLEX of a disk
   * replacement: the volumes whose only current copy is on the disk (rule 465). */
  volumes?: string[]
  /** VM_LAST_PLEX of a disk replacement: the plexes on the disk that are those only copies (rule 465). */
  plexes?: string[]
  /** VM_LAST_PLEX of a disk replacement: the disk has its device and is neither failed nor removed (rule 465). */
  healthy?: boolean
  /** VM_BUSY of a deport: the tasks still running on the group (rule 449). */
  tasks?: string[]
}

/** A disk ordinary allocation takes no new space on (rule 428): why, and the command that gives it back. */
export interface ExcludedDisk {
  disk: string
  /** nodevice (no device, removed), failed (its device fails I/O), iofail (under a plex an I/O error detached), failing (FAILING, as hot relocation leaves it), spare, reserved. */
  reason: 'nodevice' | 'failed' | 'iofail' | 'failing' | 'spare' | 'reserved'
  fix: string
}

/** The error body of every failed request: `{ error: { code, message, details? } }`. */
export interface ApiErrorBody {
  error: { code: ApiErrorCode; message: string; details?: ApiErrorDetails }
}

/** HTTP status for each code; adding a code fails the typecheck until it is mapped here. */
export const HTTP_STATUS: Record<ApiErrorCode, number> = {
  VM_OFFLINE: 409,
  VM_FORCEOFF: 503,
  VM_INVALID_PARAM: 400,
  VM_BUSY: 409,
  VM_NOTSYNCED: 422,
  VM_MAPFOPN: 500,
  VM_MAPFRDWR: 500,
  VM_WRTDAERR: 500,
  VM_DALVOPN: 500,
  VM_INV_DEVENT: 400,
  VM_NOTCHARDEV: 400,
  VM_ALLOCERR: 507,
  VM_INVALID_NAME: 400,
  VM_READONLY: 400,
  VM_OVERLAP: 409,
  VM_BUSY_ASSOC: 409,
  VM_LOG_EXISTS: 409,
  VM_TOO_MANY_PLEXES: 409,
  VM_LOCKED: 423,
  VM_UNSTARTABLE: 409,
  VM_VOL_ENABLED: 409,
  VM_NOQUORUM: 503,
  VM_NOT_FOUND: 404,
  VM_EXISTS: 409,
  VM_NO_SPACE: 507,
  VM_OUT_OF_RANGE: 400,
  VM_UNALIGNED: 400,
  VM_IO: 500,
  VM_CONFIG_CORRUPT: 500,
  VM_ABORTED: 409,
  VM_CLOSED: 503,
  VM_LAST_PLEX: 409,
  VM_HAS_DATA: 409,
  VM_MISSING_DISKS: 409,
  VM_SPLIT_BRAIN: 409,
  VM_CONFIG_FULL: 507,
  VM_NBD_PROTOCOL: 502,
  VM_NOT_STARTED: 409,
  VM_DISK_FAILED: 409,
  VM_NOT_RELOCATED: 409,
  VM_UNAUTHORIZED: 401,
  VM_TOKEN_REFUSED: 401,
  VM_FORBIDDEN: 403,
  VM_BAD_REQUEST: 400,
  VM_TOO_LARGE: 413,
  VM_MEDIA_TYPE: 415,
  VM_RATE_LIMITED: 429,
  VM_TOKEN_USED: 410,
  VM_TOKEN_EXPIRED: 401,
  VM_LAB_DISABLED: 403,
  VM_BAD_ORIGIN: 403,
  VM_BAD_HOST: 421,
  VM_AUDIT_FAILED: 503,
  VM_NO_ROUTE: 404,
  VM_METHOD: 405,
  VM_PROTOCOL_MISMATCH: 400,
  VM_INTERNAL: 500,
}
