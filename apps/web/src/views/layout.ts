import { scaleLinear } from 'd3-scale'
import type { Config, DmRecord, PlRecord, SdRecord, VRecord } from '@plexa/engine'

/** A rectangle in drawing units. */
export interface Rect {
  x: number
  y: number
  w: number
  h: number
}

export interface SdBox extends Rect {
  sd: SdRecord
  /** Stripe column (0 for concat), or -1 for a log subdisk. */
  column: number
}

export interface PlexBox extends Rect {
  plex: PlRecord
  subdisks: SdBox[]
  /** Ranges of the volume address space this plex does not back. */
  holes: Rect[]
  log: boolean
}

export interface VolumeBox extends Rect {
  volume: VRecord
  plexes: PlexBox[]
}

/** Plexes per volume and subdisks per plex, built once per configuration (not per drawing). */
export interface ConfigIndex {
  plexesByVolume: Map<number, PlRecord[]>
  sdsByPlex: Map<number, SdRecord[]>
  sdsByDisk: Map<number, SdRecord[]>
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

function buildIndex(c: Config): ConfigIndex {
  const plexesByVolume = new Map<number, PlRecord[]>()
  const sdsByPlex = new Map<number, SdRecord[]>()
  const sdsByDisk = new Map<number, SdRecord[]>()
  const push = <K, V>(m: Map<K, V[]>, k: K, v: V) => {
    const l = m.get(k)
    if (l) l.push(v)
    else m.set(k, [v])
  }
  for (const p of c.plexes) if (p.pl_vol_rid) push(plexesByVolume, p.pl_vol_rid, p)
  for (const l of plexesByVolume.values()) l.sort((a, b) => byName(a.pl_name, b.pl_name))
  for (const s of c.subdisks) {
    if (s.sd_plex_rid) push(sdsByPlex, s.sd_plex_rid, s)
    push(sdsByDisk, s.sd_dm_rid, s)
  }
  return { plexesByVolume, sdsByPlex, sdsByDisk }
}

/** Height of a volume drawing, without laying it out. */
export function volumeHeight(ix: ConfigIndex, v: VRecord): number {
  return HEADER + (ix.plexesByVolume.get(v.v_rid)?.length ?? 0) * (ROW + 4) + PAD
}

export const ROW = 28
export const PAD = 8
export const HEADER = 22

/**
 * Lays a volume out as VxVA drew it: a box holding its plexes, each plex holding its subdisks along
 * the volume address space (concat: at their plex offsets; stripe: one lane per column), log
 * subdisks apart, holes marked. Pure: numbers in, rectangles out.
 */
export function layoutVolume(c: Config | ConfigIndex, v: VRecord, width: number, y0 = 0): VolumeBox {
  const ix = 'plexesByVolume' in c ? c : indexConfig(c)
  const inner = width - 2 * PAD
  const x = scaleLinear().domain([0, Math.max(1, v.v_len)]).range([PAD, PAD + inner])
  const plexes = ix.plexesByVolume.get(v.v_rid) ?? []
  let y = y0 + HEADER
  const boxes: PlexBox[] = []
  for (const pl of plexes) {
    const sds = ix.sdsByPlex.get(pl.pl_rid) ?? []
    const data = sds.filter((s) => !s.sd_is_log)
    const log = sds.length > 0 && data.length === 0
    const lanes = pl.pl_layout === 'STRIPE' ? Math.max(1, pl.pl_ncol) : 1
    const laneH = (ROW - 6) / lanes
    const colLen = pl.pl_layout === 'STRIPE' ? pl.pl_len / lanes : 0
    const col = scaleLinear().domain([0, Math.max(1, colLen)]).range([PAD, PAD + inner * Math.min(1, pl.pl_len / Math.max(1, v.v_len))])
    const subdisks: SdBox[] = []
    for (const sd of sds) {
      if (sd.sd_is_log) {
        subdisks.push({ sd, column: -1, x: PAD, y: y + 3, w: Math.min(inner, 60), h: ROW - 6 })
        continue
      }
      if (pl.pl_layout === 'STRIPE') {
        const x0 = col(sd.sd_pl_offset)
        subdisks.push({ sd, column: sd.sd_column, x: x0, y: y + 3 + sd.sd_column * laneH, w: Math.max(1, col(sd.sd_pl_offset + sd.sd_len) - x0), h: laneH })
      } else {
        const x0 = x(Math.min(sd.sd_pl_offset, v.v_len))
        subdisks.push({ sd, column: 0, x: x0, y: y + 3, w: Math.max(1, x(Math.min(sd.sd_pl_offset + sd.sd_len, v.v_len)) - x0), h: ROW - 6 })
      }
    }
    const holes: Rect[] = []
    if (!log && pl.pl_layout === 'CONCAT') {
      let pos = 0
      for (const sd of [...data].sort((a, b) => a.sd_pl_offset - b.sd_pl_offset)) {
        if (sd.sd_pl_offset > pos) holes.push({ x: x(pos), y: y + 3, w: x(Math.min(sd.sd_pl_offset, v.v_len)) - x(pos), h: ROW - 6 })
        pos = Math.max(pos, sd.sd_pl_offset + sd.sd_len)
      }
      if (pos < v.v_len) holes.push({ x: x(pos), y: y + 3, w: x(v.v_len) - x(pos), h: ROW - 6 })
    }
    boxes.push({ plex: pl, subdisks, holes, log, x: PAD, y, w: inner, h: ROW })
    y += ROW + 4
  }
  return { volume: v, plexes: boxes, x: 0, y: y0, w: width, h: y - y0 + PAD }
}

/** Region ranges (stale, dirty, copied) as rectangles over the address space [0, len). */
export function regionRects(regions: readonly number[], regionSectors: number, len: number, band: Rect): Rect[] {
  const x = scaleLinear().domain([0, Math.max(1, len)]).range([band.x, band.x + band.w])
  const out: Rect[] = []
  const sorted = [...regions].sort((a, b) => a - b)
  let i = 0
  while (i < sorted.length) {
    let j = i
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++
    const s = sorted[i]! * regionSectors
    const e = Math.min(len, (sorted[j]! + 1) * regionSectors)
    out.push({ x: x(s), y: band.y, w: Math.max(1, x(e) - x(s)), h: band.h })
    i = j + 1
  }
  return out
}

export interface DiskBar {
  disk: DmRecord
  privateRegion: Rect
  subdisks: Array<Rect & { sd: SdRecord }>
  free: Rect[]
}

/** A disk as a bar: its private region, then its subdisks at their offsets, and the free gaps. */
export function layoutDisk(c: Config | ConfigIndex, dm: DmRecord, width: number, y: number, h = 20): DiskBar {
  const ix = 'plexesByVolume' in c ? c : indexConfig(c)
  const total = dm.dm_priv_len + dm.dm_pub_len
  const x = scaleLinear().domain([0, Math.max(1, total)]).range([0, width])
  const sds = [...(ix.sdsByDisk.get(dm.dm_rid) ?? [])].sort((a, b) => a.sd_dm_offset - b.sd_dm_offset)
  const free: Rect[] = []
  let pos = 0
  for (const s of sds) {
    if (s.sd_dm_offset > pos) free.push({ x: x(dm.dm_priv_len + pos), y, w: x(dm.dm_priv_len + s.sd_dm_offset) - x(dm.dm_priv_len + pos), h })
    pos = Math.max(pos, s.sd_dm_offset + s.sd_len)
  }
  if (pos < dm.dm_pub_len) free.push({ x: x(dm.dm_priv_len + pos), y, w: x(total) - x(dm.dm_priv_len + pos), h })
  return {
    disk: dm,
    privateRegion: { x: 0, y, w: Math.max(2, x(dm.dm_priv_len)), h },
    subdisks: sds.map((sd) => ({ sd, x: x(dm.dm_priv_len + sd.sd_dm_offset), y, w: Math.max(1, x(dm.dm_priv_len + sd.sd_dm_offset + sd.sd_len) - x(dm.dm_priv_len + sd.sd_dm_offset)), h })),
    free,
  }
}
