// In Chromium: first render time and p95 frame time of the web app with 1,000 disks, 5,000
// volumes and 20,000 subdisks while 100 tasks report progress, against the same with the demo's
// size (4 volumes, 6 disks). A small protocol server feeds the page (the wire contract of
// @plexa/protocol), so the measurement is the browser's work only. PLEXA_BENCH_TASKS sets the
// number of reporting tasks (default 100); PLEXA_BENCH_DEBUG=1 prints Chrome's performance metrics
// and PLEXA_BENCH_PROFILE=1 the hottest functions.
import { createReadStream, existsSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { extname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium } from '@playwright/test'
import type { Config } from '@plexa/engine'
import type { ServerMessage } from '@plexa/protocol'
import { WebSocketServer } from 'ws'
import { line, median } from '../../../packages/engine/bench/util.ts'

const DIST = fileURLToPath(new URL('../dist', import.meta.url))

function bigConfig(disks: number, volumes: number, sdsPerPlex: number): Config {
  const c = { tid: 1, nextRid: 1, dg: { dg_name: 'bigdg', dg_dgid: 'x', dg_rid: 0 }, disks: [], subdisks: [], plexes: [], volumes: [] } as unknown as Config
  let rid = 1
  const PUB = 4_000_000
  for (let d = 0; d < disks; d++) c.disks.push({ dm_name: `disk${d}`, dm_rid: rid++, dm_priv_len: 4096, dm_pub_len: PUB, dm_pflag: 0, dm_device: `/dev/d${d}`, dm_putil: ['', '', ''], dm_tutil: ['', '', ''], dm_comment: '' } as never)
  const used = new Array<number>(disks).fill(0)
  let next = 0
  for (let v = 0; v < volumes; v++) {
    const vrid = rid++
    const len = 65536
    c.volumes.push({ v_name: `vol${v}`, v_rid: vrid, v_len: len, v_kstate: 'ENABLED', v_state: 'ACTIVE', v_read_pol: 'SELECT', v_pref_name: '', v_putil: ['', '', ''], v_tutil: ['', '', ''], v_comment: '' } as never)
    for (let p = 0; p < 2; p++) {
      const prid = rid++
      c.plexes.push({ pl_name: `vol${v}-0${p + 1}`, pl_rid: prid, pl_vol_rid: vrid, pl_v_name: `vol${v}`, pl_layout: 'CONCAT', pl_ncol: 1, pl_st_width: 0, pl_len: len, pl_contig_len: len, pl_kstate: 'ENABLED', pl_state: 'ACTIVE', pl_tflag: 3, pl_tutil: ['', '', ''], pl_putil: ['', '', ''], pl_comment: '' } as never)
      for (let s = 0; s < sdsPerPlex; s++) {
        const d = next++ % disks
        const slen = len / sdsPerPlex
        c.subdisks.push({ sd_name: `sd${c.subdisks.length}`, sd_rid: rid++, sd_plex_rid: prid, sd_pl_name: `vol${v}-0${p + 1}`, sd_dm_rid: c.disks[d]!.dm_rid, sd_dm_name: `disk${d}`, sd_dm_offset: used[d], sd_len: slen, sd_pl_offset: s * slen, sd_column: 0, sd_is_log: false, sd_putil: ['', '', ''], sd_tutil: ['', '', ''], sd_comment: '' } as never)
        used[d]! += slen
      }
    }
  }
  return c
}

async function serve(config: Config, tasks: number) {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x')
    if (url.pathname === '/api/session') {
      res.writeHead(200, { 'content-type': 'application/json' })
      return res.end('{"user":"admin","role":"admin"}')
    }
    if (url.pathname.startsWith('/api/')) {
      res.writeHead(404)
      return res.end('{}')
    }
    const file = join(DIST, url.pathname === '/' ? 'index.html' : url.pathname)
    const path = existsSync(file) ? file : join(DIST, 'index.html')
    res.writeHead(200, { 'content-type': { '.js': 'text/javascript', '.css': 'text/css', '.html': 'text/html' }[extname(path)] ?? 'application/octet-stream' })
    createReadStream(path).pipe(res)
  })
  const wss = new WebSocketServer({ server, path: '/ws' })
  let seq = 0
  const timers: NodeJS.Timeout[] = []
  wss.on('connection', (ws) => {
    const hello: ServerMessage = { type: 'hello', protocol: 1, seq, user: { name: 'admin', role: 'admin' }, snapshot: { seq, groups: [{ name: 'bigdg', config, forcedOffline: false, dirty: {}, stale: {} }], tasks: [], lab: { enabled: false, disks: [], loads: [] } } }
    ws.send(JSON.stringify(hello))
    const done = new Array<number>(tasks).fill(0)
    // every task reports 4 times a second, spread over the second
    timers.push(
      setInterval(() => {
        for (let i = 0; i < tasks; i++) {
          if (Math.random() > 0.4) continue
          done[i]! += 1 << 20
          const msg: ServerMessage = { type: 'event', event: { type: 'task.progress', dg: 'bigdg', taskId: `task-${i}`, kind: 'resync', volume: `vol${i}`, phase: 'resync', doneBytes: done[i]! % (32 << 20), totalBytes: 32 << 20, rate: 1 << 20, etaSeconds: 10, throttle: 0, seq: ++seq, at: Date.now() } }
          ws.send(JSON.stringify(msg))
        }
      }, 100),
    )
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    close: async () => {
      for (const t of timers) clearInterval(t)
      for (const c of wss.clients) c.terminate()
      await new Promise<void>((r) => server.close(() => r()))
    },
  }
}

