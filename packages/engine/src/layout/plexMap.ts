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

/** Maps a run of one column (or a concat plex) onto its sorted subdisks, holes included. */
function mapRun(sorted: readonly SdRecord[], offset: number, length: number, emit: (p: Omit<PlexPiece, 'plexOffset'>, at: number) => void) {
  let pos = offset
  const end = offset + length
  for (const sd of sorted) {
    if (pos >= end) break
    const sdEnd = sd.sd_pl_offset + sd.sd_len
    if (sdEnd <= pos) continue
    if (sd.sd_pl_offset >= end) break
    if (sd.sd_pl_offset > pos) {
      emit({ length: sd.sd_pl_offset - pos, sd: undefined, sdOffset: 0 }, pos)
      pos = sd.sd_pl_offset
    }
    const n = Math.min(sdEnd, end) - pos
    emit({ length: n, sd, sdOffset: pos - sd.sd_pl_offset }, pos)
    pos += n
  }
  if (pos < end) emit({ length: end - pos, sd: undefined, sdOffset: 0 }, pos)
}

/** Splits the plex range [offset, offset+length) (sectors) into subdisk pieces and holes. */
export function mapPlexRange(
  plex: Pick<PlRecord, 'pl_layout' | 'pl_st_width' | 'pl_ncol'>,
  dataSds: readonly SdRecord[],
  offset: number,
  length: number,
): PlexPiece[] {
  const out: PlexPiece[] = []
  if (plex.pl_layout === 'CONCAT') {
    const sorted = [...dataSds].sort((a, b) => a.sd_pl_offset - b.sd_pl_offset)
    mapRun(sorted, offset, length, (p, at) => out.push({ ...p, plexOffset: at }))
    return out
  }
  const w = plex.pl_st_width
  const ncol = plex.pl_ncol
  const columns: SdRecord[][] = Array.from({ length: ncol }, () => [])
  for (const sd of dataSds) columns[sd.sd_column]?.push(sd)
  for (const col of columns) col.sort((a, b) => a.sd_pl_offset - b.sd_pl_offset)
  let pos = offset
  const end = offset + length
  while (pos < end) {
    const { column, columnOffset } = mapStripe(pos, ncol, w)
    const n = Math.min(w - (pos % w), end - pos)
    const base = pos
    mapRun(columns[column] ?? [], columnOffset, n, (p, at) => out.push({ ...p, plexOffset: base + (at - columnOffset) }))
    pos += n
  }
  return out
}
