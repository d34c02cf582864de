import { z } from 'zod'

/** Request bodies, validated once here (server) and typed for the callers (web, cli). */

const name = z.string().min(1).max(64)
const sectors = z.number().int().nonnegative()
const positive = z.number().int().positive()
const dryRun = { dryRun: z.boolean().optional() }

export const LoginBody = z.strictObject({ user: z.string().min(1).max(64), password: z.string().min(1).max(256) })

const SdSpec = z.strictObject({ type: z.literal('sd'), name, disk: name, offset: sectors.optional(), len: positive, comment: z.string().optional() })
const SdAssocSpec = z.union([name, z.strictObject({ name, offset: sectors.optional(), column: sectors.optional() })])
const PlexSpec = z.strictObject({
  type: z.literal('plex'),
  name,
  layout: z.enum(['CONCAT', 'STRIPE']).optional(),
  st_width: sectors.optional(),
  sd: z.array(SdAssocSpec).max(4096).optional(),
  log_sd: name.optional(),
  comment: z.string().optional(),
})
const VolSpec = z.strictObject({
  type: z.literal('vol'),
  name,
  usetype: z.enum(['fsgen', 'gen']).optional(),
  len: positive,
  read_pol: z.enum(['ROUND', 'PREFER', 'SELECT']).optional(),
  pref_name: name.optional(),
  plex: z.array(name).max(32).optional(),
  comment: z.string().optional(),
})
export const MakeRecordsBody = z.strictObject({ records: z.array(z.discriminatedUnion('type', [SdSpec, PlexSpec, VolSpec])).min(1).max(1000), ...dryRun })

export const AssistBody = z.strictObject({
  name,
  len: positive,
  layout: z.enum(['concat', 'stripe', 'mirror', 'mirror-stripe']).optional(),
  nmirror: positive.optional(),
  ncol: positive.optional(),
  stwidth: positive.optional(),
  log: z.enum(['drl', 'none']).optional(),
  disks: z.array(name).max(1000).optional(),
  usetype: z.enum(['fsgen', 'gen']).optional(),
  /** As vxassist init=: sync (default: started, mirrors copied from the first plex), zero, active, none (EMPTY, stopped). */
  init: z.enum(['sync', 'zero', 'active', 'none']).optional(),
  ...dryRun,
})

