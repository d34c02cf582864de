import type { BlockDevice } from './device/blockDevice.ts'
import { type EngineErrorCode, isEngineError } from './errors.ts'

/**
 * The engine's named ways of dealing with a failure that has no caller to go to. A catch in the
 * engine that does not rethrow uses one of these, so that a reader sees what became of the error:
 * it reaches the caller another way, it is safe to drop for a stated reason, or it is reported.
 */

/** Reports a failure nobody awaits: an `alert` of the group (severity warning) with a stable code. */
export type ReportFailure = (code: EngineErrorCode, message: string, object?: string) => void

/**
 * The failure of `p` reaches its caller through `p` itself (a task's `done`, awaited later): this
 * only marks it handled, so that Node does not report it before the caller awaits it.
 */
export function deliveredToCaller(p: Promise<unknown>): void {
  p.then(undefined, awaitedElsewhere)
}

/** Waits until `p` settles; its failure belongs to its own callers. */
export function settled(p: Promise<unknown>): Promise<void> {
  return p.then(awaitedElsewhere, awaitedElsewhere)
}

/** Closes a device the group lets go of: a close that fails leaves nothing to undo, the device is not used again. */
export async function closeReleased(dev: BlockDevice | undefined): Promise<void> {
  await dev?.close().catch(nothingToUndo)
}

/**
 * Runs `undo`, what puts back what a failed operation changed on a device the group does not hold
 * (or the stale maps to what is tracked): an undo that fails too leaves that device as the
 * operation left it, and the operation's own failure, not this one, goes to its caller.
 */
export async function undoBestEffort(undo: () => Promise<void>): Promise<void> {
  await undo().catch(nothingToUndo)
}

/** A catch handler that reports the failure as `code`: `message`, with the error's own code appended. */
export function reportAs(report: ReportFailure, code: EngineErrorCode, message: string, object?: string): (e: unknown) => void {
  return (e) => report(code, `${message} (${isEngineError(e) ? e.code : 'VM_IO'})`, object)
}

function awaitedElsewhere(): void {}

function nothingToUndo(): void {}
