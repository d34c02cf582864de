import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type TestServer, testServer } from './harness.ts'

/** The policy's directives by name. */
function directives(policy: string): Map<string, string[]> {
  return new Map(policy.split(';').map((d) => d.trim().split(/\s+/)).filter((d) => d[0]).map(([name, ...values]) => [name!, values]))
}

describe('the web console\'s Content-Security-Policy (rule 169)', () => {
  let t: TestServer
  beforeAll(async () => {
    t = await testServer()
  })
  afterAll(async () => {
    await t.close()
  })

  it('169: every page sets script-src explicitly (own scripts only: no eval, no inline script), and no directive falls back to default-src unsaid', async () => {
    for (const path of ['/', '/index.html', '/some/route']) {
      const r = await fetch(`${t.url}${path}`)
      const csp = directives(r.headers.get('content-security-policy') ?? '')
      expect(csp.get('script-src'), path).toEqual(["'self'"])
      expect(csp.get('default-src'), path).toEqual(["'self'"])
      for (const name of ['style-src', 'img-src', 'font-src', 'connect-src', 'object-src', 'base-uri', 'form-action', 'frame-ancestors']) expect(csp.has(name), `${path} ${name}`).toBe(true)
      expect(csp.get('object-src')).toEqual(["'none'"])
    }
  })
})
