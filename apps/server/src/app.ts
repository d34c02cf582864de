import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http'
import { extname, join, normalize } from 'node:path'
import { type RouteKey, ROUTES, parseBody, parseQuery } from '@plexa/protocol'
import { WebSocketServer } from 'ws'
import type { AuditFields } from './audit.ts'
import { Sessions, parseCookies } from './auth/sessions.ts'
import type { Principal } from './auth/users.ts'
import { type Ctx, handlers } from './http/routes.ts'
import { hostOf } from './http/hostCheck.ts'
import { ApiError, readJsonBody, sendError, sendJson } from './http/respond.ts'
import { explainNoSpace } from './http/noSpace.ts'
import { type Services } from './services.ts'

export interface AppOptions {
  /** Built web app (apps/web/dist); a small placeholder page when absent. */
  staticDir?: string
  /** Lab endpoints allowed (lab mode on, and loopback or explicitly allowed). */
  labAllowed: boolean
  /** Largest accepted request body. */
  bodyLimit?: number
  /** WebSocket ping interval (ms). */
  pingMs?: number
  /** Host names requests may name (see hostCheck.ts); every other Host is refused VM_BAD_HOST. */
  hosts: Set<string>
}

interface CompiledRoute {
  key: RouteKey
  method: string
  parts: string[]
}

const compiled: CompiledRoute[] = (Object.keys(ROUTES) as RouteKey[]).map((key) => ({ key, method: ROUTES[key].method, parts: ROUTES[key].path.split('/').slice(1) }))

function match(method: string, path: string): { key: RouteKey; params: Record<string, string> } | 'method' | undefined {
  const parts = path.split('/').slice(1)
  let methodMismatch = false
  for (const r of compiled) {
    if (r.parts.length !== parts.length) continue
    const params: Record<string, string> = {}
    let okPath = true
    for (let i = 0; i < parts.length; i++) {
      const want = r.parts[i]!
      let got: string
      try {
        got = decodeURIComponent(parts[i]!)
      } catch {
        okPath = false
        break
      }
      if (want.startsWith(':')) params[want.slice(1)] = got
      else if (want !== got) {
        okPath = false
        break
      }
    }
    if (!okPath) continue
    if (r.method !== method) {
      methodMismatch = true
      continue
    }
    return { key: r.key, params }
  }
  return methodMismatch ? 'method' : undefined
}

/** Who is calling: a bearer token, or a browser session cookie. */
function authenticate(s: Services, req: IncomingMessage): { who: Principal | undefined; sessionId: string | undefined; viaCookie: boolean; bearer: boolean } {
  const auth = req.headers.authorization
  if (auth?.startsWith('Bearer ')) return { who: s.users.byToken(auth.slice(7).trim()), sessionId: undefined, viaCookie: false, bearer: true }
  const sid = parseCookies(req.headers.cookie).get(Sessions.COOKIE)
  return { who: sid ? s.sessions.get(sid) : undefined, sessionId: sid, viaCookie: sid !== undefined, bearer: false }
}

/** Nobody is signed in: a bearer token that matches none is refused as such (rule 245), else none was sent. */
function notSignedIn(bearer: boolean, none: string): ApiError {
  return bearer ? new ApiError('VM_TOKEN_REFUSED', 'the bearer token was refused: it matches no token of this server (revoked, or from another data directory)') : new ApiError('VM_UNAUTHORIZED', none)
}

/** Browser requests must come from our own pages (or an allowed origin). */
function originAllowed(s: Services, req: IncomingMessage): boolean {
  const origin = req.headers.origin
  if (origin === undefined) return true
  if (s.origins.has(origin)) return true
  try {
    return new URL(origin).host === req.headers.host
  } catch {
    return false
  }
}

/**
 * The console's Content-Security-Policy (rule 169): every directive a page uses is said, none left
 * to fall back on default-src; scripts only from the server itself (no inline script, no eval:
 * @plexa/protocol skips zod's eval probe in a browser); inline styles (React's style attributes).
 */
const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self' ws: wss:",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ')

/** A browser navigating (it asks for HTML first), not a script asking for JSON. */
function wantsHtml(req: IncomingMessage): boolean {
  return /\btext\/html\b/.test(req.headers.accept ?? '')
}

const MIME: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml', '.png': 'image/png', '.json': 'application/json', '.ico': 'image/x-icon', '.woff2': 'font/woff2' }

const PLACEHOLDER = `<!doctype html><meta charset="utf-8"><title>Plexa</title>
<body style="font-family:sans-serif;max-width:40em;margin:3em auto">
<h1>Plexa</h1><p>The server is running. The web administrator is not built yet;
the HTTP API is under <code>/api</code> (see docs/api.md) and the live event stream at <code>/ws</code>.</p></body>`

