/** Okabe-Ito colours (colour-blind safe); every state is also written as text. */
export function stateColor(kstate: string, state: string): string {
  if (state === 'IOFAIL') return '#D55E00'
  if (state === 'LOG') return '#CC79A7'
  if (state === 'OFFLINE' || kstate === 'DISABLED') return '#999999'
  if (kstate === 'DETACHED' || state === 'STALE') return '#E69F00'
  if (state === 'ACTIVE' || state === 'CLEAN') return '#0072B2'
  return '#56B4E9'
}

const PALETTE = ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#56B4E9', '#D55E00', '#F0E442', '#000000']

/** One colour per volume, distinct for the first eight in name order (disk view and its legend). */
export function volumeColors(names: readonly string[]): Map<string, string> {
  return new Map([...names].sort().map((n, i) => [n, PALETTE[i % PALETTE.length]!]))
}
