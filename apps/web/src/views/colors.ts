/**
 * One meaning per colour, in every view: a box's colour is the state of the plex it belongs to
 * (or, for a disk's failure, of the disk), the same in the volume view, the disk view and the
 * legend. The colours themselves are CSS variables of the theme (index.css), so both themes pass
 * contrast; regions (stale, dirty, copied) are patterns, never a state colour.
 */
export type StateKey = 'ok' | 'busy' | 'stale' | 'failed' | 'offline' | 'log'

/** What each state colour means, in the words of the legend. */
export const STATE_WORDS: Record<StateKey, { short: string; long: string }> = {
  ok: { short: 'up to date', long: 'enabled, up to date (ACTIVE or CLEAN)' },
  busy: { short: 'syncing / empty', long: 'enabled, being synchronised, empty or in a temporary state' },
  stale: { short: 'needs a copy', long: 'detached or stale: its data must be copied before it is used' },
  failed: { short: 'failed', long: 'failed: an I/O error detached it, or its disk failed or was removed' },
  offline: { short: 'disabled', long: 'disabled or offline: takes no I/O' },
  log: { short: 'log', long: 'a log plex or log subdisk (dirty region log)' },
}

/** The state colour of a plex or volume from its kernel and utility state. */
export function stateKey(kstate: string, state: string): StateKey {
  if (state === 'IOFAIL') return 'failed'
  if (state === 'LOG') return 'log'
  if (state === 'OFFLINE' || kstate === 'DISABLED') return 'offline'
  if (kstate === 'DETACHED' || state === 'STALE') return 'stale'
  if (state === 'ACTIVE' || state === 'CLEAN') return 'ok'
  return 'busy'
}

/**
 * The state a subdisk is drawn in, the same in the volume and the disk view: 'failed' is kept for
 * a subdisk on a failed (or removed) disk; a plex that failed with I/O errors is, on a disk that
 * works, only out of date there: stale, waiting for a resync.
 */
export function subdiskState(kstate: string, state: string, onFailedDisk: boolean): StateKey {
  if (onFailedDisk) return 'failed'
  const k = stateKey(kstate, state)
  return k === 'failed' ? 'stale' : k
}

/** Whether a plex's stale map has anything in it (drawn with the stale pattern). */
export function hasStale(stale: { full: boolean; regions: number[] } | undefined): boolean {
  return !!stale && (stale.full || stale.regions.length > 0)
}

/** The strong colour of a state (outlines, marks), as a CSS value. */
export function stateStroke(k: StateKey): string {
  return `var(--s-${k})`
}

/** The fill of a state (boxes, badges): the theme's text reads on it. */
export function stateFill(k: StateKey): string {
  return `var(--s-${k}-fill)`
}

/**
 * The style of a subdisk's label over its box of fill `fill`: the text with a halo of that fill
 * (painted under the glyphs), so a failed, stale or busy hatch over the box never runs through
 * the letters (rule 462).
 */
export function labelOver(fill: string): { fill: string; stroke: string; strokeWidth: number; strokeLinejoin: 'round'; paintOrder: string } {
  return { fill: 'var(--c-fg)', stroke: fill, strokeWidth: 3, strokeLinejoin: 'round', paintOrder: 'stroke' }
}

/** Pattern ids of the shared SVG definitions (Patterns.tsx). */
export const PATTERN = { stale: 'pat-stale', dirty: 'pat-dirty', hole: 'pat-hole', failed: 'pat-failed', mismatch: 'pat-mismatch', busy: 'pat-busy' } as const

/**
 * The pattern drawn over a state's boxes, so that a state is told by more than its colour (rule
 * 276): syncing / empty is striped across (a copy under way), up to date is plain. Only states
 * whose colours a colour-blind viewer could confuse carry one.
 */
export function statePattern(k: StateKey): string | undefined {
  return k === 'busy' ? PATTERN.busy : undefined
}

/** How strongly a state's pattern shows over its colour: the labels on it still read. */
export const STATE_PATTERN_OPACITY = 0.55
