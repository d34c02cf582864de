// In Chromium: first render time and frame times of the web app with 1,000 disks, 5,000 volumes
// and 20,000 subdisks while 100 tasks report progress, against the same with the demo's size (4
// volumes, 6 disks). A small protocol server feeds the page (the wire contract of
// @plexa/protocol), so the measurement is the browser's work only. Frames are measured three ways
// while scrolling: the interval between animation frames (at 60 Hz a frame on time is 16.7 ms),
// the wall-clock time of the main thread's work for each frame, and the main thread's CPU time
// between animation frames (threadCpu.ts). The first render is measured both in wall-clock time
// and in the main thread's CPU time. The CPU figures hold on a machine others share: a thread
// waiting for a core adds wall-clock time, not CPU time.
// The same measures at ten times that size (10,000 disks, 50,000 volumes, 200,000 subdisks) follow,
// with the snapshot's size in bytes (once, as it takes a while; PLEXA_BENCH_HUGE=0 skips it).
// Env: PLEXA_BENCH_TASKS reporting tasks (default 100), PLEXA_BENCH_ROUNDS (default 3),
// PLEXA_BENCH_DIST another build of the web app to measure (default apps/web/dist),
// PLEXA_BENCH_AGAINST=DIR this build against the one in DIR in the same run, at the demo size,
// the large and the huge one (rounds interleaved; the ratio of each line is this build's over
// that one's),
// PLEXA_BENCH_ONLY=small|large|huge one size alone (huge: its lines without a baseline; small:
// the demo size alone, for its profile or trace),
// PLEXA_BENCH_PROFILE_LOAD=1 the hottest functions of the load (=FILE.cpuprofile saves its profile),
// PLEXA_BENCH_DEBUG=1 Chrome's performance metrics, PLEXA_BENCH_PROFILE=1 the hottest functions
// (or =FILE.cpuprofile to save the profile), PLEXA_BENCH_TRACE=FILE a Chrome trace of the scroll,
// PLEXA_BENCH_TRACE_LOAD=FILE one of the load to the first paint.
import { createReadStream, existsSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { extname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium } from '@playwright/test'
import type { Config } from '@plexa/engine'
import { bigConfig } from './bigConfig.ts'
import { MARK_CATEGORIES, PAINT_CATEGORIES, cpuPerInterval, paintAfter } from './threadCpu.ts'
import { type ServerMessage, packHello } from '@plexa/protocol'
import { WebSocketServer } from 'ws'
import { line, median } from '../../../packages/engine/bench/util.ts'

const DIST = process.env.PLEXA_BENCH_DIST ?? fileURLToPath(new URL('../dist', import.meta.url))


async function serve(config: Config, tasks: number, dist: string) {
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
    const file = join(dist, url.pathname === '/' ? 'index.html' : url.pathname)
    const path = existsSync(file) ? file : join(dist, 'index.html')
    res.writeHead(200, { 'content-type': { '.js': 'text/javascript', '.css': 'text/css', '.html': 'text/html' }[extname(path)] ?? 'application/octet-stream' })
    createReadStream(path).pipe(res)
  })
  const wss = new WebSocketServer({ server, path: '/ws' })
  // one stream of events for every client, as the real server broadcasts it
  let seq = 0
  const done = new Array<number>(tasks).fill(0)
  // the snapshot is serialized before the page asks for it: the server's time is not the browser's
  const hello = (at: number): ServerMessage => ({ type: 'hello', protocol: 1, seq: at, user: { name: 'admin', role: 'admin' }, snapshot: { seq: at, groups: [{ name: 'bigdg', config, forcedOffline: false, dirty: {}, stale: {} }], tasks: [], lab: { enabled: false, disks: [], loads: [] }, history: { events: [], alerts: [], tasks: [], audit: [] } } })
  // as the real server does: the column form for a client that asks for it (`snapshot=columns`),
  // the records as JSON objects for one that does not (an older build of the web app)
  const wire = (at: number, packed: boolean) => JSON.stringify(packed ? packHello(hello(at) as Extract<ServerMessage, { type: 'hello' }>) : hello(at))
  const first = { json: wire(0, false), columns: wire(0, true) }
  let bytes = 0
  let timer: NodeJS.Timeout | undefined
  wss.on('connection', (ws, req) => {
    const packed = new URL(req.url ?? '/', 'http://x').searchParams.get('snapshot') === 'columns'
    const frame = seq === 0 ? first[packed ? 'columns' : 'json'] : wire(seq, packed)
    bytes = Buffer.byteLength(frame)
    ws.send(frame)
    timer ??= setInterval(report, 100) // the tasks report from the first connection on
  })
  // every task reports 4 times a second, spread over the second
  const report = () => {
    for (let i = 0; i < tasks; i++) {
      if (Math.random() > 0.4) continue
      done[i]! += 1 << 20
      const msg: ServerMessage = { type: 'event', event: { type: 'task.progress', dg: 'bigdg', taskId: `task-${i}`, kind: 'resync', volume: `vol${i}`, phase: 'resync', doneBytes: done[i]! % (32 << 20), totalBytes: 32 << 20, rate: 1 << 20, etaSeconds: 10, throttle: 0, seq: ++seq, at: Date.now() } }
      const frame = JSON.stringify(msg)
      for (const c of wss.clients) c.send(frame)
    }
  }
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()))
  return {
    /** Bytes of the snapshot message the page asked for. */
    get bytes() {
      return bytes
    },
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    close: async () => {
      clearInterval(timer)
      for (const c of wss.clients) c.terminate()
      await new Promise<void>((r) => server.close(() => r()))
    },
  }
}

