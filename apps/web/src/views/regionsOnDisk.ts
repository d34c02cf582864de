import type { PlRecord, SdRecord } from '@plexa/engine'

/**
 * Where a plex's regions (stale ones: ranges of the volume address space, `regionSectors` each)
 * lie on one of its subdisks, as sector ranges of the disk's public region ([from, to), runs of
 * regions merged), so the disk view hatches only those pieces, as the volume view hatches them
 * over the plex. Concat: the subdisk backs plex offsets [sd_pl_offset, + sd_len). Stripe
 * (SEMANTICS.md 1.5, the engine's mapStripe): volume block b is in unit u = floor(b / W), column
 * u mod N, at column offset floor(u / N) * W + b mod W; the units of one column in a region follow
 * each other in the column, so a region is one range per column. A log subdisk has no regions.
 */
export function regionsOnDisk(sd: SdRecord, plex: Pick<PlRecord, 'pl_layout' | 'pl_ncol' | 'pl_st_width'>, regions: readonly number[], regionSectors: number, volumeSectors: number): Array<[number, number]> {
  if (sd.sd_is_log || regionSectors <= 0) return []
  const stripe = plex.pl_layout === 'STRIPE' && plex.pl_ncol > 1 && plex.pl_st_width > 0
  const n = stripe ? plex.pl_ncol : 1
  const w = plex.pl_st_width
  const out: Array<[number, number]> = []
  const push = (a: number, b: number) => {
    // column (or plex) offsets [a, b) clipped to the subdisk, then onto the disk
    const x0 = Math.max(a, sd.sd_pl_offset)
    const x1 = Math.min(b, sd.sd_pl_offset + sd.sd_len)
    if (x1 <= x0) return
    const d0 = sd.sd_dm_offset + (x0 - sd.sd_pl_offset)
    const d1 = sd.sd_dm_offset + (x1 - sd.sd_pl_offset)
    const last = out[out.length - 1]
    if (last && last[1] >= d0) last[1] = Math.max(last[1], d1)
    else out.push([d0, d1])
  }
  for (const r of [...regions].sort((a, b) => a - b)) {
    const a = r * regionSectors
    const b = Math.min(volumeSectors, (r + 1) * regionSectors)
    if (b <= a) continue
    if (!stripe) {
      push(a, b)
      continue
    }
    // the first and the last stripe unit of this column that the region touches
    const c = sd.sd_column
    const ua = Math.floor(a / w)
    const ub = Math.floor((b - 1) / w)
    const u0 = ua + ((c - (ua % n) + n) % n)
    const u1 = ub - (((ub % n) - c + n) % n)
    if (u0 > u1) continue
    const col = (u: number) => Math.floor(u / n) * w
    push(col(u0) + Math.max(0, a - u0 * w), col(u1) + Math.min(w, b - u1 * w))
  }
  return out
}
