import { type ChildProcess, execFile, spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterEach, beforeEach } from 'vitest'

const run = promisify(execFile)

/**
 * Runs a client tool (qemu-io, nbdinfo, ...); resolves with its output and exit code, never rejects
 * on an exit code. `cwd` is where a tool that leaves files behind (fio's verify state) runs: a
 * test's own directory, never the repository.
 */
export async function runTool(cmd: string, args: string[], opts: { timeout?: number; cwd?: string } = {}): Promise<{ code: number; out: string }> {
  try {
    const r = await run(cmd, args, { timeout: opts.timeout ?? 120_000, maxBuffer: 64 << 20, ...(opts.cwd ? { cwd: opts.cwd } : {}) })
    return { code: 0, out: r.stdout + r.stderr }
  } catch (e) {
    const x = e as { code?: number; stdout?: string; stderr?: string }
    return { code: typeof x.code === 'number' ? x.code : 1, out: (x.stdout ?? '') + (x.stderr ?? '') }
  }
}

/**
 * Registers, in the calling test file, a hook that runs after every test whatever its outcome
 * (passed, failed, timed out while still waiting on the process) and kills with SIGKILL each
 * tracked process that still runs, with its whole process group when it was spawned `detached`
 * (so a server a shell started goes too), then waits for it to exit. A process tracked after its
 * test ended (the body of a test that timed out goes on running) is killed at once. Returns
 * `track`, which a test calls on every process it spawns (rule 180).
 */
export function killAfterEach(): <C extends ChildProcess>(child: C) => C {
  const running = new Set<ChildProcess>()
  let testEnded = true
  beforeEach(() => {
    testEnded = false
  })
  afterEach(async () => {
    testEnded = true
    const all = [...running]
    running.clear()
    await Promise.all(all.map(killAndReap))
  })
  return (child) => {
    if (testEnded) void killAndReap(child)
    else running.add(child)
    return child
  }
}

/** Whether `child` has not exited yet. */
export function isRunning(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null
}

async function killAndReap(child: ChildProcess): Promise<void> {
  if (!isRunning(child) || child.pid === undefined) return
  const exited = new Promise((resolve) => child.once('exit', resolve))
  try {
    process.kill(-child.pid, 'SIGKILL') // its process group, when spawned detached
  } catch {
    child.kill('SIGKILL') // not a group leader: the process alone
  }
  await exited
}

const MAIN = fileURLToPath(new URL('../src/main.ts', import.meta.url))

/**
 * Runs `plexa serve --lab` on `dir` in its own process (killed after the test by `track`, rule 180)
 * and resolves with its URL once it listens.
 */
export function serveProcess(track: ReturnType<typeof killAfterEach>, dir: string): Promise<{ child: ChildProcess; url: string; output: () => string }> {
  const child = track(spawn(process.execPath, ['--import', 'tsx', MAIN, 'serve', '--data', dir, '--port', '0', '--nbd-port', '0', '--lab'], { stdio: ['ignore', 'pipe', 'pipe'], detached: true }))
  let out = ''
  child.stdout!.on('data', (d) => (out += d))
  child.stderr!.on('data', (d) => (out += d))
  return new Promise((resolve, reject) => {
    const onData = () => {
      const m = /listening on (http:\/\/\S+)/.exec(out)
      if (m) {
        child.stdout!.off('data', onData)
        resolve({ child, url: m[1]!, output: () => out })
      }
    }
    child.stdout!.on('data', onData)
    child.once('exit', (code) => reject(new Error(`server exited ${code}: ${out}`)))
  })
}
