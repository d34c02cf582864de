import type { Config, SdRecord } from '@plexa/engine'
import type { Action } from './actions.ts'
import { isFailing } from './diskNotice.ts'
import { formatBytes } from './units.ts'

/**
 * vxunreloc in the console (rule 504): which subdisks hot relocation moved off a disk (each records
 * its original disk and offset, sd_orig_dmname / sd_orig_dmoffset), and the action "Move relocated
 * subdisks back" with the reason it cannot run yet (the engine's own refusals, said before asking).
 * Pure: the Properties note, the toolbar and their tests compute the same.
 */

/** The data subdisks that hot relocation moved off `disk` and that are still elsewhere, by original offset. */
export function relocatedFrom(c: Config, disk: string): SdRecord[] {
  return c.subdisks.filter((s) => s.sd_orig_dmname === disk && !s.sd_is_log).sort((a, b) => a.sd_orig_dmoffset - b.sd_orig_dmoffset)
}

/** "disk03-02 of mirvol-02 on disk03": where a relocated subdisk is now. */
function where(sd: SdRecord): string {
  return `${sd.sd_name}${sd.sd_pl_name ? ` of ${sd.sd_pl_name}` : ''} on ${sd.sd_dm_name}`
}

/** The relocated subdisks whose original sectors on `disk` another subdisk holds now (vxunreloc needs -f for them). */
function takenBack(c: Config, disk: string, moved: readonly SdRecord[]): SdRecord[] {
  const dm = c.disks.find((d) => d.dm_name === disk)
  if (!dm) return []
  const on = c.subdisks.filter((s) => s.sd_dm_rid === dm.dm_rid)
  return moved.filter((m) => m.sd_orig_dmoffset + m.sd_len > dm.dm_pub_len || on.some((s) => m.sd_orig_dmoffset < s.sd_dm_offset + s.sd_len && s.sd_dm_offset < m.sd_orig_dmoffset + m.sd_len))
}

/**
 * The sentence a disk says about the subdisks relocated off it ("Hot relocation moved 2 subdisks
 * off disk02 (384 MiB): disk03-02 of mirvol-02 on disk03, ..."), or, given one of them (`here`),
 * the one it says: where it came from, and what else moves back with it. Undefined when none is
 * elsewhere.
 */
export function relocatedWords(c: Config, disk: string, here?: SdRecord): string | undefined {
  const moved = relocatedFrom(c, disk)
  if (!moved.length) return undefined
  const bytes = formatBytes(moved.reduce((n, s) => n + s.sd_len, 0) * 512)
  const list = `${moved.length} subdisk${moved.length > 1 ? 's' : ''} off ${disk} (${bytes}): ${moved.map(where).join(', ')}`
  if (!here) return `Hot relocation moved ${list}.`
  const from = `Hot relocation moved ${here.sd_name} here from ${disk} (sector ${here.sd_orig_dmoffset} there)`
  return moved.length > 1 ? `${from}; moving back takes all ${list}.` : `${from}.`
}

/**
 * "Move relocated subdisks back" (vxunreloc DISK, `POST .../disks/:disk/unrelocate`), or undefined
 * when no subdisk records `disk` as its original one. Disabled, saying why, while the engine would
 * refuse it: a viewer, the disk gone from the group, failing I/O (`failed`), or still marked
 * FAILING (clear it once the disk is checked). Where another subdisk holds a subdisk's original
 * sectors, it goes elsewhere on the disk (vxunreloc -f), and the warning says so.
 */
export function unrelocateAction(c: Config, dg: string, disk: string, viewer: string | undefined, failed: ReadonlySet<string>): Action | undefined {
  const moved = relocatedFrom(c, disk)
  if (!moved.length) return undefined
  const dm = c.disks.find((d) => d.dm_name === disk)
  const why = viewer
    ?? (!dm ? `${disk} is no longer in the group: move them to its replacement with plexa disk unrelocate ${disk} --to DISK` : undefined)
    ?? (failed.has(disk) ? `${disk} fails I/O: restore or replace it first` : undefined)
    ?? (isFailing(dm) ? `${disk} is still marked FAILING: once the disk is checked, clear FAILING first` : undefined)
  const taken = takenBack(c, disk, moved)
  const elsewhere = taken.length ? `; the original place of ${taken.map((s) => s.sd_name).join(', ')} is taken, so ${taken.length > 1 ? 'they go' : 'it goes'} to free space elsewhere on ${disk}` : ''
  return {
    id: 'unrelocate',
    label: 'Move relocated subdisks back',
    route: 'POST /api/dgs/:dg/disks/:disk/unrelocate',
    params: { dg, disk },
    body: taken.length ? { force: true } : {},
    destructive: true,
    warning: `each subdisk hot relocation moved off ${disk} (${moved.map(where).join(', ')}) is copied back to ${disk} at its original offset, one at a time, its volume in use meanwhile, then removed from where it is${elsewhere}`,
    ...(why ? { disabled: why } : {}),
  }
}

/** What the dry run of a move back says, for the confirmation: the bytes it copies and where each subdisk goes. */
export function unrelocateWords(dry: { copyBytes?: number; notes?: string[] }): string[] {
  return [`${formatBytes(dry.copyBytes ?? 0)} to copy back, online`, ...(dry.notes ?? [])]
}
