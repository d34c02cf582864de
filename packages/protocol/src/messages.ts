import type { Config, EngineEventBody, TaskProgress } from '@plexa/engine'
import type { ApiErrorCode } from './errors.ts'

/** Bump when a message changes shape; a client speaking another version gets VM_PROTOCOL_MISMATCH. */
export const PROTOCOL_VERSION = 1

export type Role = 'admin' | 'viewer'

/** One entry of the append-only audit log: who did what, when, and how it ended. */
export interface AuditEntry {
  id: number
  at: number
  /** Who called; '-' for an anonymous or unknown caller. */
  user: string
  role: Role | 'anonymous'
  /** The route, e.g. 'POST /api/dgs/:dg/plexes/:plex/det'. */
  operation: string
  /** Path parameters and body (never a password or token). */
  args: Record<string, unknown>
  /**
   * 'pending' while the mutation runs: its entry is written before it starts (a mutation whose
   * entry cannot be written is refused with VM_AUDIT_FAILED) and again with its result.
   */
  result: 'ok' | 'pending' | ApiErrorCode
  /** The caller's address. */
  source?: string
}

/**
 * An alert the server keeps until an administrator acknowledges it (persisted across restarts). A
 * repeat of an unacknowledged alert (same group, code, object and message) counts up instead of
 * adding another.
 */
export interface Alert {
  id: number
  dg: string
  severity: 'warning' | 'critical'
  code: ApiErrorCode
  message: string
  /** The record it is about (a plex, a volume, a disk). */
  object?: string
  at: number
  lastAt: number
  count: number
  acked?: { by: string; at: number }
  /**
   * The problem it is about is over (the server saw it end): when, and in words why. A resolved
   * alert stays resolved until acknowledged; the problem coming back is a new alert (rule 295).
   */
  resolved?: { at: number; why: string }
}

/** A running task as the server shows it: what it works on, every volume it covers. */
export type TaskView = TaskProgress & {
  dg: string
  /** 'volume mirvol' or 'disk disk02', when the server started it. */
  target?: string
  /** Every volume the task covers (a disk resync covers each volume with a subdisk there). */
  volumes?: string[]
  /** The interrupted task it continues: a resync the server resumed after a restart (rule 425). */
  continues?: string
}

/** A finished task with its whole outcome, kept in the task history (persisted, bounded). */
export interface FinishedTask {
  /** Position in the task history (continues across restarts, where task ids start again). */
  id: number
  taskId: string
  dg: string
  kind: string
  target: string
  volumes: string[]
  /**
   * 'failed' carries the code; a resync that left regions unsynchronised fails VM_NOTSYNCED.
   * 'interrupted': the server stopped while it ran (a crash, or a stop), recorded by the next
   * start (`finishedAt` is then); `continuedAs` names the task that continues it (rule 425).
   */
  outcome: 'ok' | 'failed' | 'aborted' | 'interrupted'
  code?: ApiErrorCode
  message?: string
  startedAt?: number
  /**
   * What started a task no request started (rule 172): 'automatic', the engine on its own (a
   * volume's recovery, a follow-up resync); 'restart', the server resuming an interrupted resync.
   * Absent for a task started through the API (the audit log says who).
   */
  startedBy?: 'automatic' | 'restart'
  /** The interrupted task this one continues (a resync resumed by a restart; that task's `continuedAs` is this one's id). */
  continues?: string
  /** An interrupted task: the task that continues it from its last checkpoint (its `continues` names this one). */
  continuedAs?: string
  finishedAt: number
  doneBytes: number
  totalBytes: number
  /** A copy's report: regions and bytes copied, regions it could not copy (at most 1000 listed). */
  sync?: {
    regionsCopied: number
    bytesCopied: number
    /**
     * Bytes the task wrote to target plexes, each target counted (a region copied to two plexes is
     * written twice). Absent in entries recorded before servers kept it.
     */
    bytesWritten?: number
    failedCount: number
    failedRegions: Array<{ volume: string; region: number; plex: string; reason: string }>
    /** A disk resync: each volume on the disk, synchronised or why not. */
    volumes?: Array<{ volume: string; synced: boolean; reason?: 'VM_NOT_STARTED' | 'VM_NOTSYNCED'; plexes?: string[] }>
    /** Every volume whose plexes the copy wrote, with those plexes (a disk resync's report `written`). */
    written?: Array<{ volume: string; plexes: string[] }>
  }
  /** A verify's report: every region where the plexes differ (at most 1000 listed). */
  verify?: { volume: string; regionSectors: number; regionsChecked: number; mismatchCount: number; mismatches: Array<{ region: number; offset: number; length: number; groups: string[][] }> }
}

/** One entry of the server's event history: a stable id (continues across restarts) and the event. */
export interface HistoryItem {
  id: number
  event: ServerEvent
}

