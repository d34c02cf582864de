import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type Clock, type Config, DiskGroup, createImageFile, openDevicePath } from '@plexa/engine'
import type { Alert, ServerMessage } from '@plexa/protocol'
import { afterEach, vi } from 'vitest'
import WebSocket from 'ws'
import { type RunningServer, type StartOptions, startServer } from '../src/server.ts'
import { until } from './until.ts'

const MiB = 1 << 20

/**
 * A data directory with a small group `tdg`: three 64 MiB disks, a 2-way mirror `mir` with a
 * DRL log (16 MiB), and a concat `cat` (8 MiB); hot relocation off (hotreloc=off).
 */
export async function smallData(): Promise<{ dir: string; remove(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'plexa-srv-'))
  const paths = [1, 2, 3].map((i) => join(dir, 'disks', `tdg-disk0${i}.img`))
  const { mkdir } = await import('node:fs/promises')
  await mkdir(join(dir, 'disks'), { recursive: true })
  for (const p of paths) await createImageFile(p, 64 * MiB)
  const dg = await DiskGroup.create({ name: 'tdg', disks: await Promise.all(paths.map(async (p, i) => ({ name: `disk0${i + 1}`, device: await openDevicePath(p) }))) })
  await dg.assistMake({ init: 'none', name: 'mir', len: (16 * MiB) / 512, layout: 'mirror', log: 'drl', disks: ['disk01', 'disk02', 'disk03'] })
  await dg.assistMake({ init: 'none', name: 'cat', len: (8 * MiB) / 512, layout: 'concat', disks: ['disk03'] })
  // a lab failure stays where it happened unless a test turns hot relocation on (hotRelocation.test.ts)
  await dg.set('tdg', { hotreloc: 'off' })
  await dg.close()
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) }
}

export interface TestServer {
  srv: RunningServer
  url: string
  dir: string
  adminToken: string
  close(): Promise<void>
}

/** The options a test server starts with: the data directory's, on ports of its own, lab mode on, quiet. */
const startOptions = (dataDir: string): StartOptions => ({ dataDir, host: '127.0.0.1', port: 0, nbdPort: 0, demo: false, lab: true, labRemote: false, log: () => {} })

/** Resolves once the server's background start has started every volume of every group. */
export function volumesStarted(srv: RunningServer): Promise<true> {
  return until('the background start of every volume', () => [...srv.services.storage.groups.values()].flatMap((g) => g.dg.config().volumes).every((v) => v.v_kstate === 'ENABLED'))
}

/** Starts a server on `dataDir` with the test options (lab mode on, quiet) and `extra`; no waiting for its volumes. */
export function startOn(dataDir: string, extra: Partial<StartOptions> = {}): Promise<RunningServer> {
  return startServer({ ...startOptions(dataDir), ...extra })
}

/** The admin's password of a data directory (its admin-credential.txt). */
export async function adminPasswordOf(dir: string): Promise<string> {
  return /password: (\S+)/.exec(await readFile(join(dir, 'admin-credential.txt'), 'utf8'))![1]!
}

/** The admin's bearer token of a data directory (its admin-credential.txt). */
export async function adminTokenOf(dir: string): Promise<string> {
  return /token: (\S+)/.exec(await readFile(join(dir, 'admin-credential.txt'), 'utf8'))![1]!
}

export async function testServer(opts: Partial<StartOptions> & { clock?: Clock } = {}): Promise<TestServer> {
  const data = await smallData()
  const srv = await startServer({ ...startOptions(data.dir), ...opts })
  const adminToken = await adminTokenOf(data.dir)
  await volumesStarted(srv)
  return {
    srv,
    url: srv.url,
    dir: data.dir,
    adminToken,
    async close() {
      await srv.close()
      await data.remove()
    },
  }
}

/**
 * A server on a data directory (`smallData`) that outlives it, so the next server starts on the
 * same one. With `fresh`, each start loads the server as a new process loads it (fresh modules:
 * the engine's task counter starts from nothing). `start` takes options for that start alone and
 * resolves once every volume is started; `get` and `post` call the server running now as admin.
 */
export async function restartable(o: { fresh?: boolean } & Partial<StartOptions> = {}) {
  const { fresh = false, ...extra } = o
  const data = await smallData()
  let srv: RunningServer | undefined
  const start = async (once: Partial<StartOptions> = {}) => {
    let start = startServer
    if (fresh) {
      vi.resetModules()
      start = (await import('../src/server.ts')).startServer
    }
    srv = await start({ ...startOptions(data.dir), ...extra, ...once })
    await volumesStarted(srv)
    return srv
  }
  const token = () => adminTokenOf(data.dir)
  return {
    dir: data.dir,
    /** The server running now. */
    get srv(): RunningServer {
      return srv!
    },
    start,
    token,
    /** A GET's body. */
    get: async (path: string) => (await call(srv!.url, 'GET', path, { auth: await token() })).body,
    post: async (path: string, body: unknown = {}) => call(srv!.url, 'POST', path, { auth: await token(), body }),
    /** A GET's whole answer (status and body). */
    fetch: async (path: string) => call(srv!.url, 'GET', path, { auth: await token() }),
    async stop() {
      await srv?.close()
      srv = undefined
    },
    async restart(once: Partial<StartOptions> = {}) {
      await srv!.close()
      return start(once)
    },
    async close() {
      await srv?.close()
      srv = undefined
      await data.remove()
    },
  }
}
export type Restartable = Awaited<ReturnType<typeof restartable>>

/**
 * What a test does with the test server's group `tdg` as admin: its alerts, a POST, its
 * configuration, and a write into a volume straight through the group (`'ok'` or the error code).
 */
