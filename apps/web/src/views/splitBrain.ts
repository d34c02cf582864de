import type { PendingImport, ResponseOf } from '@plexa/protocol'

/** One side of a serial split brain as the engine reports it: its disks, their ids (what selectcp takes), its newest tid. */
export type Side = NonNullable<PendingImport['sides']>[number]
/** What `POST /api/imports/:dg` answers. */
export type Imported = ResponseOf<'POST /api/imports/:dg'>

/** The sides of a group that waits VM_SPLIT_BRAIN, or undefined for a group that waits for another reason. */
export function splitSides(p: PendingImport): readonly Side[] | undefined {
  return p.code === 'VM_SPLIT_BRAIN' && p.sides?.length ? p.sides : undefined
}

/** "disk01, disk02 (newest tid 12)". */
export function sideWords(s: Side): string {
  return `${s.disks.join(', ')} (newest tid ${s.tid})`
}

/**
 * Rule 407: why a group waits after a split brain, in words: its configuration copies went
 * separate ways, each side's disks and newest tid, and that nothing is written until a side is chosen.
 */
export function splitBrainWords(p: PendingImport, sides: readonly Side[]): string {
  return `its configuration copies went separate ways (split brain, VM_SPLIT_BRAIN): ${sides.map((s, i) => `side ${i + 1}: ${sideWords(s)}`).join('; ')}. Nothing is written until you choose the side whose configuration is kept`
}

/**
 * Rule 408: what keeping side `keep` does, in plain words: its configuration is written to every
 * disk; each other side's plexes are marked stale where their volume has another plex (a resync
 * copies them back), and what that side held differently is reported (the import's `dropped`, an alert).
 */
export function keepWords(dg: string, sides: readonly Side[], keep: number): string[] {
  const kept = sides[keep]!
  const others = sides.filter((_, i) => i !== keep)
  return [
    `the configuration of ${sideWords(kept)} is imported and written to every disk of ${dg}`,
    ...others.map((o) => `${o.disks.join(', ')}: the configuration there (newest tid ${o.tid}) is overruled; the plexes on ${o.disks.length > 1 ? 'them' : 'it'} are marked stale where their volume has another plex (a resync copies them back); what it held differently is reported and gone`),
  ]
}

/** Rule 408: what the import came to: the group and its tid, each side it overruled with what it held otherwise, and the alert saying so. */
export function importedWords(r: Imported): string[] {
  const dropped = r.dropped.map((d) => `overruled: the configuration of ${sideWords(d)}; it held otherwise: ${d.records?.length ? d.records.join(', ') : 'nothing else'}`)
  const unusable = r.unusable.map((u) => `imported without disk ${u.disk || u.device} (${u.reason}): NODEVICE until it returns`)
  return [`disk group ${r.name} is imported (tid ${r.tid})`, ...dropped, ...unusable, ...(r.dropped.length ? ['a VM_SPLIT_BRAIN alert says what was overruled (Alerts)'] : [])]
}
