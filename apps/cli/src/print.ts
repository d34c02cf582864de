import type { Config, DmRecord, PlRecord, SdRecord, VRecord } from '@plexa/engine'
import { type LabView, plexStateWord } from '@plexa/protocol'

/**
 * `vxprint` (SEMANTICS.md 1.14; docs/vxprint.md says where each column comes from): the records
 * of each disk group, in the default format (`TY NAME ASSOC KSTATE LENGTH PLOFFS STATE TUTIL0
 * PUTIL0`) or with -t in the per-type format of VxVM 3.x (`DG`, `DM`, `V`, `PL`, `SD` header lines),
 * with -h as hierarchies (each volume followed by its plexes, each plex by its subdisks).
 */

// Flag values of the records (the CLI takes only types from the engine).
const DM_PFLAG_SPARE = 0x2
const DM_PFLAG_NOHOTUSE = 0x4
const DM_PFLAG_FAILING = 0x8
const DM_PFLAG_REMOVED = 0x100
const DM_TFLAG_NODAREC = 0x8
export const PL_PFLAG_STALE = 0x2
export const PL_PFLAG_KDETACH = 0x4
const PL_TFLAG_READ = 0x1
const PL_TFLAG_WRITE = 0x2

export type RecordType = 'dg' | 'dm' | 'v' | 'pl' | 'sd'
const TYPE_ORDER: RecordType[] = ['dg', 'dm', 'v', 'pl', 'sd']

/**
 * Where each field starts, as vxprint places them: a field starts at its column, or one space
 * after the previous field when that one ran past it (an over-long name shifts only what follows
 * until a later column catches up).
 */
const T_COLUMNS = [3, 16, 29, 38, 47, 56, 66, 75]
const TY_COLUMNS = [3, 16, 29, 38, 47, 56, 65, 73]

export function row(tag: string, fields: Array<string | number>, columns: readonly number[] = T_COLUMNS): string {
  let out = tag
  fields.forEach((f, i) => {
    const start = Math.max(columns[i] ?? 0, out.length + 1)
    out = out.padEnd(start) + String(f)
  })
  return out
}

const DM_FIELDS = ['NAME', 'DEVICE', 'TYPE', 'PRIVLEN', 'PUBLEN', 'STATE']

/**
 * Rule 433: the -t dm lines' columns, their DEVICE column as wide as the longest device name of
 * the group when one is too long for vxprint's per-line shift to recover (a replaced disk's
 * image, `demodg-disk01-rmx5lah6m`): every dm line and the DM header stay aligned. Other lines
 * keep vxprint's places.
 */
function dmColumns(devices: readonly string[]): number[] {
  const widest = Math.max(0, ...devices.map((d) => d.length))
  // a name vxprint's own shifting recovers from (TYPE "simple" still ends before PRIVLEN, as
  // demodg-disk01 does, rule 135) keeps vxprint's places
  const typeStart = T_COLUMNS[1]! + widest + 1
  if (typeStart + 'simple'.length + 1 <= T_COLUMNS[3]!) return [...T_COLUMNS]
  const shift = typeStart - T_COLUMNS[2]!
  return T_COLUMNS.map((c, i) => (i >= 2 ? c + shift : c))
}

const T_HEADERS: Record<RecordType, string> = {
  dg: row('DG', ['NAME', 'NCONFIG', 'NLOG', 'MINORS', 'GROUP-ID']),
  dm: row('DM', DM_FIELDS),
  v: row('V', ['NAME', 'USETYPE', 'KSTATE', 'STATE', 'LENGTH', 'READPOL', 'PREFPLEX']),
  pl: row('PL', ['NAME', 'VOLUME', 'KSTATE', 'STATE', 'LENGTH', 'LAYOUT', 'NCOL/WID', 'MODE']),
  sd: row('SD', ['NAME', 'PLEX', 'DISK', 'DISKOFFS', 'LENGTH', '[COL/]OFF', 'DEVICE', 'MODE']),
}
/** The -t header block: one line per record type, in this order. */
export const HEADER = TYPE_ORDER.map((t) => T_HEADERS[t])
const TY_FIELDS = ['NAME', 'ASSOC', 'KSTATE', 'LENGTH', 'PLOFFS', 'STATE', 'TUTIL0', 'PUTIL0']
export const TY_HEADER = row('TY', TY_FIELDS, TY_COLUMNS)

