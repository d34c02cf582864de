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

/** Everything the server streams, with the server's own strictly increasing seq. */
export type ServerEventBody =
  | EngineEventBody
  | { type: 'audit'; entry: AuditEntry }
  | { type: 'lab.disk'; dg: string; disk: string; failed: 'none' | 'read' | 'write' | 'both'; latencyMs: number }
  | { type: 'lab.load'; dg: string; volume: string; running: boolean; writes: number; errors: number }
  | { type: 'dg.maps'; dg: string; dirty: GroupView['dirty']; stale: GroupView['stale'] }

export type ServerEvent = ServerEventBody & { seq: number; at: number }

export interface GroupView {
  name: string
  config: Config
  forcedOffline: boolean
  /** DRL dirty regions per started volume. */
  dirty: Record<string, { regionSectors: number; regions: number[]; recoveryBytes: number }>
  /** Stale regions per plex that has any. */
  stale: Record<string, { regionSectors: number; full: boolean; regions: number[]; syncErrors: number[] }>
}

export interface LabView {
  enabled: boolean
  disks: Array<{ dg: string; disk: string; failed: 'none' | 'read' | 'write' | 'both'; latencyMs: number }>
  loads: Array<{ dg: string; volume: string; running: boolean; writes: number; errors: number }>
}

export interface ServerSnapshot {
  seq: number
  groups: GroupView[]
  tasks: Array<TaskProgress & { dg: string }>
  lab: LabView
}

export type ServerMessage =
  | { type: 'hello'; protocol: number; seq: number; snapshot: ServerSnapshot; user: { name: string; role: Role } }
  | { type: 'resumed'; protocol: number; from: number; seq: number }
  | { type: 'event'; event: ServerEvent }
  | { type: 'error'; code: ApiErrorCode; message: string }
  | { type: 'pong' }

export type ClientMessage = { type: 'hello'; protocol: number; lastSeq?: number } | { type: 'ping' }
