import { validate } from '@readme/openapi-parser'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { HTTP_STATUS, ROUTES, type RouteKey } from '@plexa/protocol'
import { errorCodesOf } from '../src/http/openapi.ts'
import { type TestServer, call, testServer } from './harness.ts'

type Operation = { operationId: string; requestBody?: { content: Record<string, unknown> }; responses: Record<string, { description: string; content?: Record<string, { schema: unknown }> }> }

describe('GET /api/openapi.json (rule 94)', () => {
  let t: TestServer
  let doc: { openapi: string; paths: Record<string, Record<string, Operation>> }
  beforeAll(async () => {
    t = await testServer()
    const r = await call(t.url, 'GET', '/api/openapi.json')
    expect(r.status).toBe(200)
    doc = r.body
  })
  afterAll(async () => {
    await t.close()
  })

  it('is a valid OpenAPI 3.1 document (@readme/openapi-parser)', async () => {
    expect(doc.openapi).toBe('3.1.0')
    // validate() dereferences in place: give it a copy
    const result = await validate(structuredClone(doc) as never)
    expect(result.valid, JSON.stringify(result.valid ? result.warnings : result.errors)).toBe(true)
  })

  it('has every route of the table, with its body, its success answers and its error codes', () => {
    for (const key of Object.keys(ROUTES) as RouteKey[]) {
      const def = ROUTES[key]
      const op = doc.paths[def.path.replace(/:([a-z]+)/g, '{$1}')]?.[def.method.toLowerCase()]
      expect(op, key).toBeDefined()
      expect(Boolean(op!.requestBody), `${key} body`).toBe(def.body !== undefined)
      for (const st of def.status) expect(op!.responses[String(st)]?.content?.['application/json'], `${key} ${st}`).toBeDefined()
      for (const code of errorCodesOf(key)) expect(op!.responses[String(HTTP_STATUS[code])]?.description.split(', '), `${key} ${code}`).toContain(code)
    }
    const operations = Object.values(doc.paths).flatMap((p) => Object.values(p))
    expect(operations.length).toBe(Object.keys(ROUTES).length + 1) // and GET /metrics
  })

  it('refuses an unknown body field in the document as the server does (strict request schemas)', () => {
    const op = doc.paths['/api/dgs/{dg}/plexes/{plex}/det']!.post!
    const schema = (op.requestBody!.content['application/json'] as { schema: { $ref?: string } }).schema
    const body = schema.$ref ? (doc as unknown as { components: { schemas: Record<string, { additionalProperties?: boolean }> } }).components.schemas[schema.$ref.split('/').pop()!] : schema
    expect((body as { additionalProperties?: boolean }).additionalProperties).toBe(false)
  })
})
