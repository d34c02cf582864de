import type { Config, PlRecord, SdRecord, VRecord } from '../records/types.ts'
import { SECTOR_SIZE } from '../units.ts'
import { REGION_SECTORS } from './regionCopy.ts'

/**
 * Volume sector ranges a subdisk holds data for, below `limit` (concat: one run; stripe: one per
 * stripe unit), each with where it sits inside the subdisk.
 */
export function subdiskVolumeRanges(pl: PlRecord, sd: SdRecord, limit: number): Array<{ offset: number; length: number; sdOffset: number }> {
  const out: Array<{ offset: number; length: number; sdOffset: number }> = []
  if (pl.pl_layout === 'CONCAT') {
    const end = Math.min(sd.sd_pl_offset + sd.sd_len, limit)
    if (end > sd.sd_pl_offset) out.push({ offset: sd.sd_pl_offset, length: end - sd.sd_pl_offset, sdOffset: 0 })
    return out
  }
  const w = pl.pl_st_width
  for (let co = 0; co < sd.sd_len; co += w) {
    const unit = Math.floor((sd.sd_pl_offset + co) / w) * pl.pl_ncol + sd.sd_column
    const off = unit * w
    if (off >= limit) break
    out.push({ offset: off, length: Math.min(w, limit - off), sdOffset: co })
  }
  return out
}

export interface DiskRegion {
  volume: VRecord
  region: number
  /** The first plex whose subdisk on the disk holds this region. */
  plex: PlRecord
  /** Every plex of the volume with a subdisk on the disk holding this region (two mirrors on one disk, rule 157). */
  plexes: PlRecord[]
}

/**
 * The regions a disk touches, AIX lvm_resyncpv order (SEMANTICS.md 2.6): subdisks in ascending
 * disk offset, each region of a volume at most once (checklist G 62, 66).
 */
export function diskRegions(c: Config, dmRid: number, regionSectors: number): DiskRegion[] {
  const sds = c.subdisks.filter((s) => s.sd_dm_rid === dmRid && s.sd_plex_rid && !s.sd_is_log).sort((a, b) => a.sd_dm_offset - b.sd_dm_offset)
  const seen = new Map<string, DiskRegion>()
  const out: DiskRegion[] = []
  for (const sd of sds) {
    const pl = c.plexes.find((p) => p.pl_rid === sd.sd_plex_rid)
    const v = pl && c.volumes.find((x) => x.v_rid === pl.pl_vol_rid)
    if (!pl || !v) continue
    for (const r of subdiskVolumeRanges(pl, sd, Math.min(v.v_len, pl.pl_len))) {
      const first = Math.floor(r.offset / regionSectors)
      const last = Math.floor((r.offset + r.length - 1) / regionSectors)
      for (let g = first; g <= last; g++) {
        const key = `${v.v_rid}:${g}`
        const known = seen.get(key)
        if (known) {
          if (!known.plexes.includes(pl)) known.plexes.push(pl)
          continue
        }
        const x = { volume: v, region: g, plex: pl, plexes: [pl] }
        seen.set(key, x)
        out.push(x)
      }
    }
  }
  return out
}

/**
 * The regions of a volume of `nRegions` a resync copies (vxvol resync): every one when forced,
 * else those stale on some data plex (`isStale`).
 */
export function planVolumeRegions(nRegions: number, force: boolean, isStale: (g: number) => boolean): number[] {
  const regions: number[] = []
  for (let g = 0; g < nRegions; g++) if (force || isStale(g)) regions.push(g)
  return regions
}

/** The bytes of volume `v` that `regions` hold (the last region may be short). */
export function regionBytes(v: VRecord, regions: readonly number[]): number {
  return regions.reduce((s, g) => s + Math.min(REGION_SECTORS, v.v_len - g * REGION_SECTORS), 0) * SECTOR_SIZE
}
