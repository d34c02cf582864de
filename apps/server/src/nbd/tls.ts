import { randomBytes } from 'node:crypto'
import { readFile, writeFile } from 'node:fs/promises'
import type { Socket } from 'node:net'
import { join } from 'node:path'
import { type SecureContext, TLSSocket, createSecureContext } from 'node:tls'

/**
 * NBD over TLS (NBD_OPT_STARTTLS): `off`, `on` (clients may upgrade) or `require` (nothing but
 * STARTTLS before the upgrade), as nbdkit's `--tls`.
 */
export type NbdTlsMode = 'off' | 'on' | 'require'

/** The server's TLS credentials: pre-shared keys (nbdkit's `--tls-psk`) and/or an x509 certificate. */
export interface NbdTls {
  mode: 'on' | 'require'
  /** Identity -> key, from a psktool file (`identity:hexkey` lines). */
  psk?: Map<string, Buffer>
  /** x509: `server-cert.pem` and `server-key.pem` of a directory, as nbdkit's `--tls-certificates`. */
  context?: SecureContext
}

/** PSK ciphers GnuTLS clients (qemu, libnbd) offer with TLS 1.2, as nbdkit enables them. */
const PSK_CIPHERS = 'ECDHE-PSK-AES256-CBC-SHA384:ECDHE-PSK-AES128-CBC-SHA256:PSK-AES256-GCM-SHA384:PSK-AES128-GCM-SHA256:DHE-PSK-AES256-GCM-SHA384:DHE-PSK-AES128-GCM-SHA256'

/** Parses a psktool file: `identity:hexkey` a line. */
export function parsePskFile(text: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>()
  for (const line of text.split('\n')) {
    const l = line.trim()
    if (!l || l.startsWith('#')) continue
    const i = l.lastIndexOf(':')
    const key = l.slice(i + 1)
    if (i <= 0 || !/^([0-9a-fA-F]{2})+$/.test(key)) throw new Error(`a PSK file line is "identity:hexkey", not ${JSON.stringify(l.slice(0, 40))}`)
    out.set(l.slice(0, i), Buffer.from(key, 'hex'))
  }
  if (out.size === 0) throw new Error('the PSK file holds no key')
  return out
}

/** Loads the credentials the administrator gave (a PSK file, a certificates directory). */
export async function loadNbdTls(mode: 'on' | 'require', o: { pskFile?: string | undefined; certificatesDir?: string | undefined }): Promise<NbdTls> {
  const tls: NbdTls = { mode }
  if (o.pskFile) tls.psk = parsePskFile(await readFile(o.pskFile, 'utf8'))
  if (o.certificatesDir) {
    tls.context = createSecureContext({
      cert: await readFile(join(o.certificatesDir, 'server-cert.pem')),
      key: await readFile(join(o.certificatesDir, 'server-key.pem')),
    })
  }
  return tls
}

/** Writes a new PSK file with one identity `plexa` and a random 256-bit key (mode 0600). */
export async function createPskFile(path: string): Promise<void> {
  await writeFile(path, `plexa:${randomBytes(32).toString('hex')}\n`, { mode: 0o600, flag: 'wx' })
}

/** Runs the server side of the TLS handshake on a connection whose STARTTLS was acknowledged. */
export function startTls(plain: Socket, tls: NbdTls): Promise<TLSSocket> {
  const psk = tls.psk
  const secure = new TLSSocket(plain, {
    isServer: true,
    ...(tls.context ? { secureContext: tls.context } : {}),
    ...(psk
      ? {
          // PSK is TLS 1.2 only in Node; an x509 certificate allows TLS 1.3 too
          ...(tls.context ? {} : { maxVersion: 'TLSv1.2' as const, minVersion: 'TLSv1.2' as const }),
          ciphers: tls.context ? `${PSK_CIPHERS}:DEFAULT` : PSK_CIPHERS,
          pskCallback: (_s: TLSSocket, identity: string) => psk.get(identity) ?? null,
        }
      : {}),
  } as ConstructorParameters<typeof TLSSocket>[1])
  return new Promise((resolve, reject) => {
    const fail = (e?: unknown) => reject(e instanceof Error ? e : new Error('the TLS handshake did not finish'))
    secure.once('secure', () => {
      secure.off('error', fail)
      secure.off('close', fail)
      resolve(secure)
    })
    secure.once('error', fail)
    secure.once('close', fail)
  })
}
