import type { IncomingMessage, ServerResponse } from 'node:http'
import { type ApiErrorCode, HTTP_STATUS, type Result, parseJson } from '@plexa/protocol'

export class ApiError extends Error {
  readonly code: ApiErrorCode
  constructor(code: ApiErrorCode, message: string) {
    super(message)
    this.code = code
  }
}

const KNOWN = new Set(Object.keys(HTTP_STATUS))

/** The code of any thrown value: EngineError and ApiError codes pass, anything else is internal. */
export function codeOf(e: unknown): ApiErrorCode {
  const c = (e as { code?: unknown })?.code
  return typeof c === 'string' && KNOWN.has(c) ? (c as ApiErrorCode) : 'VM_INTERNAL'
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string | string[]> = {}): void {
  const text = JSON.stringify(body)
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', 'content-length': Buffer.byteLength(text), ...headers })
  res.end(text)
}

export function sendError(res: ServerResponse, e: unknown): ApiErrorCode {
  const code = codeOf(e)
  const message = code === 'VM_INTERNAL' ? 'internal error' : e instanceof Error ? e.message : String(e)
  const details = code === 'VM_INTERNAL' ? undefined : (e as { details?: unknown }).details
  sendJson(res, HTTP_STATUS[code], { error: { code, message, ...(details && typeof details === 'object' && Object.keys(details).length ? { details } : {}) } })
  return code
}

/** Reads a JSON object body of at most `limit` bytes. */
export function readJsonBody(req: IncomingMessage, limit: number): Promise<Result<unknown>> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = []
    let size = 0
    let done = false
    req.on('data', (c: Buffer) => {
      if (done) return
      size += c.length
      if (size > limit) {
        done = true
        resolve({ ok: false, code: 'VM_TOO_LARGE', message: `the body exceeds ${limit} bytes` })
        req.resume()
        return
      }
      chunks.push(c)
    })
    req.on('end', () => {
      if (!done) resolve(parseJson(Buffer.concat(chunks).toString('utf8')))
    })
    req.on('error', () => {
      if (!done) resolve({ ok: false, code: 'VM_BAD_REQUEST', message: 'the request body could not be read' })
    })
  })
}
