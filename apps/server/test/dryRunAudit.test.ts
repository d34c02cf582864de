import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { AuditEntry, HistoryItem } from '@plexa/protocol'
import { type TestServer, call, testServer, viewer, wsClient } from './harness.ts'

const dg = '/api/dgs/tdg'

describe('rule 167: a dry run is a query; an acknowledgement is history once', () => {
  let t: TestServer
  const post = (path: string, body: unknown = {}, auth = t.adminToken) => call(t.url, 'POST', path, { auth, body })
  const get = async (path: string) => (await call(t.url, 'GET', path, { auth: t.adminToken })).body
  beforeAll(async () => {
    t = await testServer()
  })
  afterAll(async () => {
    await t.close()
  })

  it('167: dry runs (what a confirmation dialog asks) write no audit line and no event; a refused one is logged as any refusal', async () => {
    const dryRuns = [
      [`${dg}/volumes/mir/stop`, { dryRun: true }],
      [`${dg}/volumes/mir/resync`, { force: true, dryRun: true }],
      [`${dg}/disks/disk01/resync`, { force: false, dryRun: true }],
      [`${dg}/plexes/mir-02/det`, { dryRun: true }],
    ] as const
    for (const [path, body] of dryRuns) expect((await post(path, body)).status, path).toBe(200)
    expect((await post(`${dg}/volumes/nosuch/stop`, { dryRun: true })).body.error.code).toBe('VM_NOT_FOUND')
    const vera = await viewer(t)
    expect((await post(`${dg}/volumes/mir/stop`, { dryRun: true }, vera)).body.error.code).toBe('VM_FORBIDDEN')
    // a real change after them, so the log is known to have caught up
    expect((await post(`${dg}/records/cat/rename`, { newName: 'cat2' })).status).toBe(200)
    await t.srv.services.audit.written()
    const audit = (await get('/api/audit?limit=100')).entries as AuditEntry[]
    expect(audit.filter((e) => e.args.dryRun === true).map((e) => [e.user, e.result])).toEqual([])
    expect(audit.filter((e) => e.operation === 'POST /api/dgs/:dg/volumes/:volume/stop').map((e) => [e.user, e.result])).toEqual([['vera', 'VM_FORBIDDEN']])
    expect(audit.some((e) => e.operation === 'POST /api/dgs/:dg/records/:name/rename' && e.result === 'ok')).toBe(true)
    const lines = (await readFile(join(t.dir, 'audit.log'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as AuditEntry)
    expect(lines.filter((e) => e.args.dryRun === true && e.role === 'admin')).toEqual([])
    const events = (await get('/api/history?limit=1000')).events as HistoryItem[]
    expect(events.filter((e) => e.event.type === 'audit' && e.event.entry.args.dryRun === true && e.event.entry.role === 'admin')).toEqual([])
    // nothing changed: mir is still started with its plexes
    const mir = (await get(`${dg}`)).config.volumes.find((v: { v_name: string }) => v.v_name === 'mir')
    expect(mir.v_kstate).toBe('ENABLED')
  })

  it('167: acknowledging an alert is one line of history (its audit entry); clients still get alert.acked', async () => {
    // an alert the server cannot see the end of (a kernel-log write that failed): the server's
    // alert resolution, run on each event that may end a problem (the DRL maps published once a
    // second among them), never resolves it, so the only line the ack may add is its own
    t.srv.services.history.engine('tdg', { type: 'alert', dg: 'tdg', severity: 'critical', code: 'VM_WRTDAERR', message: 'the kernel log could not forget the ended resync of mir: the next import resumes it', object: 'mir' })
    const id = ((await get('/api/alerts')).alerts as Array<{ id: number; code: string; acked?: unknown }>).find((a) => !a.acked && a.code === 'VM_WRTDAERR')!.id
    const ws = wsClient(t.url, { token: t.adminToken })
    await ws.until((m) => m.type === 'hello')
    const before = ((await get('/api/history?limit=1000')).events as HistoryItem[]).at(-1)!.id
    // a resolution pass before the ack, as the maps the server publishes once a second make one
    const dg = t.srv.services.storage.group('tdg').dg
    t.srv.services.hub.publish({ type: 'dg.maps', dg: 'tdg', dirty: dg.dirtyMaps(), stale: dg.staleMaps() })
    await ws.until((m) => m.type === 'event' && m.event.type === 'dg.maps')
    expect((await post(`/api/alerts/${id}/ack`)).status).toBe(200)
    await ws.until((m) => m.type === 'event' && m.event.type === 'alert.acked' && m.event.alert.id === id)
    ws.ws.close()
    await t.srv.services.audit.written()
    const after = ((await get('/api/history?limit=1000')).events as HistoryItem[]).filter((e) => e.id > before)
    expect(after.map((e) => (e.event.type === 'audit' ? [e.event.type, e.event.entry.operation, e.event.entry.result] : [e.event.type]))).toEqual([['audit', 'POST /api/alerts/:alert/ack', 'ok']])
  })
})
