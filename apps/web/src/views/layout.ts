import { scaleLinear } from 'd3-scale'
import type { Config, DmRecord, PlRecord, SdRecord, VRecord } from '@plexa/engine'
import { formatSectors } from './units.ts'

/** A rectangle in drawing units (CSS pixels). */
export interface Rect {
  x: number
  y: number
  w: number
  h: number
}

/** A box with the text the layout found room for ('' leaves it to the tooltip). */
export interface Labelled extends Rect {
  label: string
  /** Everything the box stands for, for its tooltip and accessible name. */
  full: string
}

export interface SdBox extends Labelled {
  sd: SdRecord
  /** Stripe column (0 for concat), or -1 for a log subdisk. */
  column: number
}

export interface PlexBox extends Rect {
  plex: PlRecord
  subdisks: SdBox[]
  /** Ranges of the volume address space this plex does not back. */
  holes: Labelled[]
  log: boolean
  /** The band the plex's subdisks sit in (stale regions are drawn over it). */
  band: Rect
  /** Stripe lanes: one per column, labelled. */
  lanes: number
}

export interface VolumeBox extends Rect {
  volume: VRecord
  plexes: PlexBox[]
  /** The ruler's marks: x and the address they stand for, in sectors. */
  ticks: Array<{ x: number; sectors: number; label: string }>
  /** The band where dirty and copied regions are drawn over the address space. */
  maps: Rect
  /** Maps a volume address (sectors) to x; `from`/`to` the range in view, in sectors. */
  at: (sectors: number) => number
  from: number
  to: number
}

/** The part of the address space in view, as fractions of it (0 <= from < to <= 1). */
export interface Zoom {
  from: number
  to: number
}

export const WHOLE: Zoom = { from: 0, to: 1 }

/**
 * Plexes per volume and subdisks per plex (and per disk, and the volumes and disks in name order,
 * each built when first asked for), once per configuration, not per drawing.
 */