/**
 * Rule 467: where the TY format's fields start: vxprint's column, or, when a field of some line
 * (a 13-character device name in ASSOC) runs past the next column, one space after the longest
 * value of that field, for every line alike: the columns line up whatever the names' lengths.
 */
export function tyColumns(lines: ReadonlyArray<ReadonlyArray<string | number>>): number[] {
  const cols: number[] = []
  TY_COLUMNS.forEach((c, i) => {
    const prev = i === 0 ? 0 : cols[i - 1]! + Math.max(0, ...lines.map((f) => String(f[i - 1] ?? '').length)) + 1
    cols.push(Math.max(c, prev))
  })
  return cols
}

/** The disk access name vxprint shows for a disk (an image file without its `.img`). */
function deviceName(dm: DmRecord): string {
  return dm.dm_device.split('/').pop()!.replace(/\.img$/, '')
}

/** A subdisk's DEVICE: the device tag, the disk access name without its slice (c1t0d0s2: c1t0d0). */
function deviceTag(dm: DmRecord): string {
  return deviceName(dm).replace(/^(c\d+(?:t\d+)?d\d+)s\d+$/, '$1')
}

/** What lab mode makes a disk fail (GET /api/lab), by disk name: the web's "FAILED (read)". */
export type FailedDisks = ReadonlyMap<string, 'read' | 'write' | 'both'>

/**
 * The disks of group `dg` failing: in lab mode (the lab's view), and those whose device the engine
 * knows fails every read or write (`failing` of the group's view, rule 409: a lost connection too).
 */
export function failedDisks(lab: Pick<LabView, 'disks'>, dg: string, failing?: Readonly<Record<string, 'read' | 'write' | 'both'>>): FailedDisks {
  const out = new Map<string, 'read' | 'write' | 'both'>(Object.entries(failing ?? {}))
  for (const d of lab.disks) if (d.dg === dg && d.failed !== 'none') out.set(d.disk, d.failed)
  return out
}

/**
 * A disk's STATE: its condition, else FAILED(MODE) for a disk failing its I/O in lab mode (rule
 * 248), else its hot-relocation flag (FAILING: relocation moved failed subdisks off it; SPARE;
 * NOHOTUSE), else -.
 */
function diskState(dm: DmRecord, failed: FailedDisks | undefined): string {
  const mode = failed?.get(dm.dm_name)
  const flag = dm.dm_pflag & DM_PFLAG_FAILING ? 'FAILING' : dm.dm_pflag & DM_PFLAG_SPARE ? 'SPARE' : dm.dm_pflag & DM_PFLAG_NOHOTUSE ? 'NOHOTUSE' : '-'
  return diskCondition(dm) ?? (mode ? `FAILED(${mode})` : flag)
}

/** NODEVICE: no device was found for the disk (DM_TFLAG NODAREC), REMOVED: taken away; or none. */
function diskCondition(dm: DmRecord | undefined): 'NODEVICE' | 'REMOVED' | undefined {
  if (!dm) return undefined
  if (dm.dm_tflag & DM_TFLAG_NODAREC || !dm.dm_device) return 'NODEVICE'
  return dm.dm_pflag & DM_PFLAG_REMOVED ? 'REMOVED' : undefined
}

/** The plex STATE column: vxprint's words, the console's too (protocol's plexStateWord, rules 422, 466). */
const plState = plexStateWord

/** Index 0 of a util field (the usage type's), or - when empty. */
function util0(u: readonly string[]): string {
  return u[0] || '-'
}

