import type { Clock, DiskGroup, SyncReport, VerifyReport } from '@plexa/engine'
import type { GroupView, ServerSnapshot } from '@plexa/protocol'
import type { AuditLog } from './audit.ts'
import type { DeviceCookies } from './auth/deviceCookies.ts'
import type { LoginLimiter } from './auth/loginLimiter.ts'
import type { Sessions } from './auth/sessions.ts'
import type { Users } from './auth/users.ts'
import type { Lab } from './lab.ts'
import type { Metrics } from './metrics.ts'
import type { Storage } from './storage.ts'
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
  /** Reports of finished resync, verify and repair tasks, by task id (the newest 200). */
  results: Map<string, { ok: true; report: SyncReport | VerifyReport } | { ok: false; code: string; message: string }>
  /** Origins allowed for browser requests and the WebSocket besides the server's own. */
  origins: Set<string>
  version: string
}

export function groupView(dg: DiskGroup): GroupView {
  return { name: dg.name, config: dg.config(), forcedOffline: dg.forcedOffline, dirty: dg.dirtyMaps(), stale: dg.staleMaps() }
}

export function snapshot(s: Services): ServerSnapshot {
  const groups = [...s.storage.groups.values()].map((g) => groupView(g.dg))
  const tasks = [...s.storage.groups.values()].flatMap((g) => g.dg.listTasks().map((t) => ({ ...t, dg: g.dg.name })))
  return { seq: s.hub.currentSeq, groups, tasks, lab: s.lab.view() }
}

export function rememberResult(s: Services, id: string, done: Promise<SyncReport | VerifyReport>): void {
  done.then(
    (report) => s.results.set(id, { ok: true, report }),
    (e: { code?: string; message?: string }) => s.results.set(id, { ok: false, code: e.code ?? 'VM_INTERNAL', message: e.message ?? String(e) }),
  ).finally(() => {
    while (s.results.size > 200) s.results.delete(s.results.keys().next().value!)
  })
}
