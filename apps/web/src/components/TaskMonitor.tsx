import { memo, useMemo, useRef } from 'react'
import { useShallow } from 'zustand/react/shallow'
import type { TaskProgress } from '@plexa/engine'
import { api } from '../net/api.ts'
import { useApp } from '../store/appStore.ts'
import { useScroll, visibleRange } from '../views/useWindow.ts'

const mib = (b: number) => `${(b / 1048576).toFixed(1)} MiB`

const ROW_H = 28

/**
 * Every running task: progress, percent, rate, ETA and phase; pause, resume, abort, throttle. Only
 * the rows in view are rendered (spacer rows keep the scroll height): a hundred tasks report.
 */
export function TaskMonitor() {
  const tasks = useApp(useShallow((s) => Object.values(s.server.tasks)))
  const admin = useApp((s) => s.server.user?.role === 'admin')
  const ref = useRef<HTMLDivElement>(null)
  const { top, height } = useScroll(ref)
  const offsets = useMemo(() => Array.from({ length: tasks.length + 1 }, (_, i) => i * ROW_H), [tasks.length])
  const [from, to] = visibleRange(offsets, top, height, 2 * ROW_H)
  return (
    <div ref={ref} className="min-h-0 flex-1 overflow-auto">
      {tasks.length === 0 ? (
        <p className="p-2 text-xs text-slate-500">No running tasks.</p>
      ) : (
        <table className="w-full text-xs" aria-label="tasks">
          <tbody>
            {from > 0 && <tr aria-hidden style={{ height: from * ROW_H }} />}
            {tasks.slice(from, to).map((t) => <TaskRow key={t.taskId} t={t} admin={admin} />)}
            {to < tasks.length && <tr aria-hidden style={{ height: (tasks.length - to) * ROW_H }} />}
          </tbody>
        </table>
      )}
    </div>
  )
}

/** One row; only the rows whose task reported redraw (a hundred tasks report every second). */
const TaskRow = memo(function TaskRow({ t, admin }: { t: TaskProgress; admin: boolean }) {
  const pct = Math.floor((t.doneBytes * 100) / Math.max(1, t.totalBytes))
  return (
    <tr data-testid={`task-${t.taskId}`} style={{ height: ROW_H }}>
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
