import { describe, expect, it } from 'vitest'
import { ApiError, createClient } from '../src/index.ts'

/** A fetch that records what it was asked and answers `status` with `body`. */
function fakeFetch(status: number, body: string) {
  const calls: Array<{ url: string; init: RequestInit }> = []
  const f = async (url: string | URL | Request, init?: RequestInit) => {
    calls.push({ url: String(url), init: init ?? {} })
    return new Response(body, { status })
  }
  return { calls, fetch: f as typeof fetch }
}

describe('the typed API client of @plexa/protocol, shared by the web and the CLI (rule 109)', () => {
  it('builds the request from the route table: method, filled path, bearer token, JSON body', async () => {
    const f = fakeFetch(200, '{"dryRun":true,"tid":3,"changes":[]}')
    const call = createClient({ baseUrl: 'http://h:1/', token: 'plx_t', fetch: f.fetch })
    const r = await call('POST /api/dgs/:dg/plexes/:plex/det', { dg: 'd g', plex: 'p1' }, { force: true, dryRun: true })
    expect(r.tid).toBe(3) // typed: TxResult
    expect(f.calls).toEqual([
      { url: 'http://h:1/api/dgs/d%20g/plexes/p1/det', init: { method: 'POST', headers: { authorization: 'Bearer plx_t', 'content-type': 'application/json' }, body: '{"force":true,"dryRun":true}' } },
    ])
  })

  it('sends {} for a mutation without a body, nothing for a GET, and the session cookie without a token', async () => {
    const f = fakeFetch(200, '{"loggedOut":true}')
    const call = createClient({ fetch: f.fetch })
    await call('DELETE /api/session')
    await call('GET /api/session')
    expect(f.calls.map((c) => [c.url, c.init.body, c.init.credentials])).toEqual([
      ['/api/session', '{}', 'same-origin'],
      ['/api/session', undefined, 'same-origin'],
    ])
  })

  it('a failure is one ApiError with the server code and status; unreachable and non-JSON answers too', async () => {
    const failing = createClient({ fetch: fakeFetch(404, '{"error":{"code":"VM_NOT_FOUND","message":"no plex p9"}}').fetch })
    const e = await failing('GET /api/dgs/:dg/plexes/:plex/stale', { dg: 'd', plex: 'p9' }).catch((x: unknown) => x)
    expect(e).toBeInstanceOf(ApiError)
    expect([(e as ApiError).code, (e as ApiError).status]).toEqual(['VM_NOT_FOUND', 404])
    const down = createClient({ fetch: (async () => { throw new TypeError('fetch failed') }) as typeof fetch })
    expect(await down('GET /api/health').catch((x: ApiError) => [x.code, x.status])).toEqual(['VM_UNREACHABLE', 0])
    const garbled = createClient({ fetch: fakeFetch(502, '<html>bad gateway</html>').fetch })
    expect(await garbled('GET /api/health').catch((x: ApiError) => [x.code, x.status])).toEqual(['VM_INTERNAL', 502])
  })

  it('puts query fields in the query string and shows every failure to onError before throwing it', async () => {
    const f = fakeFetch(401, '{"error":{"code":"VM_UNAUTHORIZED","message":"log in"}}')
    const seen: string[] = []
    const call = createClient({ fetch: f.fetch, onError: (e, key) => seen.push(`${key} ${e.code}`) })
    await expect(call('GET /api/audit', {}, undefined, { limit: '5' })).rejects.toBeInstanceOf(ApiError)
    expect(f.calls[0]!.url).toBe('/api/audit?limit=5')
    expect(seen).toEqual(['GET /api/audit VM_UNAUTHORIZED'])
  })

  it('types the calls: a missing path parameter or a wrong body fails the typecheck', () => {
    const call = createClient({ fetch: fakeFetch(200, '{}').fetch })
    const typeOnly = () => {
      // @ts-expect-error the route needs :plex
      void call('POST /api/dgs/:dg/plexes/:plex/det', { dg: 'd' })
      // @ts-expect-error force is a boolean
      void call('POST /api/dgs/:dg/plexes/:plex/det', { dg: 'd', plex: 'p' }, { force: 'yes' })
      // @ts-expect-error the answer of GET /api/health has no taskId
      void call('GET /api/health').then((r) => r.taskId)
    }
    expect(typeof typeOnly).toBe('function')
  })
})
