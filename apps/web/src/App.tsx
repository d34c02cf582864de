import { useEffect, useState } from 'react'
import { api, session } from './net/api.ts'
import { connect } from './net/socket.ts'
import { appStore, useApp } from './store/appStore.ts'
import { Actions } from './components/Actions.tsx'
import { AlertsPanel } from './components/AlertsPanel.tsx'
import { AuditPanel } from './components/AuditPanel.tsx'
import { ConfirmHost } from './components/Confirm.tsx'
import { HealthStrip } from './components/HealthStrip.tsx'
import { SplitBrainHost } from './components/SplitBrainDialog.tsx'
import { Overview } from './components/Overview.tsx'
import { TaskHistory } from './components/TaskHistory.tsx'
import { DiskView } from './components/DiskView.tsx'
import { EventLog } from './components/EventLog.tsx'
import { Login } from './components/Login.tsx'
import { Properties } from './components/Properties.tsx'
import { TaskMonitor } from './components/TaskMonitor.tsx'
import { Tree } from './components/Tree.tsx'
import { VolumeView } from './components/VolumeView.tsx'
import { NothingImported } from './components/DeportedGroups.tsx'
import { dateTime } from './views/format.ts'
import { alertCountWords } from './views/alertStatus.ts'
import { useResolvedAlerts } from './store/useResolvedAlerts.ts'

export function App() {
  const [auth, setAuth] = useState<'unknown' | 'in' | 'out'>('unknown')
  const greeted = useApp((s) => s.server.user !== undefined)
  const dark = useApp((s) => s.dark)
  useEffect(() => {
    document.documentElement.classList.toggle('dark', dark)
  }, [dark])
  const loggedOut = auth === 'out'
  useEffect(() => {
    // the server refused the session (it restarted without it, or it expired): back to the login
    // form, and after it to where the administrator was
    session.onRefused = () => {
      appStore.getState().refused()
      setAuth('out')
    }
    return () => void (session.onRefused = undefined)
  }, [])
  useEffect(() => {
    if (loggedOut) return
    // the stream opens while the session is checked, so the snapshot arrives sooner, and the same
    // stream goes on once the session is confirmed (one snapshot, not two)
    return connect()
  }, [loggedOut])
  useEffect(() => {
    if (auth === 'unknown') api('GET /api/session').then(() => setAuth('in'), () => setAuth('out'))
  }, [auth])
  // the stream's first message is proof of the session too (its upgrade is authenticated): the
  // console renders with it, in the render that applies it, whichever of the two comes first;
  // rendered later, with the whole snapshot already in the store, the tree and the health strip
  // would not follow in a deferred render, and at 200,000 subdisks the first paint waited for them
  if (auth === 'unknown' && !greeted) return null
  if (auth === 'out') return <Login onLogin={() => setAuth('in')} />
  return <Frame onLogout={() => { void api('DELETE /api/session').finally(() => { appStore.getState().reset(); setAuth('out') }) }} />
}

/**
 * The Alerts tab's label: "Alerts (10 active, 19 resolved)" (rule 365). Its own component: the
 * resolved ones follow every configuration, which must not render the whole frame again.
 */
function AlertsTab() {
  const unacked = useApp((s) => Object.values(s.server.alerts).filter((a) => !a.acked).length)
  return <>Alerts ({alertCountWords(unacked, useResolvedAlerts().size, 'tab')})</>
}

