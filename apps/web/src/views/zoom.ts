import type { Zoom } from './layout.ts'

/** The narrowest part of an address space a drawing zooms to. */
export const MIN_SPAN = 1 / 256

/**
 * Zooms by `factor` (> 1 in, < 1 out) around `at`, a fraction of the address space that stays
 * where it is on screen; the result stays inside [0, 1] and no narrower than MIN_SPAN.
 */
export function zoomBy(z: Zoom, factor: number, at = (z.from + z.to) / 2): Zoom {
  const span = Math.min(1, Math.max(MIN_SPAN, (z.to - z.from) / factor))
  const k = (at - z.from) / (z.to - z.from)
  const from = Math.min(1 - span, Math.max(0, at - k * span))
  return { from, to: from + span }
}

/** Pans by `by` spans (negative: left), stopping at the ends. */
export function pan(z: Zoom, by: number): Zoom {
  const span = z.to - z.from
  const from = Math.min(1 - span, Math.max(0, z.from + by * span))
  return { from, to: from + span }
}
