import type { Config } from '@plexa/engine'
import { PL_PFLAG_KDETACH, PL_PFLAG_STALE } from './print.ts'
import { human } from './units.ts'

type Change = { op: string; kind: string; name: string; fields: string[]; after?: Record<string, unknown> | undefined }

/**
 * Rule 432: what a disk replacement does, in words rather than field names: each data plex on the
 * disk with the state it comes back in and why (STALE: the kernel detached it after its I/O failed,
 * its copy there is out of date; RECOVER, as print shows it: it was not detached before, nothing
 * wrote to it while the disk was away, and it needs a complete recovery all the same), then what
 * `plexa resync disk DISK` copies back (the exact bytes once committed, else at most the lengths
 * of their volumes).
 */
export function replaceText(disk: string, r: { dryRun?: boolean; changes?: Change[]; notes?: string[] | undefined }, c: Config, resyncBytes?: number): string {
  const would = r.dryRun === true
  const lines = [would ? `would replace the device of ${disk} (dry run, nothing changed):` : `replaced the device of ${disk}:`]
  let most = 0
  for (const ch of r.changes ?? []) {
    if (ch.kind !== 'pl' || ch.op !== 'update' || !ch.after) continue
    const pflag = Number(ch.after.pl_pflag ?? 0)
    if (!(pflag & PL_PFLAG_STALE)) continue
    const pl = c.plexes.find((p) => p.pl_name === ch.name)
    const v = pl && c.volumes.find((x) => x.v_rid === pl.pl_vol_rid)
    if (v) most += v.v_len * 512
    const kstate = String(ch.after.pl_kstate ?? 'DETACHED')
    const of = v ? ` of ${v.v_name}` : ''
    lines.push(
      pflag & PL_PFLAG_KDETACH
        ? `  ${ch.name}${of} ${would ? 'becomes' : 'is'} ${kstate} STALE: the kernel detached it when its I/O failed, so its copy on the new device is out of date`
        : `  ${ch.name}${of} ${would ? 'becomes' : 'is'} ${kstate} RECOVER: it was never detached (nothing wrote to it while ${disk} was away), but the new device holds none of its data, so it needs a complete recovery`,
    )
  }
  if (lines.length === 1) lines.push(`  no data plex is on ${disk}: nothing to copy back (a log plex there stays ENABLED LOG)`)
  else lines.push(`  then plexa resync disk ${disk} copies them back: ${resyncBytes !== undefined ? human(resyncBytes) : `at most ${human(most)} (the lengths of their volumes)`}`)
  // rule 465: a healthy disk (not failed, not removed) is said so: a replacement is not what it needs
  for (const n of r.notes ?? []) lines.push(`  note: ${n}`)
  return lines.join('\n')
}
