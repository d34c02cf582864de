import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import type { AuditEntry } from '@plexa/protocol'
import { type AuditAppend } from '../src/audit.ts'
import { type TestServer, call, testServer, viewer } from './harness.ts'

/** An append that fails ENOSPC while `full` is set, after writing a torn half line as a full disk may. */
function disk(): { append: AuditAppend; full: boolean } {
  const d = {
    full: false,
    append: async (file: string, text: string) => {
      const { appendFile } = await import('node:fs/promises')
      if (d.full) {
        await appendFile(file, text.slice(0, Math.floor(text.length / 2)))
        throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' })
      }
      await appendFile(file, text)
    },
  }
  return d
}

async function fileEntries(t: TestServer): Promise<AuditEntry[]> {
  await t.srv.services.audit.written()
  const out: AuditEntry[] = []
  for (const line of (await readFile(join(t.dir, 'audit.log'), 'utf8')).split('\n')) {
    try {
      out.push(JSON.parse(line) as AuditEntry)
    } catch {
      // the torn half line the full disk left
    }
  }
  return out
}

describe('audit log', () => {
  let t: TestServer
  afterEach(async () => {
    await t.close()
  })

  it('I84 a mutation whose audit entry cannot be written fails VM_AUDIT_FAILED and changes nothing; writes resume once there is space', async () => {
    const d = disk()
    t = await testServer({ auditAppend: d.append })
    const api = (method: string, path: string, body?: unknown) => call(t.url, method, path, { auth: t.adminToken, ...(body !== undefined ? { body } : {}) })
    const before = (await api('GET', '/api/dgs/tdg')).body.config
    d.full = true
    const r = await api('PATCH', '/api/dgs/tdg/records/cat', { fields: { comment: 'while full' } })
    expect(r.status).toBe(503)
    expect(r.body.error.code).toBe('VM_AUDIT_FAILED')
    const det = await api('POST', '/api/dgs/tdg/plexes/mir-02/det', {})
    expect(det.body.error.code).toBe('VM_AUDIT_FAILED')
    expect((await api('POST', '/api/users', { name: 'mallory', password: 'mallory-password', role: 'admin' })).body.error.code).toBe('VM_AUDIT_FAILED')
    const after = (await api('GET', '/api/dgs/tdg')).body.config
    expect(after).toEqual(before)
    expect((await api('GET', '/api/users')).body.users.map((u: { name: string }) => u.name)).toEqual(['admin'])
    d.full = false
    const ok = await api('PATCH', '/api/dgs/tdg/records/cat', { fields: { comment: 'space again' } })
    expect(ok.status).toBe(200)
    const entries = await fileEntries(t)
    const last = entries.filter((e) => e.operation === 'PATCH /api/dgs/:dg/records/:name')
    // begin then end, with one id; the refused attempts while full left no entry
    expect(last.map((e) => e.result)).toEqual(['pending', 'ok'])
    expect(last[0]!.id).toBe(last[1]!.id)
    expect(last[1]!.args).toMatchObject({ fields: { comment: 'space again' } })
    expect(t.srv.services.audit.tail(1)[0]).toMatchObject({ id: last[1]!.id, result: 'ok' })
  })

  it('I84 an end entry that cannot be written is kept and written before the next one', async () => {
    const d = disk()
    t = await testServer({ auditAppend: d.append })
    const audit = t.srv.services.audit
    const fields = { user: 'admin', role: 'admin' as const, operation: 'PATCH /api/dgs/:dg/records/:name', args: {}, source: '127.0.0.1' }
    const id = await audit.begin(fields)
    d.full = true
    await audit.end(id, fields, 'ok')
    d.full = false
    const next = await audit.begin(fields)
    await audit.end(next, fields, 'ok')
    const mine = (await fileEntries(t)).filter((e) => e.id === id || e.id === next)
    expect(mine.map((e) => [e.id, e.result])).toEqual([
      [id, 'pending'],
      [id, 'ok'],
      [next, 'pending'],
      [next, 'ok'],
    ])
  })

  it('I97 refused mutations are logged: anonymous, bad token and viewer', async () => {
    t = await testServer()
    const vera = await viewer(t)
    await call(t.url, 'POST', '/api/dgs/tdg/plexes/mir-02/det', { body: {} })
    await call(t.url, 'POST', '/api/dgs/tdg/plexes/mir-02/det', { auth: 'plx_not-a-token', body: {} })
    await call(t.url, 'POST', '/api/dgs/tdg/plexes/mir-02/det', { auth: vera, body: {} })
    const refused = (await fileEntries(t)).filter((e) => e.operation === 'POST /api/dgs/:dg/plexes/:plex/det')
    expect(refused.map((e) => [e.user, e.role, e.result, e.source])).toEqual([
      ['-', 'anonymous', 'VM_UNAUTHORIZED', '127.0.0.1'],
      ['-', 'anonymous', 'VM_TOKEN_REFUSED', '127.0.0.1'],
      ['vera', 'viewer', 'VM_FORBIDDEN', '127.0.0.1'],
    ])
  })

  it('I97 a flood of anonymous refusals is logged 30 a minute per source, then counted', async () => {
    const { createManualClock } = await import('@plexa/engine')
    const clock = createManualClock(1_000_000)
    t = await testServer({ clock })
    for (let i = 0; i < 50; i++) await call(t.url, 'POST', '/api/dgs/tdg/plexes/mir-02/det', { body: {} })
    clock.advance(60_000)
    await call(t.url, 'POST', '/api/dgs/tdg/plexes/mir-02/det', { body: {} })
    const refused = (await fileEntries(t)).filter((e) => e.operation === 'POST /api/dgs/:dg/plexes/:plex/det')
    expect(refused).toHaveLength(31)
    expect(refused[29]!.args.flood).toBe(true)
    expect(refused[30]!.args.suppressed).toBe(20)
  })
})
