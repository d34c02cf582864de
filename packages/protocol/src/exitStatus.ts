import type { ApiErrorCode } from './errors.ts'

/**
 * The exit statuses of the `plexa` command (its --help table), `plexa serve` included: scripts tell
 * failure kinds apart by them. A refusal changed nothing (the request was invalid, or the objects'
 * state, a lock or the free space did not allow it); a failure went wrong while doing it (I/O, a
 * configuration copy, the group went offline).
 */
export const EXIT = { OK: 0, USAGE: 2, AUTH: 3, NOT_FOUND: 4, REFUSED: 5, FAILED: 6, UNREACHABLE: 7 } as const

export type ExitStatus = (typeof EXIT)[keyof typeof EXIT]

/** Each code's exit status; adding a code fails the typecheck until it is placed here. */
const STATUS: Record<ApiErrorCode | 'VM_UNREACHABLE' | 'VM_USAGE' | 'VM_PORT_BUSY', ExitStatus> = {
  VM_USAGE: EXIT.USAGE,
  VM_UNAUTHORIZED: EXIT.AUTH,
  VM_TOKEN_REFUSED: EXIT.AUTH,
  VM_FORBIDDEN: EXIT.AUTH,
  VM_TOKEN_USED: EXIT.AUTH,
  VM_TOKEN_EXPIRED: EXIT.AUTH,
  VM_LAB_DISABLED: EXIT.AUTH,
  VM_BAD_ORIGIN: EXIT.AUTH,
  VM_NOT_FOUND: EXIT.NOT_FOUND,
  VM_NO_ROUTE: EXIT.NOT_FOUND,
  // refusals: nothing was changed
  VM_OFFLINE: EXIT.REFUSED,
  VM_INVALID_PARAM: EXIT.REFUSED,
  VM_BUSY: EXIT.REFUSED,
  // plexa serve: its HTTP or NBD port is taken by another process (nothing in its data directory changed)
  VM_PORT_BUSY: EXIT.REFUSED,
  VM_INV_DEVENT: EXIT.REFUSED,
  VM_NOTCHARDEV: EXIT.REFUSED,
  VM_ALLOCERR: EXIT.REFUSED,
  VM_INVALID_NAME: EXIT.REFUSED,
  VM_READONLY: EXIT.REFUSED,
  VM_OVERLAP: EXIT.REFUSED,
  VM_BUSY_ASSOC: EXIT.REFUSED,
  VM_LOG_EXISTS: EXIT.REFUSED,
  VM_TOO_MANY_PLEXES: EXIT.REFUSED,
  VM_LOCKED: EXIT.REFUSED,
  VM_UNSTARTABLE: EXIT.REFUSED,
  VM_VOL_ENABLED: EXIT.REFUSED,
  VM_EXISTS: EXIT.REFUSED,
  VM_NO_SPACE: EXIT.REFUSED,
  VM_CONFIG_FULL: EXIT.REFUSED,
  VM_OUT_OF_RANGE: EXIT.REFUSED,
  VM_UNALIGNED: EXIT.REFUSED,
  VM_ABORTED: EXIT.REFUSED,
  VM_LAST_PLEX: EXIT.REFUSED,
  VM_HAS_DATA: EXIT.REFUSED,
  VM_MISSING_DISKS: EXIT.REFUSED,
  VM_SPLIT_BRAIN: EXIT.REFUSED,
  VM_NOT_STARTED: EXIT.REFUSED,
  VM_DISK_FAILED: EXIT.REFUSED,
  VM_NOT_RELOCATED: EXIT.REFUSED,
  VM_BAD_REQUEST: EXIT.REFUSED,
  VM_TOO_LARGE: EXIT.REFUSED,
  VM_MEDIA_TYPE: EXIT.REFUSED,
  VM_RATE_LIMITED: EXIT.REFUSED,
  VM_BAD_HOST: EXIT.REFUSED,
  VM_METHOD: EXIT.REFUSED,
  VM_PROTOCOL_MISMATCH: EXIT.REFUSED,
  // failures: it went wrong while being done
  VM_FORCEOFF: EXIT.FAILED,
  VM_NOTSYNCED: EXIT.FAILED,
  VM_MAPFOPN: EXIT.FAILED,
  VM_MAPFRDWR: EXIT.FAILED,
  VM_WRTDAERR: EXIT.FAILED,
  VM_DALVOPN: EXIT.FAILED,
  VM_NOQUORUM: EXIT.FAILED,
  VM_IO: EXIT.FAILED,
  VM_CONFIG_CORRUPT: EXIT.FAILED,
  VM_CLOSED: EXIT.FAILED,
  VM_NBD_PROTOCOL: EXIT.FAILED,
  VM_AUDIT_FAILED: EXIT.FAILED,
  VM_INTERNAL: EXIT.FAILED,
  VM_UNREACHABLE: EXIT.UNREACHABLE,
}

/**
 * The exit status of an error code: its place in the table, by code and not by HTTP status (a
 * volume that does not fit, `VM_NO_SPACE`, is a refusal although HTTP calls it 507). A code the
 * table does not know (an older or newer server's, a Node error's) is a failure.
 */
export function exitStatusFor(code: string): ExitStatus {
  return (STATUS as Record<string, ExitStatus | undefined>)[code] ?? EXIT.FAILED
}
