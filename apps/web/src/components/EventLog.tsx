import { useState } from 'react'
import type { ServerEvent } from '@plexa/protocol'
import { useApp } from '../store/appStore.ts'

type Filter = 'all' | 'alerts' | 'kstate' | 'audit'

function describe(e: ServerEvent): string {
  switch (e.type) {
    case 'alert':
      return `${e.severity.toUpperCase()} ${e.code}: ${e.message}`
    case 'kstate.changed':
      return `${e.kind === 'pl' ? 'plex' : 'volume'} ${e.name}: ${e.from} → ${e.to}`
    case 'audit':
      return `${e.entry.user} ${e.entry.operation} ${JSON.stringify(e.entry.args)} → ${e.entry.result}`
    case 'io.error':
      return `I/O error: ${e.op} on ${e.plex} (${e.disk}) of ${e.volume}`
    case 'task.finished':
      return `task ${e.taskId} (${e.kind} ${e.volume}) ${e.outcome}${e.code ? ` ${e.code}` : ''}`
    case 'config.committed':
      return `tid ${e.tid}: ${e.operation} (${e.changes.length} record(s))`
    default:
      return e.type
  }
}

/** The event log with filters: alerts, kernel-state changes, audit. */
export function EventLog() {
  const events = useApp((s) => s.server.events)
  const [filter, setFilter] = useState<Filter>('all')
  const shown = events.filter((e) => (filter === 'all' ? e.type !== 'task.progress' && e.type !== 'dg.maps' : filter === 'alerts' ? e.type === 'alert' || e.type === 'io.error' : filter === 'kstate' ? e.type === 'kstate.changed' : e.type === 'audit')).slice(-200).reverse()
  return (
    <section aria-label="event log" className="flex h-full flex-col text-xs">
      <div className="flex gap-1 p-1" role="tablist">
        {(['all', 'alerts', 'kstate', 'audit'] as const).map((f) => (
          <button key={f} role="tab" aria-selected={filter === f} className={`rounded px-2 ${filter === f ? 'bg-blue-700 text-white' : 'border'}`} onClick={() => setFilter(f)}>{f}</button>
        ))}
      </div>
      <ol className="flex-1 overflow-auto px-1" data-testid="events">
        {shown.map((e) => (
          <li key={e.seq} className={e.type === 'alert' && e.severity === 'critical' ? 'text-red-700 dark:text-red-300' : ''}>
            <span className="text-slate-500">{new Date(e.at).toLocaleTimeString()}</span> {describe(e)}
          </li>
        ))}
      </ol>
    </section>
  )
}
