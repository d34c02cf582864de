import { request } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { allowedHosts, hostOf } from '../src/http/hostCheck.ts'
import { type TestServer, testServer, wsClient } from './harness.ts'

/** A GET with a chosen Host header (fetch does not let a caller set it). */
function get(url: string, path: string, host: string): Promise<{ status: number; body: any }> { // eslint-disable-line @typescript-eslint/no-explicit-any
  return new Promise((resolve, reject) => {
    const req = request(url + path, { headers: { host } }, (res) => {
      let text = ''
      res.on('data', (d) => (text += d))
      res.on('end', () => {
        let body: unknown = text
        try {
          body = JSON.parse(text)
        } catch {
          // the web page
        }
        resolve({ status: res.statusCode!, body })
      })
    })
    req.on('error', reject)
    req.end()
  })
}

describe('Host header check against DNS rebinding (rule 96)', () => {
  let t: TestServer
  let port: string
  beforeAll(async () => {
    t = await testServer({ allowedHosts: ['plexa.lan'] })
    port = new URL(t.url).port
  })
  afterAll(async () => {
    await t.close()
  })

  it('I96 a request naming another host is refused VM_BAD_HOST, API and pages alike', async () => {
    for (const path of ['/api/health', '/api/session', '/']) {
      const r = await get(t.url, path, `evil.example:${port}`)
      expect(r.status).toBe(421)
      expect(r.body.error.code).toBe('VM_BAD_HOST')
    }
  })

  it('I96 the bind address, localhost and the listed names are answered', async () => {
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `LOCALHOST:${port}`, `plexa.lan:${port}`, 'plexa.lan']) {
      expect((await get(t.url, '/api/health', host)).status, host).toBe(200)
    }
  })

  it('I96 a WebSocket naming another host is refused even with a matching Origin', async () => {
    const c = wsClient(t.url, { token: t.adminToken, origin: `http://evil.example:${port}`, host: `evil.example:${port}` })
    await expect(c.opened).rejects.toMatchObject({ status: 421 })
    const ok = wsClient(t.url, { token: t.adminToken, origin: t.url })
    await ok.opened
    ok.ws.close()
  })

  it('I96 hostOf strips ports and brackets; a server on every address answers to its own names', () => {
    expect(hostOf('[::1]:8080')).toBe('::1')
    expect(hostOf('Example.COM:80')).toBe('example.com')
    expect(hostOf(undefined)).toBeUndefined()
    expect(allowedHosts('0.0.0.0').has('127.0.0.1')).toBe(true)
    expect(allowedHosts('192.0.2.7', ['nas.example']).has('nas.example')).toBe(true)
    expect(allowedHosts('192.0.2.7').has('evil.example')).toBe(false)
  })
})
