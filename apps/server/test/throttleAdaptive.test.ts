// The throttle route's adaptive mode (rule 161): POST /api/tasks/:task/throttle with
// { adaptive: { latencyMs } } puts a running resync in adaptive mode; bad bodies are refused.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type TestServer, call, testServer } from './harness.ts'

let t: TestServer
beforeAll(async () => {
  t = await testServer()
}, 60_000)
afterAll(async () => {
  await t?.close()
})

const post = (path: string, body: unknown = {}) => call(t.url, 'POST', path, { auth: t.adminToken, body })

describe('POST /api/tasks/:task/throttle, adaptive (rule 161)', () => {
  it('sets the adaptive mode of a running resync and reports its target; a rate sets it back', async () => {
    const r = await post('/api/dgs/tdg/volumes/mir/resync', { force: true, throttle: 1 << 20 })
    expect(r.status).toBe(202)
    const id = r.body.taskId as string
    const a = await post(`/api/tasks/${id}/throttle`, { adaptive: { latencyMs: 2, minBytesPerSecond: 1 << 20 } })
    expect(a.status).toBe(200)
    expect(a.body).toMatchObject({ taskId: id, adaptive: { latencyMs: 2, minBytesPerSecond: 1 << 20 } })
    const tasks = await call(t.url, 'GET', '/api/tasks', { auth: t.adminToken })
    expect(tasks.body.tasks.find((x: { taskId: string }) => x.taskId === id)).toMatchObject({ adaptive: { latencyMs: 2 } })
    const back = await post(`/api/tasks/${id}/throttle`, { bytesPerSecond: 1 << 20 })
    expect(back.body).toMatchObject({ throttle: 1 << 20 })
    expect(back.body).not.toHaveProperty('adaptive')
    for (const bad of [{ adaptive: { latencyMs: 0 } }, { adaptive: {} }, { adaptive: { latencyMs: 1 }, bytesPerSecond: 1 }, { adaptive: { latencyMs: 1, x: 1 } }]) {
      const res = await post(`/api/tasks/${id}/throttle`, bad)
      expect(res.status).toBe(400)
      expect(res.body.error.code).toBe('VM_INVALID_PARAM')
    }
    await post(`/api/tasks/${id}/abort`)
  })
})