export function groupCalls(s: TestServer) {
  const dg = s.srv.services.storage.groups.get('tdg')!.dg
  return {
    dg,
    alerts: async () => (await call(s.url, 'GET', '/api/alerts', { auth: s.adminToken })).body.alerts as Alert[],
    post: async (path: string, body: unknown = {}) => call(s.url, 'POST', path, { auth: s.adminToken, body }),
    config: async () => (await call(s.url, 'GET', '/api/dgs/tdg', { auth: s.adminToken })).body.config as Config,
    write: async (volume: string) => dg.write(volume, 0, new Uint8Array(4096)).then(() => 'ok', (e: { code?: string }) => e.code),
  }
}

/**
 * Registers, in the calling file or describe, a hook that closes after each test every server
 * the returned function started in it; the function is `testServer`.
 */
export function testServers(): typeof testServer {
  const closing = closeAfterEach()
  return async (opts = {}) => closing(await testServer(opts))
}

/**
 * Registers, in the calling file or describe, a hook that closes after each test, whatever its
 * outcome, everything the returned function was given in it, the last given first (a server
 * before the data directory it runs on); the function returns what it is given.
 */
export function closeAfterEach(): <T extends { close(): Promise<unknown> }>(x: T) => T {
  const open: Array<{ close(): Promise<unknown> }> = []
  afterEach(async () => {
    for (const x of open.splice(0).reverse()) await x.close()
  })
  return (x) => {
    open.push(x)
    return x
  }
}

export interface Call {
  status: number
  body: any // eslint-disable-line @typescript-eslint/no-explicit-any
  headers: Headers
}

/** Sees every call made through `call` (the API documentation generator records examples). */
export const recorder: { on?: (req: { method: string; path: string; body: unknown; auth: string | undefined }, res: Call) => void } = {}

/** One HTTP call; `auth` is a bearer token, a `cookie:` header value, or nothing. */
export async function call(base: string, method: string, path: string, o: { auth?: string; body?: unknown; raw?: string; headers?: Record<string, string> } = {}): Promise<Call> {
  const headers: Record<string, string> = { ...(o.headers ?? {}) }
  if (o.auth?.startsWith('cookie:')) headers.cookie = o.auth.slice(7)
  else if (o.auth) headers.authorization = `Bearer ${o.auth}`
  let body: string | undefined = o.raw
  if (o.body !== undefined) {
    body = JSON.stringify(o.body)
    headers['content-type'] = 'application/json'
  }
  const res = await fetch(base + path, { method, headers, ...(body !== undefined ? { body } : {}) })
  const text = await res.text()
  let parsed: unknown = text
  try {
    parsed = JSON.parse(text)
  } catch {
    // not JSON
  }
  const result = { status: res.status, body: parsed, headers: res.headers }
  recorder.on?.({ method, path, body: o.body ?? o.raw, auth: o.auth }, result)
  return result
}

/** Logs in and returns the session cookie. */
export async function login(base: string, user: string, password: string): Promise<string> {
  const r = await call(base, 'POST', '/api/session', { body: { user, password } })
  if (r.status !== 200) throw new Error(`login failed: ${JSON.stringify(r.body)}`)
  return `cookie:${r.headers.get('set-cookie')!.split(';')[0]}`
}

/** A viewer user with a bearer token. */
export async function viewer(t: TestServer): Promise<string> {
  await call(t.url, 'POST', '/api/users', { auth: t.adminToken, body: { name: 'vera', password: 'viewer-password', role: 'viewer' } })
  const cookie = await login(t.url, 'vera', 'viewer-password')
  const r = await call(t.url, 'POST', '/api/tokens', { auth: cookie, body: { label: 'tests' } })
  return r.body.token as string
}

/** A WebSocket client that records every message. */
export function wsClient(url: string, o: { token?: string; origin?: string; host?: string; lastSeq?: number; cookie?: string; store?: (m: ServerMessage) => boolean; snapshot?: 'columns' } = {}) {
  const headers: Record<string, string> = {}
  if (o.token) headers.authorization = `Bearer ${o.token}`
  if (o.cookie) headers.cookie = o.cookie
  if (o.origin) headers.origin = o.origin
  if (o.host) headers.host = o.host
  const params = new URLSearchParams()
  if (o.lastSeq !== undefined) params.set('lastSeq', String(o.lastSeq))
  if (o.snapshot) params.set('snapshot', o.snapshot)
  const q = params.size ? `?${params}` : ''
  const ws = new WebSocket(url.replace('http', 'ws') + '/ws' + q, { headers })
  const messages: ServerMessage[] = []
  const waiters: Array<() => void> = []
  ws.on('message', (d) => {
    const m = JSON.parse(d.toString()) as ServerMessage
    if (!o.store || o.store(m)) messages.push(m)
    for (const w of waiters.splice(0)) w()
  })
  return {
    ws,
    messages,
    /** Resolves when some message satisfies `pred`. */
    async until(pred: (m: ServerMessage) => boolean, what = 'message'): Promise<ServerMessage> {
      for (;;) {
        const m = messages.find(pred)
        if (m) return m
        if (ws.readyState === WebSocket.CLOSED) throw new Error(`socket closed while waiting for ${what}`)
        await new Promise<void>((r) => {
          waiters.push(r)
          ws.once('close', () => r())
        })
      }
    },
    opened: new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve())
      ws.once('unexpected-response', (_req, res) => reject(Object.assign(new Error(`HTTP ${res.statusCode}`), { status: res.statusCode })))
      ws.once('error', reject)
    }),
    closed: new Promise<{ code: number }>((resolve) => ws.once('close', (code) => resolve({ code }))),
  }
}
