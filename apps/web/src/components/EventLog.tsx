import { useMemo, useState } from 'react'
import { useApp } from '../store/appStore.ts'
import { failureWords, loadOlderEvents } from '../store/commands.ts'
import { NOT_LIVE } from '../store/useWhyNot.ts'
import { GuardedButton } from './GuardedButton.tsx'
import { type Sentence, describeEvent } from '../views/describeEvent.ts'
import { dateTime } from '../views/format.ts'
import { TONE } from '../views/tone.ts'

type Filter = 'all' | Sentence['kind']
const FILTERS: Array<[Filter, string]> = [['all', 'all'], ['alert', 'alerts'], ['change', 'changes'], ['task', 'tasks'], ['audit', 'audit'], ['lab', 'lab']]

/**
 * The event log: what happened, as sentences with date and time, newest first, from the server's
 * history on; filters, text search, the raw event on expand, older pages on request.
 */
export function EventLog() {
  const events = useApp((s) => s.server.events)
  const notes = useApp((s) => s.server.connectionNotes)
  const older = useApp((s) => s.server.oldestEvent > 0)
  const live = useApp((s) => s.server.connection === 'live')
  const [filter, setFilter] = useState<Filter>('all')
  const [query, setQuery] = useState('')
  const [error, setError] = useState<string>()
  const lines = useMemo(() => {
    const out = events.map((e) => ({ key: e.id !== undefined ? `h${e.id}` : `s${e.event.seq}`, at: e.event.at, raw: e.event as unknown, s: describeEvent(e.event) }))
    // the page's own connection losses and returns, among the server's events by time
    for (const n of notes) out.push({ key: `c${n.at}${n.lost}`, at: n.at, raw: n, s: n.lost ? { kind: 'change', tone: 'warning', text: 'connection to the server lost: what is shown is the last known state' } : { kind: 'change', tone: 'ok', text: 'connection to the server restored: the view is live again' } })
    return notes.length ? out.sort((a, b) => a.at - b.at) : out
  }, [events, notes])
  const q = query.trim().toLowerCase()
  const shown = lines.filter(({ s }) => (filter === 'all' || s.kind === filter) && (!q || s.text.toLowerCase().includes(q))).reverse()
  return (
    <section aria-label="event log" className="flex h-full flex-col text-xs">
      <div className="flex flex-wrap items-center gap-1 p-1">
        <div role="group" aria-label="event filter" className="flex gap-1">
          {FILTERS.map(([f, label]) => (
            <button key={f} aria-pressed={filter === f} className={`rounded px-2 ${filter === f ? 'bg-blue-700 text-white' : 'border border-slate-400'}`} onClick={() => setFilter(f)}>{label}</button>
          ))}
        </div>
        <input type="search" aria-label="search events" placeholder="search" className="ml-auto w-40 rounded border border-slate-400 px-1 dark:bg-slate-800" value={query} onChange={(e) => setQuery(e.target.value)} />
      </div>
      <ol className="flex-1 overflow-auto px-1" data-testid="events">
        {shown.map(({ key, at, raw, s }) => (
          <li key={key} data-tone={s.tone} className={TONE[s.tone].text}>
            <details>
              <summary className="cursor-pointer">
                <time className="text-slate-600 dark:text-slate-400" dateTime={new Date(at).toISOString()}>{dateTime(at)}</time> <span aria-hidden>{TONE[s.tone].icon}</span> {s.text}
              </summary>
              <pre className="overflow-auto whitespace-pre-wrap rounded bg-slate-100 p-1 font-mono text-slate-800 dark:bg-slate-800 dark:text-slate-200">{JSON.stringify(raw, null, 2)}</pre>
            </details>
          </li>
        ))}
        {shown.length === 0 && <li className="text-slate-600 dark:text-slate-400">Nothing {q ? `matches "${query}"` : 'yet'}.</li>}
        {older && (
          <li>
            <GuardedButton why={live ? undefined : NOT_LIVE} className="my-1 rounded border border-slate-400 px-2" onClick={() => void loadOlderEvents().then(() => setError(undefined), (e: unknown) => setError(failureWords('Loading older events', e)))}>Load older events</GuardedButton>
            {error && <span role="alert"> {error}</span>}
          </li>
        )}
      </ol>
    </section>
  )
}
