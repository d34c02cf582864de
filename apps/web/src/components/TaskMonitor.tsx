import { memo } from 'react'
import { useShallow } from 'zustand/react/shallow'
import type { TaskProgress } from '@plexa/engine'
import { api } from '../net/api.ts'
import { useApp } from '../store/appStore.ts'

const mib = (b: number) => `${(b / 1048576).toFixed(1)} MiB`

/** Every running task: progress, percent, rate, ETA and phase; pause, resume, abort, throttle. */
export function TaskMonitor() {
  const tasks = useApp(useShallow((s) => Object.values(s.server.tasks)))
  const admin = useApp((s) => s.server.user?.role === 'admin')
  if (tasks.length === 0) return <p className="p-2 text-xs text-slate-500">No running tasks.</p>
  return (
    <table className="w-full text-xs" aria-label="tasks">
      <tbody>
        {tasks.map((t) => <TaskRow key={t.taskId} t={t} admin={admin} />)}
      </tbody>
    </table>
  )
}

/** One row; only the rows whose task reported redraw (a hundred tasks report every second). */
const TaskRow = memo(function TaskRow({ t, admin }: { t: TaskProgress; admin: boolean }) {
  const pct = Math.floor((t.doneBytes * 100) / Math.max(1, t.totalBytes))
  return (
    <tr data-testid={`task-${t.taskId}`}>
      <td className="px-1">{t.taskId}</td>
      <td className="px-1">{t.kind} {t.volume}</td>
      <td className="px-1"><progress max={100} value={pct} aria-label={`progress ${t.taskId}`} /> {pct}%</td>
      <td className="px-1">{mib(t.doneBytes)} / {mib(t.totalBytes)}</td>
      <td className="px-1">{mib(t.rate)}/s</td>
      <td className="px-1">ETA {t.etaSeconds ?? '?'} s</td>
      <td className="px-1" data-testid={`phase-${t.taskId}`}>{t.phase}</td>
      <td className="space-x-1 px-1">
        <button disabled={!admin} onClick={() => void api(t.phase === 'paused' ? 'POST /api/tasks/:task/resume' : 'POST /api/tasks/:task/pause', { task: t.taskId })}>{t.phase === 'paused' ? 'Resume' : 'Pause'}</button>
        <button disabled={!admin} onClick={() => void api('POST /api/tasks/:task/abort', { task: t.taskId })}>Abort</button>
        <label>
          throttle MiB/s
          <input aria-label={`throttle ${t.taskId}`} disabled={!admin} type="number" min={0} className="ml-1 w-16 rounded border px-1 dark:bg-slate-700" defaultValue={t.throttle ? t.throttle / 1048576 : 0} onKeyDown={(e) => e.key === 'Enter' && void api('POST /api/tasks/:task/throttle', { task: t.taskId }, { bytesPerSecond: Number((e.target as HTMLInputElement).value) * 1048576 })} />
        </label>
      </td>
    </tr>
  )
})
