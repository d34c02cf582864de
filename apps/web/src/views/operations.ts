import type { Config, DmRecord, PlRecord, Profile, RecordChange, VRecord } from '@plexa/engine'
import type { Selection } from '../store/appStore.ts'
import type { Action } from './actions.ts'
import { deportAction } from './deport.ts'
import { formatBytes, formatSectors } from './units.ts'

/**
 * The everyday operations (vxassist mirror, remove mirror, growto, shrinkto, addlog, remove log;
 * vxevac; vxassist make) as actions with a form: what is offered on the selection, why not when
 * it cannot run, the request body from what the administrator typed, and the dry run in words.
 * Pure: the console and its tests compute the same.
 */

/** What an operation's dialog asks for; `values` are the fields as typed. */
export type OperationForm = (
  | { kind: 'mirror'; volume: string; disks: string[] }
  | { kind: 'unmirror'; volume: string; plexes: Array<{ name: string; last: boolean }> }
  | { kind: 'grow' | 'shrink'; volume: string; len: number; started: boolean }
  | { kind: 'addlog'; volume: string; disks: string[] }
  | { kind: 'rmlog'; volume: string; plexes: string[] }
  | { kind: 'evacuate'; disk: string; disks: string[] }
  | { kind: 'create'; dg: string; disks: string[]; nameMax: number; taken: string[] }
) & {
  /** Free sectors of each usable disk, shown beside the disks to choose from. */
  free?: Record<string, number>
}

/** The fields of every form, as strings and booleans from the inputs (absent: not filled in). */
export interface FormValues {
  name?: string
  size?: string
  layout?: string
  nmirror?: string
  ncol?: string
  log?: boolean
  plex?: string
  disks?: string[]
  force?: boolean
}

/** The body an operation sends, or what is wrong with the values, by field (shown inline). */
export type FormResult = { body: Record<string, unknown>; issues?: undefined } | { body?: undefined; issues: Partial<Record<keyof FormValues, string>> }

/** Record name lengths by profile (SEMANTICS.md 4.1); a vxassist volume leaves 3 for `-01`. */
const NAME_LEN: Record<Profile['id'], number> = { classic: 14, 'compat-1993': 14, vxvm3: 31 }
const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]*$/

const UNIT: Record<string, number> = { s: 1, k: 2, m: 2048, g: 2048 * 1024, t: 2048 * 1024 * 1024 }

/**
 * A size typed by an administrator, in sectors: a number with a unit as vxassist takes it (`s`
 * sectors, `k` `m` `g` `t` binary kilo- to terabytes, also `KiB`, `MB`, ...); a bare number is
 * sectors, as in vxassist. Undefined when it is not a whole, positive number of sectors.
 */
export function parseSize(text: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([sSkKmMgGtT])?(?:i?[bB])?\s*$/.exec(text)
  if (!m) return undefined
  const sectors = Number(m[1]) * UNIT[(m[2] ?? 's').toLowerCase()]!
  return Number.isInteger(sectors) && sectors > 0 && sectors <= Number.MAX_SAFE_INTEGER ? sectors : undefined
}

/** Free sectors of each disk ordinary allocation may use (not reserved, spare, failing, removed or without its device), by disk name. */
export function freeByDisk(c: Config, failed: ReadonlySet<string> = new Set()): Map<string, { total: number; largest: number }> {
  const out = new Map<string, { total: number; largest: number }>()
  const used = new Map<number, Array<{ offset: number; len: number }>>()
  for (const s of c.subdisks) used.set(s.sd_dm_rid, [...(used.get(s.sd_dm_rid) ?? []), { offset: s.sd_dm_offset, len: s.sd_len }])
  for (const dm of c.disks) {
    if (!isOrdinary(dm) || failed.has(dm.dm_name)) continue
    let [pos, total, largest] = [0, 0, 0]
    const gap = (n: number) => {
      total += n
      largest = Math.max(largest, n)
    }
    for (const e of (used.get(dm.dm_rid) ?? []).sort((a, b) => a.offset - b.offset)) {
      if (e.offset > pos) gap(e.offset - pos)
      pos = Math.max(pos, e.offset + e.len)
    }
    if (pos < dm.dm_pub_len) gap(dm.dm_pub_len - pos)
    out.set(dm.dm_name, { total, largest })
  }
  return out
}

