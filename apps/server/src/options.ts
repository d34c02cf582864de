import { resolve } from 'node:path'

/** What `plexa serve` is told, from flags first, then the environment, then defaults. */
export interface ServeOptions {
  dataDir: string
  host: string
  port: number
  nbdPort: number
  /** Create the demo disk group when the data directory holds none (lab mode on). */
  demo: boolean
  lab: boolean
  /** Allow lab endpoints although the server listens beyond loopback. */
  labRemote: boolean
  /** Host names the HTTP side answers to besides its bind address and localhost. */
  allowedHosts?: string[]
}

export class OptionsError extends Error {}

const FLAGS = ['--data', '--host', '--port', '--nbd-port', '--allowed-hosts', '--demo', '--lab', '--lab-remote', '--help'] as const

export const SERVE_USAGE = `usage: plexa serve [--data DIR] [--host H] [--port N] [--nbd-port N] [--demo] [--lab] [--lab-remote]
  --data DIR      data directory (disk images, users, audit log); env PLEXA_DATA, default ./data
  --host H        address to listen on; env PLEXA_HOST, default 127.0.0.1 (beyond loopback is your explicit choice)
  --port N        HTTP/WebSocket port; env PLEXA_PORT, default 8080 (0 = any free port)
  --nbd-port N    NBD port; env PLEXA_NBD_PORT, default 10809
  --allowed-hosts H,H  host names browsers may use for this server besides its address and localhost
                  (DNS rebinding defence: any other Host header is refused); env PLEXA_ALLOWED_HOSTS
  --demo          create the demo disk group demodg when the data directory has none; turns lab mode on
  --lab           lab mode: fail or restore disks, add latency, run write loads (rehearsal and tests only)
  --lab-remote    allow lab mode although --host is not a loopback address`

function port(value: string | undefined, what: string, fallback: number): number {
  if (value === undefined || value === '') return fallback
  const n = Number(value)
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new OptionsError(`${what} must be a port number 0-65535, not ${JSON.stringify(value)}`)
  return n
}

export function parseServeOptions(argv: readonly string[], env: NodeJS.ProcessEnv): ServeOptions | 'help' {
  const flags = new Map<string, string | true>()
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!
    const [key, inline] = a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined]
    if (!(FLAGS as readonly string[]).includes(key)) throw new OptionsError(`unknown option ${key}`)
    if (key === '--demo' || key === '--lab' || key === '--lab-remote' || key === '--help') {
      flags.set(key, true)
      continue
    }
    const value = inline ?? argv[++i]
    if (value === undefined || value.startsWith('--')) throw new OptionsError(`${key} needs a value`)
    flags.set(key, value)
  }
  if (flags.has('--help')) return 'help'
  const str = (f: string) => (typeof flags.get(f) === 'string' ? (flags.get(f) as string) : undefined)
  const demo = flags.has('--demo')
  return {
    dataDir: resolve(str('--data') ?? env.PLEXA_DATA ?? './data'),
    host: str('--host') ?? env.PLEXA_HOST ?? '127.0.0.1',
    port: port(str('--port') ?? env.PLEXA_PORT, 'port', 8080),
    nbdPort: port(str('--nbd-port') ?? env.PLEXA_NBD_PORT, 'nbd port', 10809),
    demo,
    lab: demo || flags.has('--lab'),
    labRemote: flags.has('--lab-remote'),
    allowedHosts: (str('--allowed-hosts') ?? env.PLEXA_ALLOWED_HOSTS ?? '').split(',').map((h) => h.trim()).filter(Boolean),
  }
}

/** True for addresses that only this machine can reach. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\./.test(host)
}
