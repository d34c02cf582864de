import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { describe, expect, it } from 'vitest'
import { type ServerEvent, type ServerMessage, type WireServerMessage, isPackedConfig, unpackServerMessage } from '@plexa/protocol'
import { call, testServers, viewer, wsClient } from './harness.ts'
import { until } from './until.ts'

setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void

const events = (ms: ServerMessage[]) => ms.flatMap((m) => (m.type === 'event' ? [m.event] : []))

describe('WebSocket event stream', () => {
  const testServer = testServers()

  it('starts with a snapshot and its seq; two clients see each other\'s changes', async () => {
    const t = await testServer()
    const a = wsClient(t.url, { token: t.adminToken })
    const b = wsClient(t.url, { token: await viewer(t) })
    await Promise.all([a.opened, b.opened])
    const hello = await a.until((m) => m.type === 'hello')
    if (hello.type !== 'hello') throw new Error('no hello')
    expect(hello.snapshot.groups[0]!.config.volumes.map((v) => v.v_name)).toEqual(['mir', 'cat'])
    expect(hello.seq).toBe(hello.snapshot.seq)
    await b.until((m) => m.type === 'hello')
    await call(t.url, 'POST', '/api/dgs/tdg/plexes/mir-02/det', { auth: t.adminToken, body: {} })
    for (const c of [a, b]) {
      const k = await c.until((m) => m.type === 'event' && m.event.type === 'kstate.changed' && m.event.name === 'mir-02')
      expect(k.type === 'event' && k.event.type === 'kstate.changed' && k.event.to).toBe('DETACHED')
      await c.until((m) => m.type === 'event' && m.event.type === 'audit' && m.event.entry.operation === 'POST /api/dgs/:dg/plexes/:plex/det')
    }
    const seqs = events(a.messages).map((e) => e.seq)
    expect(seqs).toEqual([...seqs].sort((x, y) => x - y))
    expect(new Set(seqs).size).toBe(seqs.length)
    a.ws.close()
    b.ws.close()
  })

  it('sends a client that asks for snapshot=columns the hello with its configurations packed, equal to the JSON one once unpacked (rule 145)', async () => {
    const t = await testServer()
    const a = wsClient(t.url, { token: t.adminToken })
    const b = wsClient(t.url, { token: t.adminToken, snapshot: 'columns' })
    const plain = await a.until((m) => m.type === 'hello')
    const packed = (await b.until((m) => m.type === 'hello')) as unknown as WireServerMessage
    expect('packed' in packed && packed.packed).toBe('columns')
    expect(packed.type === 'hello' && isPackedConfig(packed.snapshot.groups[0]!.config)).toBe(true)
    expect(unpackServerMessage(packed)).toEqual(plain)
    a.ws.close()
    b.ws.close()
  })

  it('a client reconnecting with its last seq gets exactly the missed events, in order', async () => {
    const t = await testServer()
    const a = wsClient(t.url, { token: t.adminToken })
    await a.opened
    const hello = await a.until((m) => m.type === 'hello')
    await call(t.url, 'PATCH', '/api/dgs/tdg/records/cat', { auth: t.adminToken, body: { fields: { comment: 'one' } } })
    const seen = await a.until((m) => m.type === 'event' && m.event.type === 'audit')
    const last = (seen as { event: ServerEvent }).event.seq
    a.ws.close()
    await a.closed
    for (const c of ['two', 'three', 'four']) await call(t.url, 'PATCH', '/api/dgs/tdg/records/cat', { auth: t.adminToken, body: { fields: { comment: c } } })
    const expected = t.srv.services.hub.since(last)!
    expect(expected.length).toBeGreaterThanOrEqual(6)
    const b = wsClient(t.url, { token: t.adminToken, lastSeq: last })
    await b.opened
    const resumed = await b.until((m) => m.type === 'resumed')
    expect(resumed).toMatchObject({ type: 'resumed', from: last })
    const want = expected.at(-1)!.seq
    await b.until((m) => m.type === 'event' && m.event.seq === want)
    expect(b.messages.some((m) => m.type === 'hello')).toBe(false)
    expect(events(b.messages).map((e) => e.seq)).toEqual(expected.map((e) => e.seq))
    expect(events(b.messages).filter((e) => e.type === 'config.committed').map((e) => e.type === 'config.committed' && e.changes[0]!.after!.v_comment)).toEqual(['two', 'three', 'four'])
    b.ws.close()
    // too old or from the future: a fresh snapshot instead
    const c = wsClient(t.url, { token: t.adminToken, lastSeq: 10_000_000 })
    await c.opened
    expect((await c.until((m) => m.type === 'hello' || m.type === 'resumed')).type).toBe('hello')
    c.ws.close()
    void hello
  })

  it('drops a stalled client without growing memory while the others keep receiving', async () => {
    const t = await testServer({ hub: { highWater: 64 * 1024, maxPending: 500, ringBytes: 1 << 20 }, history: { events: { maxBytes: 1 << 20 } } })
    const hub = t.srv.services.hub
    const active = wsClient(t.url, { token: t.adminToken, store: (m) => m.type !== 'event' })
    const stalled = wsClient(t.url, { token: t.adminToken, store: (m) => m.type !== 'event' })
    await Promise.all([active.opened, stalled.opened])
    await Promise.all([active.until((m) => m.type === 'hello'), stalled.until((m) => m.type === 'hello')])
    // the stalled client stops reading from its socket
    ;(stalled.ws as unknown as { _socket: { pause(): void } })._socket.pause()
    let received = 0
    // only the alerts published below: the once-a-second maps event may arrive in between
    active.ws.on('message', (data) => {
      const m = JSON.parse(String(data)) as { type: string; event?: { type: string } }
      if (m.type === 'event' && m.event?.type === 'alert') received++
    })
    gc()
    const before = process.memoryUsage().heapUsed
    const pad = 'x'.repeat(16 * 1024)
    const N = 3000
    for (let i = 0; i < N; i++) {
      hub.publish({ type: 'alert', dg: 'tdg', severity: 'warning', code: 'VM_IO', message: `${i} ${pad}` })
      // a turn of the event loop every 10 events: the active client (in this process) reads between them
      if (i % 10 === 0) await new Promise((r) => setImmediate(r))
    }
    await until('the stalled client is dropped', () => hub.clientCount <= 1)
    await until('every message delivered', () => received >= N)
    expect(received).toBe(N)
    expect(hub.clientCount).toBe(1)
    gc()
    const grown = process.memoryUsage().heapUsed - before
    expect(grown).toBeLessThan((N * pad.length) / 8) // far less than what the stalled client was sent
    active.ws.close()
    stalled.ws.terminate()
  })

  it('answers pings', async () => {
    const t = await testServer()
    const c = wsClient(t.url, { token: t.adminToken })
    await c.opened
    await c.until((m) => m.type === 'hello')
    expect(c.messages.some((m) => m.type === 'pong')).toBe(false)
    c.ws.send(JSON.stringify({ type: 'ping' }))
    expect(await c.until((m) => m.type === 'pong')).toEqual({ type: 'pong' })
    c.ws.close()
  })
})