/** One group's records with the lookups the lines need. */
class Records {
  readonly c: Config
  readonly failed: FailedDisks | undefined
  /** Where the -t dm lines' fields start: their DEVICE column as wide as the group's longest device name (rule 433). */
  readonly dmColumns: number[]
  constructor(c: Config, failed?: FailedDisks) {
    this.c = c
    this.failed = failed
    this.dmColumns = dmColumns(c.disks.map((dm) => (diskCondition(dm) ? '-' : deviceName(dm))))
  }
  disk(sd: SdRecord): DmRecord | undefined {
    return this.c.disks.find((d) => d.dm_rid === sd.sd_dm_rid)
  }
  plexesOf(v: VRecord): PlRecord[] {
    return byName(this.c.plexes.filter((p) => p.pl_vol_rid === v.v_rid), (p) => p.pl_name)
  }
  subdisksOf(pl: PlRecord): SdRecord[] {
    const log = (s: SdRecord) => (s.sd_is_log ? 1 : 0)
    return this.c.subdisks.filter((s) => s.sd_plex_rid === pl.pl_rid).sort((a, b) => log(a) - log(b) || a.sd_column - b.sd_column || a.sd_pl_offset - b.sd_pl_offset)
  }
  /** Rule 422: is a data subdisk of the plex on a failed disk? */
  onFailedDisk(pl: PlRecord): boolean {
    return this.subdisksOf(pl).some((s) => !s.sd_is_log && this.failed?.has(s.sd_dm_name) === true)
  }
  /** A subdisk's condition: its disk's (NODEVICE, REMOVED), else NODEVICE on a failed disk (rule 422). */
  sdCondition(sd: SdRecord): 'NODEVICE' | 'REMOVED' | undefined {
    return diskCondition(this.disk(sd)) ?? (this.failed?.has(sd.sd_dm_name) ? 'NODEVICE' : undefined)
  }
  isLogOnly(pl: PlRecord): boolean {
    const sds = this.subdisksOf(pl)
    return sds.length > 0 && sds.every((s) => s.sd_is_log)
  }
  /** Sparse: the plex leaves part of its volume without a backing subdisk (pl_contig_len < v_len). */
  isSparse(pl: PlRecord): boolean {
    const v = this.c.volumes.find((x) => x.v_rid === pl.pl_vol_rid)
    return !!v && pl.pl_contig_len < v.v_len
  }

  /** A plex's LENGTH in every format: LOGONLY for a log-only plex, SPARSE for a sparse one, else its length. */
  plLength(pl: PlRecord): string | number {
    return this.isLogOnly(pl) ? 'LOGONLY' : this.isSparse(pl) ? 'SPARSE' : pl.pl_len
  }

  tLine(type: RecordType, r: AnyRec): string {
    switch (type) {
      case 'dg': {
        const dg = this.c.dg
        return row('dg', [dg.dg_name, dg.dg_nconfig || 'default', dg.dg_nlog || 'default', dg.dg_minor, dg.dg_dgid])
      }
      case 'dm': {
        const dm = r as DmRecord
        const cond = diskCondition(dm)
        if (cond) return row('dm', [dm.dm_name, '-', '-', '-', '-', cond], this.dmColumns)
        return row('dm', [dm.dm_name, deviceName(dm), 'simple', dm.dm_priv_len, dm.dm_pub_len, diskState(dm, this.failed)], this.dmColumns)
      }
      case 'v': {
        const v = r as VRecord
        return row('v', [v.v_name, v.v_use_type, v.v_kstate, v.v_state, v.v_len, v.v_read_pol, v.v_read_pol === 'PREFER' && v.v_pref_name ? v.v_pref_name : '-'])
      }
      case 'pl': {
        const pl = r as PlRecord
        const len = this.plLength(pl)
        const ncol = pl.pl_layout === 'STRIPE' ? `${pl.pl_ncol}/${pl.pl_st_width}` : '-'
        return row('pl', [pl.pl_name, pl.pl_v_name || '-', pl.pl_kstate, plState(pl, this.onFailedDisk(pl)), len, pl.pl_layout, ncol, plMode(pl)])
      }
      case 'sd': {
        const sd = r as SdRecord
        const dm = this.disk(sd)
        const cond = this.sdCondition(sd)
        const mode = cond === 'NODEVICE' ? 'NDEV' : cond === 'REMOVED' ? 'RMOV' : 'ENA'
        return row('sd', [sd.sd_name, sd.sd_pl_name || '-', sd.sd_dm_name || '-', sd.sd_dm_offset, sd.sd_len, this.sdOffset(sd), dm && !diskCondition(dm) ? deviceTag(dm) : '-', mode])
      }
    }
  }

