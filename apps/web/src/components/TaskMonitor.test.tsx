// @vitest-environment happy-dom
import { Profiler, act } from 'react'
import { beforeEach, describe, expect, it } from 'vitest'
import type { ServerEvent, ServerMessage, TaskView } from '@plexa/protocol'
import { appStore } from '../store/appStore.ts'
import { TaskMonitor } from './TaskMonitor.tsx'
import { rootPerTest } from './testRoot.ts'

const MiB = 1 << 20
const task = (over: Partial<TaskView> = {}): TaskView => ({ taskId: 'task-1', dg: 'dg1', kind: 'resync', volume: 'mirvol', target: 'volume mirvol', phase: 'resync', doneBytes: 0, totalBytes: 200 * MiB, rate: 0, etaSeconds: null, throttle: 0, ...over })
const hello = (tasks: TaskView[]): ServerMessage => ({ type: 'hello', protocol: 1, seq: 1, user: { name: 'admin', role: 'admin' }, snapshot: { seq: 1, groups: [], tasks, lab: { enabled: false, disks: [], loads: [] }, history: { events: [], alerts: [], tasks: [], audit: [] } } })
let seq = 1
const report = (over: Partial<TaskView>): ServerMessage => ({ type: 'event', event: { type: 'task.progress', ...task(over), seq: ++seq, at: seq * 250 } as ServerEvent })

const dom = rootPerTest()
/** Commits of the task table's React tree since it was mounted. */
let commits = 0
const $ = (testId: string) => dom.el.querySelector(`[data-testid="${testId}"]`)

beforeEach(() => {
  seq = 1
  commits = 0
  appStore.getState().receive(hello([task(), task({ taskId: 'task-2', volume: 'strvol', target: 'volume strvol' })]))
  act(() => dom.root.render(<Profiler id="tasks" onRender={() => void commits++}><TaskMonitor /></Profiler>))
})

describe('TaskMonitor', () => {
  it('251: a progress report renders nothing in React; the row writes its percent, bytes, rate, ETA and bar', () => {
    expect($('task-task-1')?.textContent).toContain('0%')
    const before = commits
    act(() => appStore.getState().receive(report({ doneBytes: 100 * MiB, rate: 3 * MiB, etaSeconds: 200 })))
    expect(commits).toBe(before)
    const row = $('task-task-1')!
    expect(row.textContent).toContain('50%')
    expect(row.textContent).toContain('100 MiB / 200 MiB')
    expect($('rate-task-1')?.textContent).toBe('3 MiB/s')
    expect($('eta-task-1')?.textContent).toBe('ETA 3 min 20 s')
    expect(row.querySelector('[role="progressbar"]')?.getAttribute('aria-valuenow')).toBe('50')
    // the other task did not report: its row is as it was
    expect($('task-task-2')?.textContent).toContain('0%')
  })

  it('251: the rate chart follows the reports without a render (its line, and its highest rate in its name)', () => {
    const before = commits
    act(() => appStore.getState().receiveAll([report({ doneBytes: 10 * MiB, rate: 2 * MiB }), report({ doneBytes: 20 * MiB, rate: 4 * MiB })]))
    expect(commits).toBe(before)
    const chart = $('rate-chart-task-1')!
    expect(chart.querySelector('polyline')?.getAttribute('points')?.split(' ')).toHaveLength(2)
    expect(chart.getAttribute('aria-label')).toBe('rate of task-1 over time, up to 4 MiB/s')
  })

  it('251: a pause renders the row (Resume, no rate, no ETA); the percent stays what the report says', () => {
    act(() => appStore.getState().receive(report({ doneBytes: 60 * MiB, rate: 3 * MiB, etaSeconds: 20 })))
    const before = commits
    act(() => appStore.getState().receive(report({ doneBytes: 60 * MiB, phase: 'paused', rate: 0, etaSeconds: null })))
    expect(commits).toBeGreaterThan(before)
    const row = $('task-task-1')!
    expect($('phase-task-1')?.textContent).toBe('paused')
    expect([...row.querySelectorAll('button')].map((b) => b.textContent)).toEqual(['Resume', 'Abort'])
    expect($('rate-task-1')?.textContent).toBe('paused')
    expect($('eta-task-1')?.textContent).toBe('')
    expect(row.textContent).toContain('30%')
  })

  it('251: a task that starts or finishes renders the list; the finished one goes', () => {
    const before = commits
    act(() => appStore.getState().receive({ type: 'event', event: { type: 'task.finished', dg: 'dg1', taskId: 'task-2', seq: ++seq, at: 0 } as unknown as ServerEvent }))
    expect(commits).toBeGreaterThan(before)
    expect($('task-task-2')).toBeNull()
    expect($('task-task-1')).not.toBeNull()
  })
})
