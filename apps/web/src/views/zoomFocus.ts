import type { Config, SdRecord } from '@plexa/engine'
import { type Zoom, lanesOf } from './layout.ts'
import { MIN_SPAN } from './zoom.ts'

/** A part of a drawing's address space, as fractions (0 to 1) like a `Zoom`. */
export interface Extent {
  from: number
  to: number
}

/** The selected record, by kind and name (the store's selection without its group). */
export interface Focused {
  kind: 'dg' | 'dm' | 'sd' | 'pl' | 'v'
  name: string
}

function union(parts: Array<Extent | undefined>): Extent | undefined {
  const got = parts.filter((p): p is Extent => p !== undefined)
  if (!got.length) return undefined
  return { from: Math.min(...got.map((p) => p.from)), to: Math.max(...got.map((p) => p.to)) }
}

/** The subdisks a selected record is drawn with (a disk's, a plex's, a volume's plexes'). */
function subdisksOf(c: Config, f: Focused): SdRecord[] {
  switch (f.kind) {
    case 'sd':
      return c.subdisks.filter((s) => s.sd_name === f.name)
    case 'pl':
      return c.subdisks.filter((s) => s.sd_pl_name === f.name)
    case 'v': {
      const plexes = new Set(c.plexes.filter((p) => p.pl_v_name === f.name).map((p) => p.pl_name))
      return c.subdisks.filter((s) => plexes.has(s.sd_pl_name))
    }
    case 'dm':
      return c.subdisks.filter((s) => s.sd_dm_name === f.name)
    case 'dg':
      return []
  }
}

/**
 * Where the selected record lies along the volume view's axis (each volume's address space, 0 to
 * 1): a subdisk where its plex maps it (a stripe column's offset o near o × columns), a plex or
 * volume where its subdisks are, a disk where its subdisks are in their volumes. Log subdisks hold
 * no volume addresses; a volume without data subdisks is its whole space.
 */
export function volumeFocus(c: Config, f: Focused): Extent | undefined {
  const plexes = new Map(c.plexes.map((p) => [p.pl_name, p]))
  const lengths = new Map(c.volumes.map((v) => [v.v_rid, v.v_len]))
  const parts = subdisksOf(c, f).filter((s) => !s.sd_is_log).map((s) => {
    const pl = plexes.get(s.sd_pl_name)
    const len = pl && lengths.get(pl.pl_vol_rid)
    if (!pl || !len) return undefined
    const k = pl.pl_layout === 'STRIPE' ? lanesOf(pl) : 1
    return { from: Math.min(1, (s.sd_pl_offset * k) / len), to: Math.min(1, ((s.sd_pl_offset + s.sd_len) * k) / len) }
  })
  return union(parts) ?? (f.kind === 'v' ? { from: 0, to: 1 } : undefined)
}

/**
 * Where the selected record lies along the disk view's axis (sectors of the largest disk, `span`,
 * the private region first): a disk its whole bar, a subdisk its box, a plex or volume the boxes
 * of its subdisks.
 */
export function diskFocus(c: Config, f: Focused, span: number): Extent | undefined {
  const disks = new Map(c.disks.map((d) => [d.dm_name, d]))
  if (f.kind === 'dm') {
    const dm = disks.get(f.name)
    return dm ? { from: 0, to: Math.min(1, (dm.dm_priv_len + dm.dm_pub_len) / span) } : undefined
  }
  return union(subdisksOf(c, f).map((s) => {
    const dm = disks.get(s.sd_dm_name)
    if (!dm) return undefined
    const at = dm.dm_priv_len + s.sd_dm_offset
    return { from: Math.min(1, at / span), to: Math.min(1, (at + s.sd_len) / span) }
  }))
}

/**
 * Zooms by `factor` (> 1 in, < 1 out) as the buttons and the keyboard do (rule 277): centred on
 * `focus`, the selected record, as far as the ends allow, so it stays in view; without one, around
 * the middle of the part in view. The result stays inside [0, 1] and no narrower than MIN_SPAN.
 */
export function zoomOn(z: Zoom, factor: number, focus?: Extent): Zoom {
  const span = Math.min(1, Math.max(MIN_SPAN, (z.to - z.from) / factor))
  const centre = focus ? (focus.from + focus.to) / 2 : (z.from + z.to) / 2
  const from = Math.min(1 - span, Math.max(0, centre - span / 2))
  return { from, to: from + span }
}
