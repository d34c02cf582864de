import { memo } from 'react'
import { PATTERN, STATE_PATTERN_OPACITY, STATE_WORDS, type StateKey, stateFill, statePattern, stateStroke } from '../views/colors.ts'

/**
 * The SVG patterns every drawing uses (stale hatched, dirty dotted, holes, failed disks), defined
 * once for the page: drawings refer to them by id.
 */
export const Patterns = memo(function Patterns() {
  return (
    <svg width={0} height={0} aria-hidden="true" style={{ position: 'absolute' }}>
      <defs>
        <pattern id={PATTERN.stale} width={6} height={6} patternUnits="userSpaceOnUse" patternTransform="rotate(45)">
          <rect width={6} height={6} fill="none" />
          <line x1={0} y1={0} x2={0} y2={6} style={{ stroke: 'var(--c-pattern)' }} strokeWidth={2} />
        </pattern>
        <pattern id={PATTERN.dirty} width={5} height={5} patternUnits="userSpaceOnUse">
          <circle cx={2.5} cy={2.5} r={1.3} style={{ fill: 'var(--c-pattern)' }} />
        </pattern>
        <pattern id={PATTERN.hole} width={6} height={6} patternUnits="userSpaceOnUse" patternTransform="rotate(-45)">
          <line x1={0} y1={0} x2={0} y2={6} style={{ stroke: 'var(--c-line)' }} strokeWidth={1} />
        </pattern>
        <pattern id={PATTERN.mismatch} width={4} height={4} patternUnits="userSpaceOnUse">
          <line x1={1} y1={0} x2={1} y2={4} style={{ stroke: 'var(--c-fg)' }} strokeWidth={1.5} />
        </pattern>
        <pattern id={PATTERN.busy} width={4} height={4} patternUnits="userSpaceOnUse">
          <line x1={0} y1={1} x2={4} y2={1} style={{ stroke: 'var(--s-busy)' }} strokeWidth={1} />
        </pattern>
        <pattern id={PATTERN.failed} width={8} height={8} patternUnits="userSpaceOnUse">
          <path d="M0 0L8 8M8 0L0 8" style={{ stroke: 'var(--s-failed)' }} strokeWidth={1.5} />
        </pattern>
      </defs>
    </svg>
  )
})

function Swatch({ fill, stroke, dashed, pattern }: { fill: string; stroke?: string; dashed?: boolean; pattern?: string | undefined }) {
  return (
    <svg width={18} height={12} aria-hidden="true" className="shrink-0">
      <rect x={0.5} y={0.5} width={17} height={11} rx={2} style={{ fill, stroke: stroke ?? 'var(--c-line)' }} strokeDasharray={dashed ? '3 2' : undefined} />
      {pattern && <rect x={1} y={1} width={16} height={10} rx={2} fill={`url(#${pattern})`} opacity={STATE_PATTERN_OPACITY} />}
    </svg>
  )
}

const STATES: StateKey[] = ['ok', 'busy', 'stale', 'failed', 'offline', 'log']

/** One legend for both views: the state colours, then the patterns and the disk's own parts. */
export const Legend = memo(function Legend() {
  return (
    <ul aria-label="legend" className="mb-2 flex flex-wrap gap-x-3 gap-y-1 text-xs text-fg">
      {STATES.map((k) => (
        <li key={k} className="flex items-center gap-1" title={STATE_WORDS[k].long} data-state={k}><Swatch fill={stateFill(k)} stroke={stateStroke(k)} pattern={statePattern(k)} />{STATE_WORDS[k].short}</li>
      ))}
      <li className="flex items-center gap-1" title="regions of a plex that missed writes: its copy is out of date there"><Swatch fill={`url(#${PATTERN.stale})`} />stale</li>
      <li className="flex items-center gap-1" title="regions the dirty region log marks as recently written"><Swatch fill={`url(#${PATTERN.dirty})`} />DRL dirty</li>
      <li className="flex items-center gap-1" title="regions where a verify found the plexes different, until a repair or a resync mends them"><Swatch fill={`url(#${PATTERN.mismatch})`} stroke="var(--c-fg)" />plexes differ</li>
      <li className="flex items-center gap-1" title="what the running copy has done so far"><Swatch fill="var(--c-copied)" />copied</li>
      <li className="flex items-center gap-1" title="an address range of the volume no subdisk of the plex backs"><Swatch fill={`url(#${PATTERN.hole})`} dashed />hole</li>
      <li className="flex items-center gap-1" title="the disk's private region: header and configuration copy"><Swatch fill="var(--c-private)" />private</li>
      <li className="flex items-center gap-1" title="public region no subdisk uses"><Swatch fill="var(--c-free)" dashed />free</li>
    </ul>
  )
})
