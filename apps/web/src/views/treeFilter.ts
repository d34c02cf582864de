/**
 * The rows of a tree (in order, each with its depth) that a filter keeps: every row that matches,
 * and the rows above it (its group, volume, plex), so a match is always read in its place.
 * Returns the kept rows' indices, in order.
 */
export function filterTree(rows: ReadonlyArray<{ depth: number }>, matches: (i: number) => boolean): number[] {
  const keep = new Uint8Array(rows.length)
  const path: number[] = []
  for (let i = 0; i < rows.length; i++) {
    const d = rows[i]!.depth
    path.length = d
    path[d] = i
    if (matches(i)) for (const j of path) keep[j] = 1
  }
  const out: number[] = []
  for (let i = 0; i < rows.length; i++) if (keep[i]) out.push(i)
  return out
}
