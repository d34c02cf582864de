// Startup benchmark (issue 19): the compiled `plexa print` against `node -e 0`, and the compiled
// server's time from start to serving the demo, first start (demo created) and restart.
//   PLEXA_BENCH_RUNS=N   runs of each command (default 15), interleaved
import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { line, median } from '../../../packages/engine/bench/util.ts'

const ROOT = fileURLToPath(new URL('../../..', import.meta.url))
const SERVER = join(ROOT, 'apps/server/dist/main.js')
const BIN = join(ROOT, 'apps/cli/bin/plexa.cjs')
const RUNS = Number(process.env.PLEXA_BENCH_RUNS ?? 15)

if (spawnSync(process.execPath, [join(ROOT, 'scripts/build.mjs'), 'node'], { stdio: 'inherit' }).status !== 0) throw new Error('build failed')

/** Wall-clock milliseconds of one run of node with these arguments. */
function wall(args: string[]): number {
  const t0 = process.hrtime.bigint()
  const r = spawnSync(process.execPath, args, { stdio: ['ignore', 'ignore', 'inherit'] })
  if (r.status !== 0) throw new Error(`${args.join(' ')} exited ${r.status}`)
  return Number(process.hrtime.bigint() - t0) / 1e6
}

/** Starts the compiled server on the demo; times when it listens and when every volume is started. */
async function serve(dir: string): Promise<{ child: ChildProcess; listening: number; serving: number }> {
  const t0 = performance.now()
  const child = spawn(process.execPath, [SERVER, 'serve', '--demo', '--data', dir, '--port', '0', '--nbd-port', '0'], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, UV_THREADPOOL_SIZE: '16' } })
  let out = ''
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (d) => {
      out += d
      const m = /listening on (http:\/\/\S+)/.exec(out)
      if (m) resolve(m[1]!)
    })
    child.once('exit', (c) => reject(new Error(`server exited ${c}: ${out}`)))
  })
  const listening = performance.now() - t0
  const token = /token: (\S+)/.exec(readFileSync(join(dir, 'admin-credential.txt'), 'utf8'))![1]!
  for (;;) {
    const g = (await (await fetch(`${url}/api/dgs/demodg`, { headers: { authorization: `Bearer ${token}` } })).json()) as { config?: { volumes: Array<{ v_kstate: string }> } }
    if (g.config?.volumes.every((v) => v.v_kstate === 'ENABLED')) break
    await new Promise((r) => setTimeout(r, 5))
  }
  return { child, listening, serving: performance.now() - t0 }
}

async function stop(child: ChildProcess): Promise<void> {
  const exited = new Promise((r) => child.once('exit', r))
  child.kill('SIGTERM')
  await exited
}

const dir = await mkdtemp(join(tmpdir(), 'plexa-startup-'))
try {
  const first = await serve(dir)
  await stop(first.child)
  const again = await serve(dir)
  try {
    const print: number[] = []
    const bare: number[] = []
    for (let i = 0; i < RUNS; i++) {
      bare.push(wall(['-e', '0']))
      print.push(wall([BIN, '--data', dir, 'print']))
    }
    console.log(JSON.stringify(line('cli.print.wall', median(print), 'ms', 'node -e 0', median(bare), false)))
  } finally {
    await stop(again.child)
  }
  // the baseline of a start is the time it takes to listen: the rest is opening the disks and starting the volumes
  console.log(JSON.stringify(line('server.start.demo_created.serving', first.serving, 'ms', 'listening', first.listening, false)))
  console.log(JSON.stringify(line('server.start.restart.serving', again.serving, 'ms', 'listening', again.listening, false)))
} finally {
  await rm(dir, { recursive: true, force: true })
}
