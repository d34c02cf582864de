import type { PlRecord, VRecord } from '../records/types.ts'

/** vol_mvr_maxround: a read within this many sectors of the previous one stays on its plex. */
export const MVR_MAXROUND = 512

/** Where the volume's previous read went (the round-robin state). */
export interface LastRead {
  /** Rid of the plex that served it (0: none yet). */
  plex: number
  /** Sector where it ended. */
  end: number
}

/**
 * Orders the plexes that can serve a read at sector `s` by the volume's read policy (SEMANTICS.md
 * 1.6, checklist E 42-44): PREFER puts the preferred plex first, SELECT an enabled striped plex,
 * ROUND (and SELECT without a stripe) stays on the previous plex for a read within MVR_MAXROUND
 * sectors of the previous one and otherwise moves on to the next. Pure.
 */
export function orderForRead<P extends Pick<PlRecord, 'pl_rid' | 'pl_name' | 'pl_layout'>>(v: Pick<VRecord, 'v_read_pol' | 'v_pref_name'>, candidates: readonly P[], last: LastRead, s: number): P[] {
  if (candidates.length <= 1) return [...candidates]
  if (v.v_read_pol === 'PREFER') {
    const i = candidates.findIndex((p) => p.pl_name === v.v_pref_name)
    if (i >= 0) return moveToFront(candidates, i)
  }
  if (v.v_read_pol === 'SELECT') {
    const i = candidates.findIndex((p) => p.pl_layout === 'STRIPE')
    if (i >= 0) return moveToFront(candidates, i)
  }
  let start = candidates.findIndex((p) => p.pl_rid === last.plex)
  if (start < 0 || Math.abs(s - last.end) > MVR_MAXROUND) start = (start + 1) % candidates.length
  return [...candidates.slice(start), ...candidates.slice(0, start)]
}

/** The candidates with plex `rid` first (the rest of a read that one plex has been serving). */
export function preferSame<P extends Pick<PlRecord, 'pl_rid'>>(candidates: readonly P[], rid: number): P[] {
  return moveToFront(candidates, candidates.findIndex((p) => p.pl_rid === rid))
}

/** `items` with the one at index `i` first; unchanged when `i` is 0 or not an index. */
export function moveToFront<T>(items: readonly T[], i: number): T[] {
  return i <= 0 ? [...items] : [items[i]!, ...items.filter((_, j) => j !== i)]
}
