import { readFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { ApiError, type Call, EXIT, createClient, exitStatusFor } from '@plexa/protocol'
import { httpTransport } from './httpTransport.ts'

/** Exit codes tell failure kinds apart (documented in `plexa --help`; the table is @plexa/protocol's). */
export { EXIT }

export class CliError extends Error {
  readonly exit: number
  readonly code: string
  /** The server's error details (missing disks, the host that has a group imported), for --json. */
  readonly details: unknown
  /** The task a `--wait` followed, when it is the task that failed (rule 386): `{"error": {..., "taskId"}}`. */
  readonly taskId: string | undefined
  constructor(exit: number, code: string, message: string, details?: unknown, taskId?: string) {
    super(message)
    this.exit = exit
    this.code = code
    this.details = details
    this.taskId = taskId
  }
}

/** A usage error (a bad or missing argument): exit 2, code VM_USAGE. */
export function usageError(message: string): CliError {
  return new CliError(EXIT.USAGE, 'VM_USAGE', message)
}

/** A failed API call (ApiError of @plexa/protocol) as the CLI reports it: its code's exit status. */
export function cliErrorOf(e: ApiError): CliError {
  return new CliError(exitStatusFor(e.code), e.code, e.message, e.details)
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
  const credential = join(data, 'admin-credential.txt')
  let tokenFrom = o.token ? '--token' : token ? 'PLEXA_TOKEN' : credential
  if (!url) {
    try {
      url = (JSON.parse(await readFile(join(data, 'server.json'), 'utf8')) as { url: string }).url
    } catch {
      url = 'http://127.0.0.1:8080'
    }
  }
  if (!token) {
    try {
      token = /token: (\S+)/.exec(await readFile(credential, 'utf8'))?.[1]
    } catch {
      // none: the server will say 401
    }
    if (!token) tokenFrom = ''
  }
  url = url.replace(/\/$/, '')
  const raw = createClient({ baseUrl: url, token: token ?? '', fetch: httpTransport })
  const untyped = raw as unknown as (...args: unknown[]) => Promise<unknown>
  const call = (async (...args: unknown[]) => {
    try {
      return await untyped(...args)
    } catch (e) {
      throw e instanceof ApiError ? authSaid(e, tokenFrom, credential) : e
    }
  }) as unknown as Call
  return { url, token: token ?? '', call }
}

/** A 401 says which token was refused, or where none was found (rule 245). */
function authSaid(e: ApiError, tokenFrom: string, credential: string): ApiError {
  if (e.code === 'VM_TOKEN_REFUSED') return new ApiError(e.status, e.code, `the server refused the token from ${tokenFrom}`, e.details)
  if (e.code === 'VM_UNAUTHORIZED' && !tokenFrom) return new ApiError(e.status, e.code, `no token: give --token, set PLEXA_TOKEN, or point --data at the server's data directory (no token in ${credential})`, e.details)
  return e
}
