import { describe, expect, it, vi } from 'vitest'

describe('the protocol under the console\'s CSP (rule 169)', () => {
  it('169: in a browser, building the schemas never evaluates code (zod\'s new Function probe is skipped); outside one the parsers stay compiled', async () => {
    const made: string[] = []
    const RealFunction = globalThis.Function
    const spy = new Proxy(RealFunction, {
      construct(target, args) {
        made.push(String(args.at(-1)))
        return Reflect.construct(target, args)
      },
    })
    vi.resetModules()
    const zod = await import('zod')
    const core = await import('zod/v4/core')
    const before = core.globalConfig.jitless
    expect(before).toBeFalsy() // the server's and the CLI's default
    ;(globalThis as { document?: unknown }).document = {}
    globalThis.Function = spy as FunctionConstructor
    try {
      await import('../src/index.ts')
      expect(core.globalConfig.jitless).toBe(true)
      // a schema built and used now parses without compiling anything
      expect(zod.z.object({ a: zod.z.number() }).parse({ a: 1 })).toEqual({ a: 1 })
      expect(made).toEqual([])
    } finally {
      globalThis.Function = RealFunction
      delete (globalThis as { document?: unknown }).document
      zod.config({ jitless: before })
    }
  })
})