function isOrdinary(dm: DmRecord): boolean {
  // RESERVE 0x1, SPARE 0x2 (kept for hot relocation), FAILING 0x8 (relocated off), REMOVED 0x100
  // (dm_pflag, the engine's DM_PFLAG); NODAREC 0x8 (dm_tflag): no device
  return !(dm.dm_pflag & 0x10b) && !(dm.dm_tflag & 0x8)
}

function isLogPlex(c: Config, pl: PlRecord): boolean {
  const sds = c.subdisks.filter((s) => s.sd_plex_rid === pl.pl_rid)
  return sds.length > 0 && sds.every((s) => s.sd_is_log)
}

// the engine's PL_PFLAG bits (a value import of the engine is not the web's)
const PL_PFLAG_STALE = 0x2
const PL_PFLAG_KDETACH = 0x4

/** A data plex that holds the whole volume and is current (the engine's `isCompleteCopy`). */
function isCompleteCopy(v: VRecord, pl: PlRecord): boolean {
  const stale = (pl.pl_pflag & (PL_PFLAG_STALE | PL_PFLAG_KDETACH)) !== 0 || ['STALE', 'IOFAIL', 'OFFLINE', 'EMPTY', 'TEMP', 'TEMPRM', 'TEMPRMSD'].includes(pl.pl_state)
  return !stale && pl.pl_contig_len >= v.v_len && pl.pl_kstate !== 'DETACHED'
}

/** The disks holding a data plex of `v` (by disk name). */
function dataDisks(c: Config, v: VRecord): Set<string> {
  const plexes = new Set(c.plexes.filter((pl) => pl.pl_vol_rid === v.v_rid && !isLogPlex(c, pl)).map((pl) => pl.pl_rid))
  return new Set(c.subdisks.filter((s) => plexes.has(s.sd_plex_rid)).map((s) => s.sd_dm_name))
}

/** The name limit of a vxassist-made volume in this group: 11 characters (28 in a vxvm3 group). */
export function volumeNameMax(c: Config): number {
  return (NAME_LEN[c.dg.dg_profile] ?? 14) - 3
}

/**
 * The operations offered on the selection, each disabled with its reason where it cannot run.
 * `failed`: the disks that fail I/O now (in the lab, or by what the engine knows of their device):
 * no new space is chosen there, as the engine refuses one named (VM_DISK_FAILED, rule 409).
 */
