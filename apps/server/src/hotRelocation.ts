import type { DiskGroup } from '@plexa/engine'
import type { ServerEvent } from '@plexa/protocol'

/**
 * vxrelocd (SEMANTICS.md 1.11): when an I/O error on a disk is recorded against a plex (the
 * engine's `kernel.error` commit: the plex kernel-detached, or kept as its volume's last copy), the
 * plex's subdisks on the disks the error failed on (`failedDisks`, rule 173) are relocated by the
 * engine (`DiskGroup.relocateDisk` with the plex named), one relocation after another per group,
 * unless the group's hot relocation is off (vxedit set hotreloc=off). The engine's critical alerts
 * say what was relocated where and what was not, and why; its `relocate` task copies the plex.
 * A DRL log that fails (`drl.badlog`) has its log plexes relocated too (rule 457).
 */
export class HotRelocation {
  private readonly groupOf: (dg: string) => DiskGroup | undefined
  private readonly log: (line: string) => void
  /** The disks each plex's I/O failed on since its failure was last recorded (`dg/plex`). */
  private readonly failedOn = new Map<string, Set<string>>()
  /** Each group's relocations, one after another. */
  private readonly chains = new Map<string, Promise<void>>()
  /** Relocations queued and not begun (`dg/disk/plex`): one failure asks once. */
  private readonly queued = new Set<string>()

  constructor(groupOf: (dg: string) => DiskGroup | undefined, log: (line: string) => void) {
    this.groupOf = groupOf
    this.log = log
  }

  /** Follows one server event (as the hub sends it). */
  onEvent(e: ServerEvent): void {
    if (e.type === 'io.error') {
      const key = `${e.dg}/${e.plex}`
      const disks = this.failedOn.get(key) ?? new Set<string>()
      for (const d of e.failedDisks ?? [e.disk]) disks.add(d)
      this.failedOn.set(key, disks)
      return
    }
    if (e.type === 'config.committed' && e.operation === 'drl.badlog') return this.onLogFailure(e.dg, e.changes)
    if (e.type !== 'config.committed' || e.operation !== 'kernel.error') return
    for (const ch of e.changes) {
      if (ch.kind !== 'pl') continue
      const key = `${e.dg}/${ch.name}`
      const disks = this.failedOn.get(key)
      if (!disks) continue
      this.failedOn.delete(key)
      for (const disk of disks) this.queue(e.dg, disk, ch.name)
    }
  }

  /**
   * Rule 457: a volume's DRL log failed (the engine's `drl.badlog` commit detaches the log plexes it
   * wrote to): each such log plex is relocated off the disk under its log subdisk, as vxrelocd
   * relocates log subdisks; the engine puts the log back in use and clears BADLOG.
   */
  private onLogFailure(dg: string, changes: ReadonlyArray<{ kind: string; name: string }>): void {
    const c = this.groupOf(dg)?.config()
    if (!c) return
    for (const ch of changes) {
      if (ch.kind !== 'pl') continue
      const pl = c.plexes.find((p) => p.pl_name === ch.name)
      const sd = pl?.pl_log_sd_rid ? c.subdisks.find((x) => x.sd_rid === pl.pl_log_sd_rid) : undefined
      if (pl && sd && pl.pl_state === 'IOFAIL') this.queue(dg, sd.sd_dm_name, pl.pl_name)
    }
  }

  /** Resolves once every relocation queued so far has ended. */
  async idle(): Promise<void> {
    for (;;) {
      const all = [...this.chains.values()]
      await Promise.all(all)
      if ([...this.chains.values()].every((c, i) => c === all[i]) && this.chains.size === all.length) return
    }
  }

  private queue(dg: string, disk: string, plex: string): void {
    const key = `${dg}/${disk}/${plex}`
    if (this.queued.has(key)) return
    this.queued.add(key)
    const next = (this.chains.get(dg) ?? Promise.resolve()).then(async () => {
      this.queued.delete(key)
      const g = this.groupOf(dg)
      if (!g || g.forcedOffline) return
      if (!g.hotRelocation) return this.log(`hot relocation is off for ${dg}: plex ${plex} failed on ${disk} and stays where it is`)
      // what it did, or could not do, the engine's alerts say; a plex gone or moved since asks nothing
      const r = await g.relocateDisk(disk, { plexes: [plex] })
      for (const x of r.relocated) this.log(`hot relocation: ${dg}/${x.plex} of ${x.volume} moved off ${disk}${x.taskId ? ` (${x.taskId})` : ''}`)
    }).catch((e: { code?: string; message?: string }) => this.log(`hot relocation of ${dg}/${plex} off ${disk} did not run: ${e.code ?? 'VM_INTERNAL'} ${e.message ?? e}`))
    this.chains.set(dg, next)
  }
}
