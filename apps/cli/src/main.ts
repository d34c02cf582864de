// The `plexa` command: talks to a running server (URL and token from the data directory, the
// environment or flags). `plexa serve` runs the server itself.
import { runCli, serveArgs } from './cli.ts'

const argv = process.argv.slice(2)
const served = serveArgs(argv)
if (served) (await import('../../server/src/serve.ts')).serve(served)
else process.exitCode = await runCli(argv)
