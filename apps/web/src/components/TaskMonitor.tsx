import { type RefObject, memo, useId, useMemo, useRef, useState } from 'react'
import { useShallow } from 'zustand/react/shallow'
import { type AppState, appStore, useApp } from '../store/appStore.ts'
import { controlTask } from '../store/commands.ts'
import { setAttr, setText, useStoreWrite } from '../store/useStoreWrite.ts'
import { useWhyNot } from '../store/useWhyNot.ts'
import { GuardedButton } from './GuardedButton.tsx'
import { throttleText } from '../views/format.ts'
import { ratePath } from '../views/rateChart.ts'
import { progressText, taskTarget } from '../views/taskProgress.ts'
import { formatBytes, formatRate } from '../views/units.ts'
import { useContentWidth, useVisibleRange } from '../views/useWindow.ts'

/**
 * The two layouts of a row, by the width of the pane: fixed column tracks (only the task's name
 * takes what is left), one line of 20 px each, so no text a report changes ever moves a column or
 * a row. Narrow (the pane at 1024 and 1280 px): what and how far; phase, rate, ETA and the
 * buttons; the throttle. Wide: what, how far, rate and ETA; phase, buttons and throttle.
 */
const LAYOUTS = {
  narrow: {
    rowH: 66,
    grid: 'grid-cols-[3.5rem_minmax(0,1fr)_7.5rem_8rem] grid-rows-[repeat(3,20px)]',
    cell: {
      id: 'col-start-1 row-start-1', what: 'col-start-2 row-start-1', bar: 'col-start-3 row-start-1', bytes: 'col-start-4 row-start-1',
      phase: 'col-start-1 row-start-2', rate: 'col-start-2 row-start-2', eta: 'col-start-3 row-start-2', buttons: 'col-start-4 row-start-2',
      throttle: 'col-span-4 col-start-1 row-start-3',
    },
  },
  wide: {
    rowH: 46,
    grid: 'grid-cols-[3.5rem_minmax(0,1fr)_7.5rem_8rem_10.5rem_7rem] grid-rows-[repeat(2,20px)]',
    cell: {
      id: 'col-start-1 row-start-1', what: 'col-start-2 row-start-1', bar: 'col-start-3 row-start-1', bytes: 'col-start-4 row-start-1', rate: 'col-start-5 row-start-1', eta: 'col-start-6 row-start-1',
      phase: 'col-start-1 row-start-2', buttons: 'col-start-2 row-start-2', throttle: 'col-span-4 col-start-3 row-start-2',
    },
  },
} as const
type Layout = (typeof LAYOUTS)[keyof typeof LAYOUTS]
/** The pane's content width (px) from which a row takes two lines instead of three. */
const WIDE_FROM = 760

/**
 * Every running task: progress, percent, rate, ETA and phase; pause, resume, abort, throttle. Only
 * the rows in view are rendered (padding keeps the scroll height): a hundred tasks report. The
 * list renders again only when tasks start or finish; a row, when its phase, throttle or what it
 * covers changes; its progress is written by the row itself (useLiveProgress).
 */
export function TaskMonitor() {
  const ids = useApp(useShallow((s) => Object.keys(s.server.tasks)))
  const why = useWhyNot()
  const ref = useRef<HTMLDivElement>(null)
  const layout = useContentWidth(ref) >= WIDE_FROM ? LAYOUTS.wide : LAYOUTS.narrow
  const offsets = useMemo(() => Array.from({ length: ids.length + 1 }, (_, i) => i * layout.rowH), [ids.length, layout])
  const [from, to] = useVisibleRange(ref, offsets, 2 * layout.rowH)
  return (
    <div ref={ref} className="min-h-0 flex-1 overflow-auto bg-surface">
      {ids.length === 0 ? (
        <p className="p-2 text-xs text-slate-500">No running tasks.</p>
      ) : (
        <ul className="text-xs" aria-label="tasks" style={{ paddingTop: from * layout.rowH, paddingBottom: (ids.length - to) * layout.rowH }}>
          {ids.slice(from, to).map((id) => <TaskRow key={id} taskId={id} layout={layout} why={why} />)}
        </ul>
      )}
    </div>
  )
}

/** A cell: one line, cut with an ellipsis where its text does not fit (whole in its tooltip). */
const CELL = 'flex min-w-0 items-center gap-1 overflow-hidden whitespace-nowrap'
/**
 * Text a progress report changes: a box of its own size (`contain: strict`), so writing it lays
 * out and paints that box alone.
 */
