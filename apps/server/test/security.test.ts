import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createManualClock } from '@plexa/engine'
import { ROUTES, type RouteKey, routePath } from '@plexa/protocol'
import { type TestServer, call, login, testServer, viewer, wsClient } from './harness.ts'

const PARAMS = { dg: 'tdg', name: 'cat', disk: 'disk01', sd: 'disk01-01', plex: 'mir-02', volume: 'mir', task: 'task-0', alert: '1' }

describe('authorization matrix: anonymous, viewer and admin against every route', () => {
  let t: TestServer
  let viewerToken: string
  beforeAll(async () => {
    t = await testServer()
    viewerToken = await viewer(t)
  })
  afterAll(async () => {
    await t.close()
  })

  const keys = Object.keys(ROUTES) as RouteKey[]
  it.each(keys)('%s', async (key) => {
    const def = ROUTES[key]
    const path = routePath(key, PARAMS)
    const body = def.method === 'GET' ? undefined : {}
    const anon = await call(t.url, def.method, path, { ...(body ? { body } : {}) })
    const asViewer = await call(t.url, def.method, path, { auth: viewerToken, ...(body ? { body } : {}) })
    if (def.access === 'public') {
      expect(anon.status).not.toBe(403)
      expect(anon.body?.error?.code).not.toBe('VM_FORBIDDEN')
    } else {
      expect(anon.status).toBe(401)
      expect(anon.body.error.code).toBe('VM_UNAUTHORIZED')
    }
    if (def.access === 'admin' || def.access === 'lab') {
      expect(asViewer.status).toBe(403)
      expect(asViewer.body.error.code).toBe('VM_FORBIDDEN')
    } else expect([401, 403]).not.toContain(asViewer.status)
    if (key !== 'DELETE /api/session') {
      const asAdmin = await call(t.url, def.method, path, { auth: t.adminToken, ...(body ? { body } : {}) })
      expect(asAdmin.body?.error?.code ?? 'ok').not.toMatch(/VM_UNAUTHORIZED|VM_FORBIDDEN/)
    }
  })

  it('a viewer is refused every mutation, and each refusal is audited', async () => {
    const r = await call(t.url, 'POST', '/api/dgs/tdg/plexes/mir-02/det', { auth: viewerToken, body: {} })
    expect(r.status).toBe(403)
    const audit = await call(t.url, 'GET', '/api/audit?limit=5', { auth: t.adminToken })
    expect(audit.body.entries.at(-1)).toMatchObject({ user: 'vera', role: 'viewer', operation: 'POST /api/dgs/:dg/plexes/:plex/det', result: 'VM_FORBIDDEN' })
  })

  it('the WebSocket needs a session or token and our Origin', async () => {
    await expect(wsClient(t.url).opened).rejects.toMatchObject({ status: 401 })
    await expect(wsClient(t.url, { token: 'plx_not-a-token' }).opened).rejects.toMatchObject({ status: 401 })
    await expect(wsClient(t.url, { token: viewerToken, origin: 'http://evil.example' }).opened).rejects.toMatchObject({ status: 403 })
    const ok = wsClient(t.url, { token: viewerToken, origin: t.url })
    await ok.opened
    const hello = await ok.until((m) => m.type === 'hello')
    expect(hello.type === 'hello' && hello.user).toEqual({ name: 'vera', role: 'viewer' })
    ok.ws.close()
  })

  it('a browser mutation from another origin is refused', async () => {
    const cookie = await login(t.url, 'admin', /password: (\S+)/.exec(await readFile(join(t.dir, 'admin-credential.txt'), 'utf8'))![1]!)
    const r = await call(t.url, 'PATCH', '/api/dgs/tdg/records/cat', { auth: cookie, body: { fields: { comment: 'x' } }, headers: { origin: 'http://evil.example' } })
    expect(r.body.error.code).toBe('VM_BAD_ORIGIN')
    const same = await call(t.url, 'PATCH', '/api/dgs/tdg/records/cat', { auth: cookie, body: { fields: { comment: 'x' } }, headers: { origin: t.url } })
    expect(same.status).toBe(200)
  })
})

describe('sessions, login limits and secrets', () => {
  it('sessions are HttpOnly SameSite=Strict cookies that expire', async () => {
    const clock = createManualClock(1_000_000)
    const t = await testServer({ clock, sessionTtlMs: 60_000 })
    try {
      const password = /password: (\S+)/.exec(await readFile(join(t.dir, 'admin-credential.txt'), 'utf8'))![1]!
      const r = await call(t.url, 'POST', '/api/session', { body: { user: 'admin', password } })
      expect(r.headers.get('set-cookie')).toMatch(/^plexa_session=[^;]+; HttpOnly; SameSite=Strict; Path=\//)
      const cookie = `cookie:${r.headers.get('set-cookie')!.split(';')[0]}`
      expect((await call(t.url, 'GET', '/api/session', { auth: cookie })).status).toBe(200)
      clock.advance(61_000)
      expect((await call(t.url, 'GET', '/api/session', { auth: cookie })).body.error.code).toBe('VM_UNAUTHORIZED')
      await expect(wsClient(t.url, { cookie: cookie.slice(7) }).opened).rejects.toMatchObject({ status: 401 })
    } finally {
      await t.close()
    }
  })

  it('rate-limits failed logins, even a later right password', async () => {
    const t = await testServer()
    try {
      const password = /password: (\S+)/.exec(await readFile(join(t.dir, 'admin-credential.txt'), 'utf8'))![1]!
      for (let i = 0; i < 5; i++) expect((await call(t.url, 'POST', '/api/session', { body: { user: 'admin', password: 'nope' } })).status).toBe(401)
      const r = await call(t.url, 'POST', '/api/session', { body: { user: 'admin', password } })
      expect(r.status).toBe(429)
      expect(r.body.error.code).toBe('VM_RATE_LIMITED')
    } finally {
      await t.close()
    }
  })

  it('keeps passwords and tokens out of the audit log; stores passwords as scrypt hashes', async () => {
    const t = await testServer()
    try {
      const password = /password: (\S+)/.exec(await readFile(join(t.dir, 'admin-credential.txt'), 'utf8'))![1]!
      await login(t.url, 'admin', password)
      await call(t.url, 'POST', '/api/users', { auth: t.adminToken, body: { name: 'dave', password: 'dave-secret-pw', role: 'viewer' } })
      const tok = await call(t.url, 'POST', '/api/tokens', { auth: t.adminToken, body: { label: 'x' } })
      await t.srv.services.audit.written()
      const audit = await readFile(join(t.dir, 'audit.log'), 'utf8')
      expect(audit).toContain('POST /api/session')
      for (const secret of [password, 'dave-secret-pw', tok.body.token, t.adminToken]) expect(audit).not.toContain(secret)
      const users = await readFile(join(t.dir, 'users.json'), 'utf8')
      for (const secret of [password, 'dave-secret-pw', tok.body.token]) expect(users).not.toContain(secret)
    } finally {
      await t.close()
    }
  })
})
