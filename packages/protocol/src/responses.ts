import type { Config as EngineConfig } from '@plexa/engine'
import { z } from 'zod'
import type { ServerEvent } from './messages.ts'

/**
 * Response bodies of the routes. The server's handlers are typed by them (a handler returning
 * another shape fails the typecheck), a test parses every route's real answer with them, the
 * OpenAPI document is generated from them and the typed client returns their types.
 *
 * Records are described by the fields every client relies on; the others (every field of the man
 * pages) pass through unchecked.
 */

const int = z.number().int()
const role = z.enum(['admin', 'viewer'])
const kstate = z.enum(['ENABLED', 'DISABLED', 'DETACHED'])
const putil = z.array(z.string())

export const ErrorBody = z.object({ error: z.object({ code: z.string().regex(/^VM_[A-Z_]+$/), message: z.string() }) })

export const Health = z.object({ status: z.literal('ok'), version: z.string(), groups: int, clients: int, seq: int, lab: z.boolean() })
/** An OpenAPI 3.1 document (its own schema is the OpenAPI specification's). */
export const OpenApiDocument = z.object({ openapi: z.string().startsWith('3.1'), info: z.object({ title: z.string(), version: z.string() }), paths: z.record(z.string(), z.unknown()) })
export const Me = z.object({ user: z.string(), role })
export const LoggedOut = z.object({ loggedOut: z.literal(true) })
export const UserList = z.object({ users: z.array(z.object({ name: z.string(), role })) })
export const UserCreated = z.object({ name: z.string(), role })
export const TokenCreated = z.object({ token: z.string(), label: z.string() })

export const DgRecord = z.object({ dg_name: z.string(), dg_rid: int, dg_dgid: z.string(), dg_comment: z.string(), dg_putil: putil, dg_tutil: putil })
export const DmRecord = z.object({ dm_name: z.string(), dm_rid: int, dm_pub_offset: int, dm_pub_len: int, dm_priv_len: int, dm_comment: z.string(), dm_putil: putil, dm_tutil: putil })
export const SdRecord = z.object({ sd_name: z.string(), sd_rid: int, sd_dm_name: z.string(), sd_plex_rid: int, sd_dev_offset: int, sd_len: int, sd_pl_offset: int, sd_comment: z.string(), sd_putil: putil, sd_tutil: putil })
export const PlRecord = z.object({ pl_name: z.string(), pl_rid: int, pl_vol_rid: int, pl_state: z.string(), pl_kstate: kstate, pl_layout: z.string(), pl_len: int, pl_comment: z.string(), pl_putil: putil, pl_tutil: putil })
export const VRecord = z.object({ v_name: z.string(), v_rid: int, v_state: z.string(), v_kstate: kstate, v_len: int, v_read_pol: z.string(), v_comment: z.string(), v_putil: putil, v_tutil: putil })
const ConfigShape = z.object({ tid: int, nextRid: int, dg: DgRecord, disks: z.array(DmRecord), subdisks: z.array(SdRecord), plexes: z.array(PlRecord), volumes: z.array(VRecord) })
// the engine's Config has every field the schema checks (the typecheck fails here otherwise)
const _configFits = (c: EngineConfig): z.output<typeof ConfigShape> => c
void _configFits
/** A group's configuration: the schema checks the fields above, and it is typed as the engine's full Config. */
export const Config = ConfigShape as unknown as z.ZodType<EngineConfig, EngineConfig>

const DirtyMap = z.object({ regionSectors: int, regions: z.array(int), recoveryBytes: int })
export const StaleView = z.object({ regionSectors: int, full: z.boolean(), regions: z.array(int), syncErrors: z.array(int) })
export const DirtyView = DirtyMap.extend({ logWrites: int })
/** Disk name -> the operations its device fails now, as the engine knows (rule 409). */
export const FailingDisks = z.record(z.string(), z.enum(['read', 'write', 'both']))
export const GroupView = z.object({ name: z.string(), config: Config, forcedOffline: z.boolean(), dirty: z.record(z.string(), DirtyMap), stale: z.record(z.string(), StaleView), failing: FailingDisks.optional() })
/** The imported groups; `hotreloc`: hot relocation is on (DG_PFLAG_NORELOC clear; `dg set hotreloc=off` sets it, the demo does). */
export const GroupList = z.object({ groups: z.array(z.object({ name: z.string(), tid: int, forcedOffline: z.boolean(), disks: int, hotreloc: z.boolean() })) })

/** A disk of a group that an import could not use, and why (VM_MISSING_DISKS). */
export const UnusableDisk = z.object({ disk: z.string(), reason: z.string(), device: z.string().optional() })
/**
 * A group found on the disks and not imported: why (`code`: VM_BUSY when another host has it
 * imported, `importedBy`; VM_MISSING_DISKS with the `disks` it lacks; or another refusal), and
 * the devices that hold it.
 */
