import { createServer } from 'node:net'

/** A port `plexa serve` is to listen on is taken by another process. */
export class PortBusyError extends Error {
  readonly code = 'VM_PORT_BUSY'
  readonly port: number
  constructor(what: string, host: string, port: number, options?: ErrorOptions) {
    super(`the ${what} port ${host}:${port} is in use by another process (choose another with --${what === 'HTTP' ? 'port' : 'nbd-port'})`, options)
    this.name = 'PortBusyError'
    this.port = port
  }
}

/**
 * Throws `PortBusyError` when one of these ports cannot be listened on at `host`, before the server
 * opens its data directory: a start that cannot listen changes nothing there (no demo group, no
 * credentials). Port 0 (any free port) is always free. Another error (an unknown host) is thrown as is.
 */
export async function assertPortsFree(host: string, ports: ReadonlyArray<{ what: 'HTTP' | 'NBD'; port: number }>): Promise<void> {
  for (const { what, port } of ports) {
    if (port === 0) continue
    const probe = createServer()
    await new Promise<void>((resolve, reject) => {
      probe.once('error', (e: NodeJS.ErrnoException) => reject(e.code === 'EADDRINUSE' ? new PortBusyError(what, host, port, { cause: e }) : e))
      probe.listen(port, host, () => probe.close(() => resolve()))
    })
  }
}
