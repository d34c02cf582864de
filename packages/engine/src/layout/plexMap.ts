import type { PlRecord, SdRecord } from '../records/types.ts'

/** A piece of a plex range: backed by `sd` at `sdOffset`, or a hole when `sd` is undefined. */
export interface PlexPiece {
  /** Sector offset in the plex (= volume) address space. */
  plexOffset: number
  length: number
  sd: SdRecord | undefined
  /** Sector offset inside the subdisk. */
  sdOffset: number
}

/**
 * Stripe mapping (SEMANTICS.md 1.5): unit u = floor(b/W), column u mod N, column offset
 * floor(u/N)*W + b mod W.
 */
export function mapStripe(block: number, ncol: number, width: number): { column: number; columnOffset: number } {
  const u = Math.floor(block / width)
  return { column: u % ncol, columnOffset: Math.floor(u / ncol) * width + (block % width) }
}

/**
 * Maps a run of one column (or a concat plex) onto its sorted subdisks, holes included: each piece
 * is pushed onto `out` with its plex offset `shift` sectors from its run offset (a write maps one
 * or two pieces per plex: no callback or spread per piece).
 */
function mapRun(sorted: readonly SdRecord[], offset: number, length: number, out: PlexPiece[], shift: number): void {
  let pos = offset
  const end = offset + length
  for (const sd of sorted) {
    if (pos >= end) break
    const sdEnd = sd.sd_pl_offset + sd.sd_len
    if (sdEnd <= pos) continue
    if (sd.sd_pl_offset >= end) break
    if (sd.sd_pl_offset > pos) {
      out.push({ plexOffset: pos + shift, length: sd.sd_pl_offset - pos, sd: undefined, sdOffset: 0 })
      pos = sd.sd_pl_offset
    }
    const n = Math.min(sdEnd, end) - pos
    out.push({ plexOffset: pos + shift, length: n, sd, sdOffset: pos - sd.sd_pl_offset })
    pos += n
  }
  if (pos < end) out.push({ plexOffset: pos + shift, length: end - pos, sd: undefined, sdOffset: 0 })
}

/**
 * A plex's subdisks arranged for mapping: sorted by plex offset, per column for a striped plex.
 * Built once per configuration (`planPlex`), used by every I/O (`mapPlan`).
 */
export interface PlexPlan {
  layout: PlRecord['pl_layout']
  width: number
  /** One sorted run of subdisks per column (a concat plex has one). */
  columns: SdRecord[][]
}

export function planPlex(plex: Pick<PlRecord, 'pl_layout' | 'pl_st_width' | 'pl_ncol'>, dataSds: readonly SdRecord[]): PlexPlan {
  const concat = plex.pl_layout === 'CONCAT'
  const columns: SdRecord[][] = Array.from({ length: concat ? 1 : plex.pl_ncol }, () => [])
  for (const sd of dataSds) columns[concat ? 0 : sd.sd_column]?.push(sd)
  for (const col of columns) col.sort((a, b) => a.sd_pl_offset - b.sd_pl_offset)
  return { layout: plex.pl_layout, width: plex.pl_st_width, columns }
}

/** Splits the plex range [offset, offset+length) (sectors) into subdisk pieces and holes. */
export function mapPlan(plan: PlexPlan, offset: number, length: number): PlexPiece[] {
  const out: PlexPiece[] = []
  if (plan.layout === 'CONCAT') {
    mapRun(plan.columns[0]!, offset, length, out, 0)
    return out
  }
  const w = plan.width
  const ncol = plan.columns.length
  let pos = offset
  const end = offset + length
  while (pos < end) {
    const { column, columnOffset } = mapStripe(pos, ncol, w)
    const n = Math.min(w - (pos % w), end - pos)
    mapRun(plan.columns[column] ?? [], columnOffset, n, out, pos - columnOffset)
    pos += n
  }
  return out
}