export function operationsFor(c: Config, sel: Selection, role: string | undefined, failed: ReadonlySet<string> = new Set()): Action[] {
  const viewer = role !== 'admin' ? 'viewers cannot change anything' : undefined
  const isUsable = (dm: DmRecord) => isOrdinary(dm) && !failed.has(dm.dm_name)
  const free = freeByDisk(c, failed)
  const freeSectors = Object.fromEntries([...free].map(([d, f]) => [d, f.total]))
  const op = (a: Omit<Action, 'destructive' | 'disabled'> & { destructive?: boolean }, why: string | undefined): Action => ({ destructive: false, ...a, ...(a.form && 'disks' in a.form ? { form: { ...a.form, free: freeSectors } } : {}), ...((viewer ?? why) ? { disabled: (viewer ?? why)! } : {}) })
  if (sel.kind === 'dg') {
    const disks = c.disks.filter(isUsable).map((d) => d.dm_name)
    const room = [...free.values()].some((f) => f.total > 0)
    const taken = [...c.volumes.map((v) => v.v_name), ...c.plexes.map((p) => p.pl_name), ...c.subdisks.map((s) => s.sd_name), ...c.disks.map((d) => d.dm_name)]
    return [op({ id: 'create', label: 'Create volume', route: 'POST /api/dgs/:dg/assist', params: { dg: sel.dg }, body: {}, form: { kind: 'create', dg: sel.dg, disks, nameMax: volumeNameMax(c), taken } }, room ? undefined : 'no disk of the group has free space'), deportAction(c, sel.dg, viewer)]
  }
  if (sel.kind === 'dm') {
    const dm = c.disks.find((d) => d.dm_name === sel.name)
    if (!dm) return []
    const plexRids = new Set(c.subdisks.filter((s) => s.sd_dm_rid === dm.dm_rid && s.sd_plex_rid).map((s) => s.sd_plex_rid))
    const plexes = c.plexes.filter((pl) => plexRids.has(pl.pl_rid) && pl.pl_vol_rid)
    const volOf = (pl: PlRecord) => c.volumes.find((v) => v.v_rid === pl.pl_vol_rid)
    // a stopped volume's plexes are moved offline (rule 344); a DETACHED one waits for a start or a stop
    const stopped = [...new Set(plexes.map(volOf).filter((v) => v && v.v_kstate === 'DETACHED').map((v) => v!.v_name))]
    const locked = plexes.find((pl) => pl.pl_tutil[0])
    // vxsd mv (rule 400): each data subdisk on the disk moves alone, striped columns too; a stopped volume's concat plex moves whole (rule 344)
    const whole = (pl: PlRecord) => pl.pl_layout === 'CONCAT' && volOf(pl)?.v_kstate === 'DISABLED'
    const need = plexes.reduce((n, pl) => n + (isLogPlex(c, pl) ? 0 : whole(pl) ? (volOf(pl)?.v_len ?? 0) : c.subdisks.filter((s) => s.sd_plex_rid === pl.pl_rid && s.sd_dm_rid === dm.dm_rid).reduce((m, s) => m + s.sd_len, 0)), 0)
    const room = [...free].filter(([n]) => n !== dm.dm_name).reduce((n, [, f]) => n + f.total, 0)
    const why = plexes.length === 0 ? `no plex has a subdisk on ${dm.dm_name}: there is nothing to move`
      : stopped.length ? `${stopped.join(', ')} ${stopped.length > 1 ? 'are' : 'is'} DETACHED: start or stop ${stopped.length > 1 ? 'them' : 'it'} first`
      : locked ? `plex ${locked.pl_name} is locked by ${locked.pl_tutil[0]}`
      : room < need ? `the other disks have ${formatSectors(room)} free; the subdisks on ${dm.dm_name} need ${formatSectors(need)}`
      : undefined
    const disks = c.disks.filter((d) => isUsable(d) && d.dm_name !== dm.dm_name).map((d) => d.dm_name)
    return [op({ id: 'evacuate', label: 'Evacuate', route: 'POST /api/dgs/:dg/disks/:disk/evacuate', params: { dg: sel.dg, disk: dm.dm_name }, body: {}, destructive: true, warning: `every subdisk on ${dm.dm_name} is copied to new space on other disks, one at a time, then removed from ${dm.dm_name}`, form: { kind: 'evacuate', disk: dm.dm_name, disks } }, why)]
  }
  if (sel.kind !== 'v') return []
  const v = c.volumes.find((x) => x.v_name === sel.name)
  if (!v) return []
  const p = { dg: sel.dg, volume: v.v_name }
  const plexes = c.plexes.filter((pl) => pl.pl_vol_rid === v.v_rid)
  const data = plexes.filter((pl) => !isLogPlex(c, pl))
  const logs = plexes.filter((pl) => isLogPlex(c, pl))
  const started = v.v_kstate === 'ENABLED'
  const locked = v.v_tutil[0] ? `${v.v_name} is locked by ${v.v_tutil[0]}` : undefined
  const own = dataDisks(c, v)
  const others = c.disks.filter((d) => isUsable(d) && !own.has(d.dm_name)).map((d) => d.dm_name)
  const otherFree = others.reduce((n, d) => n + (free.get(d)?.total ?? 0), 0)
  const maxPlexes = c.dg.dg_profile === 'compat-1993' ? 8 : 32
  const mirrorWhy = locked ?? (plexes.length >= maxPlexes ? `${v.v_name} has ${plexes.length} plexes, the most a volume may have` : otherFree < v.v_len ? `the disks holding no plex of ${v.v_name} have ${formatSectors(otherFree)} free; a new mirror needs ${formatSectors(v.v_len)}` : undefined)
  const complete = data.filter((pl) => isCompleteCopy(v, pl))
  const unmirror = data.map((pl) => ({ name: pl.pl_name, last: v.v_state !== 'EMPTY' && complete.every((x) => x === pl) }))
  const unmirrorWhy = locked ?? (data.length < 2 ? `${v.v_name} has one data plex: removing it would remove the volume's data` : undefined)
  const growWhy = locked ?? (!started && !['CLEAN', 'EMPTY'].includes(v.v_state) ? `${v.v_name} is ${v.v_state}: start it (which recovers it) before growing it` : ![...free.values()].some((f) => f.total > 0) ? 'no disk of the group has free space' : undefined)
  const shrinkWhy = locked ?? (v.v_len <= 1 ? `${v.v_name} is one sector long` : undefined)
  const logLen = 2 * Math.max(1, Math.ceil(v.v_len / (4 * 1024 * 1024)))
  const addlogWhy = locked ?? (data.length < 2 ? `${v.v_name} is not mirrored: a dirty region log needs a mirror` : plexes.length >= maxPlexes ? `${v.v_name} has ${plexes.length} plexes, the most a volume may have` : ![...free.values()].some((f) => f.largest >= logLen) ? `no disk has ${logLen} contiguous free sectors for a log` : undefined)
  const rmlogWhy = locked ?? (logs.length === 0 ? `${v.v_name} has no log` : undefined)
  return [
    op({ id: 'mirror', label: 'Add mirror', route: 'POST /api/dgs/:dg/volumes/:volume/mirror', params: p, body: {}, form: { kind: 'mirror', volume: v.v_name, disks: others } }, mirrorWhy),
    op({ id: 'unmirror', label: 'Remove mirror', route: 'POST /api/dgs/:dg/volumes/:volume/unmirror', params: p, body: {}, destructive: true, form: { kind: 'unmirror', volume: v.v_name, plexes: unmirror } }, unmirrorWhy),
    op({ id: 'grow', label: 'Grow', route: 'POST /api/dgs/:dg/volumes/:volume/grow', params: p, body: {}, form: { kind: 'grow', volume: v.v_name, len: v.v_len, started } }, growWhy),
    op({ id: 'shrink', label: 'Shrink', route: 'POST /api/dgs/:dg/volumes/:volume/shrink', params: p, body: {}, destructive: true, form: { kind: 'shrink', volume: v.v_name, len: v.v_len, started } }, shrinkWhy),
    op({ id: 'addlog', label: 'Add log', route: 'POST /api/dgs/:dg/volumes/:volume/addlog', params: p, body: {}, form: { kind: 'addlog', volume: v.v_name, disks: c.disks.filter(isUsable).map((d) => d.dm_name) } }, addlogWhy),
    op({ id: 'rmlog', label: 'Remove log', route: 'POST /api/dgs/:dg/volumes/:volume/rmlog', params: p, body: {}, destructive: true, form: { kind: 'rmlog', volume: v.v_name, plexes: logs.map((pl) => pl.pl_name) } }, rmlogWhy),
  ]
}

