/** One benchmark line of DESIGN.md section 8. */
export interface BenchLine {
  bench: string
  value: number
  unit: string
  baseline: string
  baseline_value: number
  ratio: number
}

export function line(bench: string, value: number, unit: string, baseline: string, baselineValue: number, higherIsBetter = true): BenchLine {
  const ratio = higherIsBetter ? value / baselineValue : baselineValue === 0 ? 0 : value / baselineValue
  const r = (x: number) => Math.round(x * 1000) / 1000
  return { bench, value: r(value), unit, baseline, baseline_value: r(baselineValue), ratio: r(ratio) }
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.floor(s.length / 2)]!
}

export function seconds(t0: bigint): number {
  return Number(process.hrtime.bigint() - t0) / 1e9
}
