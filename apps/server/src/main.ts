// `plexa serve` / `npm start`: the only module with side effects.
import { EXIT, exitStatusFor } from '@plexa/protocol'
import { OptionsError, SERVE_USAGE, parseServeOptions } from './options.ts'
import { startServer } from './server.ts'

async function main(argv: string[]): Promise<number> {
  let opts
  try {
    opts = parseServeOptions(argv, process.env)
  } catch (e) {
    if (e instanceof OptionsError) {
      console.error(`plexa serve: ${e.message}\n${SERVE_USAGE}`)
      return 2
    }
    throw e
  }
  if (opts === 'help') {
    console.log(SERVE_USAGE)
    return 0
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

main(process.argv.slice(2).filter((a, i) => !(i === 0 && a === 'serve'))).then(
  (code) => {
    if (code >= 0) process.exit(code)
  },
  (e: unknown) => {
    const code = (e as { code?: string }).code
    console.error(`plexa serve: ${code ?? 'error'}: ${e instanceof Error ? e.message : String(e)}`)
    // the exit statuses of `plexa --help` (rule 244): busy data (VM_BUSY) or port is a refusal
    process.exit(code === 'EADDRINUSE' ? EXIT.REFUSED : exitStatusFor(code ?? ''))
  },
)
