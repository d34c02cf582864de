// WebSocket fan-out benchmark: N clients, T tasks reporting progress, event latency p50/p99 and
// the server's CPU, against the same run with one client (DESIGN.md section 8 line format).
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { DiskGroup, createImageFile, openDevicePath } from '@plexa/engine'
import type { ServerMessage } from '@plexa/protocol'
import WebSocket from 'ws'
import { line, median } from '../../../packages/engine/bench/util.ts'

const MAIN = fileURLToPath(new URL('../src/main.ts', import.meta.url))
const CLIENTS = Number(process.env.PLEXA_BENCH_CLIENTS ?? 200)
const TASKS = Number(process.env.PLEXA_BENCH_TASKS ?? 100)
const SECONDS = 6

async function prepare(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'plexa-fanout-'))
  await mkdir(join(dir, 'disks'))
  const paths = [1, 2].map((i) => join(dir, 'disks', `fan-disk0${i}.img`))
  for (const p of paths) await createImageFile(p, 1 << 30)
  const dg = await DiskGroup.create({ name: 'fan', disks: await Promise.all(paths.map(async (p, i) => ({ name: `disk0${i + 1}`, device: await openDevicePath(p) }))) })
  await dg.makeRecords(
    Array.from({ length: TASKS }, (_, i) => [
      { type: 'sd' as const, name: `a${i}`, disk: 'disk01', len: 8192 },
      { type: 'sd' as const, name: `b${i}`, disk: 'disk02', len: 8192 },
      { type: 'plex' as const, name: `p${i}a`, sd: [`a${i}`] },
      { type: 'plex' as const, name: `p${i}b`, sd: [`b${i}`] },
      { type: 'vol' as const, name: `v${i}`, len: 8192, plex: [`p${i}a`, `p${i}b`] },
    ]).flat(),
  )
  await dg.close()
  return dir
}

function serve(dir: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, 'serve', '--data', dir, '--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] })
  let out = ''
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (d) => {
      out += d
      const m = /listening on (http:\/\/\S+)/.exec(out)
      if (m) resolve({ child, url: m[1]! })
    })
    child.once('exit', (c) => reject(new Error(`server exited ${c}`)))
  })
}

/** CPU seconds (user + system) the process has used, from /proc. */
async function cpuSeconds(pid: number): Promise<number> {
  const f = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1]!.split(' ')
  return (Number(f[11]) + Number(f[12])) / 100
}

/**
 * Scrapes /metrics every `everyMs` until stopped (a Prometheus far keener than its usual 15 s), and
 * times each scrape next to a GET /api/health made right after it.
 */
function scraper(url: string, token: string, everyMs: number): () => Promise<{ scrapeMs: number[]; healthMs: number[] }> {
  let stopped = false
  const scrapeMs: number[] = []
  const healthMs: number[] = []
  const timed = async (path: string) => {
    const t0 = performance.now()
    const r = await fetch(`${url}${path}`, { headers: { authorization: `Bearer ${token}` } })
    if (r.status !== 200) throw new Error(`${path} answered ${r.status}`)
    await r.text()
    return performance.now() - t0
  }
  const loop = (async () => {
    while (!stopped) {
      scrapeMs.push(await timed('/metrics'))
      healthMs.push(await timed('/api/health'))
      await new Promise((res) => setTimeout(res, everyMs))
    }
  })()
  return async () => {
    stopped = true
    await loop
    return { scrapeMs, healthMs }
  }
}

