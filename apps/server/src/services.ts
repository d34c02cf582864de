import type { Clock, Config, DiskGroup } from '@plexa/engine'
import type { GroupView, PendingImport, ServerSnapshot, TaskView } from '@plexa/protocol'
import type { AuditLog } from './audit.ts'
import type { DeviceCookies } from './auth/deviceCookies.ts'
import type { LoginLimiter } from './auth/loginLimiter.ts'
import type { Sessions } from './auth/sessions.ts'
import type { Users } from './auth/users.ts'
import type { History, TaskMeta } from './history/history.ts'
import type { Lab } from './lab.ts'
import type { Metrics } from './metrics.ts'
import type { PendingGroup, Storage } from './storage.ts'
import type { Hub } from './ws/hub.ts'

/** Everything a request handler may use; injected, so tests build real servers on port 0. */
export interface Services {
  clock: Clock
  storage: Storage
  users: Users
  sessions: Sessions
  limiter: LoginLimiter
  devices: DeviceCookies
  audit: AuditLog
  hub: Hub
  lab: Lab
  metrics: Metrics
  /** Event history, alerts until acknowledged, finished tasks with their results. */
  history: History
  /** Origins allowed for browser requests and the WebSocket besides the server's own. */
  origins: Set<string>
  version: string
}

export function groupView(dg: DiskGroup): GroupView {
  return { name: dg.name, config: dg.config(), forcedOffline: dg.forcedOffline, dirty: dg.dirtyMaps(), stale: dg.staleMaps(), failing: dg.failingDisks() }
}

/** A group waiting for an import, as the API and the snapshot show it. */
export function pendingView(p: PendingGroup): PendingImport {
  return { name: p.name, code: p.code, reason: p.reason, ...(p.importedBy ? { importedBy: p.importedBy } : {}), ...(p.disks ? { disks: p.disks } : {}), ...(p.sides ? { sides: p.sides } : {}), devices: p.paths, ...(p.deported ? { deported: true } : {}) }
}

export function snapshot(s: Services): ServerSnapshot {
  const groups = [...s.storage.groups.values()].map((g) => groupView(g.dg))
  return { seq: s.hub.currentSeq, groups, tasks: runningTasks(s), lab: s.lab.view(), history: s.history.view(s.audit.tail(100)), imports: [...s.storage.pending.values()].map(pendingView) }
}

/** Running tasks with what the server knows they cover. */
export function runningTasks(s: Services): TaskView[] {
  return [...s.storage.groups.values()].flatMap((g) => g.dg.listTasks().map((t) => s.history.taskView({ ...t, dg: g.dg.name })))
}

/** The started volumes with a subdisk on `disk`, in name order: what a resync of that disk covers. */
export function volumesOnDisk(c: Config, disk: string): string[] {
  const plexes = new Set(c.subdisks.filter((sd) => sd.sd_dm_name === disk).map((sd) => sd.sd_pl_name))
  const vols = new Set(c.plexes.filter((p) => plexes.has(p.pl_name) && p.pl_v_name).map((p) => p.pl_v_name))
  return c.volumes.filter((v) => vols.has(v.v_name) && v.v_kstate === 'ENABLED').map((v) => v.v_name).sort()
}

/** What a resync task works on: a volume, or a disk and each volume with a subdisk there. */
export function taskMeta(dg: DiskGroup, target: { volume: string } | { disk: string }): TaskMeta {
  return 'volume' in target ? { target: `volume ${target.volume}`, volumes: [target.volume] } : { target: `disk ${target.disk}`, volumes: volumesOnDisk(dg.config(), target.disk) }
}
