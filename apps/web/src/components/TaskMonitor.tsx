import { memo, useId, useMemo, useRef, useState } from 'react'
import { useShallow } from 'zustand/react/shallow'
import type { TaskView } from '@plexa/protocol'
import { appStore, useApp } from '../store/appStore.ts'
import { controlTask } from '../store/commands.ts'
import { useWhyNot } from '../store/useWhyNot.ts'
import { GuardedButton } from './GuardedButton.tsx'
import { duration, throttleText } from '../views/format.ts'
import { ratePath } from '../views/rateChart.ts'
import { formatBytes, formatRate } from '../views/units.ts'
import { useVisibleRange } from '../views/useWindow.ts'

const ROW_H = 28

/**
 * Every running task: progress, percent, rate, ETA and phase; pause, resume, abort, throttle. Only
 * the rows in view are rendered (spacer rows keep the scroll height): a hundred tasks report.
 */
export function TaskMonitor() {
  const tasks = useApp(useShallow((s) => Object.values(s.server.tasks)))
  const why = useWhyNot()
  const ref = useRef<HTMLDivElement>(null)
  const offsets = useMemo(() => Array.from({ length: tasks.length + 1 }, (_, i) => i * ROW_H), [tasks.length])
  const [from, to] = useVisibleRange(ref, offsets, 2 * ROW_H)
  return (
    <div ref={ref} className="min-h-0 flex-1 overflow-auto bg-surface">
      {tasks.length === 0 ? (
        <p className="p-2 text-xs text-slate-500">No running tasks.</p>
      ) : (
        <table className="w-full text-xs" aria-label="tasks">
          <tbody>
            {from > 0 && <tr aria-hidden style={{ height: from * ROW_H }} />}
            {tasks.slice(from, to).map((t) => <TaskRow key={t.taskId} t={t} why={why} />)}
            {to < tasks.length && <tr aria-hidden style={{ height: (tasks.length - to) * ROW_H }} />}
          </tbody>
        </table>
      )}
    </div>
  )
}

/** One row; only the rows whose task reported redraw (a hundred tasks report every second). */
const TaskRow = memo(function TaskRow({ t, why }: { t: TaskView; why: string | undefined }) {
  const pct = Math.floor((t.doneBytes * 100) / Math.max(1, t.totalBytes))
  const paused = t.phase === 'paused'
  const vols = t.volumes ?? [t.volume]
  const what = t.target ? `${t.target}${t.target.startsWith('disk') ? ` (${vols.join(', ')})` : ''}` : vols.join(', ')
  const abort = () =>
    appStore.getState().confirm({
      id: 'abort',
      label: 'Abort task',
      route: 'POST /api/tasks/:task/abort',
      params: { dg: t.dg, task: t.taskId },
      body: {},
      destructive: true,
      warning: `the ${t.kind} of ${what} stops at ${pct}% (${formatBytes(t.doneBytes)} of ${formatBytes(t.totalBytes)}): what it has not copied stays stale, and ${vols.join(', ')} without full redundancy until a new resync`,
      noDryRun: 'aborting has no dry run; the task stops at its next region and can be started again',
    })
  return (
    <tr data-testid={`task-${t.taskId}`} style={{ height: ROW_H }}>
      <td className="px-1">{t.taskId}</td>
      <td className="px-1" data-testid={`task-what-${t.taskId}`}>{t.kind} {what}</td>
      <td className="px-1"><progress max={100} value={pct} aria-label={`progress ${t.taskId}`} /> {pct}%</td>
      <td className="px-1">{formatBytes(t.doneBytes)} / {formatBytes(t.totalBytes)}</td>
      <td className="px-1" data-testid={`rate-${t.taskId}`}>{paused ? 'paused' : t.rate > 0 ? formatRate(t.rate) : '—'}</td>
      <td className="px-1"><RateChart taskId={t.taskId} /></td>
      <td className="px-1" data-testid={`eta-${t.taskId}`}>{paused ? '' : t.etaSeconds === null ? 'ETA unknown' : `ETA ${duration(t.etaSeconds)}`}</td>
      <td className="px-1" data-testid={`phase-${t.taskId}`}>{t.phase}</td>
      <td className="space-x-1 px-1">
        <GuardedButton why={why} label={`${paused ? 'Resume' : 'Pause'} ${t.taskId}`} className="rounded border border-line px-1" onClick={() => void controlTask(paused ? 'resume' : 'pause', t.taskId)}>{paused ? 'Resume' : 'Pause'}</GuardedButton>
        <GuardedButton why={why} label={`Abort ${t.taskId}`} className="rounded border border-line px-1" onClick={abort}>Abort</GuardedButton>
        <Throttle taskId={t.taskId} throttle={t.throttle} latencyMs={t.adaptive?.latencyMs} why={why} />
      </td>
    </tr>
  )
})

