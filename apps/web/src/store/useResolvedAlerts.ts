import { useMemo } from 'react'
import { useAfterPaint } from '../views/useAfterPaint.ts'
import { resolvedAlerts } from '../views/alertStatus.ts'
import { useApp } from './appStore.ts'

/** The unacknowledged alerts whose problem is gone, by id, with the words that say so. */
export function useResolvedAlerts(): Map<number, string> {
  const alerts = useApp((s) => s.server.alerts)
  // asks for every group's health: follows a new configuration after its paint, as the strip does
  const groups = useAfterPaint(useApp((s) => s.server.groups))
  const lab = useApp((s) => s.server.lab.disks)
  const finished = useApp((s) => s.server.finished)
  return useMemo(() => resolvedAlerts(alerts, groups, lab, finished), [alerts, groups, lab, finished])
}
