import type { FailingDisks, GroupView } from '@plexa/protocol'

/**
 * The one source of a group's failed disks on the page: `GroupView.failing`, the engine's
 * `failingDisks()` (a lab failure, a lost NBD connection, a device gone: each is a device the
 * engine knows fails), as the snapshot and every `dg.failing` event bring it. The lab's own list
 * says only what the lab did (to offer Restore, to word a reason); whether a disk fails, and what
 * it fails, is read here alone, so a lab failure and an engine failure show the same way.
 */
export type FailOp = FailingDisks[string]

const NONE: FailingDisks = {}

/** What the device of disk `disk` of group `g` fails now (reads, writes or both); undefined for a disk that works. */
export function diskFails(g: GroupView, disk: string): FailOp | undefined {
  return (g.failing ?? NONE)[disk]
}

/** Whether `f` (what a disk fails) covers operation `op`. */
export function failsOp(f: FailOp | undefined, op: 'read' | 'write' | 'any'): boolean {
  return f !== undefined && (op === 'any' || f === op || f === 'both')
}

const DM_REMOVED = 0x100

/**
 * The disks of group `g` no copy can use for `op`: the ones whose device fails it
 * (`diskFails`) and the removed ones (no device at all, dm_pflag REMOVED).
 */
export function failedDisks(g: GroupView, op: 'read' | 'write' | 'any'): Set<string> {
  const failing = g.failing ?? NONE
  const out = new Set<string>()
  for (const d of g.config.disks) if (d.dm_pflag & DM_REMOVED || failsOp(failing[d.dm_name], op)) out.add(d.dm_name)
  return out
}

/**
 * What a drawing says of disk `dm` of group `g`: removed (no device), failed with what its device
 * fails (`diskFails`), or nothing for a disk that works. The disk view's badge and the volume
 * view's failed subdisks read it alike.
 */
export function diskTrouble(g: GroupView, dm: { dm_name: string; dm_pflag: number }): { kind: 'removed' } | { kind: 'failed'; fails: FailOp } | undefined {
  if (dm.dm_pflag & DM_REMOVED) return { kind: 'removed' }
  const fails = diskFails(g, dm.dm_name)
  return fails ? { kind: 'failed', fails } : undefined
}
