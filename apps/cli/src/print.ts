import type { Config, DmRecord, PlRecord, SdRecord, VRecord } from '@plexa/engine'

// Flag values of the records (the CLI takes only types from the engine).
const DM_PFLAG_REMOVED = 0x100
const DM_TFLAG_NODAREC = 0x8
const PL_TFLAG_REMOVED = 0x200
const PL_TFLAG_NODAREC = 0x400

/**
 * `vxprint -ht` (SEMANTICS.md 1.14): a header block, then the disk group, its disks, and each
 * volume followed by its plexes, each plex followed by its subdisks. Fields are left-justified in
 * widths 12, 12, 8, 8, 8, 9, 8 after a 2-character type tag, each followed by one space; an
 * over-long value pushes the rest right; `-` marks what does not apply.
 */
const WIDTHS = [12, 12, 8, 8, 8, 9, 8]

export function row(tag: string, fields: Array<string | number>): string {
  let out = tag.padEnd(2) + ' '
  fields.forEach((f, i) => {
    const w = WIDTHS[i]
    out += w === undefined ? String(f) : String(f).padEnd(w) + ' '
  })
  return out.trimEnd()
}

export const HEADER = [
  row('DG', ['NAME', 'NCONFIG', 'NLOG', 'MINORS', 'GROUP-ID']),
  row('DM', ['NAME', 'DEVICE', 'TYPE', 'PRIVLEN', 'PUBLEN', 'STATE']),
  row('V', ['NAME', 'USETYPE', 'KSTATE', 'STATE', 'LENGTH', 'READPOL', 'PREFPLEX']),
  row('PL', ['NAME', 'VOLUME', 'KSTATE', 'STATE', 'LENGTH', 'LAYOUT', 'NCOL/WID', 'MODE']),
  row('SD', ['NAME', 'PLEX', 'DISK', 'DISKOFFS', 'LENGTH', '[COL/]OFF', 'DEVICE', 'MODE']),
]

function device(dm: DmRecord | undefined): string {
  if (!dm || !dm.dm_device) return '-'
  const base = dm.dm_device.split('/').pop()!
  return base.replace(/\.img$/, '')
}

/** No device was found for the disk at import (DM_TFLAG NODAREC), or it has none now. */
function noDevice(dm: DmRecord | undefined): boolean {
  return !!dm && ((dm.dm_tflag & DM_TFLAG_NODAREC) !== 0 || !dm.dm_device)
}

function dmLine(dm: DmRecord): string {
  if (noDevice(dm)) return row('dm', [dm.dm_name, '-', '-', '-', '-', 'NODEVICE'])
  const state = dm.dm_pflag & DM_PFLAG_REMOVED ? 'REMOVED' : '-'
  return row('dm', [dm.dm_name, device(dm), 'simple', dm.dm_priv_len, dm.dm_pub_len, state])
}

/** The STATE column: a plex condition (SEMANTICS.md 1.9) before the utility state. */
function plState(pl: PlRecord): string {
  if (pl.pl_tflag & PL_TFLAG_NODAREC) return 'NODEVICE'
  if (pl.pl_tflag & PL_TFLAG_REMOVED) return 'REMOVED'
  return pl.pl_state
}

function isLogOnly(c: Config, pl: PlRecord): boolean {
  const sds = c.subdisks.filter((s) => s.sd_plex_rid === pl.pl_rid)
  return sds.length > 0 && sds.every((s) => s.sd_is_log)
}

function plLine(c: Config, pl: PlRecord): string {
  const flags = pl.pl_tflag & 0x3
  const mode = pl.pl_kstate === 'DISABLED' && flags === 0 ? 'RW' : flags === 3 ? 'RW' : flags === 1 ? 'RO' : flags === 2 ? 'WO' : '-'
  const len = isLogOnly(c, pl) ? 'LOGONLY' : pl.pl_len
  const ncol = pl.pl_layout === 'STRIPE' ? `${pl.pl_ncol}/${pl.pl_st_width}` : '-'
  return row('pl', [pl.pl_name, pl.pl_v_name || '-', pl.pl_kstate, plState(pl), len, pl.pl_layout, ncol, mode])
}

function sdLine(c: Config, pl: PlRecord | undefined, sd: SdRecord): string {
  const dm = c.disks.find((d) => d.dm_rid === sd.sd_dm_rid)
  const off = sd.sd_is_log ? 'LOG' : pl?.pl_layout === 'STRIPE' ? `${sd.sd_column}/${sd.sd_pl_offset}` : pl ? sd.sd_pl_offset : '-'
  return row('sd', [sd.sd_name, sd.sd_pl_name || '-', sd.sd_dm_name || '-', sd.sd_dm_offset, sd.sd_len, off, device(dm), sdMode(dm)])
}

function sdMode(dm: DmRecord | undefined): string {
  if (noDevice(dm)) return 'NDEV'
  return dm && dm.dm_pflag & DM_PFLAG_REMOVED ? 'RMOV' : 'ENA'
}

function vLine(v: VRecord): string {
  return row('v', [v.v_name, v.v_use_type, v.v_kstate, v.v_state, v.v_len, v.v_read_pol, v.v_pref_name || '-'])
}

/** The whole `vxprint -ht` listing of one disk group. */
export function vxprintHt(c: Config, opts: { header?: boolean } = {}): string[] {
  const out: string[] = []
  if (opts.header !== false) out.push(...HEADER, '')
  const dg = c.dg
  out.push(row('dg', [dg.dg_name, dg.dg_nconfig || 'default', dg.dg_nlog || 'default', dg.dg_minor, dg.dg_dgid]), '')
  const disks = [...c.disks].sort((a, b) => a.dm_name.localeCompare(b.dm_name))
  out.push(...disks.map(dmLine))
  const bySd = (a: SdRecord, b: SdRecord) => (a.sd_is_log ? 1 : 0) - (b.sd_is_log ? 1 : 0) || a.sd_column - b.sd_column || a.sd_pl_offset - b.sd_pl_offset
  const plexBlock = (pl: PlRecord) => [plLine(c, pl), ...c.subdisks.filter((s) => s.sd_plex_rid === pl.pl_rid).sort(bySd).map((s) => sdLine(c, pl, s))]
  for (const v of [...c.volumes].sort((a, b) => a.v_name.localeCompare(b.v_name))) {
    out.push('', vLine(v))
    for (const pl of c.plexes.filter((p) => p.pl_vol_rid === v.v_rid).sort((a, b) => a.pl_name.localeCompare(b.pl_name))) out.push(...plexBlock(pl))
  }
  const loosePlexes = c.plexes.filter((p) => !p.pl_vol_rid).sort((a, b) => a.pl_name.localeCompare(b.pl_name))
  for (const pl of loosePlexes) out.push('', ...plexBlock(pl))
  const looseSds = c.subdisks.filter((s) => !s.sd_plex_rid).sort((a, b) => a.sd_dm_name.localeCompare(b.sd_dm_name) || a.sd_dm_offset - b.sd_dm_offset)
  if (looseSds.length) out.push('', ...looseSds.map((s) => sdLine(c, undefined, s)))
  return out
}