/** The task's rate over time since it started (its reports), highest rate on hover. */
function RateChart({ taskId }: { taskId: string }) {
  const samples = useApp((s) => s.server.rates[taskId])
  const { points, max } = useMemo(() => ratePath(samples ?? [], 80, 18), [samples])
  return (
    <svg width={80} height={18} role="img" aria-label={`rate of ${taskId} over time, up to ${formatRate(max)}`} data-testid={`rate-chart-${taskId}`} className="block">
      <title>{`rate over time, highest ${formatRate(max)}`}</title>
      <rect x={0} y={0} width={80} height={18} style={{ fill: 'var(--c-panel)' }} />
      {points && <polyline points={points} fill="none" style={{ stroke: 'var(--s-ok)' }} strokeWidth={1.5} />}
    </svg>
  )
}

/**
 * The throttle as it is (MiB/s, 0 = unlimited; in adaptive mode its target and the limit it holds
 * now), edited in place: a rate, or the adaptive mode's foreground write p99 target in ms (rule
 * 161). The server's value wins when it changes. It takes the task's throttle alone, so a progress
 * report leaves its edit boxes as they are (React sets an input's type and name again at every
 * update of it).
 */
const Throttle = memo(function Throttle({ taskId, throttle, latencyMs, why }: { taskId: string; throttle: number; latencyMs: number | undefined; why: string | undefined }) {
  const mibs = throttle / 1048576
  const [text, setText] = useState(String(mibs))
  const [shown, setShown] = useState(throttle)
  const [latency, setLatency] = useState(String(latencyMs ?? 1))
  const id = useId()
  if (shown !== throttle) {
    setShown(throttle)
    setText(String(mibs))
  }
  const now = latencyMs !== undefined ? `adaptive, p99 within ${latencyMs} ms, now ${throttleText(throttle)}` : throttleText(throttle)
  const ms = Number(latency)
  return (
    <label title={why ?? `throttle now: ${now}`}>
      throttle <span data-testid={`throttle-${taskId}`}>{now}</span>, set MiB/s
      {/* read-only rather than disabled while not allowed: it keeps the focus and says why */}
      <input aria-label={`throttle ${taskId}`} aria-disabled={why !== undefined || undefined} readOnly={why !== undefined} aria-describedby={why ? id : undefined} type="number" min={0} className="ml-1 w-16 rounded border px-1 aria-disabled:opacity-60 dark:bg-slate-700" value={text} onChange={(e) => setText(e.target.value)} onKeyDown={(e) => e.key === 'Enter' && why === undefined && void controlTask('throttle', taskId, Math.round(Number(text) * 1048576))} />
      {' '}or adaptive, p99 ms
      <input aria-label={`adaptive p99 target ${taskId}`} title="copy as fast as keeps foreground write p99 within this many ms" aria-disabled={why !== undefined || undefined} readOnly={why !== undefined} aria-describedby={why ? id : undefined} type="number" min={0.01} step={0.1} className="ml-1 w-14 rounded border px-1 aria-disabled:opacity-60 dark:bg-slate-700" value={latency} onChange={(e) => setLatency(e.target.value)} onKeyDown={(e) => e.key === 'Enter' && why === undefined && ms > 0 && void controlTask('throttle', taskId, { adaptive: { latencyMs: ms } })} />
      {why && <span id={id} className="sr-only">{`not allowed, ${why}`}</span>}
    </label>
  )
})
