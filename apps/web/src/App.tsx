import { useEffect, useState } from 'react'
import { api } from './net/api.ts'
import { connect } from './net/socket.ts'
import { appStore, useApp } from './store/appStore.ts'
import { Actions } from './components/Actions.tsx'
import { DiskView } from './components/DiskView.tsx'
import { EventLog } from './components/EventLog.tsx'
import { Login } from './components/Login.tsx'
import { Properties } from './components/Properties.tsx'
import { TaskMonitor } from './components/TaskMonitor.tsx'
import { Tree } from './components/Tree.tsx'
import { VolumeView } from './components/VolumeView.tsx'

export function App() {
  const [auth, setAuth] = useState<'unknown' | 'in' | 'out'>('unknown')
  const dark = useApp((s) => s.dark)
  useEffect(() => {
    document.documentElement.classList.toggle('dark', dark)
  }, [dark])
  const loggedOut = auth === 'out'
  useEffect(() => {
    if (loggedOut) return
    // the stream opens while the session is checked, so the snapshot arrives sooner, and the same
    // stream goes on once the session is confirmed (one snapshot, not two)
    return connect()
  }, [loggedOut])
  useEffect(() => {
    if (auth === 'unknown') api('GET /api/session').then(() => setAuth('in'), () => setAuth('out'))
  }, [auth])
  if (auth === 'unknown') return null
  if (auth === 'out') return <Login onLogin={() => setAuth('in')} />
  return <Frame onLogout={() => { void api('DELETE /api/session').finally(() => { appStore.getState().reset(); setAuth('out') }) }} />
}

function Frame({ onLogout }: { onLogout: () => void }) {
  const connection = useApp((s) => s.server.connection)
  const user = useApp((s) => s.server.user)
  const [view, setView] = useState<'volumes' | 'disks'>('volumes')
  return (
    <div className="grid h-full grid-cols-[14rem_1fr_18rem] grid-rows-[auto_1fr_12rem] bg-surface text-fg">
      <header className="col-span-3 flex items-center gap-3 border-b border-slate-200 px-3 py-1 dark:border-slate-700">
        <h1 className="font-semibold">Plexa</h1>
        <span data-testid="connection" aria-label={`connection ${connection}`} className={`rounded px-2 text-xs ${connection === 'live' ? 'bg-green-700 text-white' : 'bg-amber-500 text-black'}`}>{connection}</span>
        <nav className="ml-4 flex gap-1 text-sm" role="tablist" aria-label="views">
          {(['volumes', 'disks'] as const).map((v) => (
            <button key={v} role="tab" aria-selected={view === v} className={`rounded px-2 ${view === v ? 'bg-blue-700 text-white' : 'border'}`} onClick={() => setView(v)}>{v === 'volumes' ? 'Volume view' : 'Disk view'}</button>
          ))}
        </nav>
        <span className="ml-auto text-xs">{user?.name} ({user?.role})</span>
        <button className="rounded border px-2 text-xs" onClick={() => appStore.getState().toggleDark()} aria-label="toggle dark mode">Dark</button>
        <button className="rounded border px-2 text-xs" onClick={onLogout}>Log out</button>
      </header>
      <aside aria-label="objects pane" className="overflow-hidden border-r border-slate-200 dark:border-slate-700"><Tree /></aside>
      <main className="flex flex-col overflow-hidden">
        <Actions />
        <div className="min-h-0 flex-1">{view === 'volumes' ? <VolumeView /> : <DiskView />}</div>
      </main>
      <aside aria-label="properties pane" className="overflow-hidden border-l border-slate-200 dark:border-slate-700"><Properties /></aside>
      <footer className="col-span-3 grid grid-cols-2 border-t border-slate-200 dark:border-slate-700">
        {/* paint containment: a hundred reporting tasks never repaint the rest of the page */}
        <div className="flex flex-col overflow-hidden border-r border-slate-200 dark:border-slate-700" style={{ contain: 'strict' }}><h2 className="px-2 pt-1 text-xs font-semibold">Tasks</h2><TaskMonitor /></div>
        <div className="overflow-hidden"><EventLog /></div>
      </footer>
    </div>
  )
}
