import { readFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { type ApiErrorCode, type Call, createClient } from '@plexa/protocol'
import { httpTransport } from './httpTransport.ts'

/** Exit codes tell failure kinds apart (documented in `plexa --help`). */
export const EXIT = { OK: 0, USAGE: 2, AUTH: 3, NOT_FOUND: 4, REFUSED: 5, FAILED: 6, UNREACHABLE: 7 } as const

export class CliError extends Error {
  readonly exit: number
  readonly code: string
  /** The server's error details (missing disks, the host that has a group imported), for --json. */
  readonly details: unknown
  constructor(exit: number, code: string, message: string, details?: unknown) {
    super(message)
    this.exit = exit
    this.code = code
    this.details = details
  }
}

/** The exit code of a failed API call (ApiError of @plexa/protocol). */
export function exitFor(status: number, code: ApiErrorCode | string): number {
  if (code === 'VM_UNREACHABLE') return EXIT.UNREACHABLE
  if (status === 401 || status === 403) return EXIT.AUTH
  if (status === 404) return EXIT.NOT_FOUND
  if (code === 'VM_NOTSYNCED' || code === 'VM_IO' || status >= 500) return EXIT.FAILED
  return EXIT.REFUSED
}

export interface Connection {
  url: string
  token: string
  /** The typed API client (@plexa/protocol) for this server and token. */
  call: Call
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
  url = url.replace(/\/$/, '')
  return { url, token: token ?? '', call: createClient({ baseUrl: url, token: token ?? '', fetch: httpTransport }) }
}