function Frame({ onLogout }: { onLogout: () => void }) {
  const dark = useApp((s) => s.dark)
  const connection = useApp((s) => s.server.connection)
  const staleSince = useApp((s) => s.server.staleSince)
  const user = useApp((s) => s.server.user)
  const view = useApp((s) => s.view)
  const [bottom, setBottom] = useState<'events' | 'alerts' | 'audit'>('events')
  const [tasksTab, setTasksTab] = useState<'running' | 'history'>('running')
  // the bottom panel (tasks and log) folds to its tab bars, giving a small screen to the drawings
  const [panel, setPanel] = useState(true)
  const showTasks = (t: typeof tasksTab) => { setTasksTab(t); setPanel(true) }
  const showLog = (b: typeof bottom) => { setBottom(b); setPanel(true) }
  const setView = appStore.getState().setView
  const VIEWS = [['overview', 'Overview'], ['volumes', 'Volume view'], ['disks', 'Disk view']] as const
  return (
    <div className={`grid h-full grid-cols-[clamp(16rem,22vw,26rem)_1fr_18rem] ${panel ? 'grid-rows-[auto_auto_1fr_14rem]' : 'grid-rows-[auto_auto_1fr_auto]'} bg-surface text-fg`}>
      <header className="col-span-3 flex items-center gap-3 border-b border-slate-200 px-3 py-1 dark:border-slate-700">
        {/* rule 438: skip links, first in the Tab order, to the panels past every drawn object */}
        <SkipLink to="tasks-panel" onOpen={() => setPanel(true)}>Skip to tasks</SkipLink>
        <SkipLink to="log-panel" onOpen={() => setPanel(true)}>Skip to event log</SkipLink>
        <h1 className="font-semibold">Plexa</h1>
        <span data-testid="connection" aria-label={`connection ${connection}`} title={connection === 'live' ? 'changes arrive live' : 'the server cannot be reached: what you see may be old, and actions are disabled'} className={`rounded px-2 text-xs ${connection === 'live' ? 'bg-green-700 text-white' : 'bg-amber-500 text-black'}`}>{connection === 'live' ? 'live' : `${connection}: the server cannot be reached`}</span>
        {staleSince !== undefined && <span data-testid="stale" className="rounded border border-amber-700 px-2 text-xs font-semibold text-amber-900 dark:border-amber-300 dark:text-amber-200">stale since {dateTime(staleSince).slice(11)}: last known state, not live</span>}
        {/* the tabs, the user and the buttons stay one line each (rule 575): the connection notes before them wrap instead */}
        <nav className="ml-4 flex shrink-0 gap-1 whitespace-nowrap text-sm" role="tablist" aria-label="views">
          {VIEWS.map(([v, label]) => (
            <button key={v} role="tab" aria-selected={view === v} className={`rounded px-2 ${view === v ? 'bg-blue-700 text-white' : 'border'}`} onClick={() => setView(v)}>{label}</button>
          ))}
        </nav>
        <span className="ml-auto shrink-0 whitespace-nowrap text-xs">{user?.name} ({user?.role})</span>
        {/* the button names the theme it switches to */}
        <button className="shrink-0 whitespace-nowrap rounded border px-2 text-xs" onClick={() => appStore.getState().toggleDark()} data-testid="theme">{dark ? 'Light theme' : 'Dark theme'}</button>
        <button className="shrink-0 whitespace-nowrap rounded border px-2 text-xs" onClick={onLogout}>Log out</button>
      </header>
      <div className={`col-span-3 ${staleSince !== undefined ? 'grayscale' : ''}`} data-stale={staleSince !== undefined || undefined}><HealthStrip onOverview={() => setView('overview')} /></div>
      <aside aria-label="objects pane" className="overflow-hidden border-r border-slate-200 dark:border-slate-700"><Tree /></aside>
      <main className="flex flex-col overflow-hidden">
        <Actions />
        <NothingImported />
        <div className={`min-h-0 flex-1 ${staleSince !== undefined ? 'grayscale' : ''}`} data-testid="main-view" data-stale={staleSince !== undefined || undefined}>{view === 'overview' ? <Overview /> : view === 'volumes' ? <VolumeView /> : <DiskView />}</div>
      </main>
      <aside aria-label="properties pane" className="overflow-hidden border-l border-slate-200 dark:border-slate-700"><Properties /></aside>
      <footer id="bottom-panel" data-testid="bottom-panel" data-open={panel} className={`col-span-3 grid min-h-0 grid-cols-2 border-t border-slate-200 dark:border-slate-700 ${panel ? '' : 'pb-1'}`}>
        {/* paint containment: a hundred reporting tasks never repaint the rest of the page */}
        <section id="tasks-panel" tabIndex={-1} aria-label="tasks" className="flex flex-col overflow-hidden border-r border-slate-200 outline-none focus:ring-2 focus:ring-inset focus:ring-blue-500 dark:border-slate-700" style={panel ? { contain: 'strict' } : {}}>
          <div className="flex gap-1 px-2 pt-1 text-xs" role="tablist" aria-label="tasks">
            <button role="tab" aria-selected={tasksTab === 'running'} className={`rounded px-2 ${tasksTab === 'running' ? 'bg-blue-700 text-white' : 'border'}`} onClick={() => showTasks('running')}>Running tasks</button>
            <button role="tab" aria-selected={tasksTab === 'history'} className={`rounded px-2 ${tasksTab === 'history' ? 'bg-blue-700 text-white' : 'border'}`} onClick={() => showTasks('history')}>Task history</button>
          </div>
          {panel && (tasksTab === 'running' ? <TaskMonitor /> : <TaskHistory />)}
        </section>
        <section id="log-panel" tabIndex={-1} aria-label="log panel" className="flex min-h-0 flex-col overflow-hidden outline-none focus:ring-2 focus:ring-inset focus:ring-blue-500">
          <div className="flex items-center gap-1 px-2 pt-1 text-xs">
            <div className="flex gap-1" role="tablist" aria-label="log">
              {([['events', 'Events'], ['alerts', <AlertsTab />], ['audit', 'Audit']] as const).map(([k, label]) => (
                <button key={k} role="tab" aria-selected={bottom === k} className={`rounded px-2 ${bottom === k ? 'bg-blue-700 text-white' : 'border'}`} onClick={() => showLog(k)}>{label}</button>
              ))}
            </div>
            <button className="ml-auto rounded border px-2" aria-expanded={panel} aria-controls="bottom-panel" onClick={() => setPanel(!panel)}>{panel ? '▾ Hide tasks and log' : '▴ Show tasks and log'}</button>
          </div>
          {panel && <div className="min-h-0 flex-1">{bottom === 'events' ? <EventLog /> : bottom === 'alerts' ? <AlertsPanel /> : <AuditPanel />}</div>}
        </section>
      </footer>
      <ConfirmHost />
      <SplitBrainHost />
    </div>
  )
}

/**
 * A skip link (rule 438): hidden until it has the focus, then shown over the header; it opens the
 * bottom panel if folded and moves the focus to the panel, whose tab bar is the next Tab stop.
 */
function SkipLink({ to, onOpen, children }: { to: string; onOpen: () => void; children: string }) {
  return (
    <a
      href={`#${to}`}
      className="sr-only rounded bg-accent px-2 py-1 text-sm text-accent-ink focus:not-sr-only focus:absolute focus:left-2 focus:top-1 focus:z-50"
      onClick={(e) => {
        e.preventDefault()
        onOpen()
        requestAnimationFrame(() => document.getElementById(to)?.focus())
      }}
    >
      {children}
    </a>
  )
}
