import { type Config, DM_PFLAG, type DiskGroup } from '@plexa/engine'
import type { ExcludedDisk } from '@plexa/protocol'

/**
 * Rule 428: why ordinary allocation (vxassist make, mirror, growto, addlog, vxevac without disks
 * named) takes no new space on a disk of the group, and what gives it back, one entry a disk (its
 * first reason): a failed disk, one without a device, one under a plex an I/O error detached,
 * FAILING (what hot relocation leaves), a hot-relocation spare, a reserved disk. NOHOTUSE keeps a
 * disk from hot relocation only, so it is never a reason here.
 */
export function excludedDisks(c: Config, failing: Readonly<Record<string, unknown>>, hasDevice: (disk: string) => boolean): ExcludedDisk[] {
  const iofail = new Map<number, string>()
  for (const pl of c.plexes) {
    if (!pl.pl_vol_rid || pl.pl_state !== 'IOFAIL') continue
    for (const sd of c.subdisks) if (sd.sd_plex_rid === pl.pl_rid && !iofail.has(sd.sd_dm_rid)) iofail.set(sd.sd_dm_rid, pl.pl_name)
  }
  const out: ExcludedDisk[] = []
  for (const dm of c.disks) {
    const d = dm.dm_name
    const pf = dm.dm_pflag
    const e: ExcludedDisk | undefined =
      pf & DM_PFLAG.REMOVED || !hasDevice(d) ? { disk: d, reason: 'nodevice', fix: `plexa disk replace ${d} --size SIZE | --path PATH` }
      : failing[d] ? { disk: d, reason: 'failed', fix: `bring its device back, or plexa disk replace ${d} --size SIZE | --path PATH` }
      : iofail.has(dm.dm_rid) ? { disk: d, reason: 'iofail', fix: `plexa resync disk ${d} (plex ${iofail.get(dm.dm_rid)} was detached by an I/O error there)` }
      : pf & DM_PFLAG.FAILING ? { disk: d, reason: 'failing', fix: `plexa disk set ${d} failing=off, once it is healthy` }
      : pf & DM_PFLAG.SPARE ? { disk: d, reason: 'spare', fix: `name it (--disks ${d}), or plexa disk set ${d} spare=off` }
      : pf & DM_PFLAG.RESERVE ? { disk: d, reason: 'reserved', fix: `name it (--disks ${d}), or plexa disk set ${d} reserve=off` }
      : undefined
    if (e) out.push(e)
  }
  return out
}

const WORDS: Record<ExcludedDisk['reason'], string> = {
  nodevice: 'has no device',
  failed: 'is failed',
  iofail: 'holds a plex detached by an I/O error',
  failing: 'is FAILING',
  spare: 'is a hot-relocation spare',
  reserved: 'is reserved',
}

/** "disk03 is a hot-relocation spare (name it ...); disk06 is FAILING (plexa disk set disk06 failing=off ...)". */
export function excludedText(list: readonly ExcludedDisk[]): string {
  return list.map((e) => `${e.disk} ${WORDS[e.reason]} (${e.fix})`).join('; ')
}

/**
 * A VM_NO_SPACE of an allocation that chose its own disks, with every disk it passed over and why
 * (`details.excluded`, and the same in the message); any other error, or one whose request named
 * its disks (`disks`, `to`: allocation then takes only those), as it was.
 */
export function explainNoSpace(e: unknown, dg: DiskGroup | undefined, hasDevice: (disk: string) => boolean, body: unknown): unknown {
  if (!dg || (e as { code?: unknown })?.code !== 'VM_NO_SPACE' || !(e instanceof Error)) return e
  const b = (body ?? {}) as { disks?: unknown; to?: unknown }
  if (b.disks !== undefined || b.to !== undefined) return e
  const excluded = excludedDisks(dg.config(), dg.failingDisks(), hasDevice)
  if (!excluded.length) return e
  const details = { ...((e as { details?: object }).details ?? {}), excluded }
  return Object.assign(new Error(`${e.message}; not used for new space: ${excludedText(excluded)}`), { code: 'VM_NO_SPACE', details })
}
