import { useMemo, useState } from 'react'
import type { Alert } from '@plexa/protocol'
import { appStore, useApp } from '../store/appStore.ts'
import type { Action } from '../views/actions.ts'
import { ackAlert, ackAlerts, failureWords } from '../store/commands.ts'
import { useResolvedAlerts } from '../store/useResolvedAlerts.ts'
import { alertCountWords } from '../views/alertStatus.ts'
import { useWhyNot } from '../store/useWhyNot.ts'
import { dateTime } from '../views/format.ts'
import { TONE } from '../views/tone.ts'
import { GuardedButton } from './GuardedButton.tsx'

/** Acknowledge all, confirmed when critical alerts whose problem lasts are among them: the safe choice (Cancel) has the focus. */
function ackAllAction(open: Alert[], lasting: Alert[]): Action {
  return {
    id: 'ackall',
    label: 'Acknowledge all',
    route: 'POST /api/alerts/ack',
    params: {},
    body: { ids: open.map((a) => a.id) },
    destructive: true,
    warning: `${lasting.length} critical alert${lasting.length > 1 ? 's' : ''} whose problem lasts (${lasting.map((a) => `#${a.id} ${a.code}`).join(', ')}) leave${lasting.length > 1 ? '' : 's'} the banner and the count, though the problem stays`,
    noDryRun: `acknowledging has no dry run: it marks the ${open.length} open alert${open.length > 1 ? 's' : ''} seen (audited) and changes nothing else`,
  }
}

/**
 * Every alert until an administrator acknowledges it: the live problems first (critical first),
 * then the resolved ones (the problem is gone, in words why, no longer red), then the
 * acknowledged. "Acknowledge all" acknowledges the open alerts listed here, in one audited call, after a
 * confirmation when a critical one's problem lasts.
 */
export function AlertsPanel() {
  const alertMap = useApp((s) => s.server.alerts)
  const resolved = useResolvedAlerts()
  const why = useWhyNot('viewers cannot acknowledge alerts')
  const [error, setError] = useState<string>()
  const alerts = useMemo(() => {
    const rank = (a: Alert) => (a.acked ? 3 : resolved.has(a.id) ? 2 : a.severity === 'critical' ? 0 : 1)
    return Object.values(alertMap).sort((a, b) => rank(a) - rank(b) || b.lastAt - a.lastAt)
  }, [alertMap, resolved])
  const open = alerts.filter((a) => !a.acked)
  // critical alerts whose problem lasts: acknowledging them all at once is confirmed first
  const lasting = open.filter((a) => a.severity === 'critical' && !resolved.has(a.id))
  const ack = (p: Promise<void>) => void p.then(() => setError(undefined), (e: unknown) => setError(failureWords('Acknowledge', e)))
  return (
    <section aria-label="alerts" className="h-full overflow-auto p-1 text-xs">
      <div className="mb-1 flex flex-wrap items-center gap-2">
        <span data-testid="alerts-summary">{alertCountWords(open.length, resolved.size)}</span>
        <GuardedButton why={why ?? (open.length ? undefined : 'no open alert')} testId="ack-all" title={`acknowledge the ${open.length} open alert(s) listed here`} onClick={() => (lasting.length ? appStore.getState().confirm(ackAllAction(open, lasting)) : ack(ackAlerts(open.map((a) => a.id))))}>
          Acknowledge all ({open.length})
        </GuardedButton>
      </div>
      {error && <p role="alert" className="text-danger">{error}</p>}
      {alerts.length === 0 && <p className="text-muted">No alerts.</p>}
      <ul>
        {alerts.map((a) => {
          const over = a.acked ? undefined : resolved.get(a.id)
          return (
            <li key={a.id} data-testid={`alert-${a.id}`} data-acked={a.acked ? 'true' : undefined} data-resolved={over ? 'true' : undefined} className={`flex items-start gap-2 border-b border-line py-0.5 ${a.acked ? 'text-muted' : over ? TONE.ok.text : TONE[a.severity].text}`}>
              <span aria-hidden>{over ? TONE.ok.icon : TONE[a.severity].icon}</span>
              <span className="flex-1">
                {over && <strong data-testid={`resolved-${a.id}`}>RESOLVED </strong>}
                <strong>{a.severity.toUpperCase()}</strong> #{a.id} {a.code}: {a.message}
                {a.count > 1 && ` (seen ${a.count} times, last ${dateTime(a.lastAt)})`}
                {over && <span className="block">resolved: {over}; acknowledge it to clear it</span>}
                <span className="block text-muted">{dateTime(a.at)} · {a.dg}{a.object ? ` · ${a.object}` : ''}{a.acked ? ` · acknowledged by ${a.acked.by} at ${dateTime(a.acked.at)}` : ''}</span>
              </span>
              {!a.acked && (
                <GuardedButton why={why} title="acknowledge: you have seen it" label={`acknowledge alert ${a.id}`} onClick={() => ack(ackAlert(a.id))}>
                  Acknowledge
                </GuardedButton>
              )}
            </li>
          )
        })}
      </ul>
    </section>
  )
}
