import { useMemo } from 'react'
import { useApp } from '../store/appStore.ts'
import { stateFill, stateStroke } from '../views/colors.ts'
import { count } from '../views/format.ts'
import { repairAdvice } from '../views/verifyReports.ts'
import { REDUNDANCY_ICON, REDUNDANCY_STATE, REDUNDANCY_WORDS, type VolumeHealth, unrepairedMismatches, withMismatch } from '../views/health.ts'

/**
 * A volume's redundancy as colour, icon and words ("⚠ NO REDUNDANCY"), with its kernel and
 * utility state after it and the reasons on hover: the same badge in the drawing and the overview.
 */
export function HealthBadge({ dg, health: base, kstate, state, compact: short = false }: { dg: string; health: VolumeHealth | undefined; kstate: string; state: string; compact?: boolean }) {
  const finished = useApp((s) => s.server.finished)
  const differ = useMemo(() => unrepairedMismatches(finished), [finished]).get(`${dg}/${base?.volume}`)
  // plexes known to differ are no full redundancy (rule 170)
  const health = base && withMismatch(base, differ)
  if (!health) return <span className="rounded border px-1 text-xs">{kstate} {state}</span>
  const k = REDUNDANCY_STATE[health.redundancy]
  const compact = short || !!differ || !!health.logLost
  return (
    <>
    {/* beside a second badge, or a running task's progress (`compact`), the kernel and utility state go to the tooltip (the drawing's name says them too), so all stay whole at 1024 px (rules 365, 573) */}
    <span data-testid={`health-${health.volume}`} data-redundancy={health.redundancy} title={[health.words, ...(compact ? [`${kstate} ${state}`] : []), ...health.problems].join('\n')} className="shrink-0 whitespace-nowrap rounded border px-1 text-xs text-fg" style={{ background: stateFill(k), borderColor: stateStroke(k) }}>
      <span aria-hidden>{REDUNDANCY_ICON[health.redundancy]} </span>
      <strong>{REDUNDANCY_WORDS[health.redundancy].toUpperCase()}</strong>{!compact && ` · ${kstate} ${state}`}
    </span>
    {health.logLost && (
      <span data-testid={`log-lost-${health.volume}`} title={health.logLost} className="shrink-0 whitespace-nowrap rounded border px-1 text-xs font-semibold text-fg" style={{ background: stateFill('stale'), borderColor: stateStroke('stale') }}>
        ▲ DRL LOG LOST
      </span>
    )}
    {differ && (
      <span data-testid={`differ-${health.volume}`} title={repairAdvice(differ)} className="shrink-0 whitespace-nowrap rounded border px-1 text-xs font-semibold text-fg" style={{ background: stateFill('failed'), borderColor: stateStroke('failed') }}>
        ✕ PLEXES DIFFER: {count(differ.verify!.mismatchCount, 'region')}
      </span>
    )}
    </>
  )
}