/** One side of a serial split brain (rule 350): its disks, their ids (what selectcp takes), its newest tid, and for a side overruled the records it held otherwise. */
export const ConfigSide = z.object({ disks: z.array(z.string()), diskids: z.array(z.string()), tid: int, records: z.array(z.string()).optional() })
export const PendingImport = z.object({ name: z.string(), code: z.string(), reason: z.string(), importedBy: z.string().optional(), disks: z.array(UnusableDisk).optional(), sides: z.array(ConfigSide).optional(), devices: z.array(z.string()), deported: z.boolean().optional() })
export const ImportList = z.object({ groups: z.array(PendingImport) })
/**
 * An image file of the data directory no group has and that holds nothing: a free, uninitialised
 * disk (`vxdisk list`: online invalid), such as one `vxdg rmdisk` removed; add it by its path.
 * `formerly`: it still holds the old header of that disk of that group, which no longer has it
 * (replaced or removed with the header not cleared, rule 471): no member, added again with force.
 */
export const FreeDisk = z.object({ path: z.string(), sizeBytes: int, formerly: z.object({ dg: z.string(), disk: z.string() }).optional() })
export const FreeDiskList = z.object({ disks: z.array(FreeDisk) })
/** What a deport did (dryRun: would do): the disks whose headers no longer name an importer, and the (stopped) volumes that left with the group (rule 451). */
export const Deported = z.object({ name: z.string(), dryRun: z.boolean(), disks: z.array(z.string()), volumes: z.array(z.string()) })
/** An imported group: its name, configuration tid, and the disks it imported without (NODEVICE). */
export const Imported = z.object({ name: z.string(), tid: int, unusable: z.array(UnusableDisk), dropped: z.array(ConfigSide) })

export const TaskProgress = z.object({
  taskId: z.string(),
  kind: z.string(),
  volume: z.string(),
  phase: z.string(),
  doneBytes: z.number(),
  /** Bytes of regions the task went through and could not copy (rule 283); absent when none. */
  failedBytes: z.number().optional(),
  totalBytes: z.number(),
  rate: z.number(),
  etaSeconds: z.number().nullable(),
  throttle: z.number(),
  adaptive: z.object({ latencyMs: z.number(), minBytesPerSecond: z.number() }).optional(),
})
export const Task = TaskProgress.extend({ dg: z.string(), target: z.string().optional(), volumes: z.array(z.string()).optional(), continues: z.string().optional() })
export const TaskList = z.object({ tasks: z.array(Task) })
/** A task control's answer: the task as it is now, or that it had already finished. */
export const TaskState = z.union([TaskProgress, z.object({ taskId: z.string(), finished: z.literal(true) })])

/** A disk resync's outcome per volume: synchronised, or why not (VM_NOT_STARTED, VM_NOTSYNCED with the plexes left). */
const VolumeOutcome = z.object({ volume: z.string(), synced: z.boolean(), reason: z.enum(['VM_NOT_STARTED', 'VM_NOTSYNCED']).optional(), plexes: z.array(z.string()).optional() })
const SyncReport = z.object({ regionsCopied: int, bytesCopied: int, bytesWritten: int.optional(), failedRegions: z.array(z.object({ volume: z.string(), region: int, plex: z.string(), reason: z.string() })), volumes: z.array(VolumeOutcome).optional(), written: z.array(z.object({ volume: z.string(), plexes: z.array(z.string()) })).optional() })
const VerifyReport = z.object({ volume: z.string(), regionSectors: int, regionsChecked: int, mismatches: z.array(z.object({ region: int, offset: int, length: int, groups: z.array(z.array(z.string())) })) })
export const TaskResult = z.union([z.object({ ok: z.literal(true), report: z.union([SyncReport, VerifyReport]) }), z.object({ ok: z.literal(false), code: z.string(), message: z.string() })])

export const AuditEntry = z.object({ id: int, at: int, user: z.string(), role: z.union([role, z.literal('anonymous')]), operation: z.string(), args: z.record(z.string(), z.unknown()), result: z.string(), source: z.string().optional() })
export const AuditList = z.object({ entries: z.array(AuditEntry) })

const LabDisk = z.object({ dg: z.string(), disk: z.string(), failed: z.enum(['none', 'read', 'write', 'both']), latencyMs: z.number(), failedAt: int.optional() })
const LabLoad = z.object({ dg: z.string(), volume: z.string(), running: z.boolean(), writes: int, errors: int })
export const LabView = z.object({ enabled: z.boolean(), disks: z.array(LabDisk), loads: z.array(LabLoad) })
export const LabLoadStarted = LabView.extend({ journal: z.string() })

