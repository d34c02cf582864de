import { type Config, DM_PFLAG } from '@plexa/engine'
import type { ServerEvent } from '@plexa/protocol'

/** What `failingMarks` raises: a warning alert about a disk allocation passes over. */
export interface FailingMarkAlert {
  dg: string
  disk: string
  message: string
}

/** How the alert of a FAILING disk begins, which tells it from other alerts about the disk. */
function failingPrefix(disk: string): string {
  return `disk ${disk} is FAILING:`
}

/** Is this the alert `failingMarks` raises for a disk marked FAILING (rule 429)? */
export function isFailingMarkAlert(a: { code: string; object?: string; message: string }): boolean {
  return a.code === 'VM_DISK_FAILED' && a.object !== undefined && a.message.startsWith(failingPrefix(a.object))
}

/** The alert of a FAILING disk is over once the disk is no longer FAILING (or gone). */
export function failingMarkOver(a: { object?: string }, c: Config): string | undefined {
  const dm = c.disks.find((d) => d.dm_name === a.object)
  if (!dm) return `disk ${a.object} is no longer in the group`
  return dm.dm_pflag & DM_PFLAG.FAILING ? undefined : `disk ${a.object} is no longer FAILING: allocation uses it again`
}

/**
 * Rule 429: a disk marked FAILING (hot relocation's `dm.reloc` marks the disk it moved plexes off,
 * as vxrelocd does; `disk set failing=on`) takes no new space from any allocation, which nothing
 * else on the screen said: one warning alert naming the disk and the fix, resolved once the mark
 * is cleared (`plexa disk set DISK failing=off`).
 */
export function failingMarks(raise: (a: FailingMarkAlert) => void): (e: ServerEvent) => void {
  return (e) => {
    if (e.type !== 'config.committed') return
    for (const ch of e.changes) {
      if (ch.kind !== 'dm' || ch.op !== 'update' || !ch.fields.includes('dm_pflag')) continue
      const pflag = Number(ch.after?.dm_pflag ?? 0)
      if (!(pflag & DM_PFLAG.FAILING)) continue
      const why = e.operation === 'dm.reloc' ? 'hot relocation moved plexes off it after its I/O failed' : 'it was marked so'
      raise({ dg: e.dg, disk: ch.name, message: `${failingPrefix(ch.name)} ${why}, and no allocation takes new space there (make, mirror, grow, addlog, evacuate). Once it is healthy again, plexa disk set ${ch.name} failing=off returns it to use` })
    }
  }
}