export const SetFieldsBody = z.strictObject({ fields: z.record(z.string().max(32), z.union([z.string().max(256), z.number(), z.boolean()])), ...dryRun })
export const RenameBody = z.strictObject({ newName: name, ...dryRun })
export const RemoveBody = z.strictObject({ recursive: z.boolean().optional(), ...dryRun })
export const DryRunBody = z.strictObject({ ...dryRun })
export const ForceBody = z.strictObject({ force: z.boolean().optional(), ...dryRun })
export const SdAssocBody = z.strictObject({ plex: name, offset: sectors.optional(), column: sectors.optional(), ...dryRun })
export const SdLogBody = z.strictObject({ plex: name, ...dryRun })
export const PlexAttBody = z.strictObject({ volume: name, ...dryRun })
export const PlexCpBody = z.strictObject({ volume: name })
export const PlexMvBody = z.strictObject({ newPlex: name, force: z.boolean().optional() })
/** vxassist mirror VOL [disks...]: the disks the new plex may use (default: any holding no data plex of the volume). */
export const MirrorBody = z.strictObject({ disks: z.array(name).min(1).max(1000).optional(), ...dryRun })
/** vxassist remove mirror VOL / vxplex -o rm dis PLEX: the plex (default: one chosen), force past VM_LAST_PLEX. */
/** vxassist growto LEN / growby BY (sectors; exactly one), with the disks new space may come from. */
export const GrowBody = z.strictObject({ len: positive.optional(), by: positive.optional(), disks: z.array(name).min(1).max(1000).optional(), ...dryRun })
/** vxassist shrinkto LEN / shrinkby BY (sectors; exactly one); force shrinks a started volume. */
export const ShrinkBody = z.strictObject({ len: positive.optional(), by: positive.optional(), force: z.boolean().optional(), ...dryRun })
/** vxevac DISK [TODISK...]: the disks the plexes may move to (default: any holding no other plex of their volume). */
export const EvacuateBody = z.strictObject({ to: z.array(name).min(1).max(1000).optional(), ...dryRun })
/** Hot relocation of a disk's failed plexes: the plexes whose I/O failed there (default: every failed plex on it). */
export const RelocateBody = z.strictObject({ plexes: z.array(name).min(1).max(1000).optional(), ...dryRun })
/** vxunreloc [-f] [-n to] DISK: force places a subdisk elsewhere on the disk when its original sectors are taken; to names the disk to move them to instead. */
export const UnrelocateBody = z.strictObject({ force: z.boolean().optional(), to: name.optional(), ...dryRun })
/** vxassist addlog VOL [disks...]: the disks the log may go on. */
export const AddLogBody = z.strictObject({ disks: z.array(name).min(1).max(1000).optional(), ...dryRun })
/** vxassist remove log VOL: the log plex (default: the newest). */
export const RemoveLogBody = z.strictObject({ plex: name.optional(), ...dryRun })
export const UnmirrorBody = z.strictObject({ plex: name.optional(), force: z.boolean().optional(), ...dryRun })
/** vxvol init TYPE VOLUME [PLEX]: zero, active, or clean with the plex to keep. */
export const VolInitBody = z.strictObject({ type: z.enum(['zero', 'active', 'clean']), plex: name.optional(), ...dryRun })
export const VolStartBody = z.strictObject({ delayRecover: z.boolean().optional(), ...dryRun })
export const ResyncVolumeBody = z.strictObject({ force: z.boolean(), throttle: z.number().nonnegative().max(1e12).optional(), ...dryRun })
export const ResyncDiskBody = z.strictObject({ force: z.boolean(), mode: z.enum(['strict', 'faithful']).optional(), throttle: z.number().nonnegative().max(1e12).optional(), ...dryRun })
export const RepairBody = z.strictObject({ source: name, regions: z.array(sectors).max(1 << 20).optional() })
/** vxmend: `fix clean|stale|active PLEX`, `fix empty VOLUME` (force: even with an ACTIVE plex), `clear FIELDS REC`, `off`/`on PLEX`. */
export const MendBody = z.strictObject({ op: z.enum(['clear', 'fix', 'off', 'on']), name, arg: z.string().max(16).optional(), force: z.boolean().optional(), ...dryRun })
/** A disk's device: a new image file of sizeBytes in the data directory, or an absolute path (or nbd:// URL); force overwrites one that holds data. */
const diskDevice = { sizeBytes: positive.optional(), path: z.string().min(1).max(4096).optional(), force: z.boolean().optional(), ...dryRun }
export const AddDiskBody = z.strictObject({ name, ...diskDevice })
export const ReplaceDiskBody = z.strictObject(diskDevice)
export const AckAlertsBody = z.strictObject({ ids: z.array(z.number().int().positive()).max(10000).optional() })
/** A fixed rate (bytes per second, 0 = none), or the adaptive mode's foreground write p99 target (rule 161). */
export const ThrottleBody = z.union([
  z.strictObject({ bytesPerSecond: z.number().nonnegative().max(1e12) }),
  z.strictObject({ adaptive: z.strictObject({ latencyMs: z.number().positive().max(60_000), minBytesPerSecond: z.number().nonnegative().max(1e12).optional() }) }),
])
export const LabFailBody = z.strictObject({ mode: z.enum(['read', 'write', 'both']) })
export const LabLatencyBody = z.strictObject({ ms: z.number().int().min(0).max(10_000) })
export const LabLoadBody = z.strictObject({
  dg: name,
  volume: name,
  writesPerSecond: z.number().int().min(1).max(100_000).optional(),
  blockBytes: z.number().int().min(512).max(1 << 20).multipleOf(512).optional(),
})
export const CreateUserBody = z.strictObject({ name: z.string().regex(/^[a-z][a-z0-9_-]{0,31}$/), password: z.string().min(8).max(256), role: z.enum(['admin', 'viewer']) })
export const CreateTokenBody = z.strictObject({ label: z.string().min(1).max(64) })

/**
 * vxdg import of a group found on the disks and not imported: -f (force), -C (clearImport), and
 * -o selectcp=DISKID (selectcp: after a serial split brain, the disk whose configuration wins).
 */
export const ImportBody = z.strictObject({ force: z.boolean().optional(), clearImport: z.boolean().optional(), selectcp: z.string().min(1).max(64).optional() })

/** A query string's whole number (`?limit=50`): digits only, at least 1. */
const queryCount = z.string().regex(/^[1-9]\d{0,14}$/, 'must be a whole number of at least 1')
/** `?limit=N` (1 and up; more than 1000 gives 1000). */
export const LimitQuery = z.strictObject({ limit: queryCount.optional() })
/** `?before=ID&limit=N` of a history page: entries older than ID, at most N of them. */
export const PageQuery = z.strictObject({ before: z.string().regex(/^\d{1,15}$/, 'must be a whole number').optional(), limit: queryCount.optional() })
/**
 * The WebSocket's query (`/ws?protocol=1&snapshot=columns&lastSeq=N`), checked as strictly as an
 * HTTP route's (rule 430): `lastSeq` a whole number, `snapshot` json or columns, `protocol` a whole
 * number, no other field, none twice.
 */
export const WsQuery = z.strictObject({
  lastSeq: z.string().regex(/^\d{1,15}$/, 'must be a whole number').optional(),
  snapshot: z.enum(['json', 'columns']).optional(),
  protocol: z.string().regex(/^\d{1,6}$/, 'must be a whole number').optional(),
})

