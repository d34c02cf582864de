// The `plexa` command: talks to a running server (URL and token from the data directory, the
// environment or flags). `plexa serve` runs the server itself.
import { runCli } from './cli.ts'

if (process.argv[2] === 'serve') {
  await import('../../server/src/main.ts')
} else {
  process.exitCode = await runCli(process.argv.slice(2))
}
