import { afterEach, describe, expect, it } from 'vitest'
import { request } from 'node:http'
import WebSocket from 'ws'
import type { ServerMessage } from '@plexa/protocol'
import { type TestServer, call, testServer } from './harness.ts'

/** The first message of a WebSocket opened on `/ws?query` and how it closed. */
function wsFirst(t: TestServer, query: string): Promise<{ first: ServerMessage; close: number }> {
  const ws = new WebSocket(`${t.url.replace('http', 'ws')}/ws?${query}`, { headers: { authorization: `Bearer ${t.adminToken}` } })
  return new Promise((resolve, reject) => {
    let first: ServerMessage | undefined
    ws.on('message', (d) => {
      first ??= JSON.parse(d.toString()) as ServerMessage
      if (first.type !== 'error') ws.close()
    })
    ws.on('close', (code) => (first ? resolve({ first, close: code }) : reject(new Error(`closed ${code} before a message`))))
    ws.on('error', reject)
  })
}

/** A POST with `body` and no content-type header at all: its status. */
function postUntyped(t: TestServer, path: string, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(t.url + path, { method: 'POST', headers: { authorization: `Bearer ${t.adminToken}`, 'content-length': Buffer.byteLength(body) } }, (res) => {
      res.resume()
      res.on('end', () => resolve(res.statusCode ?? 0))
    })
    req.on('error', reject)
    req.end(body)
  })
}

describe('430, 431: queries and bodies checked alike', () => {
  let t: TestServer | undefined
  afterEach(async () => {
    await t?.close()
    t = undefined
  })

  it('I430 a WebSocket query is checked as strictly as an HTTP one: a bad lastSeq, snapshot, protocol, an unknown or repeated field is an error frame VM_INVALID_PARAM and close 1008, not a fresh hello', async () => {
    t = await testServer()
    for (const q of ['lastSeq=abc', 'lastSeq=-5', 'snapshot=bogus', 'protocol=x', 'foo=bar', 'lastSeq=1&lastSeq=2']) {
      const r = await wsFirst(t, q)
      expect([q, r.first.type, r.first.type === 'error' ? r.first.code : undefined, r.close]).toEqual([q, 'error', 'VM_INVALID_PARAM', 1008])
    }
    const good = await wsFirst(t, 'protocol=1&snapshot=json&lastSeq=0')
    expect(['hello', 'resumed']).toContain(good.first.type)
  })

  it('I430 an HTTP query error says "query", never "body"', async () => {
    t = await testServer()
    const r = await call(t.url, 'GET', '/api/tasks/history?foo=bar', { auth: t.adminToken })
    expect([r.status, r.body.error.code]).toEqual([400, 'VM_INVALID_PARAM'])
    expect(r.body.error.message).toMatch(/^query\b/)
    expect(r.body.error.message).not.toContain('body')
  })

  it('I431 a body that is not application/json is refused 415 VM_MEDIA_TYPE and changes nothing; application/json with a charset, or no type, is read', async () => {
    t = await testServer()
    const before = await call(t.url, 'GET', '/api/dgs/tdg', { auth: t.adminToken })
    const len = before.body.config.volumes.find((v: { v_name: string }) => v.v_name === 'cat').v_len
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/jsonp']) {
      const r = await call(t.url, 'POST', '/api/dgs/tdg/volumes/cat/grow', { auth: t.adminToken, raw: JSON.stringify({ by: 2048 }), headers: { 'content-type': type } })
      expect([type, r.status, r.body.error?.code]).toEqual([type, 415, 'VM_MEDIA_TYPE'])
    }
    const after = await call(t.url, 'GET', '/api/dgs/tdg', { auth: t.adminToken })
    expect(after.body.config.tid).toBe(before.body.config.tid)
    expect(after.body.config.volumes.find((v: { v_name: string }) => v.v_name === 'cat').v_len).toBe(len)
    const charset = await call(t.url, 'POST', '/api/dgs/tdg/volumes/cat/grow', { auth: t.adminToken, raw: JSON.stringify({ by: 2048, dryRun: true }), headers: { 'content-type': 'application/json; charset=utf-8' } })
    expect(charset.status).toBe(200)
    // fetch always names a type for a text body: node's http sends none
    expect(await postUntyped(t, '/api/dgs/tdg/volumes/cat/grow', JSON.stringify({ by: 2048, dryRun: true }))).toBe(200)
  })
})