async function serveStatic(res: ServerResponse, dir: string | undefined, path: string): Promise<void> {
  const headers = { 'x-content-type-options': 'nosniff', 'content-security-policy': CSP }
  if (dir) {
    const file = normalize(join(dir, path === '/' ? 'index.html' : path))
    if (file.startsWith(normalize(dir))) {
      for (const candidate of [file, join(dir, 'index.html')]) {
        const st = await stat(candidate).catch(() => undefined)
        if (st?.isFile()) {
          res.writeHead(200, { 'content-type': MIME[extname(candidate)] ?? 'application/octet-stream', ...headers })
          createReadStream(candidate).pipe(res)
          return
        }
      }
    }
  }
  res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', ...headers })
  res.end(PLACEHOLDER)
}

/** The HTTP API, the static web app and the WebSocket stream on one server. */
export function createApp(s: Services, o: AppOptions): Server {
  const bodyLimit = o.bodyLimit ?? 1 << 20

  async function handleApi(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const m = match(req.method ?? 'GET', url.pathname)
    if (m === undefined) return void sendError(res, new ApiError('VM_NO_ROUTE', `no route ${req.method} ${url.pathname}`))
    if (m === 'method') return void sendError(res, new ApiError('VM_METHOD', `${req.method} is not allowed on ${url.pathname}`))
    const def = ROUTES[m.key]
    const { who, sessionId, viaCookie, bearer } = authenticate(s, req)
    const mutating = def.method !== 'GET'
    const login = m.key === 'POST /api/session'
    const source = req.socket.remoteAddress ?? '?'
    let auditArgs: Record<string, unknown> = { ...m.params }
    const fields = (): AuditFields => ({
      user: who?.name ?? (login ? String(auditArgs.user ?? '-') : '-'),
      role: who?.role ?? 'anonymous',
      operation: m.key,
      args: auditArgs,
      source,
    })
    /** The mutation's audit entry, once written (a refusal before it is logged on its own). */
    let auditId: number | undefined
    /** A dry run changes nothing: a query, not audited (as a GET is not) and not streamed (rule 167). */
    let dryRun = false
    let body: unknown = {}
    try {
      if (mutating && viaCookie && !originAllowed(s, req)) throw new ApiError('VM_BAD_ORIGIN', 'cross-origin request refused')
      if (def.access !== 'public' && !who) throw notSignedIn(bearer, 'log in or send a bearer token')
      if ((def.access === 'admin' || def.access === 'lab') && who?.role !== 'admin') throw new ApiError('VM_FORBIDDEN', `${who?.name} is a viewer`)
      if (def.access === 'lab' && !o.labAllowed) throw new ApiError('VM_LAB_DISABLED', 'lab mode is off (start with --lab or --demo, on a loopback address)')
      const query = parseQuery(def.query, url.searchParams)
      if (!query.ok) throw new ApiError(query.code, query.message)
      if (mutating) {
        // a body is JSON, said so (rule 431): a form or text/plain body (what a cross-site page can send) is refused unread
        const type = req.headers['content-type']
        if (type !== undefined && !/^application\/json\s*(;|$)/i.test(type)) {
          req.resume()
          throw new ApiError('VM_MEDIA_TYPE', `the body must be application/json, not ${type.slice(0, 100)}`)
        }
        const raw = await readJsonBody(req, bodyLimit)
        if (!raw.ok) throw new ApiError(raw.code, raw.message)
        if (def.body) {
          const parsed = parseBody(def.body, raw.value)
          if (!parsed.ok) throw new ApiError(parsed.code, parsed.message)
          body = parsed.value
        } else if (Object.keys(raw.value as object).length) throw new ApiError('VM_INVALID_PARAM', 'this route takes no body')
        auditArgs = { ...auditArgs, ...(body as Record<string, unknown>) }
        dryRun = (body as { dryRun?: unknown }).dryRun === true
        // Halt on full: a mutation runs only once its entry is in the log. A login changes no
        // stored state; it is logged after the fact like a refusal (flood-limited).
        if (!login && !dryRun) auditId = await s.audit.begin(fields())
      }
      const ctx = { params: m.params, body, who, query: query.value, sessionId, clientKey: source, cookies: parseCookies(req.headers.cookie) } as Ctx<typeof m.key>
      const reply = await (handlers[m.key] as (s: Services, c: typeof ctx) => Promise<{ status?: number; body: unknown; headers?: Record<string, string | string[]> }>)(s, ctx)
      sendJson(res, reply.status ?? 200, reply.body, reply.headers)
      if (auditId !== undefined) void s.audit.end(auditId, fields(), 'ok')
      else if (login) void s.audit.record(fields(), 'ok')
    } catch (e) {
      // a VM_NO_SPACE says every disk allocation passed over and why (rule 428)
      const g = m.params.dg !== undefined ? s.storage.groups.get(m.params.dg) : undefined
      const code = sendError(res, explainNoSpace(e, g?.dg, (disk) => !!g?.devices.has(disk), body))
      if (auditId !== undefined) void s.audit.end(auditId, fields(), code)
      else if (mutating && !dryRun) void s.audit.record(fields(), code) // a refusal before the body was read is logged
    }
  }

  const hostAllowed = (req: IncomingMessage) => {
    const h = hostOf(req.headers.host)
    return h !== undefined && o.hosts.has(h)
  }

  /** Prometheus scrapes with a bearer token (any role): the metrics name every group, volume and plex. */
  async function serveMetrics(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== 'GET') return void sendError(res, new ApiError('VM_METHOD', 'only GET serves the metrics'))
    const { who, bearer } = authenticate(s, req)
    if (!who) return void sendError(res, notSignedIn(bearer, 'send a bearer token (any role)'))
    const text = await s.metrics.text()
    res.writeHead(200, { 'content-type': s.metrics.registry.contentType, 'cache-control': 'no-store' })
    res.end(text)
  }

  /** The one-click login URL (`plexa serve --demo` prints it): a one-time token becomes a session cookie once. */
  function oneClickLogin(req: IncomingMessage, res: ServerResponse, token: string): void {
    const r = s.sessions.redeem(token)
    const fields = { user: r.ok ? r.who.name : '-', role: r.ok ? r.who.role : ('anonymous' as const), operation: 'GET /login', args: {}, source: req.socket.remoteAddress ?? '?' }
    if (!r.ok) {
      // a browser is sent to the login page, which says why (rule 168); an API client gets the error
      if (wantsHtml(req)) {
        res.writeHead(303, { location: `/?reason=${r.code}`, 'cache-control': 'no-store' })
        res.end()
      } else sendError(res, new ApiError(r.code, r.code === 'VM_TOKEN_USED' ? 'this login link was already used' : r.code === 'VM_TOKEN_EXPIRED' ? 'this login link has expired' : 'unknown login link'))
      void s.audit.record(fields, r.code)
      return
    }
    res.writeHead(303, { location: '/', 'set-cookie': r.cookie, 'cache-control': 'no-store' })
    res.end()
    void s.audit.record(fields, 'ok')
  }

  const server = createServer((req, res) => {
    if (!hostAllowed(req)) return void sendError(res, new ApiError('VM_BAD_HOST', `this server does not answer to the host name ${JSON.stringify(req.headers.host ?? '')}`))
    const url = new URL(req.url ?? '/', 'http://localhost')
    if (url.pathname.startsWith('/api/') || url.pathname === '/api') {
      handleApi(req, res, url).catch((e) => sendError(res, e))
      return
    }
    if (url.pathname === '/metrics') {
      serveMetrics(req, res).catch((e) => sendError(res, e))
      return
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return void sendError(res, new ApiError('VM_METHOD', 'only GET serves the web app'))
    const token = url.pathname === '/login' ? url.searchParams.get('token') : null
    if (token !== null) return oneClickLogin(req, res, token)
    serveStatic(res, o.staticDir, url.pathname).catch((e) => sendError(res, e))
  })

  const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 })
  server.on('upgrade', (req, socket, head) => {
    const refuse = (status: number, text: string) => {
      socket.write(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`)
      socket.destroy()
    }
    if (!hostAllowed(req)) return refuse(421, 'Misdirected Request')
    const url = new URL(req.url ?? '/', 'http://localhost')
    if (url.pathname !== '/ws') return refuse(404, 'Not Found')
    if (!originAllowed(s, req)) return refuse(403, 'Forbidden')
    const { who } = authenticate(s, req)
    if (!who) return refuse(401, 'Unauthorized')
    wss.handleUpgrade(req, socket, head, (ws) => {
      wss.emit('connection', ws, req)
      s.hub.attach(ws, who, req)
    })
  })
  // Heartbeat: a client that misses a pong is gone.
  const ping = setInterval(() => {
    for (const ws of wss.clients) {
      const w = ws as typeof ws & { plexaAlive?: boolean }
      if (w.plexaAlive === false) {
        ws.terminate()
        continue
      }
      w.plexaAlive = false
      ws.ping()
    }
  }, o.pingMs ?? 30_000)
  wss.on('connection', (ws) => {
    const w = ws as typeof ws & { plexaAlive?: boolean }
    w.plexaAlive = true
    ws.on('pong', () => (w.plexaAlive = true))
  })
  server.on('close', () => {
    clearInterval(ping)
    for (const ws of wss.clients) ws.terminate()
    wss.close()
  })
  return server
}
