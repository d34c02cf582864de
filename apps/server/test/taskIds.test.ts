// Task ids never repeat across server restarts (rule 230): each server below is loaded as a new
// process loads it (fresh modules: the engine's task counter starts from nothing), on a data
// directory that keeps its history.
import { rm } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import type { FinishedTask } from '@plexa/protocol'
import { type Restartable, restartable } from './harness.ts'
import { until } from './until.ts'

describe('task ids across restarts (rule 230)', () => {
  let r: Restartable | undefined
  afterEach(async () => {
    await r?.close()
    r = undefined
  })

  const history = async () => ((await r!.get('/api/tasks/history')).tasks as FinishedTask[]).map((t) => t.taskId)
  const verify = async () => {
    const v = await r!.post('/api/dgs/tdg/volumes/mir/verify')
    expect(v.status).toBe(202)
    const id = (v.body as { taskId: string }).taskId
    await until(`${id} in the task history`, async () => (await history()).includes(id))
    return id
  }
  /** A data directory whose servers run without lab mode, each loaded as a new process loads it; the first one started. */
  const firstServer = async () => {
    r = await restartable({ fresh: true, lab: false })
    await r.start()
  }

  it('a task started after a restart takes no id the history holds, and its result is its own', async () => {
    await firstServer()
    const first = [await verify(), await verify()]
    await r!.restart()
    const before = await history()
    expect(before).toEqual(expect.arrayContaining(first))
    const next = await verify()
    expect(before).not.toContain(next)
    // the history names each task once; its result is the new task's
    const after = await history()
    expect(after.filter((id) => id === next)).toHaveLength(1)
    expect(new Set(after).size).toBe(after.length)
    const result = await r!.fetch(`/api/tasks/${next}/result`)
    expect(result.status).toBe(200)
  })

  it('a task that never reached the history (the server died while it ran) still keeps its id: task-ids.json holds the highest one started', async () => {
    await firstServer()
    const gone = await verify()
    await r!.stop()
    // as if it had died before the task's end was written: no history line names it
    await rm(join(r!.dir, 'tasks.jsonl'), { force: true })
    await rm(join(r!.dir, 'events.jsonl'), { force: true })
    await r!.start()
    const next = await verify()
    expect(next).not.toBe(gone)
    expect(Number(next.slice(5))).toBeGreaterThan(Number(gone.slice(5)))
  })

  it('a task that finished before a restart still has its result, as it had before (rule 380)', async () => {
    await firstServer()
    const id = await verify()
    const before = await r!.fetch(`/api/tasks/${id}/result`)
    expect(before.status).toBe(200)
    await r!.restart()
    const after = await r!.fetch(`/api/tasks/${id}/result`)
    expect(after.status).toBe(200)
    expect(after.body).toEqual(before.body)
    const unknown = await r!.fetch('/api/tasks/task-4242/result')
    expect((unknown.body.error as { code: string }).code).toBe('VM_NOT_FOUND')
  })

  it('an id an administrator typed for no task (an audited abort of task-99) moves no counter (rule 381)', async () => {
    await firstServer()
    const first = await verify()
    const abort = await r!.post('/api/tasks/task-99/abort')
    expect((abort.body.error as { code: string }).code).toBe('VM_NOT_FOUND')
    await r!.restart()
    const next = await verify()
    expect(Number(next.slice(5))).toBeGreaterThan(Number(first.slice(5)))
    expect(Number(next.slice(5))).toBeLessThan(99)
  })
})
