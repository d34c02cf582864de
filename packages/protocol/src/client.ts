import type { ApiErrorCode, ApiErrorDetails } from './errors.ts'
import { type BodyOf, ROUTES, type ResponseOf, type RouteKey, routePath } from './api.ts'

/** The `:name` parameters of a route's path, as a type: `'dg' | 'plex'`. */
type ParamNames<P extends string> = P extends `${string}:${infer N}/${infer Rest}` ? N | ParamNames<`/${Rest}`> : P extends `${string}:${infer N}` ? N : never

/** The path parameters a route needs (`{}` for none). */
export type ParamsOf<K extends RouteKey> = { [N in ParamNames<K extends `${string} ${infer P}` ? P : never>]: string }

/**
 * A failed call: the server's `{ error: { code, message } }` with the HTTP status, or the server
 * could not be reached (`VM_UNREACHABLE`, status 0) or answered something that is not JSON.
 */
export class ApiError extends Error {
  readonly code: ApiErrorCode | 'VM_UNREACHABLE'
  readonly status: number
  /** The error body's `details` (which disks are missing, which host has a group imported), if any. */
  readonly details: ApiErrorDetails | undefined
  constructor(status: number, code: ApiErrorCode | 'VM_UNREACHABLE', message: string, details?: ApiErrorDetails) {
    super(message)
    this.status = status
    this.code = code
    this.details = details
  }
}

/** What the client needs of `fetch` (the global one fits; the CLI passes one on node:http, which starts faster). */
export type Transport = (url: string, init: { method: string; headers: Record<string, string>; body?: string; credentials?: 'same-origin' }) => Promise<{ status: number; ok: boolean; text(): Promise<string> }>

export interface ClientOptions {
  /** The server, e.g. `http://127.0.0.1:8080`; empty for the page's own origin (the web). */
  baseUrl?: string
  /** A bearer token (scripts, the CLI); without it the browser's session cookie is sent. */
  token?: string
  fetch?: Transport
  /** Sees every failed call before it is thrown (the web returns to its login form on a 401). */
  onError?: (e: ApiError, key: RouteKey) => void
}

/** Arguments after the route key: path parameters (when it has any), the body, the query string's fields. */
type Args<K extends RouteKey> = [keyof ParamsOf<K>] extends [never]
  ? [params?: Record<string, never>, body?: BodyOf<K>, query?: Record<string, string>]
  : [params: ParamsOf<K>, body?: BodyOf<K>, query?: Record<string, string>]

/** Calls one route of the table: its request body and its answer are typed by the route's schemas. */
export type Call = <K extends RouteKey>(key: K, ...args: Args<K>) => Promise<ResponseOf<K>>

/** The one typed API client the web and the CLI share. */
export function createClient(o: ClientOptions = {}): Call {
  const base = (o.baseUrl ?? '').replace(/\/$/, '')
  const doFetch: Transport = o.fetch ?? ((url, init) => fetch(url, init))
  const call: Call = async (key, ...[params, body, query]) => {
    const def = ROUTES[key]
    const headers: Record<string, string> = {}
    if (o.token) headers.authorization = `Bearer ${o.token}`
    // a mutation always carries a JSON body ({} when it takes none), so the server can tell it is JSON
    const text = body !== undefined ? JSON.stringify(body) : def.method !== 'GET' ? '{}' : undefined
    if (text !== undefined) headers['content-type'] = 'application/json'
    let res: Awaited<ReturnType<Transport>>
    try {
      const qs = query && Object.keys(query).length ? `?${new URLSearchParams(query)}` : ''
      res = await doFetch(base + routePath(key, (params ?? {}) as Record<string, string>) + qs, {
        method: def.method,
        headers,
        ...(o.token ? {} : { credentials: 'same-origin' as const }),
        ...(text !== undefined ? { body: text } : {}),
      })
    } catch (e) {
      throw new ApiError(0, 'VM_UNREACHABLE', `cannot reach the Plexa server${base ? ` at ${base}` : ''} (${(e as Error).cause ?? e})`)
    }
    const raw = await res.text()
    let json: unknown
    try {
      json = raw ? JSON.parse(raw) : {}
    } catch {
      throw new ApiError(res.status, 'VM_INTERNAL', `the server answered ${res.status} with something that is not JSON`)
    }
    if (!res.ok) {
      const err = (json as { error?: { code?: ApiErrorCode; message?: string; details?: ApiErrorDetails } }).error
      throw new ApiError(res.status, err?.code ?? 'VM_INTERNAL', err?.message ?? `HTTP ${res.status}`, err?.details)
    }
    return json as ResponseOf<typeof key>
  }
  if (!o.onError) return call
  const onError = o.onError
  return (async (key: RouteKey, ...args: unknown[]) => {
    try {
      return await (call as (k: RouteKey, ...a: unknown[]) => Promise<unknown>)(key, ...args)
    } catch (e) {
      if (e instanceof ApiError) onError(e, key)
      throw e
    }
  }) as Call
}
