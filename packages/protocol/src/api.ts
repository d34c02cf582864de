import type { z } from 'zod'
import * as s from './schemas.ts'

/** Who may call a route: anyone, any signed-in user, admins, or admins with lab mode on. */
export type Access = 'public' | 'viewer' | 'admin' | 'lab'

export interface RouteDef {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE'
  path: string
  access: Access
  body?: z.ZodType | undefined
  summary: string
}

function r<B extends z.ZodType | undefined = undefined>(method: RouteDef['method'], path: string, access: Access, summary: string, body?: B): { method: RouteDef['method']; path: string; access: Access; summary: string; body: B } {
  return { method, path, access, summary, body: body as B }
}

/**
 * Every HTTP route of the API, keyed by "METHOD path". The server implements exactly these keys;
 * the web and the CLI build their requests from them.
 */
export const ROUTES = {
  'GET /api/health': r('GET', '/api/health', 'public', 'liveness, version and counts'),
  'POST /api/session': r('POST', '/api/session', 'public', 'log in; sets the session cookie', s.LoginBody),
  'GET /api/session': r('GET', '/api/session', 'viewer', 'who am I'),
  'DELETE /api/session': r('DELETE', '/api/session', 'viewer', 'log out'),
  'GET /api/users': r('GET', '/api/users', 'admin', 'list users'),
  'POST /api/users': r('POST', '/api/users', 'admin', 'create a user', s.CreateUserBody),
  'POST /api/tokens': r('POST', '/api/tokens', 'viewer', 'create a bearer token for yourself', s.CreateTokenBody),
  'GET /api/snapshot': r('GET', '/api/snapshot', 'viewer', 'every group, task and lab state, with the event seq it is current at'),
  'GET /api/audit': r('GET', '/api/audit', 'viewer', 'the newest audit entries (?limit=N)'),
  'GET /api/tasks': r('GET', '/api/tasks', 'viewer', 'running tasks'),
  'GET /api/tasks/:task/result': r('GET', '/api/tasks/:task/result', 'viewer', 'the report of a finished resync, verify or repair'),
  'POST /api/tasks/:task/pause': r('POST', '/api/tasks/:task/pause', 'admin', 'pause a task'),
  'POST /api/tasks/:task/resume': r('POST', '/api/tasks/:task/resume', 'admin', 'resume a task'),
  'POST /api/tasks/:task/abort': r('POST', '/api/tasks/:task/abort', 'admin', 'abort a task'),
  'POST /api/tasks/:task/throttle': r('POST', '/api/tasks/:task/throttle', 'admin', 'change a task throttle (bytes per second, 0 = none)', s.ThrottleBody),
  'GET /api/dgs': r('GET', '/api/dgs', 'viewer', 'disk groups'),
  'GET /api/dgs/:dg': r('GET', '/api/dgs/:dg', 'viewer', 'one disk group: configuration, DRL and stale maps'),
  'POST /api/dgs/:dg/records': r('POST', '/api/dgs/:dg/records', 'admin', 'vxmake: create records in one transaction', s.MakeRecordsBody),
  'POST /api/dgs/:dg/assist': r('POST', '/api/dgs/:dg/assist', 'admin', 'vxassist make: allocate and create a volume', s.AssistBody),
  'PATCH /api/dgs/:dg/records/:name': r('PATCH', '/api/dgs/:dg/records/:name', 'admin', 'vxedit set: change fields of a record', s.SetFieldsBody),
  'POST /api/dgs/:dg/records/:name/rename': r('POST', '/api/dgs/:dg/records/:name/rename', 'admin', 'vxedit rename', s.RenameBody),
  'POST /api/dgs/:dg/records/:name/remove': r('POST', '/api/dgs/:dg/records/:name/remove', 'admin', 'vxedit rm (recursive with -r)', s.RemoveBody),
  'POST /api/dgs/:dg/mend': r('POST', '/api/dgs/:dg/mend', 'admin', 'vxmend clear/fix/off/on', s.MendBody),
  'POST /api/dgs/:dg/disks': r('POST', '/api/dgs/:dg/disks', 'admin', 'vxdg adddisk (a new image file of sizeBytes, or a path)', s.AddDiskBody),
  'POST /api/dgs/:dg/disks/:disk/remove': r('POST', '/api/dgs/:dg/disks/:disk/remove', 'admin', 'vxdg rmdisk', s.DryRunBody),
  'POST /api/dgs/:dg/disks/:disk/replace': r('POST', '/api/dgs/:dg/disks/:disk/replace', 'admin', 'replace a failed disk by a new one', s.ReplaceDiskBody),
  'POST /api/dgs/:dg/disks/:disk/resync': r('POST', '/api/dgs/:dg/disks/:disk/resync', 'admin', 'lvm_resyncpv: resync everything on a disk', s.ResyncDiskBody),
  'POST /api/dgs/:dg/subdisks/:sd/assoc': r('POST', '/api/dgs/:dg/subdisks/:sd/assoc', 'admin', 'vxsd assoc', s.SdAssocBody),
  'POST /api/dgs/:dg/subdisks/:sd/aslog': r('POST', '/api/dgs/:dg/subdisks/:sd/aslog', 'admin', 'vxsd aslog', s.SdLogBody),
  'POST /api/dgs/:dg/subdisks/:sd/dis': r('POST', '/api/dgs/:dg/subdisks/:sd/dis', 'admin', 'vxsd dis', s.DryRunBody),
  'POST /api/dgs/:dg/plexes/:plex/att': r('POST', '/api/dgs/:dg/plexes/:plex/att', 'admin', 'vxplex att', s.PlexAttBody),
  'POST /api/dgs/:dg/plexes/:plex/det': r('POST', '/api/dgs/:dg/plexes/:plex/det', 'admin', 'vxplex det', s.ForceBody),
  'POST /api/dgs/:dg/plexes/:plex/dis': r('POST', '/api/dgs/:dg/plexes/:plex/dis', 'admin', 'vxplex dis', s.ForceBody),
  'POST /api/dgs/:dg/plexes/:plex/cp': r('POST', '/api/dgs/:dg/plexes/:plex/cp', 'admin', 'vxplex cp: copy a stopped volume into this plex', s.PlexCpBody),
  'POST /api/dgs/:dg/plexes/:plex/mv': r('POST', '/api/dgs/:dg/plexes/:plex/mv', 'admin', 'vxplex mv: replace this plex by newPlex', s.PlexMvBody),
  'GET /api/dgs/:dg/plexes/:plex/stale': r('GET', '/api/dgs/:dg/plexes/:plex/stale', 'viewer', 'stale regions of a plex'),
  'POST /api/dgs/:dg/volumes/:volume/start': r('POST', '/api/dgs/:dg/volumes/:volume/start', 'admin', 'vxvol start', s.VolStartBody),
  'POST /api/dgs/:dg/volumes/:volume/stop': r('POST', '/api/dgs/:dg/volumes/:volume/stop', 'admin', 'vxvol stop', s.ForceBody),
  'POST /api/dgs/:dg/volumes/:volume/resync': r('POST', '/api/dgs/:dg/volumes/:volume/resync', 'admin', 'resync a volume (force: read-writeback everything)', s.ResyncVolumeBody),
  'POST /api/dgs/:dg/volumes/:volume/verify': r('POST', '/api/dgs/:dg/volumes/:volume/verify', 'admin', 'compare all plexes region by region', s.DryRunBody),
  'POST /api/dgs/:dg/volumes/:volume/repair': r('POST', '/api/dgs/:dg/volumes/:volume/repair', 'admin', 'copy a chosen plex over the others', s.RepairBody),
  'GET /api/dgs/:dg/volumes/:volume/dirty': r('GET', '/api/dgs/:dg/volumes/:volume/dirty', 'viewer', 'DRL dirty map and bytes a recovery would copy'),
  'GET /api/lab': r('GET', '/api/lab', 'viewer', 'lab mode state'),
  'POST /api/lab/dgs/:dg/disks/:disk/fail': r('POST', '/api/lab/dgs/:dg/disks/:disk/fail', 'lab', 'fail a disk (reads, writes or both)', s.LabFailBody),
  'POST /api/lab/dgs/:dg/disks/:disk/restore': r('POST', '/api/lab/dgs/:dg/disks/:disk/restore', 'lab', 'restore a failed disk'),
  'POST /api/lab/dgs/:dg/disks/:disk/latency': r('POST', '/api/lab/dgs/:dg/disks/:disk/latency', 'lab', 'add latency to every I/O of a disk', s.LabLatencyBody),
  'POST /api/lab/load': r('POST', '/api/lab/load', 'lab', 'start a background write load on a volume', s.LabLoadBody),
  'POST /api/lab/load/stop': r('POST', '/api/lab/load/stop', 'lab', 'stop a write load', s.LabLoadBody),
} as const satisfies Record<string, RouteDef>

export type RouteKey = keyof typeof ROUTES

/** The request body type of a route. */
export type BodyOf<K extends RouteKey> = (typeof ROUTES)[K] extends { body: infer S extends z.ZodType } ? z.infer<S> : Record<string, never>

/** Fills the :params of a route path. */
export function routePath(key: RouteKey, params: Record<string, string> = {}): string {
  return ROUTES[key].path.replace(/:([a-z]+)/g, (_, p: string) => {
    const v = params[p]
    if (v === undefined) throw new TypeError(`missing path parameter ${p}`)
    return encodeURIComponent(v)
  })
}
