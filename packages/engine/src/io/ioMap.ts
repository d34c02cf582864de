import type { BlockDevice } from '../device/blockDevice.ts'
import { type PlexPlan, planPlex } from '../layout/plexMap.ts'
import type { Config, PlRecord, SdRecord, VRecord } from '../records/types.ts'

/**
 * The I/O map: what the I/O path looks up on every request, built once from the committed
 * configuration (and the disks' devices) on every commit and never changed afterwards: volumes
 * by name, plexes by volume, data subdisks and the address plan by plex, devices by disk. An I/O
 * keeps the map it started with; the next commit builds a new one.
 */
export class IoMap {
  private readonly volsByName: ReadonlyMap<string, VRecord>
  private readonly plexesByVol: ReadonlyMap<number, readonly PlRecord[]>
  private readonly sdsByPlex: ReadonlyMap<number, readonly SdRecord[]>
  private readonly plans: ReadonlyMap<number, PlexPlan>
  private readonly devByDm: ReadonlyMap<number, BlockDevice>

  private constructor(cfg: Config, devices: ReadonlyMap<number, { dev?: BlockDevice | undefined }>) {
    this.volsByName = new Map(cfg.volumes.map((v) => [v.v_name, v]))
    const byVol = new Map<number, PlRecord[]>()
    for (const p of cfg.plexes) {
      if (!p.pl_vol_rid) continue
      let l = byVol.get(p.pl_vol_rid)
      if (!l) byVol.set(p.pl_vol_rid, (l = []))
      l.push(p)
    }
    this.plexesByVol = byVol
    const bySd = new Map<number, SdRecord[]>()
    for (const sd of cfg.subdisks) {
      if (!sd.sd_plex_rid || sd.sd_is_log) continue
      let l = bySd.get(sd.sd_plex_rid)
      if (!l) bySd.set(sd.sd_plex_rid, (l = []))
      l.push(sd)
    }
    this.sdsByPlex = bySd
    this.plans = new Map(cfg.plexes.map((p) => [p.pl_rid, planPlex(p, bySd.get(p.pl_rid) ?? [])]))
    const devs = new Map<number, BlockDevice>()
    for (const [rid, d] of devices) if (d.dev) devs.set(rid, d.dev)
    this.devByDm = devs
  }

  /** The map of `cfg`, with the devices of the disks that have one (by disk media rid). */
  static build(cfg: Config, devices: ReadonlyMap<number, { dev?: BlockDevice | undefined }>): IoMap {
    return new IoMap(cfg, devices)
  }

  volume(name: string): VRecord | undefined {
    return this.volsByName.get(name)
  }

  /** The plexes associated with volume `vrid`, in association order. */
  plexesOf(vrid: number): readonly PlRecord[] {
    return this.plexesByVol.get(vrid) ?? []
  }

  /** The data subdisks (not the log subdisk) of plex `rid`. */
  subdisksOf(rid: number): readonly SdRecord[] {
    return this.sdsByPlex.get(rid) ?? []
  }

  /** The address plan of plex `p` (an empty one for a plex the map does not know). */
  plan(p: PlRecord): PlexPlan {
    return this.plans.get(p.pl_rid) ?? planPlex(p, [])
  }

  /** The device of disk `dmRid`, when it has one. */
  device(dmRid: number): BlockDevice | undefined {
    return this.devByDm.get(dmRid)
  }
}