const LIVE = 'block h-4 overflow-hidden leading-4 text-ellipsis whitespace-nowrap [contain:strict]'

/** What of a task renders its row: the rest (done, rate, ETA, the rate's chart) is written live. */
function rowShape(s: AppState, taskId: string) {
  const t = s.server.tasks[taskId]
  if (!t) return undefined
  return { dg: t.dg, kind: t.kind, what: taskTarget(t), phase: t.phase, throttle: t.throttle, latencyMs: t.adaptive?.latencyMs }
}

/**
 * One task's row. React renders it when what it shows besides its progress changes (it starts,
 * pauses, resumes, is throttled, or what it covers becomes known); a progress report writes its
 * bar, percent, bytes, rate, ETA and rate chart where their text changed, and renders nothing.
 */
const TaskRow = memo(function TaskRow({ taskId, layout, why }: { taskId: string; layout: Layout; why: string | undefined }) {
  const shape = useApp(useShallow((s) => rowShape(s, taskId)))
  const live = useLiveProgress(taskId)
  if (!shape) return null
  const paused = shape.phase === 'paused'
  const c = layout.cell
  const abort = () => {
    const t = appStore.getState().server.tasks[taskId]
    if (!t) return
    const p = progressText(t)
    const vols = (t.volumes ?? [t.volume]).join(', ')
    appStore.getState().confirm({
      id: 'abort',
      label: 'Abort task',
      route: 'POST /api/tasks/:task/abort',
      params: { dg: t.dg, task: t.taskId },
      body: {},
      destructive: true,
      warning: `the ${t.kind} of ${shape.what} stops at ${p.pct}% (${formatBytes(t.doneBytes)} of ${formatBytes(t.totalBytes)}): what it has not copied stays stale, and ${vols} without full redundancy until a new resync`,
      noDryRun: 'aborting has no dry run; the task stops at its next region and can be started again',
    })
  }
  return (
    <li data-testid={`task-${taskId}`} className={`grid gap-x-1 border-b border-line/40 px-1 py-[3px] [contain:strict] ${layout.grid}`} style={{ height: layout.rowH }}>
      <span className={`${CELL} ${c.id} font-semibold`} title={taskId}>{taskId}</span>
      <span className={`${CELL} ${c.what}`} title={`${shape.kind} ${shape.what}`}><span className="truncate" data-testid={`task-what-${taskId}`}>{shape.kind} {shape.what}</span></span>
      <span className={`${CELL} ${c.bar}`}>
        <span ref={live.bar} role="progressbar" aria-label={`progress ${taskId}`} aria-valuemin={0} aria-valuemax={100} className="block h-2.5 w-16 shrink-0 overflow-hidden rounded-sm border border-line bg-panel [contain:strict]">
          <span ref={live.fill} className="block h-full w-full origin-left" style={{ background: 'var(--c-copied)', transform: 'scaleX(0)' }} />
        </span>
        <span ref={live.percent} className={`${LIVE} w-9 text-right tabular-nums`} data-testid={`percent-${taskId}`} />
      </span>
      <span className={`${CELL} ${c.bytes}`}><span ref={live.bytes} className={`${LIVE} w-full tabular-nums`} data-testid={`bytes-${taskId}`} /></span>
      <span className={`${CELL} ${c.rate}`}>
        <span ref={live.rate} className={`${LIVE} w-[4.75rem] shrink-0 tabular-nums`} data-testid={`rate-${taskId}`} />
        <RateChart taskId={taskId} live={live} />
      </span>
      <span className={`${CELL} ${c.eta}`}><span ref={live.eta} className={`${LIVE} w-full`} data-testid={`eta-${taskId}`} /></span>
      <span className={`${CELL} ${c.phase}`} data-testid={`phase-${taskId}`}>{shape.phase}</span>
      <span className={`${CELL} ${c.buttons}`}>
        <GuardedButton why={why} label={`${paused ? 'Resume' : 'Pause'} ${taskId}`} className="rounded border border-line px-1 leading-4" onClick={() => void controlTask(paused ? 'resume' : 'pause', taskId)}>{paused ? 'Resume' : 'Pause'}</GuardedButton>
        <GuardedButton why={why} label={`Abort ${taskId}`} className="rounded border border-line px-1 leading-4" onClick={abort}>Abort</GuardedButton>
      </span>
      <span className={`${CELL} ${c.throttle}`}><Throttle taskId={taskId} throttle={shape.throttle} latencyMs={shape.latencyMs} why={why} /></span>
    </li>
  )
})