/** What a client gets on connect besides the live state: the newest of each history. */
export interface HistoryView {
  /** Newest last; older pages from `GET /api/history?before=ID`. */
  events: HistoryItem[]
  /** Every unacknowledged alert and the newest acknowledged ones, newest last. */
  alerts: Alert[]
  /** Newest last; older pages from `GET /api/tasks/history?before=ID`. */
  tasks: FinishedTask[]
  /** The newest audit entries, oldest first (more from `GET /api/audit?limit=N`). */
  audit: AuditEntry[]
}

/** Everything the server streams, with the server's own strictly increasing seq. */
export type ServerEventBody =
  | Exclude<EngineEventBody, { type: 'task.progress' } | { type: 'io.error' }>
  /**
   * An I/O error: `disk` names every disk of the plex (the engine's), `failedDisks` the ones whose
   * I/O failed (rule 173; absent in events recorded before it was added).
   */
  | (Extract<EngineEventBody, { type: 'io.error' }> & { failedDisks?: string[] })
  | ({ type: 'task.progress' } & TaskView)
  | { type: 'alert.raised'; alert: Alert }
  | { type: 'alert.acked'; alert: Alert }
  /** The problem of an open alert is over (`alert.resolved` set). */
  | { type: 'alert.resolved'; alert: Alert }
  | { type: 'task.done'; task: FinishedTask }
  | { type: 'audit'; entry: AuditEntry }
  | { type: 'lab.disk'; dg: string; disk: string; failed: 'none' | 'read' | 'write' | 'both'; latencyMs: number; failedAt?: number }
  | { type: 'lab.load'; dg: string; volume: string; running: boolean; writes: number; errors: number }
  | { type: 'dg.maps'; dg: string; dirty: GroupView['dirty']; stale: GroupView['stale'] }
  /** The disks whose device the engine knows fails every read or write now changed (rule 409): all of them, as `GroupView.failing`. */
  | { type: 'dg.failing'; dg: string; failing: FailingDisks }

export type ServerEvent = ServerEventBody & { seq: number; at: number }

export interface GroupView {
  name: string
  config: Config
  forcedOffline: boolean
  /** DRL dirty regions per started volume. */
  dirty: Record<string, { regionSectors: number; regions: number[]; recoveryBytes: number }>
  /** Stale regions per plex that has any. */
  stale: Record<string, { regionSectors: number; full: boolean; regions: number[]; syncErrors: number[] }>
  /**
   * The disks whose device the engine knows fails every read, write or both now (a lost NBD
   * connection, a lab failure, a device that is gone): operations needing them are refused up front
   * (rule 409). Absent from a server before it.
   */
  failing?: FailingDisks
}

/** Disk name -> the operations its device fails (`DiskGroup.failingDisks`). */
export type FailingDisks = Record<string, 'read' | 'write' | 'both'>

export interface LabView {
  enabled: boolean
  /** `failedAt`: when the lab last failed the disk, kept after a restore (so "had I/O errors at ..."). */
  disks: Array<{ dg: string; disk: string; failed: 'none' | 'read' | 'write' | 'both'; latencyMs: number; failedAt?: number }>
  loads: Array<{ dg: string; volume: string; running: boolean; writes: number; errors: number }>
}

/** A disk group found on the disks that the server did not import, and why (GET /api/imports). */
export interface PendingImport {
  name: string
  /** VM_BUSY (another host has it imported: `importedBy`), VM_MISSING_DISKS (`disks`), VM_SPLIT_BRAIN (`sides`), VM_OFFLINE (`deported`), or another refusal. */
  code: string
  reason: string
  importedBy?: string
  disks?: Array<{ disk: string; reason: string; device?: string }>
  /** VM_SPLIT_BRAIN: each side's disks, their ids (what selectcp takes) and newest tid (rule 350). */
  sides?: Array<{ disks: string[]; diskids: string[]; tid: number }>
  devices: string[]
  /** Deported here by an administrator (code VM_OFFLINE, rule 451): imported again with POST /api/imports/:dg. */
  deported?: boolean
}

export interface ServerSnapshot {
  seq: number
  groups: GroupView[]
  tasks: TaskView[]
  lab: LabView
  history: HistoryView
  /** Groups waiting for an administrator's import (rule 131). */
  imports?: PendingImport[]
}

export type ServerMessage =
  | { type: 'hello'; protocol: number; seq: number; snapshot: ServerSnapshot; user: { name: string; role: Role } }
  | { type: 'resumed'; protocol: number; from: number; seq: number }
  | { type: 'event'; event: ServerEvent }
  | { type: 'error'; code: ApiErrorCode; message: string }
  | { type: 'pong' }

export type ClientMessage = { type: 'hello'; protocol: number; lastSeq?: number } | { type: 'ping' }
