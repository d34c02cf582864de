import { type Config, DM_PFLAG, type DiskGroup, type EngineEventBody, type PlexPlan, SECTOR_SIZE, mapPlan, planPlex } from '@plexa/engine'

type IoError = Extract<EngineEventBody, { type: 'io.error' }>

/**
 * The disks whose I/O failed, for an engine `io.error` (rule 173): the engine names every disk of
 * the plex (`disk`, "disk01,disk02" for a stripe); of the disks the failed range lies on (the
 * plex's layout: a stripe unit on one column is one disk), the ones known to fail that operation
 * (`failing`: the lab fails it, its device is gone or power-cut, the disk is removed), else every
 * disk the range lies on. A flush touches every disk of the plex.
 */
export function ioErrorDisks(c: Config, e: IoError, failing: (disk: string) => boolean, plans?: Map<string, PlexPlan>): string[] {
  const p = c.plexes.find((x) => x.pl_name === e.plex)
  if (!p) return e.disk.split(',').filter(Boolean)
  let plan = plans?.get(p.pl_name)
  if (!plan) {
    plan = planPlex(p, c.subdisks.filter((s) => s.sd_plex_rid === p.pl_rid && !s.sd_is_log))
    plans?.set(p.pl_name, plan)
  }
  const all = [...new Set(plan.columns.flat().map((s) => s.sd_dm_name))]
  const touched = e.op === 'flush' || e.length === 0 ? all : [...new Set(mapPlan(plan, Math.floor(e.offset / SECTOR_SIZE), Math.ceil(e.length / SECTOR_SIZE)).flatMap((x) => (x.sd ? [x.sd.sd_dm_name] : [])))]
  const known = touched.filter(failing)
  return known.length ? known : touched.length ? touched : e.disk.split(',').filter(Boolean)
}

/**
 * Adds `failedDisks` to each engine `io.error` on its way to the clients. A group's configuration
 * is copied once and kept until its next commit (an I/O error storm copies nothing per event).
 */
export class IoErrorEnricher {
  private readonly cache = new WeakMap<DiskGroup, { c: Config; plans: Map<string, PlexPlan> }>()

  private readonly groupOf: (dg: string) => { dg: DiskGroup; devices: ReadonlyMap<string, { failed: boolean }> } | undefined
  private readonly labFails: (dg: string, disk: string, op: IoError['op']) => boolean

  constructor(groupOf: IoErrorEnricher['groupOf'], labFails: IoErrorEnricher['labFails']) {
    this.groupOf = groupOf
    this.labFails = labFails
  }

  enrich(dg: string, body: EngineEventBody): EngineEventBody | (IoError & { failedDisks: string[] }) {
    const g = this.groupOf(dg)
    if (body.type === 'config.committed' && g) this.cache.delete(g.dg)
    if (body.type !== 'io.error' || !g) return body
    let hit = this.cache.get(g.dg)
    if (!hit) this.cache.set(g.dg, (hit = { c: g.dg.config(), plans: new Map() }))
    const removed = new Set(hit.c.disks.filter((d) => d.dm_pflag & DM_PFLAG.REMOVED).map((d) => d.dm_name))
    const failing = (disk: string) => removed.has(disk) || this.labFails(dg, disk, body.op) || !g.devices.get(disk) || g.devices.get(disk)!.failed
    return { ...body, failedDisks: ioErrorDisks(hit.c, body, failing, hit.plans) }
  }
}
