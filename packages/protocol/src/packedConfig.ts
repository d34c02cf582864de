import type { Config } from '@plexa/engine'
import type { GroupView, ServerMessage, ServerSnapshot } from './messages.ts'

/**
 * The compact form of a configuration for the WebSocket snapshot (`/ws?snapshot=columns`): each
 * record table stored by column instead of as an array of objects, so a field name is written once
 * per table rather than once per record, a field every record shares (an empty comment, the same
 * util fields) is written once, repeated strings (states, disk names, plex names) are interned,
 * and ascending integers (rids, offsets) are delta coded. At 200,000 subdisks it is a tenth of the
 * JSON of the records, and it parses in a fraction of the time. Plain JSON, versioned and typed:
 * `unpackConfig(packConfig(c))` deep-equals `c`.
 */
export const PACKED_CONFIG_VERSION = 1

/** One column of a table: how the values of one field are stored, `n` of them. */
export type PackedColumn =
  /** Every record has this value. */
  | { t: 'same'; v: unknown }
  /** Numbers as they are. */
  | { t: 'num'; v: number[] }
  /** Integers as differences from the one before (the first from 0). */
  | { t: 'delta'; v: number[] }
  /** Indexes into `strings`. */
  | { t: 'str'; v: number[] }
  /** Strings as they are (names: every one differs, so interning would only add the index). */
  | { t: 'raw'; v: string[] }
  /** Indexes into `values` (arrays, booleans, mixed types); -1 where the record lacks the field. */
  | { t: 'any'; v: number[] }

export interface PackedTable {
  /** Records in the table. */
  n: number
  /** Field name to column, in the records' field order. */
  columns: Record<string, PackedColumn>
}

export interface PackedConfig {
  format: 'columns'
  version: typeof PACKED_CONFIG_VERSION
  tid: number
  nextRid: number
  dg: Config['dg']
  /** The interned strings of every 'str' column. */
  strings: string[]
  /** The interned values of every 'any' column (compared by their JSON). */
  values: unknown[]
  tables: Record<'disks' | 'subdisks' | 'plexes' | 'volumes', PackedTable>
}

const TABLES = ['disks', 'subdisks', 'plexes', 'volumes'] as const

/** Characters an integer takes in JSON (sign included). */
function digits(x: number): number {
  const a = Math.abs(x)
  return (x < 0 ? 1 : 0) + (a < 10 ? 1 : a < 100 ? 2 : a < 1000 ? 3 : a < 1e4 ? 4 : a < 1e5 ? 5 : a < 1e6 ? 6 : a < 1e7 ? 7 : String(a).length)
}

class Interner<T> {
  readonly list: T[] = []
  private readonly ids = new Map<unknown, number>()
  id(key: unknown, value: T): number {
    let i = this.ids.get(key)
    if (i === undefined) {
      i = this.list.length
      this.list.push(value)
      this.ids.set(key, i)
    }
    return i
  }
}

function packColumn(rows: ReadonlyArray<Record<string, unknown>>, key: string, strings: Interner<string>, values: Interner<unknown>): PackedColumn {
  const n = rows.length
  let kind: 'num' | 'str' | 'any' = 'num'
  let same = true
  let ints = true
  const first = rows[0]![key]
  const firstJson = typeof first === 'object' && first !== null ? JSON.stringify(first) : undefined
  for (let i = 0; i < n; i++) {
    const r = rows[i]!
    const v = r[key]
    if (!(key in r) || v === undefined) kind = 'any'
    else if (typeof v === 'number') {
      if (kind === 'str') kind = 'any'
      if (!Number.isSafeInteger(v)) ints = false
    } else if (typeof v === 'string') kind = kind === 'num' && i === 0 ? 'str' : kind === 'str' ? 'str' : 'any'
    else kind = 'any'
    if (same && v !== first && (firstJson === undefined || typeof v !== 'object' || v === null || JSON.stringify(v) !== firstJson)) same = false
  }
  if (same && first !== undefined && rows.every((r) => key in r)) return { t: 'same', v: first }
  if (kind === 'num') {
    const v = rows.map((r) => r[key] as number)
    if (!ints) return { t: 'num', v }
    let plain = 0
    let delta = 0
    for (let i = 0; i < n; i++) {
      plain += digits(v[i]!)
      delta += digits(v[i]! - (i ? v[i - 1]! : 0))
    }
    if (delta >= plain) return { t: 'num', v }
    return { t: 'delta', v: v.map((x, i) => x - (i ? v[i - 1]! : 0)) }
  }
  if (kind === 'str') {
    const v = rows.map((r) => r[key] as string)
    if (new Set(v).size > n / 2) return { t: 'raw', v }
    return { t: 'str', v: v.map((s) => strings.id(s, s)) }
  }
  return {
    t: 'any',
    v: rows.map((r) => {
      if (!(key in r) || r[key] === undefined) return -1
      const x = r[key]
      return values.id(typeof x === 'object' && x !== null ? `o${JSON.stringify(x)}` : `${typeof x}:${String(x)}`, x)
    }),
  }
}