export class ConfigIndex {
  readonly plexesByVolume: Map<number, PlRecord[]>
  readonly sdsByPlex: Map<number, SdRecord[]>
  readonly #config: Config
  #sdsByDisk: Map<number, SdRecord[]> | undefined
  #volumesByName: VRecord[] | undefined
  #disksByName: DmRecord[] | undefined
  constructor(config: Config, plexesByVolume: Map<number, PlRecord[]>, sdsByPlex: Map<number, SdRecord[]>, carried: { sdsByDisk?: Map<number, SdRecord[]>; volumesByName?: VRecord[]; disksByName?: DmRecord[] } = {}) {
    this.#config = config
    this.plexesByVolume = plexesByVolume
    this.sdsByPlex = sdsByPlex
    this.#sdsByDisk = carried.sdsByDisk
    this.#volumesByName = carried.volumesByName
    this.#disksByName = carried.disksByName
  }
  /** Subdisks per disk (the disk view's): built when first asked for. */
  get sdsByDisk(): Map<number, SdRecord[]> {
    if (!this.#sdsByDisk) {
      const m = new Map<number, SdRecord[]>()
      for (const s of this.#config.subdisks) push(m, s.sd_dm_rid, s)
      this.#sdsByDisk = m
    }
    return this.#sdsByDisk
  }
  /** The volumes in name order (the tree's and the volume view's order). */
  get volumesByName(): VRecord[] {
    return (this.#volumesByName ??= [...this.#config.volumes].sort((a, b) => byName(a.v_name, b.v_name)))
  }
  /** The disks in name order. */
  get disksByName(): DmRecord[] {
    return (this.#disksByName ??= [...this.#config.disks].sort((a, b) => byName(a.dm_name, b.dm_name)))
  }
  /** What of this index was built (carryIndex carries only that). */
  built(): { sdsByDisk?: Map<number, SdRecord[]>; volumesByName?: VRecord[]; disksByName?: DmRecord[] } {
    return { sdsByDisk: this.#sdsByDisk, volumesByName: this.#volumesByName, disksByName: this.#disksByName }
  }
}

const indexes = new WeakMap<Config, ConfigIndex>()

/** Plain code-point order: much faster than localeCompare over thousands of names. */
export function byName(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

/** The index of a configuration, built once per configuration object. */
export function indexConfig(c: Config): ConfigIndex {
  let ix = indexes.get(c)
  if (!ix) {
    ix = buildIndex(c)
    indexes.set(c, ix)
  }
  return ix
}

/** The rids of the records a `config.committed` delta changed, by kind. */
export interface ChangedRids {
  sd: ReadonlySet<number>
  pl: ReadonlySet<number>
  v?: ReadonlySet<number>
  dm?: ReadonlySet<number>
}

/**
 * The index of `next`, a configuration made from `prev` by changing the records with these rids
 * (a `config.committed` delta), derived from `prev`'s index when it has one: only the lists of the
 * plexes, disks and volumes those records belonged to or belong to now are built again (each as
 * buildIndex would build it), and the name orders are kept while no volume or disk changed, so a
 * change at 200,000 subdisks does not rebuild the whole index. Without an index of `prev` nothing
 * is done (the index is built when asked for).
 */
export function carryIndex(prev: Config, next: Config, changed: ChangedRids): void {
  const old = indexes.get(prev)
  if (!old || indexes.has(next)) return
  const was = old.built()
  const plexesByVolume = new Map(old.plexesByVolume)
  const sdsByPlex = new Map(old.sdsByPlex)
  const sdsByDisk = was.sdsByDisk && new Map(was.sdsByDisk)
  if (changed.sd.size) {
    const plexes = new Set<number>()
    const disks = new Set<number>()
    for (const c of [prev, next]) for (const s of c.subdisks) if (changed.sd.has(s.sd_rid)) (plexes.add(s.sd_plex_rid), disks.add(s.sd_dm_rid))
    for (const k of plexes) sdsByPlex.delete(k)
    for (const k of disks) sdsByDisk?.delete(k)
    for (const s of next.subdisks) {
      if (s.sd_plex_rid && plexes.has(s.sd_plex_rid)) push(sdsByPlex, s.sd_plex_rid, s)
      if (sdsByDisk && disks.has(s.sd_dm_rid)) push(sdsByDisk, s.sd_dm_rid, s)
    }
  }
  if (changed.pl.size) {
    const volumes = new Set<number>()
    for (const c of [prev, next]) for (const p of c.plexes) if (changed.pl.has(p.pl_rid) && p.pl_vol_rid) volumes.add(p.pl_vol_rid)
    for (const k of volumes) plexesByVolume.delete(k)
    for (const p of next.plexes) if (p.pl_vol_rid && volumes.has(p.pl_vol_rid)) push(plexesByVolume, p.pl_vol_rid, p)
    for (const k of volumes) plexesByVolume.get(k)?.sort((a, b) => byName(a.pl_name, b.pl_name))
  }
  const keep = <T>(list: T[] | undefined, rids: ReadonlySet<number> | undefined) => (rids && rids.size ? undefined : list)
  indexes.set(next, new ConfigIndex(next, plexesByVolume, sdsByPlex, { sdsByDisk, volumesByName: keep(was.volumesByName, changed.v), disksByName: keep(was.disksByName, changed.dm) }))
}

function push<K, V>(m: Map<K, V[]>, k: K, v: V) {
  const l = m.get(k)
  if (l) l.push(v)
  else m.set(k, [v])
}

function buildIndex(c: Config): ConfigIndex {
  const plexesByVolume = new Map<number, PlRecord[]>()
  const sdsByPlex = new Map<number, SdRecord[]>()
  for (const p of c.plexes) if (p.pl_vol_rid) push(plexesByVolume, p.pl_vol_rid, p)
  for (const l of plexesByVolume.values()) if (l.length > 1) l.sort((a, b) => byName(a.pl_name, b.pl_name))
  for (const s of c.subdisks) if (s.sd_plex_rid) push(sdsByPlex, s.sd_plex_rid, s)
  return new ConfigIndex(c, plexesByVolume, sdsByPlex)
}

/** Average advance of a character of the drawings' 11 px labels, a little generous. */
export const CHAR_W = 6.6

/**
 * The first text that fits a box `width` pixels wide (candidates longest first), else the name cut
 * to fit with an ellipsis, else '' (the tooltip then says it all).
 */
export function fitLabel(candidates: readonly string[], width: number, charW = CHAR_W): string {
  const room = Math.floor((width - 8) / charW)
  for (const c of candidates) if (c.length <= room) return c
  const name = candidates[candidates.length - 1] ?? ''
  return room >= 4 ? `${name.slice(0, room - 1)}…` : ''
}

/**
 * A subdisk's name short enough for a narrow box and still telling it from its neighbours: the
 * part after its disk's name (VxVM names subdisks DISK-NN: disk01-03 is "-03" on disk01's bar),
 * else its head and tail around an ellipsis (the tail is what differs). The full name stays in the
 * box's accessible name, its tooltip and the label shown on focus.
 */
export function abbreviateName(name: string, disk: string): string {
  if (name.length > disk.length && name.startsWith(disk)) return name.slice(disk.length)
  return name.length > 6 ? `${name.slice(0, 2)}…${name.slice(-3)}` : name
}

/** The first text that fits a box `width` pixels wide (candidates longest first), else '': never a name cut short. */
export function fitName(candidates: readonly string[], width: number, charW = CHAR_W): string {
  const room = Math.floor((width - 8) / charW)
  return candidates.find((c) => c.length <= room) ?? ''
}

/**
 * Ruler marks over [from, to) sectors for a drawing `width` pixels wide: steps are powers of two
 * bytes (1 MiB, 2 MiB, 64 MiB ...) about 90 px apart, so every label is a round size.
 */
export function rulerTicks(from: number, to: number, width: number): number[] {
  const span = Math.max(1, to - from)
  const target = Math.max(1, Math.floor(width / 90))
  const step = 2 ** Math.ceil(Math.log2(span / target))
  const out: number[] = []
  for (let t = Math.ceil(from / step) * step; t <= to; t += step) out.push(t)
  return out
}

export const PAD = 8
export const RULER = 16
export const MAPS = 8
export const PLEX_HEAD = 16
export const LANE = 22
export const PLEX_GAP = 6

/** Lanes of a plex drawing: one per stripe column, one for a concat. */
export function lanesOf(pl: PlRecord): number {
  return pl.pl_layout === 'STRIPE' ? Math.max(1, pl.pl_ncol) : 1
}

/** Height of a plex drawing: its name line and one lane per stripe column. */
export function plexHeight(pl: PlRecord): number {
  return PLEX_HEAD + lanesOf(pl) * LANE + PLEX_GAP
}

/** Height of a volume drawing (the SVG), without laying it out. */
export function volumeHeight(ix: ConfigIndex, v: VRecord): number {
  let h = RULER + MAPS + 4
  for (const p of ix.plexesByVolume.get(v.v_rid) ?? []) h += plexHeight(p)
  return h
}

/**
 * What a subdisk box says, longest first: name, length, disk and offset, then shorter forms.
 * `column` is its stripe column, undefined in a concat plex, -1 for a log subdisk.
 */
export function subdiskTexts(sd: SdRecord, column: number | undefined): string[] {
  const size = formatSectors(sd.sd_len)
  const where = `${sd.sd_dm_name} @ ${formatSectors(sd.sd_dm_offset)}`
  if (column === -1) return [`log ${sd.sd_name} · ${size} · ${where}`, `log ${sd.sd_name} · ${size}`, sd.sd_name]
  const col = column === undefined ? '' : `col ${column} · `
  return [`${col}${sd.sd_name} · ${size} · ${where}`, `${col}${sd.sd_name} · ${size}`, `${col}${sd.sd_name}`, sd.sd_name]
}

/**
 * Lays a volume out as VxVA drew it: a ruler of the address space, a band for the DRL and copy
 * maps, then each plex with its subdisks along the volume address space (concat: at their plex
 * offsets; stripe: one labelled lane per column), its log subdisk as a box of its own, holes
 * marked. `zoom` picks the part of the address space in view; what falls outside is clipped.
 * Pure: numbers in, rectangles and labels out.
 */
export function layoutVolume(c: Config | ConfigIndex, v: VRecord, width: number, zoom: Zoom = WHOLE): VolumeBox {
  const ix = c instanceof ConfigIndex ? c : indexConfig(c)
  const len = Math.max(1, v.v_len)
  const from = zoom.from * len
  const to = zoom.to * len
  const left = PAD
  const right = Math.max(left + 1, width - PAD)
  const x = scaleLinear().domain([from, to]).range([left, right])
  const clip = (a: number, b: number): Rect | undefined => {
    const x0 = Math.max(left, x(a))
    const x1 = Math.min(right, x(b))
    return x1 > x0 || (x1 === x0 && b > a && x0 > left && x0 < right) ? { x: x0, y: 0, w: Math.max(1, x1 - x0), h: 0 } : undefined
  }
  const ticks = rulerTicks(from, to, right - left).map((t) => ({ x: x(t), sectors: t, label: formatSectors(t) }))
  let y = RULER + MAPS + 4
  const boxes: PlexBox[] = []
  for (const pl of ix.plexesByVolume.get(v.v_rid) ?? []) {
    const sds = ix.sdsByPlex.get(pl.pl_rid) ?? []
    const data = sds.filter((s) => !s.sd_is_log)
    const log = sds.length > 0 && data.length === 0
    const lanes = lanesOf(pl)
    const top = y + PLEX_HEAD
    const band = { x: left, y: top, w: right - left, h: lanes * LANE }
    const stripe = pl.pl_layout === 'STRIPE'
    // a stripe column's offset o covers the volume addresses near o * ncol
    const toVol = (o: number) => (stripe ? o * lanes : o)
    const subdisks: SdBox[] = []
    for (const sd of sds) {
      if (sd.sd_is_log) {
        const texts = subdiskTexts(sd, -1)
        const w = Math.min(right - left, Math.max(60, texts[0]!.length * CHAR_W + 10))
        subdisks.push({ sd, column: -1, x: left, y: top + 2, w, h: LANE - 4, label: fitLabel(texts, w), full: texts[0]! })
        continue
      }
      const col = stripe ? sd.sd_column : 0
      const r = clip(toVol(sd.sd_pl_offset), toVol(sd.sd_pl_offset + sd.sd_len))
      if (!r) continue
      const texts = subdiskTexts(sd, stripe ? col : undefined)
      subdisks.push({ sd, column: col, x: r.x, y: top + 2 + col * LANE, w: r.w, h: LANE - 4, label: fitLabel(texts, r.w), full: texts[0]! })
    }
    const holes: Labelled[] = []
    if (!log && !stripe) {
      let pos = 0
      const hole = (a: number, b: number) => {
        const r = clip(a, b)
        if (!r) return
        const full = `hole · ${formatSectors(b - a)} at ${formatSectors(a)}`
        holes.push({ ...r, y: top + 2, h: LANE - 4, label: fitLabel([full, `hole · ${formatSectors(b - a)}`, 'hole'], r.w), full })
      }
      for (const sd of [...data].sort((a, b) => a.sd_pl_offset - b.sd_pl_offset)) {
        if (sd.sd_pl_offset > pos) hole(pos, Math.min(sd.sd_pl_offset, v.v_len))
        pos = Math.max(pos, sd.sd_pl_offset + sd.sd_len)
      }
      if (pos < v.v_len) hole(pos, v.v_len)
    }
    const h = plexHeight(pl)
    boxes.push({ plex: pl, subdisks, holes, log, band, lanes, x: left, y, w: right - left, h: h - PLEX_GAP })
    y += h
  }
  return { volume: v, plexes: boxes, ticks, maps: { x: left, y: RULER + 2, w: right - left, h: MAPS }, at: x, from, to, x: 0, y: 0, w: width, h: y }
}

/**
 * Region ranges (stale, dirty, copied) as rectangles over the address space: `regions` are region
 * numbers of `regionSectors` each, `x` maps sectors to pixels, `band` gives the vertical place and
 * the horizontal clip; runs of consecutive regions become one rectangle.
 */
export function regionRects(regions: readonly number[], regionSectors: number, len: number, band: Rect, x?: (s: number) => number): Rect[] {
  const sx = x ?? scaleLinear().domain([0, Math.max(1, len)]).range([band.x, band.x + band.w])
  const out: Rect[] = []
  const sorted = [...regions].sort((a, b) => a - b)
  let i = 0
  while (i < sorted.length) {
    let j = i
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++
    const s = sorted[i]! * regionSectors
    const e = Math.min(len, (sorted[j]! + 1) * regionSectors)
    const x0 = Math.max(band.x, sx(s))
    const x1 = Math.min(band.x + band.w, sx(e))
    if (x1 >= x0 && x0 < band.x + band.w) out.push({ x: x0, y: band.y, w: Math.max(1, x1 - x0), h: band.h })
    i = j + 1
  }
  return out
}

export interface DiskBar {
  disk: DmRecord
  privateRegion: Labelled
  /**
   * `owner`: a second line naming the plex and volume when the first line could not; `aside`: the
   * name of a box too small for any text, written just after it (over free space).
   */
  subdisks: Array<Labelled & { sd: SdRecord; owner: string; aside: string }>
  free: Labelled[]
  /** Maps an offset of the public region (sectors) to x. */
  at: (publicSectors: number) => number
  /** Free sectors of the public region. */
  freeSectors: number
  /** Where the disk's bar ends (a disk smaller than the span ends before the width). */
  end: number
}

/** The smallest width a drawn subdisk gets, so a 2-sector log subdisk is still seen and reached. */
export const MIN_SD_W = 6
/** The space kept between a subdisk drawn wider than it is and the box after it. */
const SD_GAP = 1

/**
 * A disk as a bar: its private region, then its subdisks at their offsets (each named with its
 * plex and volume where it fits), and the free extents with their sizes. `volumeOf` names the
 * volume of a plex; `span` is the sectors the whole width stands for (the largest disk's size, so
 * bars compare and share one ruler), `zoom` the part of it in view. A subdisk too small to see is
 * drawn MIN_SD_W wide, over the free space after it.
 */
export function layoutDisk(c: Config | ConfigIndex, dm: DmRecord, width: number, y: number, h: number, volumeOf: (plex: string) => string = () => '', zoom: Zoom = WHOLE, span?: number): DiskBar {
  const ix = c instanceof ConfigIndex ? c : indexConfig(c)
  const total = Math.max(1, span ?? dm.dm_priv_len + dm.dm_pub_len)
  const x = scaleLinear().domain([zoom.from * total, zoom.to * total]).range([0, width])
  const extent = (a: number, b: number) => {
    const x0 = Math.max(0, x(a))
    const x1 = Math.min(width, x(b))
    return { x: x0, w: Math.max(0, x1 - x0) }
  }
  const sds = [...(ix.sdsByDisk.get(dm.dm_rid) ?? [])].sort((a, b) => a.sd_dm_offset - b.sd_dm_offset)
  const subdisks: DiskBar['subdisks'] = []
  // where the box before ends: a box drawn wider than it is (a 2-sector log) pushes the next one
  // on, so two tiny boxes side by side are two boxes, never one sliver (rule 367); a larger box
  // pushed on keeps its true end
  let drawnTo = -Infinity
  for (const sd of sds) {
    const real = extent(dm.dm_priv_len + sd.sd_dm_offset, dm.dm_priv_len + sd.sd_dm_offset + sd.sd_len)
    if (real.w <= 0 && (x(dm.dm_priv_len + sd.sd_dm_offset) < 0 || x(dm.dm_priv_len + sd.sd_dm_offset) > width)) continue
    const start = Math.max(real.x, drawnTo)
    const r = { x: start, w: Math.max(0, real.x + real.w - start) }
    const w = Math.max(MIN_SD_W, r.w)
    // a box drawn as it is ends where the next may start; one drawn wider keeps a gap after it
    drawnTo = Math.min(r.x, width - w) + w + (w > r.w ? SD_GAP : 0)
    const vol = sd.sd_pl_name ? volumeOf(sd.sd_pl_name) : ''
    // every shorter text is a prefix of the full one (the box's accessible name contains its text)
    const plex = sd.sd_pl_name ? `${sd.sd_pl_name}${sd.sd_is_log ? ' log' : ''}` : 'unassociated'
    const owner = vol ? `${plex} of ${vol}` : plex
    const size = formatSectors(sd.sd_len)
    const full = `${sd.sd_name} · ${owner} · ${size} @ ${formatSectors(sd.sd_dm_offset)}`
    const label = fitName([full, `${sd.sd_name} · ${owner} · ${size}`, `${sd.sd_name} · ${owner}`, `${sd.sd_name} · ${plex}`, `${sd.sd_name} · ${size}`, sd.sd_name, abbreviateName(sd.sd_name, dm.dm_name)], w)
    const named = label.startsWith(`${sd.sd_name} · ${plex}`)
    subdisks.push({ sd, x: Math.min(r.x, width - w), y, w, h, label, owner: named ? '' : fitName([owner, plex, vol], w), aside: '', full })
  }
  // a box too small for its name gets it written after it, where there is room before the next
  // box; boxes too small side by side (two logs) are named together after the last of them, so no
  // name is written over a box or lost (rule 367)
  const plexWords = (sd: SdRecord) => (sd.sd_pl_name ? `${sd.sd_pl_name}${sd.sd_is_log ? ' log' : ''}` : 'unassociated')
  let unnamed: SdRecord[] = []
  subdisks.forEach((s, i) => {
    if (s.label) return
    const room = (subdisks[i + 1]?.x ?? width) - (s.x + s.w) - 4
    const next = subdisks[i + 1]
    const group = [...unnamed, s.sd]
    // the next box is unnamed too and follows at once: it says this one's name with its own
    if (next && !next.label && room < 8 + CHAR_W * 2) {
      unnamed = group
      return
    }
    unnamed = []
    s.aside = fitName([group.map((x) => `${x.sd_name} · ${plexWords(x)}`).join(', '), group.map((x) => x.sd_name).join(', '), group.map((x) => abbreviateName(x.sd_name, dm.dm_name)).join(', ')], room + 8)
  })
  const asideEnd = (s: (typeof subdisks)[number]) => s.x + s.w + (s.aside ? 8 + s.aside.length * CHAR_W : 0)
  // a free extent's label starts after a subdisk drawn wider than it is (a log subdisk)
  // (and after the boxes pushed on behind it, and their names)
  const drawnEnd = (xs: number) => subdisks.reduce((e, s) => (s.x <= e + SD_GAP + 0.5 && asideEnd(s) > e ? asideEnd(s) : e), xs)
  const free: Labelled[] = []
  let freeSectors = 0
  const gap = (a: number, b: number) => {
    freeSectors += b - a
    const r = extent(dm.dm_priv_len + a, dm.dm_priv_len + b)
    const x0 = Math.min(r.x + r.w, drawnEnd(r.x))
    const w = r.x + r.w - x0
    const full = `free · ${formatSectors(b - a)} at ${formatSectors(a)}`
    if (w > 0) free.push({ x: x0, w, y, h, label: fitLabel([full, `free ${formatSectors(b - a)}`, 'free'], w), full })
  }
  let pos = 0
  for (const s of sds) {
    if (s.sd_dm_offset > pos) gap(pos, s.sd_dm_offset)
    pos = Math.max(pos, s.sd_dm_offset + s.sd_len)
  }
  if (pos < dm.dm_pub_len) gap(pos, dm.dm_pub_len)
  const priv = extent(0, dm.dm_priv_len)
  const privFull = `private region · ${formatSectors(dm.dm_priv_len)}`
  return { disk: dm, at: (o) => x(dm.dm_priv_len + o), privateRegion: { ...priv, w: priv.w > 0 ? Math.max(2, priv.w) : 0, y, h, label: fitLabel([privFull, 'private', 'priv'], priv.w), full: privFull }, subdisks, free, freeSectors, end: Math.min(width, x(dm.dm_priv_len + dm.dm_pub_len)) }
}
