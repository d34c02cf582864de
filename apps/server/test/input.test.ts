import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ROUTES, type RouteKey } from '@plexa/protocol'
import { type TestServer, call, testServer, wsClient } from './harness.ts'

const dg = '/api/dgs/tdg'

describe('bad input over HTTP and WebSocket', () => {
  let t: TestServer
  let tid: number
  beforeAll(async () => {
    t = await testServer()
    tid = (await call(t.url, 'GET', dg, { auth: t.adminToken })).body.config.tid
  })
  afterAll(async () => {
    await t.close()
  })

  const post = (path: string, o: Parameters<typeof call>[3]) => call(t.url, 'POST', path, { auth: t.adminToken, ...o })

  it.each([
    ['malformed JSON', { raw: '{"force": tru' }, 400, 'VM_BAD_REQUEST'],
    ['a JSON array', { raw: '[1,2]' }, 400, 'VM_BAD_REQUEST'],
    ['a JSON string', { raw: '"hello"' }, 400, 'VM_BAD_REQUEST'],
    ['a wrong type', { body: { force: 'yes' } }, 400, 'VM_INVALID_PARAM'],
    ['a missing field', { body: {} }, 400, 'VM_INVALID_PARAM'],
    ['an unknown field', { body: { force: true, colour: 'red' } }, 400, 'VM_INVALID_PARAM'],
    ['an oversized body', { raw: JSON.stringify({ force: true, pad: 'x'.repeat(2 << 20) }) }, 413, 'VM_TOO_LARGE'],
  ] as const)('%s gets its code and changes nothing', async (_, o, status, code) => {
    const r = await post(`${dg}/volumes/mir/resync`, { ...o, headers: { 'content-type': 'application/json' } })
    expect(r.status).toBe(status)
    expect(r.body.error.code).toBe(code)
    expect((await call(t.url, 'GET', dg, { auth: t.adminToken })).body.config.tid).toBe(tid)
  })

  it.each([
    ['/api/history?limit=abc'],
    ['/api/history?limit=0'],
    ['/api/history?limit=-5'],
    ['/api/history?limit=1&limit=2'],
    ['/api/history?before=x'],
    ['/api/history?colour=red'],
    ['/api/tasks/history?limit=1.5'],
    ['/api/tasks/history?before=abc'],
    ['/api/audit?limit=ten'],
    ['/api/audit?before=3'],
    ['/api/snapshot?limit=5'],
  ])('384: the query of GET %s is refused VM_INVALID_PARAM, as a body would be', async (path) => {
    const r = await call(t.url, 'GET', path, { auth: t.adminToken })
    expect([r.status, r.body.error?.code]).toEqual([400, 'VM_INVALID_PARAM'])
  })

  it('384: every route without a query refuses one; a valid page query is answered', async () => {
    for (const [key, def] of Object.entries(ROUTES) as Array<[RouteKey, (typeof ROUTES)[RouteKey]]>) {
      if (def.method !== 'GET' || def.query || def.path.includes(':') || def.access === 'public') continue
      const r = await call(t.url, 'GET', `${def.path}?frob=1`, { auth: t.adminToken })
      expect([key, r.status, r.body.error?.code]).toEqual([key, 400, 'VM_INVALID_PARAM'])
    }
    const page = await call(t.url, 'GET', '/api/history?limit=2&before=1000000', { auth: t.adminToken })
    expect(page.status).toBe(200)
    expect(page.body.events.length).toBeLessThanOrEqual(2)
    expect((await call(t.url, 'GET', '/api/audit?limit=5000', { auth: t.adminToken })).status).toBe(200)
    expect((await call(t.url, 'GET', '/api/tasks/history?before=0', { auth: t.adminToken })).body.tasks).toEqual([])
  })

  it('271: a vxassist volume name too long for its plexes\' -01 is VM_INVALID_NAME with the limit, and changes nothing', async () => {
    const r = await post(`${dg}/assist`, { body: { name: 'volume13chars', len: 2048 } })
    expect([r.status, r.body.error.code, r.body.error.details]).toEqual([400, 'VM_INVALID_NAME', { maxLength: 11 }])
    expect((await call(t.url, 'GET', dg, { auth: t.adminToken })).body.config.tid).toBe(tid)
  })

  it('unknown routes, wrong methods and bad escapes', async () => {
    expect((await call(t.url, 'GET', '/api/nothing', { auth: t.adminToken })).body.error.code).toBe('VM_NO_ROUTE')
    expect((await call(t.url, 'GET', `${dg}/volumes/mir/start`, { auth: t.adminToken })).body.error.code).toBe('VM_METHOD')
    expect((await call(t.url, 'GET', '/api/dgs/%E0%A4%A', { auth: t.adminToken })).status).toBe(404)
    expect((await call(t.url, 'PUT', '/', {})).status).toBe(405)
  })

  it.each((Object.keys(ROUTES) as RouteKey[]).filter((k) => ROUTES[k].body))('%s refuses unknown fields', async (key) => {
    const def = ROUTES[key]
    const path = def.path.replace(/:([a-z]+)/g, (_, p: string) => ({ dg: 'tdg', name: 'cat', disk: 'disk01', sd: 'disk01-01', plex: 'mir-02', volume: 'mir', task: 'task-0' })[p] ?? p)
    const r = await call(t.url, def.method, path, { auth: t.adminToken, body: { surprise: 1 } })
    expect(r.status).toBe(400)
    expect(['VM_INVALID_PARAM', 'VM_BAD_REQUEST']).toContain(r.body.error.code)
  })

  it('malformed, unknown, binary and oversized frames: errors, the server stays up, nothing changes', async () => {
    const c = wsClient(t.url, { token: t.adminToken })
    await c.opened
    await c.until((m) => m.type === 'hello')
    c.ws.send('{not json')
    await c.until((m) => m.type === 'error' && m.code === 'VM_BAD_REQUEST')
    c.ws.send(JSON.stringify({ type: 'launch-missiles' }))
    c.ws.send(Buffer.from([1, 2, 3]), { binary: true })
    c.ws.send(JSON.stringify({ type: 'hello', protocol: 99 }))
    await c.until((m) => m.type === 'error' && m.code === 'VM_PROTOCOL_MISMATCH')
    expect(c.messages.filter((m) => m.type === 'error').length).toBeGreaterThanOrEqual(4)
    c.ws.send(JSON.stringify({ type: 'ping' }))
    await c.until((m) => m.type === 'pong')
    c.ws.send('x'.repeat(100 * 1024))
    expect((await c.closed).code).toBe(1009)
    expect((await call(t.url, 'GET', '/api/health')).body.status).toBe('ok')
    expect((await call(t.url, 'GET', dg, { auth: t.adminToken })).body.config.tid).toBe(tid)
  })
})

