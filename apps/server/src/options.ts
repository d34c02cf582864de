import { readFileSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { z } from 'zod'
import { ExportPolicyError, parseExportPolicy } from './nbd/exportPolicy.ts'
import type { NbdTlsMode } from './nbd/tls.ts'

/** What `plexa serve` is told, from flags first, then the environment, then a config file, then defaults. */
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
  /** NBD over TLS: off, on (clients may upgrade) or require; default require beyond loopback. */
  nbdTls?: NbdTlsMode
  /** A psktool file (`identity:hexkey` lines), as nbdkit's --tls-psk. */
  nbdTlsPsk?: string
  /** A directory with server-cert.pem and server-key.pem, as nbdkit's --tls-certificates. */
  nbdTlsCertificates?: string
  /** Exported volumes (see nbd/exportPolicy.ts); default all. */
  nbdExports?: string
}

export class OptionsError extends Error {
  /** The flag, environment variable or config-file key at fault (`--port`, `PLEXA_PORT`, `FILE: "port"`). */
  readonly source: string | undefined
  constructor(message: string, source?: string) {
    super(source ? `${source}: ${message}` : message)
    this.source = source
  }
}

/**
 * Every option once: its config-file key, its flag, its environment variable. A flag, a variable
 * and a key of the file are three spellings of the same option, validated by one schema.
 */
const OPTIONS = {
  data: { flag: '--data', env: 'PLEXA_DATA', kind: 'string' },
  host: { flag: '--host', env: 'PLEXA_HOST', kind: 'string' },
  port: { flag: '--port', env: 'PLEXA_PORT', kind: 'number' },
  nbdPort: { flag: '--nbd-port', env: 'PLEXA_NBD_PORT', kind: 'number' },
  allowedHosts: { flag: '--allowed-hosts', env: 'PLEXA_ALLOWED_HOSTS', kind: 'list' },
  nbdTls: { flag: '--nbd-tls', env: 'PLEXA_NBD_TLS', kind: 'string' },
  nbdTlsPsk: { flag: '--nbd-tls-psk', env: 'PLEXA_NBD_TLS_PSK', kind: 'string' },
  nbdTlsCertificates: { flag: '--nbd-tls-certificates', env: 'PLEXA_NBD_TLS_CERTIFICATES', kind: 'string' },
  nbdExports: { flag: '--nbd-exports', env: 'PLEXA_NBD_EXPORTS', kind: 'string' },
  demo: { flag: '--demo', env: undefined, kind: 'boolean' },
  lab: { flag: '--lab', env: undefined, kind: 'boolean' },
  labRemote: { flag: '--lab-remote', env: undefined, kind: 'boolean' },
} as const

type Key = keyof typeof OPTIONS

const portNumber = z.number({ error: 'must be a port number 0-65535' }).int('must be a port number 0-65535').min(0, 'must be a port number 0-65535').max(65535, 'must be a port number 0-65535')

/** The one validated shape of the options, whichever way each was given. */
const Config = z.strictObject({
  data: z.string().min(1).default('./data'),
  host: z.string().min(1).default('127.0.0.1'),
  port: portNumber.default(8080),
  nbdPort: portNumber.default(10809),
  allowedHosts: z.array(z.string().min(1)).default([]),
  nbdTls: z.enum(['off', 'on', 'require'], { error: 'must be off, on or require' }).optional(),
  nbdTlsPsk: z.string().min(1).optional(),
  nbdTlsCertificates: z.string().min(1).optional(),
  nbdExports: z
    .string()
    .superRefine((v, ctx) => {
      try {
        parseExportPolicy(v)
      } catch (e) {
        if (!(e instanceof ExportPolicyError)) throw e
        ctx.addIssue({ code: 'custom', message: e.message })
      }
    })
    .optional(),
  demo: z.boolean().default(false),
  lab: z.boolean().default(false),
  labRemote: z.boolean().default(false),
})

export const SERVE_USAGE = `usage: plexa serve [--config FILE] [--data DIR] [--host H] [--port N] [--nbd-port N]
                   [--allowed-hosts H,H] [--nbd-tls off|on|require] [--nbd-tls-psk FILE]
                   [--nbd-tls-certificates DIR] [--nbd-exports LIST] [--demo] [--lab] [--lab-remote]
  --config FILE   a JSON file of these options by name: {"data", "host", "port", "nbdPort", "allowedHosts",
                  "nbdTls", "nbdTlsPsk", "nbdTlsCertificates", "nbdExports", "demo", "lab", "labRemote"};
                  env PLEXA_CONFIG. Flags and the environment override it; relative paths in it are
                  relative to the file
  --data DIR      data directory (disk images, users, audit log); env PLEXA_DATA, default ./data
  --host H        address to listen on; env PLEXA_HOST, default 127.0.0.1 (beyond loopback is your explicit choice)
  --port N        HTTP/WebSocket port; env PLEXA_PORT, default 8080 (0 = any free port)
  --nbd-port N    NBD port; env PLEXA_NBD_PORT, default 10809
  --allowed-hosts H,H  host names browsers may use for this server besides its address and localhost
                  (DNS rebinding defence: any other Host header is refused); env PLEXA_ALLOWED_HOSTS
  --nbd-tls M     NBD over TLS (NBD_OPT_STARTTLS): off, on (clients may upgrade) or require; default
                  require when --host is beyond loopback, else on with credentials, off without;
                  env PLEXA_NBD_TLS. Required TLS without credentials creates DIR/nbd-tls.psk
  --nbd-tls-psk FILE  pre-shared keys, psktool format (identity:hexkey); env PLEXA_NBD_TLS_PSK
  --nbd-tls-certificates DIR  server-cert.pem and server-key.pem; env PLEXA_NBD_TLS_CERTIFICATES
  --nbd-exports LIST  exported volumes: all (default), none, or VOLUME / DG/VOLUME names, each
                  with :ro for a read-only export (all:ro too); env PLEXA_NBD_EXPORTS
  --demo          create the demo disk group demodg when the data directory has none; turns lab mode on
  --lab           lab mode: fail or restore disks, add latency, run write loads (rehearsal and tests only)
  --lab-remote    allow lab mode although --host is not a loopback address
exit status (as plexa --help's): 0 stopped cleanly, 2 usage error, 5 refused (the data directory is
  another server's, VM_BUSY; a port is taken, VM_PORT_BUSY, before the data directory is touched),
  6 failed (the data could not be read)`