/** A configuration in its column form (the records are not changed). */
export function packConfig(c: Config): PackedConfig {
  const strings = new Interner<string>()
  const values = new Interner<unknown>()
  const tables = {} as PackedConfig['tables']
  for (const name of TABLES) {
    const rows = c[name] as unknown as ReadonlyArray<Record<string, unknown>>
    const keys: string[] = []
    const seen = new Set<string>()
    for (const r of rows) for (const k in r) if (!seen.has(k)) (seen.add(k), keys.push(k))
    const columns: Record<string, PackedColumn> = {}
    if (rows.length) for (const k of keys) columns[k] = packColumn(rows, k, strings, values)
    tables[name] = { n: rows.length, columns }
  }
  return { format: 'columns', version: PACKED_CONFIG_VERSION, tid: c.tid, nextRid: c.nextRid, dg: c.dg, strings: strings.list, values: values.list, tables }
}

/** A copy of an interned value for one record: records never share an array or object. */
function own(x: unknown): unknown {
  return Array.isArray(x) ? (x.every((e) => typeof e !== 'object' || e === null) ? x.slice() : structuredClone(x)) : typeof x === 'object' && x !== null ? structuredClone(x) : x
}

/** Whether a value is a packed configuration this code reads (format and version). */
export function isPackedConfig(x: unknown): x is PackedConfig {
  return typeof x === 'object' && x !== null && (x as PackedConfig).format === 'columns' && (x as PackedConfig).version === PACKED_CONFIG_VERSION
}

/** The value of column `c` at row `i` (delta columns: only at row 0). */
function first(p: PackedConfig, c: PackedColumn): unknown {
  switch (c.t) {
    case 'same':
      return c.v
    case 'num':
    case 'raw':
    case 'delta':
      return c.v[0]
    case 'str':
      return p.strings[c.v[0]!]
    case 'any':
      return p.values[c.v[0]!]
  }
}

/**
 * The records back from their column form, in their order. Every record of a table starts as a
 * copy of one template holding all its fields (so 200,000 records share one shape, their fields
 * in place, and none grows field by field), then each column fills its field in.
 */
export function unpackConfig(p: PackedConfig): Config {
  const out = { tid: p.tid, nextRid: p.nextRid, dg: p.dg } as Config
  for (const name of TABLES) {
    const t = p.tables[name]
    const cols = Object.entries(t.columns)
    // a field some records lack is added only to the ones that have it
    const sparse = (c: PackedColumn) => c.t === 'any' && c.v.includes(-1)
    const template: Record<string, unknown> = {}
    if (t.n) for (const [key, c] of cols) if (!sparse(c)) template[key] = first(p, c)
    const rows: Array<Record<string, unknown>> = new Array(t.n)
    for (let i = 0; i < t.n; i++) rows[i] = { ...template }
    for (const [key, c] of cols) {
      switch (c.t) {
        case 'same':
          if (typeof c.v === 'object' && c.v !== null) for (let i = 0; i < t.n; i++) rows[i]![key] = own(c.v)
          break
        case 'num':
        case 'raw':
          for (let i = 1; i < t.n; i++) rows[i]![key] = c.v[i]
          break
        case 'delta': {
          let x = 0
          for (let i = 0; i < t.n; i++) rows[i]![key] = x += c.v[i]!
          break
        }
        case 'str':
          for (let i = 1; i < t.n; i++) rows[i]![key] = p.strings[c.v[i]!]
          break
        case 'any':
          for (let i = 0; i < t.n; i++) if (c.v[i]! >= 0) rows[i]![key] = own(p.values[c.v[i]!])
          break
      }
    }
    ;(out as unknown as Record<string, unknown>)[name] = rows
  }
  return out
}

/** A snapshot whose groups carry their configuration packed (what `/ws?snapshot=columns` sends). */
export type PackedSnapshot = Omit<ServerSnapshot, 'groups'> & { groups: Array<Omit<GroupView, 'config'> & { config: PackedConfig }> }

/** The snapshot with every group's configuration packed. */
export function packSnapshot(s: ServerSnapshot): PackedSnapshot {
  return { ...s, groups: s.groups.map((g) => ({ ...g, config: packConfig(g.config) })) }
}

/** The snapshot back; a group whose configuration is not packed is kept as it is. */
export function unpackSnapshot(s: PackedSnapshot | ServerSnapshot): ServerSnapshot {
  return { ...s, groups: s.groups.map((g) => (isPackedConfig(g.config) ? { ...g, config: unpackConfig(g.config) } : (g as GroupView))) }
}

/** The hello of a client that asked for `/ws?snapshot=columns`. */
export type PackedHello = Omit<Extract<ServerMessage, { type: 'hello' }>, 'snapshot'> & { packed: 'columns'; snapshot: PackedSnapshot }

/** A frame as a client that asked for the column form receives it: a packed hello or any other message. */
export type WireServerMessage = ServerMessage | PackedHello

/** The hello in the column form. */
export function packHello(m: Extract<ServerMessage, { type: 'hello' }>): PackedHello {
  return { ...m, packed: 'columns', snapshot: packSnapshot(m.snapshot) }
}

/** The message a frame stands for: a packed hello unpacked, anything else as it is. */
export function unpackServerMessage(m: WireServerMessage): ServerMessage {
  if (m.type !== 'hello' || !('packed' in m)) return m as ServerMessage
  const { packed: _p, ...rest } = m
  return { ...rest, snapshot: unpackSnapshot(m.snapshot) }
}
