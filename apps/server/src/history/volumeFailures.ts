import type { Config, PlRecord } from '@plexa/engine'
import type { ServerEvent } from '@plexa/protocol'

/** What `VolumeFailures` raises: a critical alert about a volume whose I/O fails. */
export interface VolumeFailureAlert {
  dg: string
  volume: string
  message: string
}

interface Episode {
  /** The volume's plexes whose I/O failed since it was last usable. */
  plexes: Set<string>
  /** The disks those errors failed on. */
  disks: Set<string>
  alerted: boolean
  /** Why it is over (usable again), once it is. */
  over?: string
}

/** How the alert of a failed volume begins (`volume NAME failed:`), which tells it from other I/O alerts about the volume. */
function failedPrefix(volume: string): string {
  return `volume ${volume} failed:`
}

/** Is this the alert `VolumeFailures` raises for a failed volume (rule 294)? */
export function isVolumeFailureAlert(a: { code: string; object?: string; message: string }): boolean {
  return a.code === 'VM_IO' && a.object !== undefined && a.message.startsWith(failedPrefix(a.object))
}

/**
 * The subject and verb of a failed volume's alert, agreeing in number (rule 426): "its only plex
 * v-01 has", "its last usable plex v-02 has", "its last usable plexes v-01, v-02 have".
 */
export function lostPlexesPhrase(dataPlexes: number, lost: readonly string[]): string {
  if (dataPlexes === 1) return `its only plex ${lost[0]} has`
  return lost.length > 1 ? `its last usable plexes ${lost.join(', ')} have` : `its last usable plex ${lost[0]} has`
}

function isLogPlex(c: Config, p: PlRecord): boolean {
  const sds = c.subdisks.filter((s) => s.sd_plex_rid === p.pl_rid)
  return sds.length > 0 && sds.every((s) => s.sd_is_log)
}

/**
 * A volume that fails (rule 294): an I/O error on a started volume leaves no data plex to serve it
 * (every ENABLED data plex has failed I/O since the volume was last usable, or none is left
 * ENABLED), so applications get EIO: one critical alert naming the volume, what is lost and where.
 * Its episode is over, and the alert resolved, when the volume is usable again: a plex of it or
 * the volume is enabled again (a resync, an attach, a restart), or every disk the errors failed on
 * answers again after the lab failed it.
 */
export class VolumeFailures {
  private readonly episodes = new Map<string, Episode>()
  private readonly config: (dg: string) => Config | undefined
  private readonly raise: (a: VolumeFailureAlert) => void

  constructor(config: (dg: string) => Config | undefined, raise: (a: VolumeFailureAlert) => void) {
    this.config = config
    this.raise = raise
  }

  /** Follows one server event (as the hub sends it). */
  onEvent(e: ServerEvent): void {
    if (e.type === 'io.error') return this.ioError(e.dg, e.volume, e.plex, e.failedDisks ?? [e.disk])
    if (e.type === 'kstate.changed' && e.to === 'ENABLED') {
      for (const [key, ep] of this.episodes) {
        const [dg, volume] = key.split('/') as [string, string]
        if (dg !== e.dg || ep.over) continue
        const c = this.config(dg)
        const plexOfIt = e.kind === 'pl' && c?.plexes.some((p) => p.pl_name === e.name && p.pl_v_name === volume && !isLogPlex(c, p))
        if ((e.kind === 'v' && e.name === volume) || plexOfIt) ep.over = e.kind === 'v' ? `volume ${volume} was started again` : `plex ${e.name} of ${volume} is enabled again: ${volume} is usable`
      }
    }
    if (e.type === 'lab.disk' && e.failed === 'none') {
      for (const [key, ep] of this.episodes) {
        if (!key.startsWith(`${e.dg}/`) || ep.over || !ep.disks.delete(e.disk) || ep.disks.size) continue
        ep.over = `disk ${e.disk} answers again: volume ${key.slice(e.dg.length + 1)} is usable`
      }
    }
  }

  /** Why the failure of `volume` is over (and forgets it), or undefined while it lasts or was never seen. */
  takeOver(dg: string, volume: string): string | undefined {
    const ep = this.episodes.get(`${dg}/${volume}`)
    if (!ep?.over) return undefined
    this.episodes.delete(`${dg}/${volume}`)
    return ep.over
  }

  private ioError(dg: string, volume: string, plex: string, disks: string[]): void {
    const key = `${dg}/${volume}`
    let ep = this.episodes.get(key)
    if (!ep || ep.over) {
      ep = { plexes: new Set(), disks: new Set(), alerted: false }
      this.episodes.set(key, ep)
    }
    ep.plexes.add(plex)
    for (const d of disks) ep.disks.add(d)
    if (ep.alerted) return
    const c = this.config(dg)
    const v = c?.volumes.find((x) => x.v_name === volume)
    if (!c || !v || v.v_kstate === 'DISABLED') return
    const data = c.plexes.filter((p) => p.pl_v_name === volume && !isLogPlex(c, p))
    const usable = data.filter((p) => p.pl_kstate === 'ENABLED' && !ep.plexes.has(p.pl_name))
    if (usable.length) return
    ep.alerted = true
    const lost = data.filter((p) => ep.plexes.has(p.pl_name)).map((p) => p.pl_name)
    const on = [...ep.disks].sort()
    this.raise({ dg, volume, message: `${failedPrefix(volume)} ${lostPlexesPhrase(data.length, lost.length ? lost : [plex])} I/O errors on ${on.length > 1 ? 'disks' : 'disk'} ${on.join(', ')} and no other plex holds its data; reads and writes of ${volume} fail (EIO) until ${on.length > 1 ? 'they answer' : 'it answers'} again or ${volume} is restored` })
  }
}
