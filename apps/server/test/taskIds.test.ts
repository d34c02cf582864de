// Task ids never repeat across server restarts (rule 230): each server below is loaded as a new
// process loads it (fresh modules: the engine's task counter starts from nothing), on a data
// directory that keeps its history.
import { readFile, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, describe, expect, it, vi } from 'vitest'
import type { FinishedTask } from '@plexa/protocol'
import type { RunningServer } from '../src/server.ts'
import { call, smallData } from './harness.ts'
import { until } from './until.ts'

async function freshServer(dir: string): Promise<RunningServer> {
  vi.resetModules()
  const { startServer } = await import('../src/server.ts')
  const srv = await startServer({ dataDir: dir, host: '127.0.0.1', port: 0, nbdPort: 0, demo: false, lab: false, labRemote: false, log: () => {} })
  await until('every volume started', () => [...srv.services.storage.groups.values()].flatMap((g) => g.dg.config().volumes).every((v) => v.v_kstate === 'ENABLED'))
  return srv
}

describe('task ids across restarts (rule 230)', () => {
  let data: Awaited<ReturnType<typeof smallData>> | undefined
  let srv: RunningServer | undefined
  afterEach(async () => {
    await srv?.close()
    srv = undefined
    await data?.remove()
    data = undefined
  })

  const token = async () => /token: (\S+)/.exec(await readFile(join(data!.dir, 'admin-credential.txt'), 'utf8'))![1]!
  const verify = async () => {
    const r = await call(srv!.url, 'POST', '/api/dgs/tdg/volumes/mir/verify', { auth: await token() })
    expect(r.status).toBe(202)
    const id = (r.body as { taskId: string }).taskId
    await until(`${id} in the task history`, async () => ((await call(srv!.url, 'GET', '/api/tasks/history', { auth: await token() })).body.tasks as FinishedTask[]).some((t) => t.taskId === id))
    return id
  }
  const history = async () => ((await call(srv!.url, 'GET', '/api/tasks/history', { auth: await token() })).body.tasks as FinishedTask[]).map((t) => t.taskId)

  it('a task started after a restart takes no id the history holds, and its result is its own', async () => {
    data = await smallData()
    srv = await freshServer(data.dir)
    const first = [await verify(), await verify()]
    await srv.close()
    srv = await freshServer(data.dir)
    const before = await history()
    expect(before).toEqual(expect.arrayContaining(first))
    const next = await verify()
    expect(before).not.toContain(next)
    // the history names each task once; its result is the new task's
    const after = await history()
    expect(after.filter((id) => id === next)).toHaveLength(1)
    expect(new Set(after).size).toBe(after.length)
    const result = await call(srv.url, 'GET', `/api/tasks/${next}/result`, { auth: await token() })
    expect(result.status).toBe(200)
  })

  it('a task that never reached the history (the server died while it ran) still keeps its id: task-ids.json holds the highest one started', async () => {
    data = await smallData()
    srv = await freshServer(data.dir)
    const gone = await verify()
    await srv.close()
    srv = undefined
    // as if it had died before the task's end was written: no history line names it
    await rm(join(data.dir, 'tasks.jsonl'), { force: true })
    await rm(join(data.dir, 'events.jsonl'), { force: true })
    srv = await freshServer(data.dir)
    const next = await verify()
    expect(next).not.toBe(gone)
    expect(Number(next.slice(5))).toBeGreaterThan(Number(gone.slice(5)))
  })

  it('a task that finished before a restart still has its result, as it had before (rule 380)', async () => {
    data = await smallData()
    srv = await freshServer(data.dir)
    const id = await verify()
    const before = await call(srv.url, 'GET', `/api/tasks/${id}/result`, { auth: await token() })
    expect(before.status).toBe(200)
    await srv.close()
    srv = await freshServer(data.dir)
    const after = await call(srv.url, 'GET', `/api/tasks/${id}/result`, { auth: await token() })
    expect(after.status).toBe(200)
    expect(after.body).toEqual(before.body)
    const unknown = await call(srv.url, 'GET', '/api/tasks/task-4242/result', { auth: await token() })
    expect((unknown.body.error as { code: string }).code).toBe('VM_NOT_FOUND')
  })

  it('an id an administrator typed for no task (an audited abort of task-99) moves no counter (rule 381)', async () => {
    data = await smallData()
    srv = await freshServer(data.dir)
    const first = await verify()
    const abort = await call(srv.url, 'POST', '/api/tasks/task-99/abort', { auth: await token(), body: {} })
    expect((abort.body.error as { code: string }).code).toBe('VM_NOT_FOUND')
    await srv.close()
    srv = await freshServer(data.dir)
    const next = await verify()
    expect(Number(next.slice(5))).toBeGreaterThan(Number(first.slice(5)))
    expect(Number(next.slice(5))).toBeLessThan(99)
  })
})
