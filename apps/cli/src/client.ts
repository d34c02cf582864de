import { readFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { type ApiErrorCode, type BodyOf, ROUTES, type RouteKey, routePath } from '@plexa/protocol'

/** Exit codes tell failure kinds apart (documented in `plexa --help`). */
export const EXIT = { OK: 0, USAGE: 2, AUTH: 3, NOT_FOUND: 4, REFUSED: 5, FAILED: 6, UNREACHABLE: 7 } as const

export class CliError extends Error {
  readonly exit: number
  readonly code: string
  constructor(exit: number, code: string, message: string) {
    super(message)
    this.exit = exit
    this.code = code
  }
}

export function exitFor(status: number, code: ApiErrorCode | string): number {
  if (status === 401 || status === 403) return EXIT.AUTH
  if (status === 404) return EXIT.NOT_FOUND
  if (code === 'VM_NOTSYNCED' || code === 'VM_IO' || status >= 500) return EXIT.FAILED
  return EXIT.REFUSED
}

export interface Connection {
  url: string
  token: string
}

/** URL and token from flags, the environment, or the data directory the server writes. */
export async function connection(o: { url?: string; token?: string; data?: string }): Promise<Connection> {
  const data = resolve(o.data ?? process.env.PLEXA_DATA ?? './data')
  let url = o.url ?? process.env.PLEXA_URL
  let token = o.token ?? process.env.PLEXA_TOKEN
  if (!url) {
    try {
      url = (JSON.parse(await readFile(join(data, 'server.json'), 'utf8')) as { url: string }).url
    } catch {
      url = 'http://127.0.0.1:8080'
    }
  }
  if (!token) {
    try {
      token = /token: (\S+)/.exec(await readFile(join(data, 'admin-credential.txt'), 'utf8'))?.[1]
    } catch {
      // none: the server will say 401
    }
  }
  return { url: url.replace(/\/$/, ''), token: token ?? '' }
}

/** Calls one route of the protocol table; throws CliError with the right exit code on failure. */
export async function api<K extends RouteKey>(c: Connection, key: K, params: Record<string, string> = {}, body?: BodyOf<K>, query = ''): Promise<any> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const def = ROUTES[key]
  let res: Response
  try {
    res = await fetch(c.url + routePath(key, params) + query, {
      method: def.method,
      headers: { authorization: `Bearer ${c.token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    })
  } catch (e) {
    throw new CliError(EXIT.UNREACHABLE, 'UNREACHABLE', `cannot reach the Plexa server at ${c.url} (${(e as Error).cause ?? e})`)
  }
  const text = await res.text()
  let json: any // eslint-disable-line @typescript-eslint/no-explicit-any
  try {
    json = text ? JSON.parse(text) : {}
  } catch {
    throw new CliError(EXIT.FAILED, 'VM_INTERNAL', `the server answered ${res.status} with something that is not JSON`)
  }
  if (!res.ok) {
    const code = json?.error?.code ?? 'VM_INTERNAL'
    throw new CliError(exitFor(res.status, code), code, json?.error?.message ?? `HTTP ${res.status}`)
  }
  return json
}
