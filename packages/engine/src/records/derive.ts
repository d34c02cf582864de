import {
  type Config,
  type PlRecord,
  type SdRecord,
  DM_PFLAG,
  DM_TFLAG,
  NODEV,
  PL_TFLAG,
  PL_TFLAG_READONLY,
  SD_PFLAG,
  SD_TFLAG,
} from './types.ts'

export interface PlexGeometry {
  /** pl_len: end of the highest data subdisk (concat) or ncol x usable column length (stripe). */
  len: number
  /** pl_contig_len: length of the hole-free prefix. */
  contigLen: number
  /** pl_compact: first subdisk at 0 and no gaps. */
  compact: boolean
  ncol: number
}

/** Extent of a sorted run of subdisks: its end and its hole-free prefix from 0. */
function runGeometry(sds: readonly { sd_pl_offset: number; sd_len: number }[]) {
  const sorted = [...sds].sort((a, b) => a.sd_pl_offset - b.sd_pl_offset)
  let end = 0
  let contig = 0
  let compact = true
  let pos = 0
  for (const sd of sorted) {
    if (sd.sd_pl_offset !== pos) compact = false
    pos = sd.sd_pl_offset + sd.sd_len
    end = Math.max(end, pos)
  }
  for (const sd of sorted) {
    if (sd.sd_pl_offset > contig) break
    contig = Math.max(contig, sd.sd_pl_offset + sd.sd_len)
  }
  return { end, contig, compact }
}

/**
 * Derived plex geometry from its data subdisks (log subdisks have no plex range), exactly as
 * plexrec(4) defines pl_len, pl_contig_len and pl_compact; stripes use SEMANTICS.md 1.5 [I].
 */
export function plexGeometry(layout: PlRecord['pl_layout'], stWidth: number, dataSds: readonly SdRecord[]): PlexGeometry {
  if (layout === 'CONCAT' || dataSds.length === 0) {
    const g = runGeometry(dataSds)
    return { len: g.end, contigLen: g.contig, compact: g.compact, ncol: 1 }
  }
  const ncol = Math.max(...dataSds.map((s) => s.sd_column)) + 1
  const w = Math.max(1, stWidth)
  let minEnd = Infinity
  let firstHole = Infinity
  let compact = true
  for (let c = 0; c < ncol; c++) {
    const g = runGeometry(dataSds.filter((s) => s.sd_column === c))
    minEnd = Math.min(minEnd, g.end)
    // column offset g.contig is the column's first unbacked block: plex offset of its stripe unit
    firstHole = Math.min(firstHole, (Math.floor(g.contig / w) * ncol + c) * w + (g.contig % w))
    compact &&= g.compact && g.end > 0
  }
  const len = ncol * Math.floor(minEnd / w) * w
  return { len, contigLen: Math.min(len, firstHole), compact, ncol }
}

/**
 * Recomputes every derived and read-only field of a configuration in place: association names,
 * counts, plex geometry, device offsets, and the read-only tflags. Run after every change.
 */
export function deriveConfig(c: Config): void {
  const dmByRid = new Map(c.disks.map((d) => [d.dm_rid, d]))
  const plByRid = new Map(c.plexes.map((p) => [p.pl_rid, p]))
  const vByRid = new Map(c.volumes.map((v) => [v.v_rid, v]))
  const sdsByPlex = new Map<number, SdRecord[]>()
  for (const d of c.disks) d.dm_sd_num = 0
  for (const sd of c.subdisks) {
    const dm = dmByRid.get(sd.sd_dm_rid)
    if (dm) {
      dm.dm_sd_num++
      sd.sd_dm_name = dm.dm_name
      sd.sd_da_name = dm.dm_device
      sd.sd_path = dm.dm_device // whole, as dm_last_da_name (rule 232): the record is stored as JSON
      sd.sd_dev_offset = dm.dm_pub_offset + sd.sd_dm_offset
      sd.sd_pflag = dm.dm_tflag & DM_TFLAG.VOLATILE ? sd.sd_pflag | SD_PFLAG.VOLATILE : sd.sd_pflag & ~SD_PFLAG.VOLATILE
    }
    const pl = plByRid.get(sd.sd_plex_rid)
    sd.sd_pl_name = pl ? pl.pl_name : ''
    if (!pl) {
      sd.sd_plex_rid = 0
      sd.sd_is_log = false
      sd.sd_column = 0
    }
    sd.sd_tflag = sd.sd_is_log ? sd.sd_tflag | SD_TFLAG.IS_LOG : sd.sd_tflag & ~SD_TFLAG.IS_LOG
    if (pl) {
      let list = sdsByPlex.get(pl.pl_rid)
      if (!list) sdsByPlex.set(pl.pl_rid, (list = []))
      list.push(sd)
    }
  }
  for (const v of c.volumes) v.v_pl_num = 0
  for (const pl of c.plexes) {
    const sds = sdsByPlex.get(pl.pl_rid) ?? []
    const data = sds.filter((s) => !s.sd_is_log)
    const log = sds.find((s) => s.sd_is_log)
    const g = plexGeometry(pl.pl_layout, pl.pl_st_width, data)
    pl.pl_sd_num = sds.length
    pl.pl_len = g.len
    pl.pl_contig_len = g.contigLen
    pl.pl_compact = g.compact ? 1 : 0
    pl.pl_ncol = g.ncol
    pl.pl_log_sd = log ? log.sd_name : ''
    pl.pl_log_sd_rid = log ? log.sd_rid : 0
    const v = vByRid.get(pl.pl_vol_rid)
    if (v) {
      v.v_pl_num++
      pl.pl_v_name = v.v_name
    } else {
      pl.pl_vol_rid = 0
      pl.pl_v_name = ''
      pl.pl_minor = NODEV
      pl.pl_kstate = 'DISABLED'
    }
    pl.pl_dev = pl.pl_minor
    let ro = 0
    for (const sd of sds) {
      const dm = dmByRid.get(sd.sd_dm_rid)
      if (!dm || dm.dm_tflag & DM_TFLAG.NODAREC) ro |= PL_TFLAG.NODAREC
      if (dm && dm.dm_tflag & DM_TFLAG.VOLATILE) ro |= PL_TFLAG.VOLATILE
      if (dm && dm.dm_pflag & DM_PFLAG.REMOVED) ro |= PL_TFLAG.REMOVED
    }
    pl.pl_tflag = (pl.pl_tflag & ~PL_TFLAG_READONLY) | ro
  }
  for (const v of c.volumes) {
    const pref = c.plexes.find((p) => p.pl_name === v.v_pref_name && p.pl_vol_rid === v.v_rid)
    v.v_pref_plex_rid = pref ? pref.pl_rid : 0
  }
}