async function run(dir: string, clients: number, scrapeEvery = 0): Promise<{ p50: number; p99: number; cpu: number; events: number; scrapeMs: number; healthMs: number }> {
  const { child, url } = await serve(dir)
  try {
    const token = /token: (\S+)/.exec(await readFile(join(dir, 'admin-credential.txt'), 'utf8'))![1]!
    const api = (path: string, body: unknown) => fetch(url + path, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) })
    for (;;) {
      const g = await (await fetch(`${url}/api/dgs/fan`, { headers: { authorization: `Bearer ${token}` } })).json() as { config: { volumes: Array<{ v_kstate: string }> } }
      if (g.config.volumes.every((v) => v.v_kstate === 'ENABLED')) break
      await new Promise((r) => setTimeout(r, 100))
    }
    const lat: number[] = []
    let measuring = false
    const sockets = await Promise.all(
      Array.from({ length: clients }, () =>
        new Promise<WebSocket>((resolve, reject) => {
          const ws = new WebSocket(url.replace('http', 'ws') + '/ws', { headers: { authorization: `Bearer ${token}` } })
          ws.on('message', (d) => {
            const m = JSON.parse(d.toString()) as ServerMessage
            if (measuring && m.type === 'event' && m.event.type === 'task.progress') lat.push(Date.now() - m.event.at)
          })
          ws.once('open', () => resolve(ws))
          ws.once('error', reject)
        }),
      ),
    )
    // 4 MiB volumes at 256 KiB/s: each task runs ~16 s and reports progress all the while
    for (let i = 0; i < TASKS; i++) await api(`/api/dgs/fan/volumes/v${i}/resync`, { force: true, throttle: 256 * 1024 })
    await new Promise((r) => setTimeout(r, 1000))
    measuring = true
    const stopScraping = scrapeEvery ? scraper(url, token, scrapeEvery) : undefined
    const c0 = await cpuSeconds(child.pid!)
    const t0 = Date.now()
    await new Promise((r) => setTimeout(r, SECONDS * 1000))
    const cpu = ((await cpuSeconds(child.pid!)) - c0) / ((Date.now() - t0) / 1000)
    measuring = false
    const scrapes = await stopScraping?.()
    for (const ws of sockets) ws.terminate()
    lat.sort((a, b) => a - b)
    return { p50: lat[Math.floor(lat.length / 2)] ?? 0, p99: lat[Math.floor(lat.length * 0.99)] ?? 0, cpu, events: lat.length, scrapeMs: scrapes ? median(scrapes.scrapeMs) : 0, healthMs: scrapes ? median(scrapes.healthMs) : 0 }
  } finally {
    child.kill('SIGKILL')
  }
}

const dir = await prepare()
try {
  const one: Array<Awaited<ReturnType<typeof run>>> = []
  const many: Array<Awaited<ReturnType<typeof run>>> = []
  const scraped: Array<Awaited<ReturnType<typeof run>>> = []
  for (let i = 0; i < 2; i++) {
    one.push(await run(dir, 1))
    many.push(await run(dir, CLIENTS))
    scraped.push(await run(dir, CLIENTS, 1000))
  }
  const m = (xs: typeof one, k: 'p50' | 'p99' | 'cpu') => median(xs.map((x) => x[k]))
  const tag = `ws.fanout.${CLIENTS}clients.${TASKS}tasks`
  console.log(JSON.stringify(line(`${tag}.latency_p50`, m(many, 'p50'), 'ms', '1 client, same tasks', m(one, 'p50'), false)))
  console.log(JSON.stringify(line(`${tag}.latency_p99`, m(many, 'p99'), 'ms', '1 client, same tasks', m(one, 'p99'), false)))
  console.log(JSON.stringify(line(`${tag}.server_cpu`, m(many, 'cpu'), 'cores', '1 client, same tasks', m(one, 'cpu'), false)))
  // a Prometheus scrape of /metrics every second during the same fan-out (issue 19: no measurable p99)
  console.log(JSON.stringify(line(`${tag}.metrics_scrape_1s.latency_p99`, m(scraped, 'p99'), 'ms', 'same fan-out, no scrape', m(many, 'p99'), false)))
  console.log(JSON.stringify(line(`${tag}.metrics_scrape_1s.server_cpu`, m(scraped, 'cpu'), 'cores', 'same fan-out, no scrape', m(many, 'cpu'), false)))
  console.log(JSON.stringify(line(`${tag}.metrics_scrape_1s.scrape_time`, median(scraped.map((x) => x.scrapeMs)), 'ms', 'GET /api/health right after', median(scraped.map((x) => x.healthMs)), false)))
} finally {
  await rm(dir, { recursive: true, force: true })
}
