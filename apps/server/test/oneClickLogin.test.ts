import { describe, expect, it } from 'vitest'
import { createManualClock } from '@plexa/engine'
import { call, testServers } from './harness.ts'

const testServer = testServers()

const visit = (url: string) => fetch(url, { redirect: 'manual' })

describe('the one-click login URL of --demo (rule 115)', () => {
  it('I115 the printed URL logs admin in once and redirects to /; a second visit is refused VM_TOKEN_USED', async () => {
    const t = await testServer({ demo: true })
    const loginUrl = t.srv.loginUrl!
    expect(loginUrl.startsWith(`${t.url}/login?token=`)).toBe(true)
    const first = await visit(loginUrl)
    expect(first.status).toBe(303)
    expect(first.headers.get('location')).toBe('/')
    const cookie = `cookie:${first.headers.get('set-cookie')!.split(';')[0]}`
    expect((await call(t.url, 'GET', '/api/session', { auth: cookie })).body).toEqual({ user: 'admin', role: 'admin' })
    const second = await visit(loginUrl)
    expect(second.status).toBe(410)
    expect(second.headers.get('set-cookie')).toBeNull()
    expect(((await second.json()) as { error: { code: string } }).error.code).toBe('VM_TOKEN_USED')
  })

  it('I115 an expired token is refused VM_TOKEN_EXPIRED, a wrong one VM_UNAUTHORIZED, and neither sets a cookie', async () => {
    const clock = createManualClock(1_000_000)
    const t = await testServer({ demo: true, clock })
    const wrong = await visit(`${t.url}/login?token=not-a-token`)
    expect(wrong.status).toBe(401)
    expect(wrong.headers.get('set-cookie')).toBeNull()
    expect(((await wrong.json()) as { error: { code: string } }).error.code).toBe('VM_UNAUTHORIZED')
    clock.advance(10 * 60 * 1000)
    const late = await visit(t.srv.loginUrl!)
    expect(late.status).toBe(401)
    expect(late.headers.get('set-cookie')).toBeNull()
    expect(((await late.json()) as { error: { code: string } }).error.code).toBe('VM_TOKEN_EXPIRED')
  })

  it('I115 without --demo no login URL is made', async () => {
    const t = await testServer()
    expect(t.srv.loginUrl).toBeUndefined()
  })
})

describe('a refused one-click login link in a browser (rule 168)', () => {
  const browser = { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' }
  it('168: a browser reusing the link is sent to the login page with the reason (no cookie); an API client still gets the JSON error', async () => {
    const t = await testServer({ demo: true })
    const loginUrl = t.srv.loginUrl!
    expect((await fetch(loginUrl, { redirect: 'manual', headers: browser })).status).toBe(303)
    const again = await fetch(loginUrl, { redirect: 'manual', headers: browser })
    expect(again.status).toBe(303)
    expect(again.headers.get('location')).toBe('/?reason=VM_TOKEN_USED')
    expect(again.headers.get('set-cookie')).toBeNull()
    const wrong = await fetch(`${t.url}/login?token=not-a-token`, { redirect: 'manual', headers: browser })
    expect(wrong.headers.get('location')).toBe('/?reason=VM_UNAUTHORIZED')
    const api = await fetch(loginUrl, { redirect: 'manual', headers: { accept: 'application/json' } })
    expect(api.status).toBe(410)
    expect(((await api.json()) as { error: { code: string } }).error.code).toBe('VM_TOKEN_USED')
    // the refusals are audited as before
    await t.srv.services.audit.written()
    const audit = (await call(t.url, 'GET', '/api/audit?limit=20', { auth: t.adminToken })).body.entries as Array<{ operation: string; result: string }>
    expect(audit.filter((e) => e.operation === 'GET /login').map((e) => e.result)).toEqual(['ok', 'VM_TOKEN_USED', 'VM_UNAUTHORIZED', 'VM_TOKEN_USED'])
  })
})
