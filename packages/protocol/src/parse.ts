import { z } from 'zod'
import type { ApiErrorCode } from './errors.ts'
import type { ClientMessage } from './messages.ts'

export type Result<T> = { ok: true; value: T } | { ok: false; code: ApiErrorCode; message: string }

/** Validates an already-parsed JSON body against a schema: unknown fields and wrong types fail. */
export function parseBody<S extends z.ZodType>(schema: S, raw: unknown, what: 'body' | 'query' = 'body'): Result<z.infer<S>> {
  const r = schema.safeParse(raw ?? {})
  if (r.success) return { ok: true, value: r.data }
  const issue = r.error.issues[0]
  // "limit: ...", "body: Unrecognized key"; a query's "query limit: ...", "query: Unrecognized key" (rule 430)
  const path = issue?.path.length ? issue.path.join('.') : ''
  const where = what === 'query' ? (path ? `query ${path}` : 'query') : path || 'body'
  return { ok: false, code: 'VM_INVALID_PARAM', message: `${where}: ${issue ? plainIssue(issue) : 'invalid'}` }
}

/**
 * Rule 423: a number past the integer range (a 25-digit size, 1e300) is said in plain words, not
 * in zod's ("Too big: expected int to be <=9007199254740991").
 */
function plainIssue(issue: z.core.$ZodIssue): string {
  if (issue.code === 'too_big' && (issue.origin === 'int' || issue.origin === 'number')) return `too large: at most ${String(issue.maximum)}`
  return issue.message
}

/**
 * Validates a query string as a body is validated (rule 384): the route's fields only, each given
 * once and well formed, else VM_INVALID_PARAM; a route without a query schema takes no field.
 */
export function parseQuery<S extends z.ZodType>(schema: S | undefined, q: URLSearchParams): Result<z.infer<S>> {
  const raw: Record<string, string> = {}
  for (const [k, v] of q) {
    if (Object.hasOwn(raw, k)) return { ok: false, code: 'VM_INVALID_PARAM', message: `query ${k}: given more than once` }
    raw[k] = v
  }
  if (!schema) {
    const keys = Object.keys(raw)
    return keys.length ? { ok: false, code: 'VM_INVALID_PARAM', message: `this route takes no query parameters (got ${keys.join(', ')})` } : { ok: true, value: {} as z.infer<S> }
  }
  return parseBody(schema, raw, 'query')
}

/** Parses request text as JSON; malformed text fails VM_BAD_REQUEST. */
export function parseJson(text: string): Result<unknown> {
  if (text.trim() === '') return { ok: true, value: {} }
  try {
    const value: unknown = JSON.parse(text)
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return { ok: false, code: 'VM_BAD_REQUEST', message: 'the body must be a JSON object' }
    return { ok: true, value }
  } catch {
    return { ok: false, code: 'VM_BAD_REQUEST', message: 'the body is not valid JSON' }
  }
}

const ClientMessageSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('hello'), protocol: z.number().int(), lastSeq: z.number().int().nonnegative().optional() }),
  z.strictObject({ type: z.literal('ping') }),
])

/** Parses one WebSocket frame from a client. */
export function parseClientMessage(text: string): Result<ClientMessage> {
  const j = parseJson(text)
  if (!j.ok) return j
  const r = ClientMessageSchema.safeParse(j.value)
  return r.success ? { ok: true, value: r.data } : { ok: false, code: 'VM_BAD_REQUEST', message: 'unknown or malformed message' }
}