  /** A record's tag and fields in the TY format (no -t); `tyColumns` places them. */
  tyFields(type: RecordType, r: AnyRec): [string, Array<string | number>] {
    const line = (tag: string, f: Array<string | number>): [string, Array<string | number>] => [tag, f]
    switch (type) {
      case 'dg': {
        const dg = this.c.dg
        return line('dg', [dg.dg_name, dg.dg_name, '-', '-', '-', '-', util0(dg.dg_tutil), util0(dg.dg_putil)])
      }
      case 'dm': {
        const dm = r as DmRecord
        const cond = diskCondition(dm)
        return line('dm', [dm.dm_name, cond ? '-' : deviceName(dm), '-', cond ? '-' : dm.dm_pub_len, '-', diskState(dm, this.failed), util0(dm.dm_tutil), util0(dm.dm_putil)])
      }
      case 'v': {
        const v = r as VRecord
        return line('v', [v.v_name, v.v_use_type, v.v_kstate, v.v_len, '-', v.v_state, util0(v.v_tutil), util0(v.v_putil)])
      }
      case 'pl': {
        const pl = r as PlRecord
        return line('pl', [pl.pl_name, pl.pl_v_name || '-', pl.pl_kstate, this.plLength(pl), '-', plState(pl, this.onFailedDisk(pl)), util0(pl.pl_tutil), util0(pl.pl_putil)])
      }
      case 'sd': {
        const sd = r as SdRecord
        const cond = this.sdCondition(sd)
        return line('sd', [sd.sd_name, sd.sd_pl_name || '-', cond ? 'DISABLED' : 'ENABLED', sd.sd_len, sd.sd_plex_rid ? this.sdOffset(sd) : '-', cond ?? '-', util0(sd.sd_tutil), util0(sd.sd_putil)])
      }
    }
  }

  /**
   * Rule 506: a subdisk in vxprint -l's long form, one `label: fields` line each: where it is on its
   * disk, what it is associated with, its flags, its device, and for a subdisk hot relocation put
   * there, where its data was (`orig: dmname=D dmoffset=N`, vxunreloc's orig_dmname and orig_dmoffset).
   */
  longLines(sd: SdRecord): string[] {
    const pl = this.c.plexes.find((p) => p.pl_rid === sd.sd_plex_rid)
    const at = !pl ? '' : sd.sd_is_log ? ' (log)' : pl.pl_layout === 'STRIPE' ? ` (column=${sd.sd_column} offset=${sd.sd_pl_offset})` : ` (offset=${sd.sd_pl_offset})`
    const dm = this.disk(sd)
    const cond = this.sdCondition(sd)
    const label = (l: string, text: string) => `${`${l}:`.padEnd(10)}${text}`
    return [
      label('Subdisk', sd.sd_name),
      label('info', `disk=${sd.sd_dm_name || '-'} offset=${sd.sd_dm_offset} len=${sd.sd_len}`),
      label('assoc', `vol=${pl?.pl_v_name || '-'} plex=${pl?.pl_name ?? '-'}${at}`),
      label('flags', cond ? `disabled ${cond}` : 'enabled'),
      label('device', dm && !diskCondition(dm) ? `device=${deviceTag(dm)} path=${sd.sd_path || '-'}` : 'device=- path=-'),
      ...(sd.sd_orig_dmname ? [label('orig', `dmname=${sd.sd_orig_dmname} dmoffset=${sd.sd_orig_dmoffset}`)] : []),
      ...(sd.sd_comment ? [label('comment', sd.sd_comment)] : []),
    ]
  }

  /** Offset in the plex, `column/offset` in a stripe, LOG for a log subdisk, - when unassociated. */
  private sdOffset(sd: SdRecord): string | number {
    if (!sd.sd_plex_rid) return '-'
    if (sd.sd_is_log) return 'LOG'
    const pl = this.c.plexes.find((p) => p.pl_rid === sd.sd_plex_rid)
    return pl?.pl_layout === 'STRIPE' ? `${sd.sd_column}/${sd.sd_pl_offset}` : sd.sd_pl_offset
  }
}