/** The values a form opens with: the first plex that is not the last copy, the volume's size. */
export function initialValues(f: OperationForm): FormValues {
  switch (f.kind) {
    case 'unmirror':
      return { plex: (f.plexes.find((p) => !p.last) ?? f.plexes[0])?.name ?? '', force: false }
    case 'rmlog':
      return { plex: f.plexes[0] ?? '' }
    case 'grow':
    case 'shrink':
      return { size: '', force: false }
    case 'create':
      return { name: '', size: '', layout: 'concat', nmirror: '2', ncol: '2', log: false, disks: [] }
    case 'mirror':
    case 'addlog':
    case 'evacuate':
      return { disks: [] }
  }
}

function count(text: string | undefined, what: string, min: number, max: number): number | string {
  const n = Number(text)
  return /^\d+$/.test(text ?? '') && n >= min && n <= max ? n : `${what} is a whole number from ${min} to ${max}`
}

/**
 * The request body from the form's values, or what is wrong with them by field: the checks the
 * server makes that the page can make first (a size with its unit, the name's length, a shrink
 * that must be forced, the last copy removed only with an explicit choice).
 */
export function operationBody(f: OperationForm, x: FormValues): FormResult {
  const issues: Partial<Record<keyof FormValues, string>> = {}
  const disks = x.disks?.length ? { [f.kind === 'evacuate' ? 'to' : 'disks']: x.disks } : {}
  const size = (label: string) => {
    if (!x.size?.trim()) return void (issues.size = `give the ${label}, with a unit (64m, 1.5g, 2048s)`)
    const len = parseSize(x.size)
    if (len === undefined) issues.size = `${JSON.stringify(x.size)} is not a size: a number with a unit (s sectors, k, m, g, t), a whole number of 512-byte sectors`
    return len
  }
  switch (f.kind) {
    case 'mirror':
    case 'addlog':
    case 'evacuate':
      return { body: disks }
    case 'rmlog':
      return x.plex ? { body: { plex: x.plex } } : { issues: { plex: 'choose the log plex to remove' } }
    case 'unmirror': {
      const pl = f.plexes.find((p) => p.name === x.plex)
      if (!pl) return { issues: { plex: 'choose the plex to remove' } }
      if (pl.last && !x.force) return { issues: { force: `${pl.name} is the last complete current plex of ${f.volume}: removing it leaves the data with no copy; only an explicit choice to lose it removes it` } }
      return { body: { plex: pl.name, ...(pl.last ? { force: true } : {}) } }
    }
    case 'grow':
    case 'shrink': {
      const len = size('new size')
      if (len !== undefined && f.kind === 'grow' && len <= f.len) issues.size = `${f.volume} is ${formatSectors(f.len)} (${f.len} sectors): the new size must be larger`
      if (len !== undefined && f.kind === 'shrink' && len >= f.len) issues.size = `${f.volume} is ${formatSectors(f.len)} (${f.len} sectors): the new size must be smaller`
      if (f.kind === 'shrink' && f.started && !x.force && !issues.size) issues.force = `${f.volume} is started: a shrink of a started volume must be forced, and whatever lies beyond the new end is gone`
      if (Object.keys(issues).length) return { issues }
      return { body: { len, ...(f.kind === 'shrink' && f.started ? { force: true } : {}) } }
    }
    case 'create': {
      const name = x.name ?? ''
      if (!name) issues.name = 'give the volume a name'
      else if (name.length > f.nameMax) issues.name = `at most ${f.nameMax} characters (its plexes are named ${name}-01, ...); this one has ${name.length}`
      else if (!NAME_RE.test(name)) issues.name = 'letters, digits, ".", "_" and "-", starting with a letter or digit'
      else if (f.taken.includes(name)) issues.name = `the group already has a record named ${name}`
      const len = size('size')
      const layout = x.layout ?? 'concat'
      const mirrored = layout === 'mirror' || layout === 'mirror-stripe'
      const striped = layout === 'stripe' || layout === 'mirror-stripe'
      const nmirror = mirrored ? count(x.nmirror, 'the number of mirrors', 2, 32) : 1
      const ncol = striped ? count(x.ncol, 'the number of columns', 2, Math.max(2, f.disks.length)) : 1
      if (typeof nmirror === 'string') issues.nmirror = nmirror
      if (typeof ncol === 'string') issues.ncol = ncol
      if (x.log && !mirrored) issues.log = 'a dirty region log needs a mirrored layout'
      if (Object.keys(issues).length) return { issues }
      return { body: { name, len, layout, ...(mirrored ? { nmirror } : {}), ...(striped ? { ncol } : {}), ...(x.log ? { log: 'drl' } : {}), ...disks } }
    }
  }
}