/** The nodes of a row that its progress reports write. */
interface LiveNodes {
  bar: RefObject<HTMLSpanElement | null>
  fill: RefObject<HTMLSpanElement | null>
  percent: RefObject<HTMLSpanElement | null>
  bytes: RefObject<HTMLSpanElement | null>
  rate: RefObject<HTMLSpanElement | null>
  eta: RefObject<HTMLSpanElement | null>
  chart: RefObject<SVGSVGElement | null>
  chartTitle: RefObject<HTMLTitleElement | null>
  line: RefObject<SVGPolylineElement | null>
}

/**
 * Writes a task's progress into its row's nodes, outside React (useStoreWrite): at mount (before
 * the row is painted) and whenever the task or its rate samples change, each text and attribute
 * only where it changed (the bar moves at each whole percent).
 */
function useLiveProgress(taskId: string): LiveNodes {
  const n: LiveNodes = {
    bar: useRef(null), fill: useRef(null), percent: useRef(null), bytes: useRef(null), rate: useRef(null), eta: useRef(null),
    chart: useRef(null), chartTitle: useRef(null), line: useRef(null),
  }
  useStoreWrite((s) => s.server.tasks[taskId], (t) => {
    if (!t) return
    const p = progressText(t)
    if (n.bar.current?.getAttribute('aria-valuenow') !== String(p.pct)) {
      n.bar.current?.setAttribute('aria-valuenow', String(p.pct))
      if (n.fill.current) n.fill.current.style.transform = `scaleX(${p.pct / 100})`
    }
    setText(n.percent.current, p.percent)
    setText(n.bytes.current, p.bytes)
    setText(n.rate.current, p.rate)
    setText(n.eta.current, p.eta)
  }, [taskId])
  useStoreWrite((s) => s.server.rates[taskId], (samples) => {
    const { points, max } = ratePath(samples ?? [], 80, 18)
    setAttr(n.line.current, 'points', points)
    setAttr(n.chart.current, 'aria-label', `rate of ${taskId} over time, up to ${formatRate(max)}`)
    setText(n.chartTitle.current, `rate over time, highest ${formatRate(max)}`)
  }, [taskId])
  return n
}

/** The task's rate over time since it started (its reports), highest rate on hover; written by useLiveProgress. */
function RateChart({ taskId, live }: { taskId: string; live: LiveNodes }) {
  return (
    <svg ref={live.chart} width={80} height={18} role="img" data-testid={`rate-chart-${taskId}`} className="block shrink-0 [contain:strict]">
      <title ref={live.chartTitle} />
      <rect x={0} y={0} width={80} height={18} style={{ fill: 'var(--c-panel)' }} />
      <polyline ref={live.line} fill="none" style={{ stroke: 'var(--s-ok)' }} strokeWidth={1.5} />
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
    <label title={why ?? `throttle now: ${now}`} className="flex min-w-0 items-center whitespace-nowrap">
      <span className="min-w-0 truncate">throttle <span data-testid={`throttle-${taskId}`}>{now}</span></span>, set MiB/s
      {/* read-only rather than disabled while not allowed: it keeps the focus and says why */}
      <input aria-label={`throttle ${taskId}`} aria-disabled={why !== undefined || undefined} readOnly={why !== undefined} aria-describedby={why ? id : undefined} type="number" min={0} className="mx-1 h-[18px] w-16 shrink-0 rounded border px-1 aria-disabled:opacity-60 dark:bg-slate-700" value={text} onChange={(e) => setText(e.target.value)} onKeyDown={(e) => e.key === 'Enter' && why === undefined && void controlTask('throttle', taskId, Math.round(Number(text) * 1048576))} />
      or adaptive, p99 ms
      <input aria-label={`adaptive p99 target ${taskId}`} title="copy as fast as keeps foreground write p99 within this many ms" aria-disabled={why !== undefined || undefined} readOnly={why !== undefined} aria-describedby={why ? id : undefined} type="number" min={0.01} step={0.1} className="ml-1 h-[18px] w-14 shrink-0 rounded border px-1 aria-disabled:opacity-60 dark:bg-slate-700" value={latency} onChange={(e) => setLatency(e.target.value)} onKeyDown={(e) => e.key === 'Enter' && why === undefined && ms > 0 && void controlTask('throttle', taskId, { adaptive: { latencyMs: ms } })} />
      {why && <span id={id} className="sr-only">{`not allowed, ${why}`}</span>}
    </label>
  )
})
