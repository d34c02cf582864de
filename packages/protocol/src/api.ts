import { z } from 'zod'
import * as res from './responses.ts'
import type { ApiErrorCode } from './errors.ts'
import * as s from './schemas.ts'

/** Who may call a route: anyone, any signed-in user, admins, or admins with lab mode on. */
export type Access = 'public' | 'viewer' | 'admin' | 'lab'

export type SuccessStatus = 200 | 201 | 202

export interface RouteDef {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE'
  path: string
  access: Access
  body?: z.ZodType | undefined
  /** The query string's fields (a route without one refuses any, as a route without a body refuses a body). */
  query?: z.ZodType | undefined
  /** The body of a successful answer. */
  response: z.ZodType
  /** The statuses of a successful answer (200 unless told). */
  status: readonly SuccessStatus[]
  summary: string
  /** Codes the route fails with beyond the common ones (auth, origin, rate): docs and tests list them. */
  errors?: readonly ApiErrorCode[] | undefined
}

function r<B extends z.ZodType | undefined = undefined, R extends z.ZodType = z.ZodType, Q extends z.ZodType | undefined = undefined>(
  method: RouteDef['method'],
  path: string,
  access: Access,
  summary: string,
  o: { body?: B; query?: Q; response: R; status?: readonly SuccessStatus[]; errors?: readonly ApiErrorCode[] },
): { method: RouteDef['method']; path: string; access: Access; summary: string; body: B; query: Q; response: R; status: readonly SuccessStatus[]; errors: readonly ApiErrorCode[] | undefined } {
  return { method, path, access, summary, body: o.body as B, query: o.query as Q, response: o.response, status: o.status ?? [200], errors: o.errors }
}

/** What adding or replacing a disk fails with; each leaves files, descriptors and configuration as they were (I82). */
const DISK_DEVICE_ERRORS = ['VM_INVALID_PARAM', 'VM_NOT_FOUND', 'VM_EXISTS', 'VM_NO_SPACE', 'VM_NOTCHARDEV', 'VM_NBD_PROTOCOL', 'VM_HAS_DATA', 'VM_BUSY'] as const

/**
 * Every HTTP route of the API, keyed by "METHOD path". The server implements exactly these keys;
 * the web and the CLI build their requests from them.
 */
