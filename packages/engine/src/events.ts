import type { Clock } from './clock.ts'
import type { EngineErrorCode } from './errors.ts'
import type { KernelState, RecordKind } from './records/types.ts'

/** One record change of a committed (or planned) transaction. */
export interface RecordChange {
  kind: RecordKind
  rid: number
  name: string
  op: 'create' | 'update' | 'delete'
  /** Fields whose value changed (update only). */
  fields: string[]
  /** The record after the change (absent for delete). */
  after?: Record<string, unknown>
}

export interface TaskProgress {
  taskId: string
  kind: string
  volume: string
  phase: string
  /** Bytes copied (or checked, for a verify): a region the task could not copy is not counted (rule 283). */
  doneBytes: number
  /** Bytes of the regions it went through and could not copy (absent when none). */
  failedBytes?: number
  totalBytes: number
  /** Bytes per second, moving average. */
  rate: number
  /** Seconds to completion at the current rate, or null when unknown. */
  etaSeconds: number | null
  /** Throttle in bytes per second; 0 = unlimited (in adaptive mode: the limit it holds now). */
  throttle: number
  /** Present in adaptive mode (rule 161): the foreground write p99 it keeps within, and its rate floor. */
  adaptive?: { latencyMs: number; minBytesPerSecond: number }
}

/** Everything the engine reports, in one union; each event carries a strictly increasing seq. */
export type EngineEventBody =
  | { type: 'config.committed'; dg: string; tid: number; operation: string; changes: RecordChange[] }
  | { type: 'kstate.changed'; dg: string; kind: 'pl' | 'v'; name: string; rid: number; from: KernelState; to: KernelState }
  | { type: 'io.error'; dg: string; volume: string; plex: string; disk: string; op: 'read' | 'write' | 'flush'; offset: number; length: number; code: EngineErrorCode }
  | { type: 'alert'; dg: string; severity: 'warning' | 'critical'; code: EngineErrorCode; message: string; object?: string }
  | ({ type: 'task.progress'; dg: string } & TaskProgress)
  | { type: 'task.finished'; dg: string; taskId: string; kind: string; volume: string; outcome: 'ok' | 'aborted' | 'failed'; code?: EngineErrorCode }
  | { type: 'dg.state'; dg: string; state: 'imported' | 'deported' | 'forced-offline' }

export type EngineEvent = EngineEventBody & { seq: number; at: number }

export type Unsubscribe = () => void

/** A single typed event channel (zustand-style subscribe returning an unsubscribe). */
export interface EventBus {
  emit(body: EngineEventBody): EngineEvent
  subscribe(listener: (e: EngineEvent) => void): Unsubscribe
  readonly seq: number
}

export function createEventBus(clock: Clock, onListenerError?: (e: unknown) => void): EventBus {
  const listeners = new Set<(e: EngineEvent) => void>()
  let seq = 0
  return {
    get seq() {
      return seq
    },
    emit(body) {
      const e = { ...body, seq: ++seq, at: clock.now() } as EngineEvent
      for (const l of [...listeners]) {
        try {
          l(e)
        } catch (err) {
          // a throwing listener never breaks the engine
          onListenerError?.(err)
        }
      }
      return e
    },
    subscribe(listener) {
      listeners.add(listener)
      return () => void listeners.delete(listener)
    },
  }
}
