import type { PlRecord, SdRecord, VRecord } from '@plexa/engine'
import type { GroupView } from '@plexa/protocol'
import { SECTOR, formatBytes } from './units.ts'

type Dirty = GroupView['dirty'][string]
type Stale = GroupView['stale'][string]

/** Bytes a stale plex still needs copied: all of it, or its stale regions. */
export function staleBytes(st: Stale, v: VRecord): number {
  if (st.full) return v.v_len * SECTOR
  let sectors = 0
  for (const r of st.regions) sectors += Math.max(0, Math.min(st.regionSectors, v.v_len - r * st.regionSectors))
  return sectors * SECTOR
}

/** What the DRL caption of a volume says, and what its hover adds. */
export interface DrlCaption {
  text: string
  hover: string
}

const HOVER =
  'Dirty Region Logging marks a region dirty in the log before it is written and cleans it lazily, ' +
  'with a later log write once the region has been idle a while. After a crash only the dirty ' +
  'regions are copied from one ACTIVE plex to the others, so the figure is what a crash right now ' +
  'would cost. A stale or detached plex is not part of it: it is brought up to date by its own copy ' +
  '(attach or resync), counted separately.'

/** plexrec/volrec V_PFLAG_BADLOG: the volume's dirty region log is not valid. */
const V_PFLAG_BADLOG = 0x100

/**
 * Why a volume's dirty region log cannot be used, or undefined while one of its log plexes can:
 * every log plex is on a failed or removed disk (`trouble`, by disk name) or not ENABLED (rule 238).
 */
export function lostLog(plexes: readonly PlRecord[], sdsOf: (p: PlRecord) => readonly SdRecord[], trouble: ReadonlyMap<string, string>): string | undefined {
  const why: string[] = []
  for (const p of plexes) {
    if (p.pl_log_sd === '') continue
    const on = [...new Set(sdsOf(p).map((s) => s.sd_dm_name).filter((d) => trouble.has(d)))]
    if (on.length) why.push(`log plex ${p.pl_name} is on ${on.map((d) => `${trouble.get(d)} disk ${d}`).join(', ')}`)
    else if (p.pl_kstate !== 'ENABLED') why.push(`log plex ${p.pl_name} is ${p.pl_kstate} ${p.pl_state}`)
    else return undefined
  }
  return why.length ? why.join('; ') : undefined
}

/**
 * The caption of a volume's DRL: how many regions are dirty, the bytes a crash recovery would copy
 * now, and why that is 0 while a stale plex waits for a copy of its own; with its log lost (`lost`,
 * from lostLog), that a crash would need a full resync. Undefined for a volume with no DRL log plex.
 */
export function drlCaption(v: VRecord, plexes: readonly PlRecord[], dirty: Dirty | undefined, stale: GroupView['stale'], lostWhy?: string): DrlCaption | undefined {
  const hasLog = plexes.some((p) => p.pl_log_sd !== '')
  // rule 343: the engine's BADLOG says the log is not valid (until a start or a resync rewrites it)
  const lost = lostWhy ?? ((v.v_pflag ?? 0) & V_PFLAG_BADLOG ? `${v.v_name} is BADLOG: its log is not valid until a start or a resync rewrites it` : undefined)
  if (hasLog && lost) return { text: `DRL: log lost (${lost}); a crash now would need a full resync of ${v.v_name} (${formatBytes(v.v_len * SECTOR)}), not only its dirty regions`, hover: HOVER }
  if (!hasLog || !dirty) return undefined
  const n = dirty.regions.length
  const active = plexes.filter((p) => p.pl_state === 'ACTIVE' && p.pl_kstate === 'ENABLED').length
  const waiting = plexes.filter((p) => stale[p.pl_name] && p.pl_state !== 'LOG').map((p) => `${p.pl_name} waits for its own copy of ${formatBytes(staleBytes(stale[p.pl_name]!, v))}`)
  if (n === 0) return { text: `DRL: clean, no dirty region; a crash recovery would copy nothing${waiting.length ? `; ${waiting.join('; ')}` : ''}`, hover: HOVER }
  const dirtyBytes = dirty.regions.reduce((s, r) => s + Math.max(0, Math.min(dirty.regionSectors, v.v_len - r * dirty.regionSectors)), 0) * SECTOR
  const regions = `${n} dirty region${n === 1 ? '' : 's'} (${formatBytes(dirtyBytes)} written recently)`
  const why = dirty.recoveryBytes > 0 ? ` to ${active - 1} other ACTIVE plex${active - 1 === 1 ? '' : 'es'}` : active <= 1 ? ': no second ACTIVE plex to copy to' : ''
  return { text: `DRL: ${regions}; a crash recovery would copy ${formatBytes(dirty.recoveryBytes)} now${why}${waiting.length ? `; ${waiting.join('; ')}` : ''}`, hover: HOVER }
}