interface Profile {
  nodes: Array<{ id: number; callFrame: { functionName: string; url: string; lineNumber: number } }>
  samples: number[]
  timeDeltas: number[]
}

/** The 12 functions with the most self time of a CPU profile, in ms. */
function hottest(profile: Profile): string {
  const self = new Map<string, number>()
  const byId = new Map(profile.nodes.map((n) => [n.id, n]))
  profile.samples.forEach((id, i) => {
    const n = byId.get(id)!
    const k = `${n.callFrame.functionName} ${n.callFrame.url.split('/').pop()}:${n.callFrame.lineNumber}`
    self.set(k, (self.get(k) ?? 0) + (profile.timeDeltas[i] ?? 0))
  })
  return [...self].sort((a, b) => b[1] - a[1]).slice(0, 12).map(([k, v]) => `${(v / 1000).toFixed(0).padStart(6)} ${k}`).join('\n')
}

interface Measured {
  first: number
  p95: number
  work: number
  /** Main-thread CPU ms from the page's first script to the first volume's paint (threadCpu.ts). */
  firstCpu: number
  /** p95 of the main thread's CPU ms per frame while scrolling. */
  frameCpu: number
  /** Bytes of the snapshot message. */
  bytes: number
  /** It did not draw within PLEXA_BENCH_TIMEOUT_MS (`first` is that limit, frames NaN). */
  timedOut?: boolean
}

