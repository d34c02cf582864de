import { OpenAPIRegistry, OpenApiGeneratorV31 } from '@asteasolutions/zod-to-openapi'
import { API_ONLY_CODES, type ApiErrorCode, HTTP_STATUS, ROUTES, type RouteDef, type RouteKey, responses, schemas } from '@plexa/protocol'
import { z } from 'zod'

/** Which error codes a route can answer, from what it is: its access level, its body, its object. */
export function errorCodesOf(key: RouteKey): ApiErrorCode[] {
  const def: RouteDef = ROUTES[key]
  const engine = (Object.keys(HTTP_STATUS) as ApiErrorCode[]).filter((c) => !(API_ONLY_CODES as readonly string[]).includes(c))
  const codes = new Set<ApiErrorCode>(['VM_INTERNAL'])
  if (def.access !== 'public') for (const c of ['VM_UNAUTHORIZED', 'VM_TOKEN_REFUSED'] as const) codes.add(c)
  if (def.access === 'admin' || def.access === 'lab') codes.add('VM_FORBIDDEN')
  if (def.access === 'lab') codes.add('VM_LAB_DISABLED')
  // every route validates its query string, a GET's included (rule 384)
  codes.add('VM_INVALID_PARAM')
  if (def.method !== 'GET') for (const c of ['VM_BAD_REQUEST', 'VM_TOO_LARGE', 'VM_BAD_ORIGIN'] as const) codes.add(c)
  if (key === 'POST /api/session') codes.add('VM_RATE_LIMITED')
  if (key === 'POST /api/users') codes.add('VM_EXISTS')
  if (key === 'POST /api/alerts/:alert/ack') codes.add('VM_NOT_FOUND')
  // routes on disk groups, tasks and lab objects reach the engine: any of its codes
  if (/^\/api\/(dgs|tasks|lab|imports)\//.test(def.path)) for (const c of engine) codes.add(c)
  return [...codes]
}

const JSON_TYPE = 'application/json'

/** Names the top-level schemas (request and response bodies) as components, by their export name. */
function named(): Map<z.ZodType, z.ZodType> {
  const out = new Map<z.ZodType, z.ZodType>()
  for (const [name, schema] of [...Object.entries(schemas), ...Object.entries(responses)]) {
    if (schema instanceof z.ZodType && !out.has(schema)) out.set(schema, schema.meta({ id: name }))
  }
  return out
}

type Document = z.input<typeof responses.OpenApiDocument>

function build(version: string): Document {
  const registry = new OpenAPIRegistry()
  registry.registerComponent('securitySchemes', 'bearer', { type: 'http', scheme: 'bearer', description: 'an API token (DATA/admin-credential.txt, or POST /api/tokens)' })
  registry.registerComponent('securitySchemes', 'session', { type: 'apiKey', in: 'cookie', name: 'plexa_session', description: 'the browser session set by POST /api/session' })
  const names = named()
  const errorBody = z
    .object({
      error: z.object({
        code: z.enum(Object.keys(HTTP_STATUS) as [ApiErrorCode, ...ApiErrorCode[]]),
        message: z.string(),
        details: z.object({ disks: z.array(responses.UnusableDisk).optional(), importedBy: z.string().optional() }).optional().describe('VM_MISSING_DISKS: the disks without a usable device; VM_BUSY at import: the other host that has the group imported'),
      }),
    })
    .meta({ id: 'Error', description: 'every failed request; the codes a status carries are listed with it' })
  const ref = (s: z.ZodType) => names.get(s) ?? s
  for (const key of Object.keys(ROUTES) as RouteKey[]) {
    const def: RouteDef = ROUTES[key]
    const params = [...def.path.matchAll(/:([a-z]+)/g)].map((m) => m[1]!)
    const byStatus = new Map<number, ApiErrorCode[]>()
    for (const c of errorCodesOf(key)) byStatus.set(HTTP_STATUS[c], [...(byStatus.get(HTTP_STATUS[c]) ?? []), c])
    const errors = Object.fromEntries(
      [...byStatus].map(([status, codes]) => [
        String(status),
        {
          description: codes.join(', '),
          content: { [JSON_TYPE]: { schema: errorBody } },
        },
      ]),
    )
    const ok = Object.fromEntries(def.status.map((st) => [String(st), { description: st === 202 ? 'accepted: the task started' : 'success', content: { [JSON_TYPE]: { schema: ref(def.response) } } }]))
    registry.registerPath({
      method: def.method.toLowerCase() as 'get' | 'post' | 'patch' | 'delete',
      path: def.path.replace(/:([a-z]+)/g, '{$1}'),
      operationId: key.replace(/[^A-Za-z0-9]+(.)?/g, (_, ch: string | undefined) => (ch ?? '').toUpperCase()),
      summary: def.summary,
      tags: [def.path.split('/')[2]!],
      'x-plexa-access': def.access,
      security: def.access === 'public' ? [] : [{ bearer: [] }, { session: [] }],
      request: {
        ...(params.length ? { params: z.object(Object.fromEntries(params.map((p) => [p, z.string()]))) } : {}),
        ...(def.body ? { body: { required: true, content: { [JSON_TYPE]: { schema: ref(def.body) } } } } : {}),
        ...(def.query ? { query: def.query as z.ZodObject } : {}),
      },
      responses: { ...ok, ...errors },
    })
  }
  registry.registerPath({
    method: 'get',
    path: '/metrics',
    operationId: 'getMetrics',
    summary: 'Prometheus metrics in the text exposition format (bearer token, or open on loopback)',
    tags: ['metrics'],
    responses: { 200: { description: 'the metrics', content: { 'text/plain': { schema: z.string() } } }, 401: { description: 'VM_UNAUTHORIZED, VM_TOKEN_REFUSED' } },
  })
  return new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: { title: 'Plexa HTTP API', version, description: 'Generated from the route table in packages/protocol/src/api.ts. Errors are {"error": {"code": "VM_...", "message": "...", "details"?: {...}}}.' },
    servers: [{ url: '/' }],
  }) as Document
}

let cached: Document | undefined

/** The OpenAPI 3.1 document of the route table (built once: the schemas' component ids are global). */
export function openApiDocument(version: string): Document {
  cached ??= build(version)
  return cached
}
