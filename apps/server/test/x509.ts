import { execFile } from 'node:child_process'
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'

const run = promisify(execFile)

/**
 * A throwaway CA and a server certificate for 127.0.0.1 and localhost, made with openssl in `dir`:
 * `server/` holds ca-cert.pem, server-cert.pem and server-key.pem (as our --nbd-tls-certificates
 * and nbdkit's --tls-certificates want them), `client/` the ca-cert.pem a client verifies with (qemu's
 * tls-creds-x509 dir, libnbd's tls-certificates).
 */
export async function makeCertificates(dir: string): Promise<{ serverDir: string; clientDir: string }> {
  const serverDir = join(dir, 'server')
  const clientDir = join(dir, 'client')
  await mkdir(serverDir, { recursive: true })
  await mkdir(clientDir, { recursive: true })
  const ssl = (...args: string[]) => run('openssl', args, { cwd: dir })
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes']
  await ssl('req', '-x509', ...ec, '-keyout', 'ca-key.pem', '-out', join(clientDir, 'ca-cert.pem'), '-days', '2', '-subj', '/CN=plexa test CA')
  await ssl('req', ...ec, '-keyout', join(serverDir, 'server-key.pem'), '-out', 'server.csr', '-subj', '/CN=127.0.0.1')
  await writeFile(join(dir, 'ext.cnf'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n')
  await ssl('x509', '-req', '-in', 'server.csr', '-CA', join(clientDir, 'ca-cert.pem'), '-CAkey', 'ca-key.pem', '-CAcreateserial', '-out', join(serverDir, 'server-cert.pem'), '-days', '2', '-extfile', 'ext.cnf')
  await ssl('x509', '-in', join(clientDir, 'ca-cert.pem'), '-out', join(serverDir, 'ca-cert.pem'))
  return { serverDir, clientDir }
}