const NAMES = { sd: 'subdisk', pl: 'plex', v: 'volume', dm: 'disk', dg: 'disk group' } as const

/** A record a dry run creates, with where it lies: "subdisk disk04-03 on disk04 (64 MiB)". */
function createdWords(ch: RecordChange): string {
  const a = ch.after ?? {}
  if (ch.kind === 'sd') return `subdisk ${ch.name} is created on ${String(a.sd_dm_name ?? '?')} (${formatSectors(Number(a.sd_len ?? 0))}${a.sd_is_log ? ', a log' : ''})`
  if (ch.kind === 'v') return `volume ${ch.name} is created (${formatSectors(Number(a.v_len ?? 0))})`
  return `${NAMES[ch.kind]} ${ch.name} is created`
}

/**
 * What an operation's dry run says it will do, in words, effect first: the redundancy it leaves
 * ("vol01 will have no redundancy"), the size change, the copy it starts (a task), then every
 * record it creates or removes. `dry` is the server's dry-run answer.
 */
export function operationWords(a: Action, c: Config, body: Record<string, unknown>, dry: { changes?: RecordChange[]; copyBytes?: number }): string[] {
  const f = a.form
  if (!f) return []
  const out: string[] = []
  const changes = dry.changes ?? []
  const copy = dry.copyBytes ?? 0
  const made = changes.filter((ch) => ch.op === 'create')
  const gone = changes.filter((ch) => ch.op === 'delete')
  const v = 'volume' in f ? c.volumes.find((x) => x.v_name === f.volume) : undefined
  const complete = v ? c.plexes.filter((pl) => pl.pl_vol_rid === v.v_rid && !isLogPlex(c, pl) && isCompleteCopy(v, pl)) : []
  const newPlex = made.find((ch) => ch.kind === 'pl')?.name
  switch (f.kind) {
    case 'mirror':
      out.push(`${f.volume} gets a new mirror, plex ${newPlex ?? '?'}: ${complete.length + 1} complete copies once it is copied`)
      out.push(copy ? `${formatBytes(copy)} to copy into ${newPlex ?? 'it'} (an attach task; ${f.volume} stays in use)` : `nothing to copy now: ${f.volume} is not started, its next start copies the new plex`)
      break
    case 'unmirror': {
      const left = complete.filter((pl) => pl.pl_name !== body.plex).length
      const copies = `${left} complete cop${left === 1 ? 'y' : 'ies'}`
      if (left === 0) out.push(`${f.volume}'s data will have no copy: plex ${String(body.plex)} is its last complete current plex`)
      else if (left === complete.length) out.push(`plex ${String(body.plex)} is not a complete current copy: ${f.volume} keeps its ${copies}${left === 1 ? ' (no redundancy, as now, until a new mirror is added)' : ''}`)
      else out.push(left === 1 ? `${f.volume} will have no redundancy` : `${f.volume} keeps ${copies}`)
      out.push(`plex ${String(body.plex)} is removed with its subdisks; their space is free again`)
      break
    }
    case 'grow':
    case 'shrink': {
      const len = Number(body.len)
      out.push(`${f.volume} ${f.kind === 'grow' ? 'grows' : 'shrinks'} from ${formatSectors(f.len)} to ${formatSectors(len)} (${len} sectors)`)
      if (f.kind === 'grow') out.push(`${formatBytes(copy)} of zeros written into the new space of every plex (a grow task), then the new length`)
      else out.push(`the data beyond ${formatSectors(len)} is gone: whatever uses ${f.volume} (a file system) must have been shrunk first`)
      break
    }
    case 'addlog': {
      const sd = made.find((ch) => ch.kind === 'sd')
      out.push(`${f.volume} gets a dirty region log${sd?.after?.sd_dm_name ? ` on ${String(sd.after.sd_dm_name)}` : ''}: after a crash only the dirty regions are copied; nothing to copy now`)
      break
    }
    case 'rmlog': {
      const logs = v ? c.plexes.filter((pl) => pl.pl_vol_rid === v.v_rid && isLogPlex(c, pl)).length : 0
      out.push(logs <= 1 ? `${f.volume} loses its dirty region log: after a crash every region is copied (a full resync)` : `${f.volume} keeps ${logs - 1} other log${logs > 2 ? 's' : ''}`)
      break
    }
    case 'evacuate': {
      const moved = gone.filter((ch) => ch.kind === 'pl').map((ch) => ch.name)
      const into = made.filter((ch) => ch.kind === 'pl').map((ch) => ch.name)
      // a started volume's plex is copied live by an attach task; a stopped one's offline (rule 344)
      const how = (pl: string) => {
        const v = c.volumes.find((x) => x.v_rid === c.plexes.find((p) => p.pl_name === pl)?.pl_vol_rid)
        return v && v.v_kstate === 'DISABLED' ? `copied offline, ${v.v_name} stays stopped` : 'copied live by an attach task'
      }
      const moves = moved.map((pl, i) => `plex ${pl} moves to ${into[i] ?? '?'} (${how(pl)}, then the old plex removed)`)
      // vxsd mv: a subdisk of the disk moves into new space elsewhere, its plex keeping its layout
      const sdMoves = gone.filter((ch) => ch.kind === 'sd').map((ch) => {
        const was = c.subdisks.find((x) => x.sd_name === ch.name)
        const to = made.find((m) => m.kind === 'sd' && m.after?.sd_pl_name === was?.sd_pl_name && m.after?.sd_pl_offset === was?.sd_pl_offset && m.after?.sd_column === was?.sd_column)
        return `subdisk ${ch.name}${was?.sd_pl_name ? ` of plex ${was.sd_pl_name}` : ''} moves to ${to ? `${to.name} on ${String(to.after?.sd_dm_name)}` : 'another disk'}`
      })
      out.push(moved.length ? `${moves.join('; ')}${moved.length > 1 ? '; one plex at a time' : ''}` : sdMoves.length ? `${sdMoves.join('; ')} (copied live, one subdisk at a time, then the old one removed)` : `nothing is on ${f.disk}`)
      out.push(`${formatBytes(copy)} to copy; ${f.disk} holds no subdisk afterwards`)
      break
    }
    case 'create': {
      const layout = String(body.layout ?? 'concat')
      out.push(`volume ${String(body.name)} is created: ${formatSectors(Number(body.len))}, ${layout}${body.nmirror ? `, ${String(body.nmirror)} mirrors` : ''}${body.ncol ? `, ${String(body.ncol)} columns` : ''}${body.log ? ', with a dirty region log' : ''}; it is started${body.nmirror ? ' and its mirrors copied from the first plex' : ''}`)
      break
    }
  }
  // a created volume is the summary's first line already
  for (const ch of made) if (!(f.kind === 'create' && ch.kind === 'v')) out.push(createdWords(ch))
  for (const ch of gone) out.push(`${NAMES[ch.kind]} ${ch.name} is removed`)
  return out
}

