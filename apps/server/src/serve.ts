// `plexa serve`: parse the options, start the server, stop it cleanly on SIGINT/SIGTERM. Run by
// main.ts (`node apps/server/dist/main.js serve ...`) and by the `plexa` command.
import { EXIT, exitStatusFor } from '@plexa/protocol'
import { OptionsError, SERVE_USAGE, parseServeOptions } from './options.ts'
import { startServer } from './server.ts'

async function serveOrStatus(argv: string[]): Promise<number> {
  let opts
  try {
    opts = parseServeOptions(argv, process.env)
  } catch (e) {
    if (e instanceof OptionsError) {
      console.error(`plexa serve: VM_USAGE: ${e.message}\n${SERVE_USAGE}`)
      return EXIT.USAGE
    }
    throw e
  }
  if (opts === 'help') {
    console.log(SERVE_USAGE)
    return EXIT.OK
  }
  const running = await startServer(opts)
  console.log(`Plexa is listening on ${running.url}`)
  const tls = running.nbd.tlsMode
  console.log(`NBD exports (started volumes${opts.nbdExports ? `: ${opts.nbdExports}` : ''}) on ${tls === 'require' ? 'nbds' : 'nbd'}://${opts.host}:${running.nbdPort}/VOLUME${tls === 'off' ? '' : ` (TLS ${tls})`}`)
  console.log(`Log in at ${running.url}/ (user admin; password in ${opts.dataDir}/admin-credential.txt)`)
  if (running.loginUrl) console.log(`or open ${running.loginUrl} (logs admin in once, within 10 minutes)`)
  let stopping = false
  const stop = async (signal: string) => {
    if (stopping) return
    stopping = true
    console.log(`${signal}: stopping volumes cleanly`)
    await running.close()
    process.exit(0)
  }
  process.on('SIGINT', () => void stop('SIGINT'))
  process.on('SIGTERM', () => void stop('SIGTERM'))
  return -1
}

/**
 * Runs `plexa serve` with these arguments (the verb `serve` among them or not, after `--data DIR`
 * as well as before it); the process exits with the status of `plexa --help` when the server does
 * not start: 2 a usage error, 5 refused (`VM_BUSY`: the data directory is another server's;
 * `VM_PORT_BUSY`: a port is taken), 6 failed.
 */
export function serve(argv: string[]): void {
  serveOrStatus(argv).then(
    (code) => {
      if (code >= 0) process.exit(code)
    },
    (e: unknown) => {
      const code = (e as { code?: string }).code
      console.error(`plexa serve: ${code ?? 'error'}: ${e instanceof Error ? e.message : String(e)}`)
      process.exit(exitStatusFor(code ?? ''))
    },
  )
}
