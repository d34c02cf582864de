import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { ROUTES, type RouteKey } from '@plexa/protocol'
import { type TestServer, testServer } from './harness.ts'
import type { Handlers } from '../src/http/routes.ts'
import { cases } from './routeCases.ts'

describe('HTTP API: every route succeeds with the answer its response schema describes (rule 94) and fails with its code', () => {
  let t: TestServer
  beforeEach(async () => {
    t = await testServer()
  })
  afterEach(async () => {
    await t.close()
  })

  it('covers every route of the protocol table', () => {
    expect(Object.keys(cases).sort()).toEqual(Object.keys(ROUTES).sort())
  })

  it.each(Object.keys(cases) as RouteKey[])('%s', async (key) => {
    const c = cases[key]
    await c.setup?.(t)
    const okRes = await c.ok(t)
    expect(okRes.status, JSON.stringify(okRes.body)).toBe(c.okStatus ?? 200)
    // the answer has the shape and status the route table promises (what the typed client and OpenAPI rely on)
    expect(ROUTES[key].status).toContain(okRes.status)
    const shape = ROUTES[key].response.safeParse(okRes.body)
    expect(shape.success, JSON.stringify(shape.error?.issues.slice(0, 3))).toBe(true)
    await c.check?.(t, okRes.body)
    const failRes = await c.fail(t, okRes.body)
    expect(failRes.body?.error?.code, JSON.stringify(failRes.body)).toBe(c.failCode)
    expect(failRes.status).toBeGreaterThanOrEqual(400)
  })
})

// A handler answering another shape than its route's response schema fails the typecheck (rule 94).
// @ts-expect-error status must be 'ok'
export const wrongShape: Handlers['GET /api/health'] = async () => ({ body: { status: 'okay', version: '1', groups: 0, clients: 0, seq: 0, lab: false } })