export const ROUTES = {
  'GET /api/health': r('GET', '/api/health', 'public', 'liveness, version and counts', { response: res.Health }),
  'GET /api/openapi.json': r('GET', '/api/openapi.json', 'public', 'this API as an OpenAPI 3.1 document, generated from the route table', { response: res.OpenApiDocument }),
  'POST /api/session': r('POST', '/api/session', 'public', 'log in; sets the session cookie', { body: s.LoginBody, response: res.Me }),
  'GET /api/session': r('GET', '/api/session', 'viewer', 'who am I', { response: res.Me }),
  'DELETE /api/session': r('DELETE', '/api/session', 'viewer', 'log out', { response: res.LoggedOut }),
  'GET /api/users': r('GET', '/api/users', 'admin', 'list users', { response: res.UserList }),
  'POST /api/users': r('POST', '/api/users', 'admin', 'create a user', { body: s.CreateUserBody, response: res.UserCreated, status: [201] }),
  'POST /api/tokens': r('POST', '/api/tokens', 'viewer', 'create a bearer token for yourself', { body: s.CreateTokenBody, response: res.TokenCreated, status: [201] }),
  'GET /api/snapshot': r('GET', '/api/snapshot', 'viewer', 'every group, task and lab state, with the event seq it is current at, and the groups waiting for an import (imports)', { response: res.Snapshot }),
  'GET /api/audit': r('GET', '/api/audit', 'viewer', 'the newest audit entries (?limit=N)', { query: s.LimitQuery, response: res.AuditList }),
  'GET /api/tasks': r('GET', '/api/tasks', 'viewer', 'running tasks', { response: res.TaskList }),
  'GET /api/tasks/history': r('GET', '/api/tasks/history', 'viewer', 'finished tasks with their outcome and report, newest last (?before=ID&limit=N); a copy\'s sync.bytesWritten is the bytes it wrote to its target plexes, each counted (a region copied to two plexes is written twice); an attach, grow, evacuation, plex copy or move without a copy report gives writtenBytes instead; outcome interrupted (code VM_CLOSED): the server stopped or crashed while it ran, continuedAs naming the resync a restart resumed it as (whose entry has continues)', { query: s.PageQuery, response: res.FinishedTaskList }),
  'GET /api/history': r('GET', '/api/history', 'viewer', 'the event history, newest last (?before=ID&limit=N)', { query: s.PageQuery, response: res.HistoryPage }),
  'GET /api/alerts': r('GET', '/api/alerts', 'viewer', 'every unacknowledged alert and the newest acknowledged ones', { response: res.AlertList }),
  'POST /api/alerts/:alert/ack': r('POST', '/api/alerts/:alert/ack', 'admin', 'acknowledge an alert (audited)', { response: res.Alert }),
  'POST /api/alerts/ack': r('POST', '/api/alerts/ack', 'admin', 'acknowledge every open alert, or those of ids (audited); an unknown id acknowledges none', { body: s.AckAlertsBody, response: res.AlertList, errors: ['VM_NOT_FOUND'] }),
  'GET /api/tasks/:task/result': r('GET', '/api/tasks/:task/result', 'viewer', 'the report of a finished resync, verify or repair', { response: res.TaskResult }),
  'POST /api/tasks/:task/pause': r('POST', '/api/tasks/:task/pause', 'admin', 'pause a task', { response: res.TaskState }),
  'POST /api/tasks/:task/resume': r('POST', '/api/tasks/:task/resume', 'admin', 'resume a task', { response: res.TaskState }),
  'POST /api/tasks/:task/abort': r('POST', '/api/tasks/:task/abort', 'admin', 'abort a task', { response: res.TaskState }),
  'POST /api/tasks/:task/throttle': r('POST', '/api/tasks/:task/throttle', 'admin', 'change a task throttle: bytes per second (0 = none), or adaptive: keep foreground write p99 within latencyMs', { body: s.ThrottleBody, response: res.TaskState }),
  'GET /api/dgs': r('GET', '/api/dgs', 'viewer', 'disk groups', { response: res.GroupList }),
  'GET /api/imports': r('GET', '/api/imports', 'viewer', 'disk groups found on the disks and not imported, and why (another host imported it, disks missing)', { response: res.ImportList }),
  'GET /api/disks/free': r('GET', '/api/disks/free', 'viewer', 'image files of the data directory that no group has and that hold nothing: free, uninitialised disks (vxdisk list: online invalid), such as one vxdg rmdisk removed, and those holding only the old header of a disk their group no longer has (`formerly`: replaced or removed, its header not cleared; added again with force); POST /api/dgs/:dg/disks with its path adds it again', { response: res.FreeDiskList }),
  'POST /api/imports/:dg': r('POST', '/api/imports/:dg', 'admin', 'vxdg import of a group not imported: force (vxdg -f) brings it up without its missing disks, clearImport (vxdg -C) takes it over from a host that is down, selectcp (vxdg -o selectcp=DISKID) after a serial split brain (VM_SPLIT_BRAIN, `details.sides`) takes the configuration of that disk and reports what the other sides held otherwise (`dropped`) (audited)', { body: s.ImportBody, response: res.Imported, errors: ['VM_NOT_FOUND', 'VM_EXISTS', 'VM_BUSY', 'VM_MISSING_DISKS', 'VM_NOQUORUM', 'VM_SPLIT_BRAIN', 'VM_MAPFRDWR', 'VM_INVALID_PARAM'] }),
  'POST /api/dgs/:dg/deport': r('POST', '/api/dgs/:dg/deport', 'admin', 'vxdg deport: every volume must be stopped (VM_VOL_ENABLED, `details.volumes`: an NBD export is of a started volume) and no task run on the group (VM_BUSY, `details.tasks`); the disk headers then name no importer and the group is released, listed in GET /api/imports as deported (code VM_OFFLINE, `deported`) until POST /api/imports/:dg imports it here again, or another host imports its disks; a restart leaves it deported; a refusal changes nothing; dryRun checks and reports only (audited)', { body: s.DryRunBody, response: res.Deported, errors: ['VM_NOT_FOUND', 'VM_OFFLINE', 'VM_VOL_ENABLED', 'VM_BUSY'] }),
  'GET /api/dgs/:dg': r('GET', '/api/dgs/:dg', 'viewer', 'one disk group: configuration, DRL and stale maps', { response: res.GroupView }),
  'POST /api/dgs/:dg/records': r('POST', '/api/dgs/:dg/records', 'admin', 'vxmake: create records in one transaction', { body: s.MakeRecordsBody, response: res.TxResult }),
  'POST /api/dgs/:dg/assist': r('POST', '/api/dgs/:dg/assist', 'admin', 'vxassist make: allocate and create a volume, then initialise it (init: sync by default, started with its mirrors copied; zero; active; none); a volume name has at most 11 characters (28 in a vxvm3 group): its plexes are named <name>-NN', { body: s.AssistBody, response: res.TxResult, errors: ['VM_INVALID_NAME', 'VM_NO_SPACE', 'VM_EXISTS'] }),
  'PATCH /api/dgs/:dg/records/:name': r('PATCH', '/api/dgs/:dg/records/:name', 'admin', 'vxedit set: change fields of a record', { body: s.SetFieldsBody, response: res.TxResult }),
  'POST /api/dgs/:dg/records/:name/rename': r('POST', '/api/dgs/:dg/records/:name/rename', 'admin', 'vxedit rename', { body: s.RenameBody, response: res.TxResult }),
  'POST /api/dgs/:dg/records/:name/remove': r('POST', '/api/dgs/:dg/records/:name/remove', 'admin', 'vxedit rm (recursive with -r)', { body: s.RemoveBody, response: res.TxResult }),
  'POST /api/dgs/:dg/mend': r('POST', '/api/dgs/:dg/mend', 'admin', 'vxmend clear/fix/off/on (fix clean|stale|active a plex alone; fix empty a volume, force while a plex is ACTIVE)', { body: s.MendBody, response: res.TxResult, errors: ['VM_HAS_DATA', 'VM_VOL_ENABLED'] }),
  'POST /api/dgs/:dg/disks': r('POST', '/api/dgs/:dg/disks', 'admin', 'vxdg adddisk (a new image file of sizeBytes in the data directory, or an absolute path; one holding data is refused unless force)', { body: s.AddDiskBody, response: res.TxResult, errors: [...DISK_DEVICE_ERRORS, 'VM_INVALID_NAME'] }),
  'POST /api/dgs/:dg/disks/:disk/remove': r('POST', '/api/dgs/:dg/disks/:disk/remove', 'admin', 'vxdg rmdisk', { body: s.DryRunBody, response: res.TxResult, errors: ['VM_INVALID_PARAM', 'VM_NOT_FOUND', 'VM_BUSY_ASSOC'] }),
  'POST /api/dgs/:dg/disks/:disk/replace': r('POST', '/api/dgs/:dg/disks/:disk/replace', 'admin', 'replace a failed disk by a new one (sizeBytes, or an absolute path; one holding data is refused unless force); refused VM_LAST_PLEX, nothing changed, when a started volume\'s only current copy is on the disk (`details.volumes`, `details.plexes`, `details.healthy`: evacuate it first); a healthy disk\'s result has a note saying so', { body: s.ReplaceDiskBody, response: res.TxResult, errors: [...DISK_DEVICE_ERRORS, 'VM_LAST_PLEX'] }),
  'POST /api/dgs/:dg/disks/:disk/evacuate': r('POST', '/api/dgs/:dg/disks/:disk/evacuate', 'admin', 'vxevac: move every subdisk on the disk to other disks (to, or any holding no other plex of its volume nor, for a striped plex, another column of it; never a failed one, nor a spare, reserved, nohotuse or failing one unless named), one subdisk move (vxsd mv) at a time, the plex keeping its layout: the new subdisks made in a temporary TEMPRMSD plex in one transaction, copied live by a move task (202 with the first) while writes to the subdisk reach them too, then swapped in for it in another; a log plex is moved whole, and a stopped volume\'s concat plexes are moved offline (a replacement made TEMPRMSD, the data copied with the volume stopped by a copy task, then the replacement takes the state of the old plex); dryRun lists every change, copyBytes and notes (where each new subdisk goes); the 202 carries the same notes, and the first task\'s history entry lists every task the evacuation started (`tasks`), each later one with its own entry', { body: s.EvacuateBody, response: z.union([res.TxResult, res.Accepted]), status: [200, 202], errors: ['VM_DISK_FAILED', 'VM_NOT_FOUND', 'VM_INVALID_PARAM', 'VM_NO_SPACE', 'VM_NOT_STARTED', 'VM_NOTSYNCED', 'VM_LOCKED'] }),
  'POST /api/dgs/:dg/disks/:disk/relocate': r('POST', '/api/dgs/:dg/disks/:disk/relocate', 'admin', 'hot relocation (vxrelocd) of the failed plexes on a disk (plexes, or every one kernel-detached, IOFAIL or without device there): each failed subdisk of a redundant volume replaced by space on a spare disk, else on another disk holding no other plex of the volume, in one transaction, then the plex copied from the others by a relocate task (202 with the first, carrying the notes the dry run gives); each new data subdisk records its original disk and offset (sd_orig_dmname, sd_orig_dmoffset: unrelocate moves it back); a plex not relocated is listed with its code (VM_LAST_PLEX: not redundant, VM_NO_SPACE, VM_LOCKED, VM_BUSY, VM_INVALID_PARAM); each raises a critical alert; dryRun shows what would go where, copyBytes and notes (each new subdisk, its disk, place and size). The server runs it by itself when an I/O error detaches a plex, unless the group has hotreloc=off', { body: s.RelocateBody, response: z.union([res.RelocationReport, res.Accepted]), status: [200, 202], errors: ['VM_NOT_FOUND', 'VM_INVALID_PARAM'] }),
  'POST /api/dgs/:dg/disks/:disk/unrelocate': r('POST', '/api/dgs/:dg/disks/:disk/unrelocate', 'admin', 'vxunreloc [-f] [-n to]: every data subdisk hot relocation moved off the disk (the ones recording it as their original disk, sd_orig_dmname) moved back to it (or to to), at its original offset (sd_orig_dmoffset); with force, one whose original sectors are taken or past the disk\'s end goes to free space elsewhere on the disk. Planned whole first (a refusal moves nothing); each is a subdisk move (vxsd mv: new subdisk in a TEMPRMSD plex, copied live by a move task, 202 with the first, then swapped in), so a crash leaves it relocated or back; the subdisks back record no original disk; dryRun lists the changes, copyBytes and notes, and the 202 carries the same notes', { body: s.UnrelocateBody, response: z.union([res.UnrelocateReport, res.Accepted]), status: [200, 202], errors: ['VM_NOT_RELOCATED', 'VM_DISK_FAILED', 'VM_OVERLAP', 'VM_OUT_OF_RANGE', 'VM_NO_SPACE', 'VM_NOT_FOUND', 'VM_INVALID_PARAM', 'VM_NOT_STARTED', 'VM_BUSY', 'VM_LOCKED'] }),
  'POST /api/dgs/:dg/disks/:disk/resync': r('POST', '/api/dgs/:dg/disks/:disk/resync', 'admin', 'lvm_resyncpv: resync everything on a disk; a disk that fails every write now (a failed disk) is refused up front, dry run too (restore or replace it first)', { body: s.ResyncDiskBody, response: z.union([res.ResyncPlan, res.Accepted]), status: [200, 202], errors: ['VM_DISK_FAILED', 'VM_NOTSYNCED', 'VM_NOT_FOUND', 'VM_BUSY'] }),
  'POST /api/dgs/:dg/subdisks/:sd/assoc': r('POST', '/api/dgs/:dg/subdisks/:sd/assoc', 'admin', 'vxsd assoc', { body: s.SdAssocBody, response: res.TxResult }),
  'POST /api/dgs/:dg/subdisks/:sd/aslog': r('POST', '/api/dgs/:dg/subdisks/:sd/aslog', 'admin', 'vxsd aslog', { body: s.SdLogBody, response: res.TxResult }),
  'POST /api/dgs/:dg/subdisks/:sd/dis': r('POST', '/api/dgs/:dg/subdisks/:sd/dis', 'admin', 'vxsd dis', { body: s.DryRunBody, response: res.TxResult }),
  'POST /api/dgs/:dg/plexes/:plex/att': r('POST', '/api/dgs/:dg/plexes/:plex/att', 'admin', 'vxplex att; to a started volume, a plex with a subdisk on a disk that fails every write now (a failed disk) is refused up front, dry run too (restore or replace it first)', { body: s.PlexAttBody, response: z.union([res.TxResult, res.Accepted]), status: [200, 202], errors: ['VM_DISK_FAILED', 'VM_NOTSYNCED', 'VM_NOT_FOUND', 'VM_INVALID_PARAM'] }),
  'POST /api/dgs/:dg/plexes/:plex/det': r('POST', '/api/dgs/:dg/plexes/:plex/det', 'admin', 'vxplex det', { body: s.ForceBody, response: res.TxResult }),
  'POST /api/dgs/:dg/plexes/:plex/dis': r('POST', '/api/dgs/:dg/plexes/:plex/dis', 'admin', 'vxplex dis', { body: s.ForceBody, response: res.TxResult }),
  'POST /api/dgs/:dg/plexes/:plex/cp': r('POST', '/api/dgs/:dg/plexes/:plex/cp', 'admin', 'vxplex cp: copy a stopped volume into this plex', { body: s.PlexCpBody, response: z.union([res.Done, res.Accepted]), status: [200, 202] }),
  'POST /api/dgs/:dg/plexes/:plex/mv': r('POST', '/api/dgs/:dg/plexes/:plex/mv', 'admin', 'vxplex mv: replace this plex by newPlex', { body: s.PlexMvBody, response: z.union([res.TxResult, res.Accepted]), status: [200, 202] }),
  'GET /api/dgs/:dg/plexes/:plex/stale': r('GET', '/api/dgs/:dg/plexes/:plex/stale', 'viewer', 'stale regions of a plex', { response: res.StaleView }),
  'POST /api/dgs/:dg/volumes/:volume/init': r('POST', '/api/dgs/:dg/volumes/:volume/init', 'admin', 'vxvol init zero|active|clean PLEX of a stopped, never-initialised (EMPTY) volume', { body: s.VolInitBody, response: res.TxResult, errors: ['VM_INVALID_PARAM', 'VM_VOL_ENABLED', 'VM_UNSTARTABLE'] }),
  'POST /api/dgs/:dg/volumes/:volume/start': r('POST', '/api/dgs/:dg/volumes/:volume/start', 'admin', 'vxvol start', { body: s.VolStartBody, response: res.Started }),
  'POST /api/dgs/:dg/volumes/:volume/stop': r('POST', '/api/dgs/:dg/volumes/:volume/stop', 'admin', 'vxvol stop', { body: s.ForceBody, response: res.TxResult }),
  'POST /api/dgs/:dg/volumes/:volume/resync': r('POST', '/api/dgs/:dg/volumes/:volume/resync', 'admin', 'resync a volume (force: read-writeback everything)', { body: s.ResyncVolumeBody, response: z.union([res.ResyncPlan, res.Accepted]), status: [200, 202] }),
  'POST /api/dgs/:dg/volumes/:volume/verify': r('POST', '/api/dgs/:dg/volumes/:volume/verify', 'admin', 'compare all plexes region by region', { body: s.DryRunBody, response: z.union([res.VerifyPlan, res.Accepted]), status: [200, 202] }),
  'POST /api/dgs/:dg/volumes/:volume/repair': r('POST', '/api/dgs/:dg/volumes/:volume/repair', 'admin', 'copy a chosen plex over the others', { body: s.RepairBody, response: res.Accepted, status: [202] }),
  'POST /api/dgs/:dg/volumes/:volume/mirror': r('POST', '/api/dgs/:dg/volumes/:volume/mirror', 'admin', 'vxassist mirror: allocate a plex of the volume\'s length on disks holding none of its data plexes (or on disks): concat, or for a striped volume striped with its columns and stripe unit, each column on disks of its own; attached in one transaction; a started volume is copied into it by an attach task (202), a stopped one gets it STALE for its next start; dryRun lists the records, copyBytes and notes (where each new subdisk goes)', { body: s.MirrorBody, response: z.union([res.TxResult, res.Accepted]), status: [200, 202], errors: ['VM_DISK_FAILED', 'VM_NOT_FOUND', 'VM_INVALID_PARAM', 'VM_NO_SPACE', 'VM_TOO_MANY_PLEXES', 'VM_LOCKED'] }),
  'POST /api/dgs/:dg/volumes/:volume/unmirror': r('POST', '/api/dgs/:dg/volumes/:volume/unmirror', 'admin', 'vxassist remove mirror / vxplex -o rm dis: dissociate a data plex (plex, or one that is not a current copy, else the newest) and remove it with its subdisks in one transaction; refused for the last complete current plex unless force', { body: s.UnmirrorBody, response: res.TxResult, errors: ['VM_NOT_FOUND', 'VM_INVALID_PARAM', 'VM_LAST_PLEX', 'VM_LOCKED'] }),
  'POST /api/dgs/:dg/volumes/:volume/grow': r('POST', '/api/dgs/:dg/volumes/:volume/grow', 'admin', 'vxassist growto (len) / growby (by), sectors: every data plex extended (a concat one\'s last subdisk in place on its own disk, else new subdisks on disks holding no other plex of the volume, only those in disks when given; a striped one column by column in whole stripe units, the length rounded up to a multiple of stripe unit x columns, each column\'s last subdisk in place, else a new subdisk on a disk holding no other column of the plex and no other plex of the volume; never a failed disk), the new space zeroed in every current plex by a grow task (202) and marked stale on the others, then the new length; online, crash-safe; a started volume with a DRL only within its log; dryRun lists the changes, copyBytes (zeros written) and notes (the rounding, where each new subdisk goes)', { body: s.GrowBody, response: z.union([res.TxResult, res.Accepted]), status: [200, 202], errors: ['VM_DISK_FAILED', 'VM_NOT_FOUND', 'VM_INVALID_PARAM', 'VM_NO_SPACE', 'VM_BUSY', 'VM_LOCKED'] }),
  'POST /api/dgs/:dg/volumes/:volume/shrink': r('POST', '/api/dgs/:dg/volumes/:volume/shrink', 'admin', 'vxassist shrinkto (len) / shrinkby (by), sectors: one transaction cuts every data plex (a striped one at the end of every column, the length rounded up to whole stripes) and the length, the space beyond freed; what lay there is lost, so a started volume only with force (its dry run without force previews the forced shrink, a first note saying it needs force); notes say the rounding and each subdisk cut or removed', { body: s.ShrinkBody, response: res.TxResult, errors: ['VM_NOT_FOUND', 'VM_INVALID_PARAM', 'VM_VOL_ENABLED', 'VM_BUSY', 'VM_LOCKED'] }),
  'POST /api/dgs/:dg/volumes/:volume/addlog': r('POST', '/api/dgs/:dg/volumes/:volume/addlog', 'admin', 'vxassist addlog: a DRL log subdisk in a log plex of its own (as long as the longest log, or 2 sectors per 2 GiB), on a disk holding no data plex of the volume when one has room (or on a disk named in disks, even beside a data plex, never beside another of its logs), attached in one transaction; nothing is copied; the volume must be mirrored', { body: s.AddLogBody, response: res.TxResult, errors: ['VM_DISK_FAILED', 'VM_NOT_FOUND', 'VM_INVALID_PARAM', 'VM_NO_SPACE', 'VM_TOO_MANY_PLEXES'] }),
  'POST /api/dgs/:dg/volumes/:volume/rmlog': r('POST', '/api/dgs/:dg/volumes/:volume/rmlog', 'admin', 'vxassist remove log: a log plex (plex, or the newest) dissociated and removed with its subdisk in one transaction; without a log left a crash means a full resync', { body: s.RemoveLogBody, response: res.TxResult, errors: ['VM_NOT_FOUND', 'VM_INVALID_PARAM', 'VM_LOCKED'] }),
  'GET /api/dgs/:dg/volumes/:volume/dirty': r('GET', '/api/dgs/:dg/volumes/:volume/dirty', 'viewer', 'DRL dirty map and bytes a recovery would copy', { response: res.DirtyView }),
  'GET /api/lab': r('GET', '/api/lab', 'viewer', 'lab mode state', { response: res.LabView }),
  'POST /api/lab/dgs/:dg/disks/:disk/fail': r('POST', '/api/lab/dgs/:dg/disks/:disk/fail', 'lab', 'fail a disk (reads, writes or both)', { body: s.LabFailBody, response: res.LabView }),
  'POST /api/lab/dgs/:dg/disks/:disk/restore': r('POST', '/api/lab/dgs/:dg/disks/:disk/restore', 'lab', 'restore a failed disk', { response: res.LabView }),
  'POST /api/lab/dgs/:dg/disks/:disk/latency': r('POST', '/api/lab/dgs/:dg/disks/:disk/latency', 'lab', 'add latency to every I/O of a disk', { body: s.LabLatencyBody, response: res.LabView }),
  'POST /api/lab/load': r('POST', '/api/lab/load', 'lab', 'start a background write load on a volume', { body: s.LabLoadBody, response: res.LabLoadStarted, status: [201] }),
  'POST /api/lab/load/stop': r('POST', '/api/lab/load/stop', 'lab', 'stop a write load', { body: s.LabLoadBody, response: res.LabView }),
} as const satisfies Record<string, RouteDef>

export type RouteKey = keyof typeof ROUTES

/** The request body type of a route. */
export type BodyOf<K extends RouteKey> = (typeof ROUTES)[K] extends { body: infer S extends z.ZodType } ? z.infer<S> : Record<string, never>

/** The query string of a route: its fields, as strings. */
export type QueryOf<K extends RouteKey> = (typeof ROUTES)[K] extends { query: infer S extends z.ZodType } ? z.infer<S> : Record<string, never>

/** The body of a route's successful answer, as the client receives it. */
export type ResponseOf<K extends RouteKey> = z.output<(typeof ROUTES)[K]['response']>

/** What a handler may answer for a route (the schema's input side). */
export type ReplyOf<K extends RouteKey> = z.input<(typeof ROUTES)[K]['response']>

/** Fills the :params of a route path. */
export function routePath(key: RouteKey, params: Record<string, string> = {}): string {
  return ROUTES[key].path.replace(/:([a-z]+)/g, (_, p: string) => {
    const v = params[p]
    if (v === undefined) throw new TypeError(`missing path parameter ${p}`)
    return encodeURIComponent(v)
  })
}
