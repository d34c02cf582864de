import { useMemo } from 'react'
import { resolvedAlerts } from '../views/alertStatus.ts'
import { useApp } from './appStore.ts'

/** The unacknowledged alerts whose problem is gone, by id, with the words that say so. */
export function useResolvedAlerts(): Map<number, string> {
  const alerts = useApp((s) => s.server.alerts)
  const groups = useApp((s) => s.server.groups)
  const lab = useApp((s) => s.server.lab.disks)
  const finished = useApp((s) => s.server.finished)
  return useMemo(() => resolvedAlerts(alerts, groups, lab, finished), [alerts, groups, lab, finished])
}
