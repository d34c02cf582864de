/**
 * Every expected failure of the engine is an `EngineError` with one of these stable codes.
 * Codes never change meaning; messages may. The list is documented in the package README.
 */
export const ERROR_CODES = [
  // twins of the AIX lvm_resyncpv seed codes
  'VM_OFFLINE',
  'VM_FORCEOFF',
  'VM_INVALID_PARAM',
  'VM_BUSY',
  'VM_NOTSYNCED',
  'VM_MAPFOPN',
  'VM_MAPFRDWR',
  'VM_WRTDAERR',
  'VM_DALVOPN',
  'VM_INV_DEVENT',
  'VM_NOTCHARDEV',
  'VM_ALLOCERR',
  // record layer (SEMANTICS.md 3.3)
  'VM_INVALID_NAME',
  'VM_READONLY',
  'VM_OVERLAP',
  'VM_BUSY_ASSOC',
  'VM_LOG_EXISTS',
  'VM_TOO_MANY_PLEXES',
  'VM_LOCKED',
  'VM_UNSTARTABLE',
  'VM_VOL_ENABLED',
  'VM_NOQUORUM',
  'VM_NOT_FOUND',
  'VM_EXISTS',
  'VM_NO_SPACE',
  'VM_OUT_OF_RANGE',
  'VM_UNALIGNED',
  'VM_IO',
  'VM_CONFIG_CORRUPT',
  'VM_ABORTED',
  'VM_CLOSED',
  'VM_LAST_PLEX',
  'VM_HAS_DATA',
  'VM_MISSING_DISKS',
  'VM_CONFIG_FULL',
  'VM_NBD_PROTOCOL',
  'VM_NOT_STARTED',
  'VM_SPLIT_BRAIN',
  'VM_DISK_FAILED',
  'VM_NOT_RELOCATED',
] as const

export type EngineErrorCode = (typeof ERROR_CODES)[number]

/** What an error is about, for a caller to act on without reading the message. */
export interface ErrorDetails {
  /** VM_MISSING_DISKS: the disks of the group an import could not use, and why. */
  disks?: Array<{ disk: string; reason: string; device?: string }>
  /** VM_SPLIT_BRAIN at import: the sides whose configurations went separate ways, the one import would take first (rule 350). */
  sides?: Array<{ disks: string[]; diskids: string[]; tid: number }>
  /** VM_BUSY at import: the other host the disk headers name as having the group imported (vxdg -C clears it). */
  importedBy?: string
  /** VM_INVALID_NAME: the most characters the name may have there (a vxassist volume: the record
   * name limit less the `-01` of its plexes' names). */
  maxLength?: number
  /** VM_NO_SPACE of a striped vxassist volume: the disks its columns need (one each, each mirror
   * its own), and the usable disks there are (or were given). */
  disksNeeded?: number
  disksUsable?: number
  /** VM_NO_SPACE of a concat vxassist volume (or one mirror of it): the sectors it needs, and the
   * free sectors on the disks it may use (rule 383). */
  sectorsNeeded?: number
  sectorsFree?: number
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

export class EngineError extends Error {
  readonly code: EngineErrorCode
  readonly details: ErrorDetails | undefined
  constructor(code: EngineErrorCode, message: string, options?: ErrorOptions & { details?: ErrorDetails }) {
    super(message, options)
    this.name = 'EngineError'
    this.code = code
    this.details = options?.details
  }
}

export function isEngineError(e: unknown, code?: EngineErrorCode): e is EngineError {
  return e instanceof EngineError && (code === undefined || e.code === code)
}

export function fail(code: EngineErrorCode, message: string, cause?: unknown): never {
  throw new EngineError(code, message, cause === undefined ? undefined : { cause })
}

export function assertNever(x: never): never {
  throw new TypeError(`unexpected value ${JSON.stringify(x)}`)
}