type AnyRec = Config['dg'] | DmRecord | VRecord | PlRecord | SdRecord

function plMode(pl: PlRecord): string {
  const flags = pl.pl_tflag & (PL_TFLAG_READ | PL_TFLAG_WRITE)
  if (flags === PL_TFLAG_READ) return 'RO'
  if (flags === PL_TFLAG_WRITE) return 'WO'
  return 'RW' // both, or a plex not enabled (its flags are set when it is)
}

function byName<T>(xs: T[], name: (x: T) => string): T[] {
  return [...xs].sort((a, b) => (name(a) < name(b) ? -1 : name(a) > name(b) ? 1 : 0))
}

export interface PrintOptions {
  /** -h: list the hierarchy below each selected record, hierarchies separated by blank lines. */
  hierarchy: boolean
  /** -t: one line per record in its type's format, after that type's header line. */
  table: boolean
  /** -v -p -s -d: only these record types (all when empty). */
  types: RecordType[]
  /** Record names to print (all selected records when empty). */
  names: string[]
  /** No -g: every group, each introduced by a `Disk group: NAME` line. */
  groupLine: boolean
  /** -l: the long listing of each selected subdisk (plexa prints it for subdisks only, rule 506). */
  long?: boolean
}

export interface PrintGroup {
  name: string
  config: Config
  /** The group's disks failing in lab mode, and what fails. */
  failed?: FailedDisks
}

type Block = Array<[RecordType, AnyRec]>

/** The records of one group to print, as blocks (printed with blank lines between them with -h). */
function selectBlocks(rs: Records, o: PrintOptions): { blocks: Block[]; found: Set<string>; types: Set<RecordType> } {
  const c = rs.c
  const allowed = (t: RecordType) => (o.types.length ? o.types.includes(t) : true)
  const named = (name: string) => !o.names.length || o.names.includes(name)
  const found = new Set<string>()
  const types = new Set<RecordType>()
  const pick = <T>(t: RecordType, xs: T[], name: (x: T) => string) =>
    allowed(t) ? xs.filter((x) => named(name(x)) && (found.add(name(x)), types.add(t), true)) : []
  const dgs = pick('dg', [c.dg], (d) => d.dg_name)
  const dms = pick('dm', byName(c.disks, (d) => d.dm_name), (d) => d.dm_name)
  const vols = pick('v', byName(c.volumes, (v) => v.v_name), (v) => v.v_name)
  let pls = pick('pl', byName(c.plexes, (p) => p.pl_name), (p) => p.pl_name)
  const sdKey = (s: SdRecord) => `${s.sd_dm_name}\u0000${String(s.sd_dm_offset).padStart(16, '0')}`
  let sds = pick('sd', [...c.subdisks].sort((a, b) => (sdKey(a) < sdKey(b) ? -1 : 1)), (s) => s.sd_name)
  const blocks: Block[] = []
  if (dgs.length) blocks.push(dgs.map((d) => ['dg', d]))
  if (dms.length) blocks.push(dms.map((d) => ['dm', d]))
  if (!o.hierarchy) {
    for (const [t, xs] of [['v', vols], ['pl', pls], ['sd', sds]] as const) if (xs.length) blocks.push(xs.map((x) => [t, x] as [RecordType, AnyRec]))
    return { blocks, found, types }
  }
  const plexBlock = (pl: PlRecord): Block => [['pl', pl], ...rs.subdisksOf(pl).map((s) => ['sd', s] as [RecordType, AnyRec])]
  const shown = new Set<unknown>()
  for (const v of vols) {
    const block: Block = [['v', v], ...rs.plexesOf(v).flatMap(plexBlock)]
    block.forEach(([, r]) => shown.add(r))
    blocks.push(block)
  }
  pls = pls.filter((p) => !shown.has(p))
  for (const pl of pls) {
    const block = plexBlock(pl)
    block.forEach(([, r]) => shown.add(r))
    blocks.push(block)
  }
  sds = sds.filter((s) => !shown.has(s))
  if (sds.length) blocks.push(sds.map((s) => ['sd', s]))
  for (const b of blocks) for (const [t] of b) types.add(t)
  return { blocks, found, types }
}