async function measure(config: Config, dist = DIST): Promise<Measured> {
  const srv = await serve(config, Number(process.env.PLEXA_BENCH_TASKS ?? 100), dist)
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] })
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } })
    // the first volume drawing's paint, seen from inside the page (no polling from outside): a
    // mutation observer notes when it enters the document (plexa-volume-inserted); the paint that
    // follows in the trace is its paint (threadCpu.ts); the mark after the next animation frame
    // (plexa-first-volume) says it is done, and is the paint's time where the trace has none
    await page.addInitScript(`performance.mark('plexa-start')`)
    await page.addInitScript(`new MutationObserver((_, obs) => {
      if (!document.querySelector('[data-testid^="volume-vol"]')) return
      obs.disconnect()
      performance.mark('plexa-volume-inserted')
      requestAnimationFrame(() => setTimeout(() => performance.mark('plexa-first-volume'), 0))
    }).observe(document, { childList: true, subtree: true })`)
    // PLEXA_BENCH_PROFILE_LOAD=1: the hottest functions from the page load to the first paint
    const loadCdp = process.env.PLEXA_BENCH_PROFILE_LOAD ? await page.context().newCDPSession(page) : undefined
    if (loadCdp) {
      await loadCdp.send('Profiler.enable')
      await loadCdp.send('Profiler.start')
    }
    // the marks' thread clocks give the main thread's CPU time (PLEXA_BENCH_TRACE_LOAD: a full trace)
    const loadTrace = process.env.PLEXA_BENCH_TRACE_LOAD
    await browser.startTracing(page, { ...(loadTrace ? { path: loadTrace } : {}), categories: loadTrace ? ['toplevel', 'disabled-by-default-devtools.timeline', 'v8.execute', 'blink', 'v8', ...PAINT_CATEGORIES] : PAINT_CATEGORIES })
    await page.goto(srv.url)
    // a build that does not draw within the time (PLEXA_BENCH_TIMEOUT_MS, default 120 s) counts
    // that time as its first render, and its frames are not measured
    const limit = Number(process.env.PLEXA_BENCH_TIMEOUT_MS ?? 120_000)
    // (timed here: a page whose main thread never yields never polls, so it never times out itself)
    let timer: NodeJS.Timeout | undefined
    const drawn = await Promise.race([
      page.waitForFunction(`performance.getEntriesByName('plexa-first-volume').length > 0`, undefined, { timeout: 0 }).then(() => true, () => false),
      new Promise<false>((r) => (timer = setTimeout(() => r(false), limit))),
    ])
    clearTimeout(timer)
    if (!drawn) {
      await browser.stopTracing()
      return { first: limit, p95: NaN, work: NaN, firstCpu: NaN, frameCpu: NaN, bytes: srv.bytes, timedOut: true }
    }
    const marked = (await page.evaluate(`performance.getEntriesByName('plexa-first-volume')[0].startTime`)) as number
    const painted = paintAfter(await browser.stopTracing(), 'plexa-start', 'plexa-volume-inserted')
    const first = painted?.at ?? marked
    const firstCpu = painted?.cpu ?? NaN
    if (loadCdp) {
      const { profile } = (await loadCdp.send('Profiler.stop')) as { profile: Profile }
      if (process.env.PLEXA_BENCH_PROFILE_LOAD!.endsWith('.cpuprofile')) writeFileSync(process.env.PLEXA_BENCH_PROFILE_LOAD!, JSON.stringify(profile))
      console.error(hottest(profile))
    }
    if (process.env.PLEXA_BENCH_DEBUG) console.error(first, await page.evaluate(`JSON.stringify({ dcl: performance.getEntriesByType('navigation')[0].domContentLoadedEventEnd, msg: performance.getEntriesByName('plexa-first-message')[0]?.startTime, parsed: performance.getEntriesByName('plexa-parsed')[0]?.startTime, applied: performance.getEntriesByName('plexa-applied')[0]?.startTime })`))
    const cdp = process.env.PLEXA_BENCH_DEBUG ? await page.context().newCDPSession(page) : undefined
    await cdp?.send('Performance.enable')
    if (cdp && process.env.PLEXA_BENCH_PROFILE) {
      await cdp.send('Profiler.enable')
      await cdp.send('Profiler.start')
    }
    const m0 = cdp ? ((await cdp.send('Performance.getMetrics')) as { metrics: Array<{ name: string; value: number }> }).metrics : []
    // a string, so the bundler's helpers stay out of the page
    // Per frame: the interval between animation frames (what the eye sees; at 60 Hz a frame on
    // time is 16.7 ms) and the main thread's work for it, from the frame's start (the timestamp
    // every animation-frame callback gets) to the first task after its paint.
    const scrollTrace = process.env.PLEXA_BENCH_TRACE
    await browser.startTracing(page, { ...(scrollTrace ? { path: scrollTrace } : {}), categories: scrollTrace ? ['devtools.timeline', 'disabled-by-default-devtools.timeline', 'v8.execute', 'blink', 'cc', 'gpu', ...MARK_CATEGORIES] : MARK_CATEGORIES })
    const { intervals, work } = (await page.evaluate(`new Promise((resolve) => {
      const intervals = []
      const work = []
      let last = performance.now()
      const scroller = document.querySelector('[data-testid="volume-scroller"]')
      const end = last + 5000
      const tick = (t) => {
        performance.mark('plexa-frame')
        intervals.push(t - last)
        last = t
        setTimeout(() => work.push(performance.now() - t), 0)
        scroller.scrollTop += 40 // an administrator scrolling through the volumes
        if (t < end) requestAnimationFrame(tick)
        else setTimeout(() => resolve({ intervals: intervals.slice(5), work: work.slice(5) }), 50)
      }
      requestAnimationFrame(tick)
    })`)) as { intervals: number[]; work: number[] }
    if (cdp && process.env.PLEXA_BENCH_PROFILE) {
      const { profile } = (await cdp.send('Profiler.stop')) as { profile: Profile }
      if (process.env.PLEXA_BENCH_PROFILE.endsWith('.cpuprofile')) writeFileSync(process.env.PLEXA_BENCH_PROFILE, JSON.stringify(profile))
      console.error(hottest(profile))
    }
    if (cdp) {
      const m1 = ((await cdp.send('Performance.getMetrics')) as { metrics: Array<{ name: string; value: number }> }).metrics
      const d = (n: string) => ((m1.find((x) => x.name === n)?.value ?? 0) - (m0.find((x) => x.name === n)?.value ?? 0)).toFixed(3)
      console.error(JSON.stringify({ script: d('ScriptDuration'), layout: d('LayoutDuration'), style: d('RecalcStyleDuration'), task: d('TaskDuration'), heap: m1.find((x) => x.name === 'JSHeapUsedSize')?.value }))
    }
    // the first five frames are left out, as for the intervals
    const frameCpu = cpuPerInterval(await browser.stopTracing(), 'plexa-frame').slice(5)
    const p95 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * 0.95)]!
    if (process.env.PLEXA_BENCH_DEBUG) console.error(`${intervals.length} frames, ${intervals.filter((f) => f > 17).length} late; work p50 ${[...work].sort((a, b) => a - b)[work.length >> 1]!.toFixed(1)} ms`)
    return { first, p95: p95(intervals), work: p95(work), firstCpu, frameCpu: frameCpu.length ? p95(frameCpu) : NaN, bytes: srv.bytes }
  } finally {
    await browser.close()
    await srv.close()
  }
}

