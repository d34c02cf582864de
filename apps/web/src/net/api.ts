import { type BodyOf, type RouteKey, ROUTES, routePath } from '@plexa/protocol'

export class ApiFailure extends Error {
  readonly code: string
  readonly status: number
  constructor(status: number, code: string, message: string) {
    super(message)
    this.code = code
    this.status = status
  }
}

/** Called when the server refuses the session (401): the page goes back to its login form. */
export const session: { onRefused: (() => void) | undefined } = { onRefused: undefined }

/**
 * One typed call of the API (cookie session; same origin). A network failure is an ApiFailure
 * VM_UNREACHABLE (status 0), so callers never see "undefined: Failed to fetch".
 */
export async function api<K extends RouteKey>(key: K, params: Record<string, string> = {}, body?: BodyOf<K>, query?: Record<string, string>): Promise<any> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const def = ROUTES[key]
  const qs = query ? `?${new URLSearchParams(query)}` : ''
  let res: Response
  try {
    res = await fetch(routePath(key, params) + qs, {
      method: def.method,
      credentials: 'same-origin',
      headers: body !== undefined ? { 'content-type': 'application/json' } : {},
      ...(body !== undefined ? { body: JSON.stringify(body) } : def.method !== 'GET' ? { body: '{}', headers: { 'content-type': 'application/json' } } : {}),
    })
  } catch {
    throw new ApiFailure(0, 'VM_UNREACHABLE', 'no answer from the server')
  }
  const json = await res.json().catch(() => ({}))
  if (!res.ok) {
    const f = new ApiFailure(res.status, json?.error?.code ?? 'VM_INTERNAL', json?.error?.message ?? `HTTP ${res.status}`)
    if (f.code === 'VM_UNAUTHORIZED' && key !== 'POST /api/session') session.onRefused?.()
    throw f
  }
  return json
}