const severity = z.enum(['warning', 'critical'])
export const Alert = z.object({ id: int, dg: z.string(), severity, code: z.string(), message: z.string(), object: z.string().optional(), at: int, lastAt: int, count: int, acked: z.object({ by: z.string(), at: int }).optional(), resolved: z.object({ at: int, why: z.string() }).optional() })
export const AlertList = z.object({ alerts: z.array(Alert) })
export const FinishedTask = z.object({
  id: int,
  taskId: z.string(),
  dg: z.string(),
  kind: z.string(),
  target: z.string(),
  volumes: z.array(z.string()),
  outcome: z.enum(['ok', 'failed', 'aborted', 'interrupted']),
  code: z.string().optional(),
  message: z.string().optional(),
  startedAt: int.optional(),
  startedBy: z.enum(['automatic', 'restart']).optional(),
  continues: z.string().optional(),
  continuedAs: z.string().optional(),
  finishedAt: int,
  doneBytes: z.number(),
  totalBytes: z.number(),
  /** Bytes written to its target plexes by a task without a copy report (attach, grow, evacuate, copy, move: each byte counted done reached its one target). */
  writtenBytes: z.number().optional(),
  /** An operation's first task (its entry the whole operation's outcome): every task it started, this one first, each with its own entry (rule 469). */
  tasks: z.array(z.string()).optional(),
  sync: SyncReport.omit({ failedRegions: true }).extend({ failedCount: int, failedRegions: SyncReport.shape.failedRegions }).optional(),
  verify: VerifyReport.extend({ mismatchCount: int }).optional(),
})
export const FinishedTaskList = z.object({ tasks: z.array(FinishedTask) })
/** One event of the history: its id and the event as it was streamed. */
/** A streamed event: its type, seq and time are checked; its fields are those of ServerEvent (messages.ts). */
const StreamedEvent = z.looseObject({ type: z.string(), seq: int, at: int }) as unknown as z.ZodType<ServerEvent>
export const HistoryItem = z.object({ id: int, event: StreamedEvent })
export const HistoryPage = z.object({ events: z.array(HistoryItem) })
export const HistoryView = z.object({ events: z.array(HistoryItem), alerts: z.array(Alert), tasks: z.array(FinishedTask), audit: z.array(AuditEntry) })

export const Snapshot = z.object({ seq: int, groups: z.array(GroupView), tasks: z.array(Task), lab: LabView, history: HistoryView, imports: z.array(PendingImport).optional() })

const RecordChange = z.object({ kind: z.enum(['dg', 'dm', 'sd', 'pl', 'v']), rid: int, name: z.string(), op: z.enum(['create', 'update', 'delete']), fields: z.array(z.string()), after: z.record(z.string(), z.unknown()).optional() })
/** A committed transaction, or its dry run (`dryRun: true`, nothing changed). */
export const TxResult = z.object({
  dryRun: z.boolean(),
  tid: int,
  changes: z.array(RecordChange),
  copyBytes: z.number().optional(),
  /** The everyday operations (grow, shrink, mirror, evacuate): what they do in words, a rounding of the length and where every new subdisk goes (rule 404). */
  notes: z.array(z.string()).optional(),
  /** The records already held what was asked (a setting to its current value): nothing committed, no transaction, `tid` the current one (rule 472). */
  unchanged: z.literal(true).optional(),
})
/** What a hot relocation did (or its dry run would do): each failed plex's subdisks and where they went, and the plexes it could not relocate with a stable code. */
export const RelocationReport = TxResult.extend({
  disk: z.string(),
  relocated: z.array(z.object({
    volume: z.string(),
    plex: z.string(),
    subdisks: z.array(z.object({ from: z.string(), to: z.array(z.object({ subdisk: z.string(), disk: z.string(), offset: int, len: int })) })),
    taskId: z.string().optional(),
    copyError: z.string().optional(),
  })),
  notRelocated: z.array(z.object({ volume: z.string(), plex: z.string(), code: z.string(), reason: z.string() })),
})
/** What vxunreloc did (or its dry run would do): each relocated subdisk moved back, from the disk it was on to new subdisks on the original disk (rule 501). */
export const UnrelocateReport = TxResult.extend({
  disk: z.string(),
  target: z.string(),
  moved: z.array(z.object({
    volume: z.string(),
    plex: z.string(),
    subdisk: z.string(),
    from: z.string(),
    to: z.array(z.object({ subdisk: z.string(), disk: z.string(), offset: int, len: int })),
    original: z.boolean(),
  })),
})
/** A volume start answered before its recovery finished. */
export const Started = z.union([TxResult.extend({ recovering: z.literal(true) }), TxResult])
/** A long operation answered with 202 once its task started. */
export const Accepted = z.object({
  accepted: z.literal(true),
  /** The first task the operation started (an evacuation starts one a move; its history entry lists them all in `tasks`). */
  taskId: z.string(),
  /** What the operation does, as its dry run's notes say (where each new subdisk goes, a rounding), rule 468. */
  notes: z.array(z.string()).optional(),
})
/**
 * A resync's dry run: how much it would copy, every plex it would write (by volume) and every plex
 * it would hand back to its volume, with its kernel state and state now and after (rules 233, 234).
 */
export const ResyncPlan = z.object({
  dryRun: z.literal(true),
  regions: int,
  bytes: z.number(),
  writes: z.array(z.object({ volume: z.string(), plexes: z.array(z.string()) })),
  handBack: z.array(z.object({ plex: z.string(), volume: z.string(), from: z.object({ kstate: z.string(), state: z.string() }), to: z.object({ kstate: z.literal('ENABLED'), state: z.enum(['ACTIVE', 'LOG']) }) })),
})
export const VerifyPlan = z.object({ dryRun: z.literal(true), bytes: z.number() })
export const Done = z.object({ done: z.literal(true) })
