// Where a foreground 4 KiB write waits while a resync runs (issue 20 item 2): the same writes as
// the adaptive bench line (one at a time, each from an event-loop turn of its own, random blocks of
// a 1 GiB 2-way mirror), in windows beside no resync (`idle`), a resync at a fixed rate (`fixed`),
// unthrottled (`none`) and adaptive (`adaptive`, the target 1.5x the idle p99 of the round). Each
// write's time is split into its parts, seen from its plexes' devices:
//   pre      from the call to its first device write: region lock (a copy's region), the engine;
//   syncIO   inside the device calls before they returned (a write on the calling thread: the
//            pwrite itself, preempted or blocked in the kernel);
//   devWait  from its first device call to the last one's end, less syncIO (a write sent to the
//            threadpool: queue, wake-up, pwrite, the event loop seeing the completion);
//   post     from the last device write's end to the write's.
// Each window prints p50/p99/p99.9, a histogram, and the mean split of its slowest 1% (the
// writes the p99 is made of).
//
// Run: npx tsx packages/engine/bench/foregroundWait.ts
//   PLEXA_WAIT_MODES=idle,fixed,none,adaptive  PLEXA_WAIT_ROUNDS=2  PLEXA_WAIT_S=4
//   PLEXA_WAIT_RATE_MIB=512 (the fixed rate)   PLEXA_WAIT_OPTS='{"checkpointRegions":20}' (group options)
//   PLEXA_WAIT_PLAIN=1: the plex writes lose the overlap hint (`{ overlap: true }`), so each goes
//   the way a lone write goes (the calling thread while the device is fast), for comparison.
import { mkdtemp, rm } from 'node:fs/promises'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import type { BlockDevice } from '../src/device/blockDevice.ts'
import type { OpenOptions } from '../src/lifecycle/options.ts'
import { createRandom } from '../test/random.ts'
import { filledMirror } from './util.ts'

const MiB = 1 << 20
const GiB = 1 << 30
const TOTAL = GiB
const modes = (process.env.PLEXA_WAIT_MODES ?? 'idle,fixed,none,adaptive').split(',')
const rounds = Number(process.env.PLEXA_WAIT_ROUNDS ?? 2)
const windowS = Number(process.env.PLEXA_WAIT_S ?? 4)
const fixedRate = Number(process.env.PLEXA_WAIT_RATE_MIB ?? 512) * MiB
const opts = JSON.parse(process.env.PLEXA_WAIT_OPTS ?? '{}') as Partial<OpenOptions>
const plain = process.env.PLEXA_WAIT_PLAIN === '1'
const now = () => performance.now()
const turn = () => new Promise<void>((r) => setImmediate(r))

/** One foreground write's times (ms, `now`). */
interface Write {
  t0: number
  firstCall: number
  sync: number
  lastEnd: number
  end: number
}
/** The foreground write under way (they run one at a time); the copy's writes are not its. */
let current: Write | undefined

function watched(d: BlockDevice): BlockDevice {
  const w: BlockDevice = Object.create(d) as BlockDevice
  w.write = async (o, b, x) => {
    const fg = b.buffer instanceof SharedArrayBuffer ? undefined : current
    if (!fg) return d.write(o, b, x)
    const s = now()
    if (fg.firstCall === 0) fg.firstCall = s
    const p = d.write(o, b, plain ? undefined : x)
    fg.sync += now() - s
    await p
    fg.lastEnd = Math.max(fg.lastEnd, now())
  }
  return w
}