/** A flag's or a variable's text as the option's type; text that is not one stays text, for the schema to name. */
function fromText(key: Key, text: string): unknown {
  switch (OPTIONS[key].kind) {
    case 'number':
      return text.trim() !== '' && Number.isFinite(Number(text)) ? Number(text) : text
    case 'list':
      return text.split(',').map((h) => h.trim()).filter(Boolean)
    default:
      return text
  }
}

interface Given {
  value: unknown
  /** Where it came from, as the error names it: `--port`, `PLEXA_PORT`, `FILE: "port"`. */
  from: string
}

function readFlags(argv: readonly string[]): { given: Map<Key, Given>; config?: string; help: boolean } {
  const given = new Map<Key, Given>()
  const byFlag = new Map<string, Key>(Object.entries(OPTIONS).map(([k, o]) => [o.flag, k as Key]))
  let config: string | undefined
  let help = false
  let verb = false
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!
    // the verb itself, wherever it stands among the options (`plexa --data DIR serve`)
    if (a === 'serve' && !verb) {
      verb = true
      continue
    }
    const [flag, inline] = a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined]
    if (flag === '--help') {
      help = true
      continue
    }
    const key = byFlag.get(flag)
    if (!key && flag !== '--config') throw new OptionsError('unknown option', flag)
    if (key && OPTIONS[key].kind === 'boolean') {
      given.set(key, { value: true, from: flag })
      continue
    }
    const value = inline ?? argv[++i]
    if (value === undefined || value.startsWith('--')) throw new OptionsError('needs a value', flag)
    if (key) given.set(key, { value: fromText(key, value), from: flag })
    else config = value
  }
  return { given, ...(config !== undefined ? { config } : {}), help }
}

/** Options that name a file or directory. */
const PATHS = new Set<string>(['data', 'nbdTlsPsk', 'nbdTlsCertificates'])

function readConfigFile(path: string): Map<Key, Given> {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (e) {
    throw new OptionsError(`cannot read the config file: ${(e as NodeJS.ErrnoException).code ?? e}`, path)
  }
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (e) {
    throw new OptionsError(`not JSON: ${(e as Error).message}`, path)
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new OptionsError('must hold a JSON object of options', path)
  const out = new Map<Key, Given>()
  for (const [k, value] of Object.entries(json)) {
    if (!(k in OPTIONS)) throw new OptionsError(`unknown key (keys: ${Object.keys(OPTIONS).join(', ')})`, `${path}: "${k}"`)
    // a relative path is relative to the file, wherever the server is started from
    out.set(k as Key, { value: PATHS.has(k) && typeof value === 'string' ? resolve(dirname(path), value) : value, from: `${path}: "${k}"` })
  }
  return out
}

/**
 * Flags, then the environment, then the config file (`--config`, `PLEXA_CONFIG`), then defaults:
 * one merged record validated by one schema. An error names the flag, variable or file key.
 */
export function parseServeOptions(argv: readonly string[], env: NodeJS.ProcessEnv): ServeOptions | 'help' {
  const flags = readFlags(argv)
  if (flags.help) return 'help'
  const configPath = flags.config ?? env.PLEXA_CONFIG
  const file = configPath ? readConfigFile(resolve(configPath)) : new Map<Key, Given>()
  const merged = new Map<Key, Given>()
  for (const key of Object.keys(OPTIONS) as Key[]) {
    const variable = OPTIONS[key].env
    const fromEnv = variable && env[variable] !== undefined && env[variable] !== '' ? { value: fromText(key, env[variable]), from: variable } : undefined
    const g = flags.given.get(key) ?? fromEnv ?? file.get(key)
    if (g) merged.set(key, g)
  }
  const parsed = Config.safeParse(Object.fromEntries([...merged].map(([k, g]) => [k, g.value])))
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!
    const key = issue.path[0] as Key
    const g = merged.get(key)
    throw new OptionsError(`${issue.message}${g ? `, not ${JSON.stringify(g.value)}` : ''}`, g?.from ?? key)
  }
  const c = parsed.data
  return {
    dataDir: resolve(c.data),
    host: c.host,
    port: c.port,
    nbdPort: c.nbdPort,
    demo: c.demo,
    lab: c.demo || c.lab,
    labRemote: c.labRemote,
    allowedHosts: c.allowedHosts,
    ...(c.nbdTls ? { nbdTls: c.nbdTls } : {}),
    ...(c.nbdTlsPsk ? { nbdTlsPsk: resolve(c.nbdTlsPsk) } : {}),
    ...(c.nbdTlsCertificates ? { nbdTlsCertificates: resolve(c.nbdTlsCertificates) } : {}),
    ...(c.nbdExports ? { nbdExports: c.nbdExports } : {}),
  }
}

/** True for addresses that only this machine can reach. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\./.test(host)
}
