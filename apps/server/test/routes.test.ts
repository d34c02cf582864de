import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { ROUTES, type RouteKey } from '@plexa/protocol'
import { type TestServer, testServer } from './harness.ts'
import { cases } from './routeCases.ts'

describe('HTTP API: every route succeeds and fails with its code', () => {
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
    await c.check?.(t, okRes.body)
    const failRes = await c.fail(t, okRes.body)
    expect(failRes.body?.error?.code, JSON.stringify(failRes.body)).toBe(c.failCode)
    expect(failRes.status).toBeGreaterThanOrEqual(400)
  })
})
