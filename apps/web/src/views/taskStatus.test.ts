import { describe, expect, it } from 'vitest'
import type { FinishedTask, TaskView } from '@plexa/protocol'
import { isShownFor, taskStatus } from './taskStatus.ts'

const done = (over: Partial<FinishedTask>): FinishedTask => ({ id: 5, taskId: 'task-3', dg: 'dg', kind: 'resync', target: 'disk disk02', volumes: ['mir', 'ms'], outcome: 'ok', finishedAt: 2, doneBytes: 1048576, totalBytes: 4194304, ...over })
const running = { 'task-3': { taskId: 'task-3', dg: 'dg', kind: 'resync', volume: 'mir', doneBytes: 1, totalBytes: 4, phase: 'copying', rate: 1, etaSeconds: 3, throttle: 0 } as unknown as TaskView }
const m = { text: 'Resync disk', tone: 'info' as const, task: { id: 'task-3', after: 4 } }

describe('taskStatus (rule 143)', () => {
  it('says started, then running with its percent, until the task history has it', () => {
    expect(taskStatus(m, {}, []).text).toBe('Resync disk: task task-3 started')
    expect(taskStatus(m, running, []).text).toBe('Resync disk: task task-3 running at 25%')
  })

  it('then says its real outcome: failed with its code and the regions it left, aborted, ok', () => {
    const failed = taskStatus(m, {}, [done({ outcome: 'failed', code: 'VM_NOTSYNCED', message: 'resync left 2 region(s) unsynchronised', sync: { regionsCopied: 6, bytesCopied: 0, failedCount: 2, failedRegions: [] } })])
    expect(failed).toEqual({ tone: 'critical', text: 'task task-3: resync of disk disk02 (mir, ms) failed VM_NOTSYNCED: resync left 2 region(s) unsynchronised; 2 regions not copied' })
    expect(taskStatus(m, {}, [done({ outcome: 'aborted' })]).text).toBe('task task-3: resync of disk disk02 (mir, ms) aborted after 1 MiB of 4 MiB')
    expect(taskStatus(m, {}, [done({})]).tone).toBe('ok')
  })

  it('ignores a task of the same id from before the action (ids start again with a server)', () => {
    expect(taskStatus(m, running, [done({ id: 4, outcome: 'failed' })]).text).toBe('Resync disk: task task-3 running at 25%')
  })

  it('says a message without a task as it is', () => {
    expect(taskStatus({ text: 'Detach: done', tone: 'ok' }, {}, [])).toEqual({ text: 'Detach: done', tone: 'ok' })
  })
})

describe('isShownFor (rule 240)', () => {
  const about = { dg: 'dg', kind: 'v' as const, name: 'mir' }
  it('shows the last action\'s line under the object it was about, or where nothing is selected, never under another object', () => {
    expect(isShownFor({ ...m, about }, about)).toBe(true)
    expect(isShownFor({ ...m, about }, undefined)).toBe(true)
    expect(isShownFor({ ...m, about }, { dg: 'dg', kind: 'v', name: 'data' })).toBe(false)
    expect(isShownFor({ ...m, about }, { dg: 'dg', kind: 'dm', name: 'mir' })).toBe(false)
    expect(isShownFor({ ...m, about }, { dg: 'dg2', kind: 'v', name: 'mir' })).toBe(false)
    // a message about no object (a task control of a task that is gone) is global
    expect(isShownFor(m, { dg: 'dg', kind: 'v', name: 'data' })).toBe(true)
  })
})
