/** Okabe-Ito colours (colour-blind safe); every state is also written as text. */
export function stateColor(kstate: string, state: string): string {
  if (state === 'IOFAIL') return '#D55E00'
  if (state === 'LOG') return '#CC79A7'
  if (state === 'OFFLINE' || kstate === 'DISABLED') return '#999999'
  if (kstate === 'DETACHED' || state === 'STALE') return '#E69F00'
  if (state === 'ACTIVE' || state === 'CLEAN') return '#0072B2'
  return '#56B4E9'
}

/** A stable colour per volume (disk view). */
export function volumeColor(name: string): string {
  const palette = ['#0072B2', '#009E73', '#CC79A7', '#56B4E9', '#F0E442', '#E69F00', '#D55E00', '#000000']
  let h = 0
  for (const ch of name) h = (h * 31 + ch.charCodeAt(0)) >>> 0
  return palette[h % palette.length]!
}