const BUCKETS = [0.1, 0.2, 0.5, 1, 2, 5, 10, 20, Infinity]
function summary(name: string, ws: Write[]): { p99: number; text: string } {
  const lat = ws.map((w) => w.end - w.t0).sort((a, b) => a - b)
  const q = (p: number) => lat[Math.min(lat.length - 1, Math.floor(lat.length * p))] ?? 0
  const p99 = q(0.99)
  const slow = ws.filter((w) => w.end - w.t0 >= p99)
  const mean = (f: (w: Write) => number) => (slow.reduce((s, w) => s + f(w), 0) / Math.max(1, slow.length)).toFixed(3)
  const calls = (w: Write) => (w.firstCall === 0 ? w.end : w.firstCall)
  const hist = BUCKETS.map((b, i) => {
    const lo = i === 0 ? 0 : BUCKETS[i - 1]!
    return `${b === Infinity ? `>${lo}` : `<=${b}`}:${lat.filter((x) => x > lo && x <= b).length}`
  }).join(' ')
  const split = `pre ${mean((w) => calls(w) - w.t0)} syncIO ${mean((w) => w.sync)} devWait ${mean((w) => Math.max(0, w.lastEnd - calls(w) - w.sync))} post ${mean((w) => (w.lastEnd > 0 ? w.end - w.lastEnd : 0))}`
  return { p99, text: `${name}: ${ws.length} writes, ms p50 ${q(0.5).toFixed(3)} p99 ${p99.toFixed(3)} p99.9 ${q(0.999).toFixed(3)}; slowest 1% (mean ms): ${split}; histogram (ms): ${hist}` }
}

const dir = await mkdtemp(join(tmpdir(), 'plexa-fg-wait-'))
try {
  const dg = await filledMirror(dir, 'fw', TOTAL, opts, watched)

  /** PLEXA_WAIT_S seconds of foreground writes, each timed and split. */
  const window = async (): Promise<Write[]> => {
    const rnd = createRandom(11)
    const buf = Buffer.alloc(4096, 3)
    const ws: Write[] = []
    const t = now()
    while (now() - t < windowS * 1000) {
      await turn()
      const w: Write = { t0: now(), firstCall: 0, sync: 0, lastEnd: 0, end: 0 }
      current = w
      await dg.write('m', rnd.int(0, TOTAL / 4096 - 1) * 4096, buf)
      w.end = now()
      current = undefined
      ws.push(w)
    }
    return ws
  }
  /** A window beside resyncs of `mode`, one started again whenever the last ends; the bytes they moved per second. */
  const beside = async (mode: string, targetMs: number): Promise<{ ws: Write[]; mibps: number }> => {
    let stop = false
    let moved = 0
    let running: string | undefined
    const copies = (async () => {
      while (!stop) {
        const h = await dg.resyncVolume('m', true)
        running = h.id
        if (mode === 'fixed') dg.throttleTask(h.id, fixedRate)
        if (mode === 'adaptive') dg.throttleTask(h.id, { adaptive: { latencyMs: targetMs } })
        const ended = await h.done.then(() => true, () => false)
        if (ended) moved += TOTAL
      }
    })()
    const t = now()
    const ws = await window()
    const s = (now() - t) / 1000
    stop = true
    const task = dg.listTasks().find((x) => x.taskId === running)
    if (task) {
      moved += task.doneBytes
      // it may end between the look and the abort (VM_NOT_FOUND): it moved its bytes either way
      try {
        dg.abortTask(task.taskId)
      } catch {}
    }
    await copies
    return { ws, mibps: moved / MiB / s }
  }
  for (let r = 0; r < rounds; r++) {
    let idleP99 = 0
    console.log(`round ${r} (load ${loadavg()[0]!.toFixed(2)})${plain ? ', plex writes without the overlap hint' : ''}`)
    for (const mode of modes) {
      if (mode === 'idle') {
        const s = summary('idle', await window())
        idleP99 = s.p99
        console.log(`  ${s.text}`)
        continue
      }
      const { ws, mibps } = await beside(mode, 1.5 * (idleP99 || 0.5))
      console.log(`  ${summary(`${mode} (resync ${mibps.toFixed(0)} MiB/s)`, ws).text}`)
    }
  }
  await dg.stop('m')
  await dg.close()
} finally {
  await rm(dir, { recursive: true, force: true })
}