/** The group's configuration with only the records these blocks print (`--json print`); undefined when none. */
function selectedConfig(c: Config, blocks: Block[]): Config | undefined {
  const picked = new Set(blocks.flat().map(([, r]) => r))
  if (!picked.size) return undefined
  const keep = <T>(xs: T[]) => xs.filter((x) => picked.has(x as unknown as AnyRec))
  return { ...c, disks: keep(c.disks), volumes: keep(c.volumes), plexes: keep(c.plexes), subdisks: keep(c.subdisks) }
}

/** The lines of one disk group, and its configuration holding only the records they print. */
function groupLines(g: PrintGroup, o: PrintOptions, found: Set<string>): { lines: string[]; config?: Config } {
  const rs = new Records(g.config, g.failed)
  const sel = selectBlocks(rs, o)
  sel.found.forEach((n) => found.add(n))
  if (o.names.length && !sel.blocks.length) return { lines: [] }
  const config = o.names.length || o.types.length ? selectedConfig(g.config, sel.blocks) : g.config
  const out: string[] = []
  if (o.long) {
    // vxprint -l: a blank line after the group's line and between records
    const sds = sel.blocks.flat().filter(([t]) => t === 'sd').map(([, r]) => rs.longLines(r as SdRecord))
    if (o.groupLine) out.push(`Disk group: ${g.name}`, '')
    sds.forEach((lines, i) => out.push(...(i ? [''] : []), ...lines))
    return { lines: out, ...(config ? { config } : {}) }
  }
  if (o.groupLine) out.push(`Disk group: ${g.name}`, ...(o.hierarchy ? [''] : []))
  if (o.table) {
    // Every type's header when nothing narrows the listing, else those of the types printed.
    const types = o.names.length || o.types.length ? sel.types : new Set(TYPE_ORDER)
    out.push(...TYPE_ORDER.filter((t) => types.has(t)).map((t) => (t === 'dm' ? row('DM', DM_FIELDS, rs.dmColumns) : T_HEADERS[t])), '')
  }
  // rule 467: the TY lines' columns as wide as their longest value (a device name such as
  // demodg-disk01 in ASSOC), the header with them, so every line stays aligned
  const ty = o.table ? [] : sel.blocks.map((b) => b.map(([t, r]) => rs.tyFields(t, r)))
  const cols = tyColumns([TY_FIELDS, ...ty.flat().map(([, f]) => f)])
  if (!o.table) out.push(row('TY', TY_FIELDS, cols))
  sel.blocks.forEach((b, i) => {
    if (i > 0 && (o.hierarchy || o.table)) out.push('')
    out.push(...(o.table ? b.map(([t, r]) => rs.tLine(t, r)) : ty[i]!.map(([tag, f]) => row(tag, f, cols))))
  })
  return { lines: out, ...(config ? { config } : {}) }
}

/**
 * The whole listing: each group's lines, groups separated by a blank line; the configurations of
 * the groups printed, each with only the records printed (the whole configuration when no name or
 * type narrows it; its `dg` record always); and the names that matched no record (vxprint reports
 * each on standard error).
 */
export function vxprint(groups: PrintGroup[], o: PrintOptions): { lines: string[]; configs: Config[]; missing: string[] } {
  const found = new Set<string>()
  const parts = groups.map((g) => groupLines(g, o, found)).filter((p) => p.lines.length)
  const lines = parts.flatMap((p, i) => (i ? ['', ...p.lines] : p.lines))
  return { lines, configs: parts.flatMap((p) => (p.config ? [p.config] : [])), missing: o.names.filter((n) => !found.has(n)) }
}

/** The `vxprint -ht` listing of one disk group given with -g (no `Disk group:` line). */
export function vxprintHt(c: Config): string[] {
  return vxprint([{ name: c.dg.dg_name, config: c }], { hierarchy: true, table: true, types: [], names: [], groupLine: false }).lines
}
