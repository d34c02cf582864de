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

/** One typed call of the API (cookie session; same origin). */
export async function api<K extends RouteKey>(key: K, params: Record<string, string> = {}, body?: BodyOf<K>): Promise<any> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const def = ROUTES[key]
  const res = await fetch(routePath(key, params), {
    method: def.method,
    credentials: 'same-origin',
    headers: body !== undefined ? { 'content-type': 'application/json' } : {},
    ...(body !== undefined ? { body: JSON.stringify(body) } : def.method !== 'GET' ? { body: '{}', headers: { 'content-type': 'application/json' } } : {}),
  })
  const json = await res.json().catch(() => ({}))
  if (!res.ok) throw new ApiFailure(res.status, json?.error?.code ?? 'VM_INTERNAL', json?.error?.message ?? `HTTP ${res.status}`)
  return json
}
