import { type ChildProcess, spawn } from 'node:child_process'
import { createServer } from 'node:net'

/** A free TCP port on loopback. */
export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer()
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port
      s.close(() => resolve(p))
    })
  })
}

/** Runs nbdkit in the foreground on a free port; resolves once it accepts connections. */
export async function startNbdkit(args: string[]): Promise<{ url: string; port: number; stop(): Promise<void>; child: ChildProcess }> {
  const port = await freePort()
  const child = spawn('nbdkit', ['-f', '-i', '127.0.0.1', '-p', String(port), '--exit-with-parent', ...args], { stdio: ['ignore', 'ignore', 'pipe'] })
  let err = ''
  child.stderr!.on('data', (d) => (err += d))
  const { connect } = await import('node:net')
  for (let i = 0; i < 200; i++) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect({ host: '127.0.0.1', port }, () => {
        s.destroy()
        resolve(true)
      })
      s.on('error', () => resolve(false))
    })
    if (ok) break
    if (child.exitCode !== null) throw new Error(`nbdkit exited: ${err}`)
    await new Promise((r) => setTimeout(r, 25))
  }
  return {
    url: `nbd://127.0.0.1:${port}`,
    port,
    child,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve()
        child.once('exit', () => resolve())
        child.kill('SIGTERM')
      }),
  }
}
