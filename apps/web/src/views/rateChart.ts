import { scaleLinear } from 'd3-scale'

/**
 * A task's rate over time as an SVG polyline (d3 computes, React draws): time along x, bytes per
 * second up y from 0 to the highest rate seen, in a w × h box.
 */
export function ratePath(samples: ReadonlyArray<{ at: number; rate: number }>, w: number, h: number): { points: string; max: number } {
  if (samples.length < 2) return { points: '', max: samples[0]?.rate ?? 0 }
  const max = Math.max(1, ...samples.map((s) => s.rate))
  const x = scaleLinear().domain([samples[0]!.at, samples.at(-1)!.at]).range([0, w])
  const y = scaleLinear().domain([0, max]).range([h - 1, 1])
  return { points: samples.map((s) => `${x(s.at).toFixed(1)},${y(s.rate).toFixed(1)}`).join(' '), max }
}