async function measure(config: Config): Promise<{ first: number; p95: number }> {
  const srv = await serve(config, Number(process.env.PLEXA_BENCH_TASKS ?? 100))
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] })
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } })
    await page.goto(srv.url)
    await page.waitForSelector('[data-testid^="volume-vol"]')
    const first = await page.evaluate(() => performance.now())
    if (process.env.PLEXA_BENCH_DEBUG) console.error(first, await page.evaluate(`JSON.stringify({ dcl: performance.getEntriesByType('navigation')[0].domContentLoadedEventEnd, msg: performance.getEntriesByName('plexa-first-message')[0]?.startTime, parsed: performance.getEntriesByName('plexa-parsed')[0]?.startTime, applied: performance.getEntriesByName('plexa-applied')[0]?.startTime })`))
    const cdp = process.env.PLEXA_BENCH_DEBUG ? await page.context().newCDPSession(page) : undefined
    await cdp?.send('Performance.enable')
    if (cdp && process.env.PLEXA_BENCH_PROFILE) {
      await cdp.send('Profiler.enable')
      await cdp.send('Profiler.start')
    }
    const m0 = cdp ? ((await cdp.send('Performance.getMetrics')) as { metrics: Array<{ name: string; value: number }> }).metrics : []
    // a string, so the bundler's helpers stay out of the page
    const frames = (await page.evaluate(`new Promise((resolve) => {
      const deltas = []
      let last = performance.now()
      const scroller = document.querySelector('[data-testid="volume-scroller"]')
      const end = last + 5000
      const tick = (t) => {
        deltas.push(t - last)
        last = t
        scroller.scrollTop += 40 // an administrator scrolling through the volumes
        if (t < end) requestAnimationFrame(tick)
        else resolve(deltas.slice(5))
      }
      requestAnimationFrame(tick)
    })`)) as number[]
    if (cdp && process.env.PLEXA_BENCH_PROFILE) {
      const { profile } = (await cdp.send('Profiler.stop')) as { profile: { nodes: Array<{ id: number; callFrame: { functionName: string; url: string; lineNumber: number } }>; samples: number[]; timeDeltas: number[] } }
      const self = new Map<string, number>()
      const byId = new Map(profile.nodes.map((n) => [n.id, n]))
      profile.samples.forEach((id, i) => {
        const n = byId.get(id)!
        const k = `${n.callFrame.functionName} ${n.callFrame.url.split('/').pop()}:${n.callFrame.lineNumber}`
        self.set(k, (self.get(k) ?? 0) + (profile.timeDeltas[i] ?? 0))
      })
      console.error([...self].sort((a, b) => b[1] - a[1]).slice(0, 12).map(([k, v]) => `${(v / 1000).toFixed(0).padStart(6)} ${k}`).join('\n'))
    }
    if (cdp) {
      const m1 = ((await cdp.send('Performance.getMetrics')) as { metrics: Array<{ name: string; value: number }> }).metrics
      const d = (n: string) => ((m1.find((x) => x.name === n)?.value ?? 0) - (m0.find((x) => x.name === n)?.value ?? 0)).toFixed(3)
      console.error(JSON.stringify({ script: d('ScriptDuration'), layout: d('LayoutDuration'), style: d('RecalcStyleDuration'), task: d('TaskDuration'), heap: m1.find((x) => x.name === 'JSHeapUsedSize')?.value }))
    }
    frames.sort((a, b) => a - b)
    return { first, p95: frames[Math.floor(frames.length * 0.95)]! }
  } finally {
    await browser.close()
    await srv.close()
  }
}

if (!existsSync(join(DIST, 'index.html'))) throw new Error('build the web app first: npm run build')
const large = bigConfig(1000, 5000, 2)
const small = bigConfig(6, 4, 2)
const L: Array<{ first: number; p95: number }> = []
const S: Array<{ first: number; p95: number }> = []
for (let i = 0; i < 3; i++) {
  S.push(await measure(small))
  L.push(await measure(large))
}
console.log(JSON.stringify(line('web.first_render.1000disks_5000vols_20000sds', median(L.map((x) => x.first)), 'ms', 'demo-sized configuration (6 disks, 4 volumes)', median(S.map((x) => x.first)), false)))
console.log(JSON.stringify(line('web.frame_p95.scrolling_100tasks', median(L.map((x) => x.p95)), 'ms', 'demo-sized configuration (6 disks, 4 volumes)', median(S.map((x) => x.p95)), false)))
