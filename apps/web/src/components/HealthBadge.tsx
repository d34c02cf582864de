import { stateFill, stateStroke } from '../views/colors.ts'
import { REDUNDANCY_ICON, REDUNDANCY_STATE, REDUNDANCY_WORDS, type VolumeHealth } from '../views/health.ts'

/**
 * A volume's redundancy as colour, icon and words ("⚠ NO REDUNDANCY"), with its kernel and
 * utility state after it and the reasons on hover: the same badge in the drawing and the overview.
 */
export function HealthBadge({ health, kstate, state }: { health: VolumeHealth | undefined; kstate: string; state: string }) {
  if (!health) return <span className="rounded border px-1 text-xs">{kstate} {state}</span>
  const k = REDUNDANCY_STATE[health.redundancy]
  return (
    <span data-testid={`health-${health.volume}`} data-redundancy={health.redundancy} title={[health.words, ...health.problems].join('\n')} className="rounded border px-1 text-xs text-fg" style={{ background: stateFill(k), borderColor: stateStroke(k) }}>
      <span aria-hidden>{REDUNDANCY_ICON[health.redundancy]} </span>
      <strong>{REDUNDANCY_WORDS[health.redundancy].toUpperCase()}</strong> · {kstate} {state}
    </span>
  )
}
