import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll } from 'vitest'
import { type TestServer, testServer } from '../../server/test/harness.ts'

/** The compiled `plexa` (bin/plexa.cjs runs dist/plexa.js with plain node). */
const BIN = fileURLToPath(new URL('../bin/plexa.cjs', import.meta.url))

/** What a run of `plexa` gave: its exit status and its output. */
export interface PlexaRun {
  code: number
  stdout: string
  stderr: string
}

/** Runs the compiled `plexa` with `args` (and `env` over this process's environment). */
export function plexa(args: string[], env: Record<string, string> = {}): Promise<PlexaRun> {
  return new Promise((resolve) => {
    execFile(BIN, args, { env: { ...process.env, ...env }, timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr })
    })
  })
}

/**
 * A test server for the enclosing `describe` (started before its tests, closed after them) and
 * `as(args)`: `plexa --data DIR args` against it, as an administrator on that machine runs it.
 */
export function cliAgainstServer(): { readonly t: TestServer; as(args: string[]): Promise<PlexaRun> } {
  let t: TestServer | undefined
  beforeAll(async () => {
    t = await testServer()
  })
  afterAll(async () => {
    await t?.close()
  })
  return {
    get t() {
      return t!
    },
    as: (args) => plexa(['--data', t!.dir, ...args]),
  }
}
