import { REGION_SECTORS } from '../resync/regionCopy.ts'

/** The regions sectors [s, s+n) touch. */
export function regionsOf(s: number, n: number): number[] {
  const first = Math.floor(s / REGION_SECTORS)
  const last = Math.floor((s + n - 1) / REGION_SECTORS)
  return Array.from({ length: last - first + 1 }, (_, i) => first + i)
}
