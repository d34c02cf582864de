// Before any test: the compiled server and CLI are brought up to date (esbuild, about a second), so
// the tests that run the `plexa` bin or the compiled server run what a user gets, built from the
// sources being tested.
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

export default function setup(): void {
  const r = spawnSync(process.execPath, [fileURLToPath(new URL('./build.mjs', import.meta.url)), 'node'], { stdio: 'inherit' })
  if (r.status !== 0) throw new Error('the build of the server and the CLI failed')
}