describe('dry runs change nothing', () => {
  let t: TestServer
  beforeAll(async () => {
    t = await testServer()
    const post = (path: string, body: unknown = {}) => call(t.url, 'POST', path, { auth: t.adminToken, body })
    await post(`${dg}/volumes/cat/stop`)
    await post(`${dg}/records`, { records: [{ type: 'sd', name: 'sdx', disk: 'disk01', len: 2048 }, { type: 'sd', name: 'lgx', disk: 'disk01', len: 4 }, { type: 'plex', name: 'plx' }, { type: 'plex', name: 'ply', sd: ['sdx'] }] })
    await post(`${dg}/disks`, { name: 'disk04', sizeBytes: 32 << 20 })
  })
  afterAll(async () => {
    await t.close()
  })

  const dry: Array<[string, string, string, Record<string, unknown>]> = [
    ['vxmake', 'POST', `${dg}/records`, { records: [{ type: 'plex', name: 'p9' }] }],
    ['vxassist', 'POST', `${dg}/assist`, { name: 'nv', len: 2048, layout: 'mirror' }],
    ['set', 'PATCH', `${dg}/records/mir-01`, { fields: { comment: 'dry' } }],
    ['rename', 'POST', `${dg}/records/cat/rename`, { newName: 'kitty' }],
    ['remove', 'POST', `${dg}/records/cat/remove`, { recursive: true }],
    ['mend', 'POST', `${dg}/mend`, { op: 'off', name: 'mir-02' }],
    ['adddisk', 'POST', `${dg}/disks`, { name: 'disk05', sizeBytes: 32 << 20 }],
    ['rmdisk', 'POST', `${dg}/disks/disk04/remove`, {}],
    ['replace', 'POST', `${dg}/disks/disk02/replace`, { sizeBytes: 64 << 20 }],
    ['resync disk', 'POST', `${dg}/disks/disk01/resync`, { force: true }],
    ['assoc', 'POST', `${dg}/subdisks/lgx/assoc`, { plex: 'plx' }],
    ['aslog', 'POST', `${dg}/subdisks/lgx/aslog`, { plex: 'plx' }],
    ['sd dis', 'POST', `${dg}/subdisks/sdx/dis`, {}],
    ['att', 'POST', `${dg}/plexes/ply/att`, { volume: 'cat' }],
    ['det', 'POST', `${dg}/plexes/mir-02/det`, {}],
    ['dis', 'POST', `${dg}/plexes/mir-02/dis`, {}],
    ['start', 'POST', `${dg}/volumes/cat/start`, {}],
    ['stop', 'POST', `${dg}/volumes/mir/stop`, {}],
    ['resync volume', 'POST', `${dg}/volumes/mir/resync`, { force: true }],
    ['verify', 'POST', `${dg}/volumes/mir/verify`, {}],
  ]
  it.each(dry)('%s with dryRun', async (_, method, path, body) => {
    const before = (await call(t.url, 'GET', dg, { auth: t.adminToken })).body
    const r = await call(t.url, method, path, { auth: t.adminToken, body: { ...body, dryRun: true } })
    expect(r.status, JSON.stringify(r.body)).toBe(200)
    expect(r.body.dryRun).toBe(true)
    const after = (await call(t.url, 'GET', dg, { auth: t.adminToken })).body
    expect(after.config.tid).toBe(before.config.tid)
    expect(after.config).toEqual(before.config)
    expect((await call(t.url, 'GET', '/api/tasks', { auth: t.adminToken })).body.tasks).toEqual([])
  })

  it('a resync dry run reports the bytes it would copy', async () => {
    const r = await call(t.url, 'POST', `${dg}/volumes/mir/resync`, { auth: t.adminToken, body: { force: true, dryRun: true } })
    expect(r.body).toEqual({ dryRun: true, regions: 32, bytes: 16 << 20, writes: [{ volume: 'mir', plexes: ['mir-02'] }], handBack: [] })
  })
})
