import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { createManualClock } from '@plexa/engine'
import { type TestServer, call, testServer } from './harness.ts'

const adminPassword = async (t: TestServer) => /password: (\S+)/.exec(await readFile(join(t.dir, 'admin-credential.txt'), 'utf8'))![1]!
const loginAs = (t: TestServer, user: string, password: string, cookie?: string) => call(t.url, 'POST', '/api/session', { body: { user, password }, ...(cookie ? { headers: { cookie } } : {}) })
const deviceCookie = (r: { headers: Headers }) => r.headers.getSetCookie().find((c) => c.startsWith('plexa_device='))!.split(';')[0]!

describe('login limits (rule 95)', () => {
  let t: TestServer
  afterEach(async () => {
    await t.close()
  })

  it('I95 parallel wrong logins are counted before their password is checked: at most the limit is checked', async () => {
    t = await testServer()
    const users = t.srv.services.users
    let checked = 0
    const verify = users.verify.bind(users)
    users.verify = (name, password) => {
      checked++
      return verify(name, password)
    }
    const answers = await Promise.all(Array.from({ length: 60 }, () => loginAs(t, 'admin', 'wrong-password')))
    expect(checked).toBeLessThanOrEqual(5)
    expect(answers.filter((a) => a.status === 401)).toHaveLength(checked)
    expect(answers.filter((a) => a.status === 429).every((a) => a.body.error.code === 'VM_RATE_LIMITED')).toBe(true)
    expect(answers.filter((a) => a.status === 429)).toHaveLength(60 - checked)
  })

  it('I95 a flood of bad logins from the same address does not lock out the administrator, and is audited', async () => {
    t = await testServer()
    const password = await adminPassword(t)
    const first = await loginAs(t, 'admin', password)
    expect(first.status).toBe(200)
    const device = deviceCookie(first)
    for (let i = 0; i < 20; i++) await loginAs(t, 'admin', `guess-${i}`)
    // an unknown client guessing admin's password is held back ...
    expect((await loginAs(t, 'admin', password)).body.error.code).toBe('VM_RATE_LIMITED')
    // ... the administrator's browser is not, nor another user from the same address
    const again = await loginAs(t, 'admin', password, device)
    expect(again.status).toBe(200)
    await call(t.url, 'POST', '/api/users', { auth: t.adminToken, body: { name: 'vera', password: 'viewer-password', role: 'viewer' } })
    expect((await loginAs(t, 'vera', 'viewer-password')).status).toBe(200)
    await t.srv.services.audit.written()
    const logins = t.srv.services.audit.tail(1000).filter((e) => e.operation === 'POST /api/session' && e.user === 'admin')
    expect(logins.filter((e) => e.result === 'VM_UNAUTHORIZED')).toHaveLength(5)
    expect(logins.filter((e) => e.result === 'VM_RATE_LIMITED').length).toBeGreaterThanOrEqual(15)
    expect(logins.every((e) => e.source === '127.0.0.1')).toBe(true)
  })

  it('I95 each lockout doubles the next one (backoff); a right password resets it', async () => {
    const clock = createManualClock(1_000_000)
    t = await testServer({ clock })
    const password = await adminPassword(t)
    const fail5 = async () => {
      for (let i = 0; i < 5; i++) expect((await loginAs(t, 'admin', 'nope')).status).toBe(401)
    }
    await fail5()
    expect((await loginAs(t, 'admin', 'nope')).status).toBe(429)
    clock.advance(60_000)
    await fail5()
    clock.advance(60_000)
    expect((await loginAs(t, 'admin', password)).status).toBe(429) // the second window is 120 s
    clock.advance(60_000)
    expect((await loginAs(t, 'admin', password)).status).toBe(200)
    await fail5() // after a success the window is 60 s again
    clock.advance(60_000)
    expect((await loginAs(t, 'admin', password)).status).toBe(200)
  })
})