if (!existsSync(join(DIST, 'index.html'))) throw new Error('build the web app first: npm run build')
const large = bigConfig(1000, 5000, 2)
const small = bigConfig(6, 4, 2)
const L: Measured[] = []
const S: Measured[] = []
const AGAINST = process.env.PLEXA_BENCH_AGAINST
/** Each measure's line name: wall-clock ms, and the main thread's CPU ms (robust on a shared machine). */
const NAMES = { bytes: 'snapshot_bytes', first: 'first_render', firstCpu: 'first_render_cpu', p95: 'frame_p95.scrolling_100tasks', work: 'frame_work_p95.scrolling_100tasks', frameCpu: 'frame_cpu_p95.scrolling_100tasks' } as const
if (AGAINST) {
  // this build against another (say, the web app of an older commit) in the same run, at the
  // demo size, the large one and (unless PLEXA_BENCH_HUGE=0) the huge one, the two interleaved round by round
  // (which goes first alternates); each round's figures go to stderr, the medians to stdout
  if (!existsSync(join(AGAINST, 'index.html'))) throw new Error(`no web app build in ${AGAINST}`)
  const only = process.env.PLEXA_BENCH_ONLY
  const sizes: Array<[string, Config]> = []
  if (!only || only === 'small') sizes.push(['6disks_4vols', small])
  if (!only || only === 'large') sizes.push(['1000disks_5000vols_20000sds', large])
  if ((!only || only === 'huge') && process.env.PLEXA_BENCH_HUGE !== '0') sizes.push(['10000disks_50000vols_200000sds', bigConfig(10_000, 50_000, 2)])
  for (const [size, config] of sizes) {
    const mine: Measured[] = []
    const theirs: Measured[] = []
    for (let i = 0; i < Number(process.env.PLEXA_BENCH_ROUNDS ?? 3); i++) {
      if (i % 2) mine.push(await measure(config))
      theirs.push(await measure(config, AGAINST))
      if (i % 2 === 0) mine.push(await measure(config))
      console.error(JSON.stringify({ size, round: i + 1, this: mine.at(-1), against: theirs.at(-1) }))
    }
    const late = theirs.filter((x) => x.timedOut).length
    const base = `the same with the web app in ${AGAINST}, in the same run${late ? ` (${late} of ${theirs.length} rounds drew nothing within ${process.env.PLEXA_BENCH_TIMEOUT_MS ?? 120_000} ms: first render counted as that, frames not measured)` : ''}`
    for (const [k, unit] of [['bytes', 'bytes'], ['first', 'ms'], ['firstCpu', 'ms'], ['p95', 'ms'], ['work', 'ms'], ['frameCpu', 'ms']] as const) {
      const name = NAMES[k]
      const of = (xs: Measured[]) => median(xs.map((x) => x[k]).filter((v) => !Number.isNaN(v)))
      console.log(JSON.stringify(line(`web.${name}.${size}.against`, of(mine), unit, base, of(theirs) ?? NaN, false)))
    }
  }
  process.exit(0)
}
for (let i = 0; i < Number(process.env.PLEXA_BENCH_ROUNDS ?? 3) && process.env.PLEXA_BENCH_ONLY !== 'huge'; i++) {
  if (process.env.PLEXA_BENCH_ONLY !== 'large') S.push(await measure(small))
  if (process.env.PLEXA_BENCH_ONLY !== 'small') L.push(await measure(large))
}
if (!L.length && S.length) {
  // the demo size alone (PLEXA_BENCH_ONLY=small): its frame measures, against nothing
  const of = (k: keyof typeof NAMES) => median(S.map((x) => x[k]).filter((v) => !Number.isNaN(v)))
  for (const k of ['p95', 'work', 'frameCpu'] as const) console.log(JSON.stringify(line(`web.${NAMES[k]}.6disks_4vols`, of(k), 'ms', 'none', NaN, false)))
}
if (L.length) {
  const base = 'demo-sized configuration (6 disks, 4 volumes)'
  const of = (xs: Measured[], k: keyof typeof NAMES) => median(xs.map((x) => x[k]).filter((v) => !Number.isNaN(v)))
  console.log(JSON.stringify(line('web.first_render.1000disks_5000vols_20000sds', of(L, 'first'), 'ms', base, of(S, 'first'), false)))
  console.log(JSON.stringify(line('web.first_render_cpu.1000disks_5000vols_20000sds', of(L, 'firstCpu'), 'ms', base, of(S, 'firstCpu'), false)))
  for (const k of ['p95', 'work', 'frameCpu'] as const) console.log(JSON.stringify(line(`web.${NAMES[k]}`, of(L, k), 'ms', base, of(S, k), false)))
}
if (process.env.PLEXA_BENCH_HUGE !== '0' && process.env.PLEXA_BENCH_ONLY !== 'small') {
  const huge = await measure(bigConfig(10_000, 50_000, 2))
  const base = 'the same at 1,000 disks, 5,000 volumes, 20,000 subdisks'
  const size = '10000disks_50000vols_200000sds'
  for (const k of ['bytes', 'first', 'firstCpu', 'p95', 'work', 'frameCpu'] as const) console.log(JSON.stringify(line(`web.${NAMES[k]}.${size}`, huge[k], k === 'bytes' ? 'bytes' : 'ms', base, L.length ? median(L.map((x) => x[k])) : NaN, false)))
}
