import { useMemo, useState } from 'react'
import { useApp } from '../store/appStore.ts'
import { ackAlert, failureWords } from '../store/commands.ts'
import { dateTime } from '../views/format.ts'
import { TONE } from '../views/tone.ts'

/** Every open alert, critical first, until an administrator acknowledges it; then the acknowledged. */
export function AlertsPanel() {
  const alertMap = useApp((s) => s.server.alerts)
  const admin = useApp((s) => s.server.user?.role === 'admin')
  const live = useApp((s) => s.server.connection === 'live')
  const [error, setError] = useState<string>()
  const alerts = useMemo(() => Object.values(alertMap).sort((a, b) => Number(!!a.acked) - Number(!!b.acked) || (a.severity === b.severity ? b.lastAt - a.lastAt : a.severity === 'critical' ? -1 : 1)), [alertMap])
  const why = !admin ? 'viewers cannot acknowledge alerts' : !live ? 'the server is unreachable' : undefined
  return (
    <section aria-label="alerts" className="h-full overflow-auto p-1 text-xs">
      {error && <p role="alert" className="text-danger">{error}</p>}
      {alerts.length === 0 && <p className="text-muted">No alerts.</p>}
      <ul>
        {alerts.map((a) => (
          <li key={a.id} data-testid={`alert-${a.id}`} data-acked={a.acked ? 'true' : undefined} className={`flex items-start gap-2 border-b border-line py-0.5 ${a.acked ? 'text-muted' : TONE[a.severity].text}`}>
            <span aria-hidden>{TONE[a.severity].icon}</span>
            <span className="flex-1">
              <strong>{a.severity.toUpperCase()}</strong> #{a.id} {a.code}: {a.message}
              {a.count > 1 && ` (seen ${a.count} times, last ${dateTime(a.lastAt)})`}
              <span className="block text-muted">{dateTime(a.at)} · {a.dg}{a.object ? ` · ${a.object}` : ''}{a.acked ? ` · acknowledged by ${a.acked.by} at ${dateTime(a.acked.at)}` : ''}</span>
            </span>
            {!a.acked && (
              <button className="rounded border border-line px-2 text-fg disabled:opacity-60" disabled={why !== undefined} title={why ?? 'acknowledge: you have seen it'} aria-label={`acknowledge alert ${a.id}`} onClick={() => ackAlert(a.id).then(() => setError(undefined), (e: unknown) => setError(failureWords('Acknowledge', e)))}>
                Acknowledge
              </button>
            )}
          </li>
        ))}
      </ul>
    </section>
  )
}
