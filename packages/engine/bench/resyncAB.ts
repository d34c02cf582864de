// A/B of forced resyncs of a 1 GiB 2-way mirror under different group options (issue 20), their
// rounds interleaved (A B A B ...) after one discarded warm-up each, so the machine's load swings
// land on every variant alike. Per variant the medians of: MiB/s; CPU ms of the copy worker (the
// busiest thread besides the main one), of the main thread and of the whole process; worker dry
// runs (rule 387); and the three phases of a resync: its start (from the call to the first read
// of a unit), the copy (to the end of the last unit's write) and its end (the last flush,
// commits, hand-over). CPU per GiB moves far less with the load than the wall time does.
//
// Run: npx tsx packages/engine/bench/resyncAB.ts
//   PLEXA_AB_VARIANTS='[{"copyUnitRegions":8},{"copyUnitRegions":4}]' (OpenOptions of each group)
//   PLEXA_AB_ROUNDS=5
import { mkdtemp, rm } from 'node:fs/promises'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import type { DiskGroup } from '../src/diskGroup.ts'
import type { BlockDevice } from '../src/device/blockDevice.ts'
import { workerRanDry } from '../src/device/copyWorker.ts'
import type { OpenOptions } from '../src/lifecycle/options.ts'
import { filledMirror, median, threadCpu, threadCpuSince } from './util.ts'

const MiB = 1 << 20
const GiB = 1 << 30
const variants = JSON.parse(process.env.PLEXA_AB_VARIANTS ?? '[{"copyUnitRegions":8},{"copyUnitRegions":4}]') as Array<Partial<OpenOptions>>
const rounds = Number(process.env.PLEXA_AB_ROUNDS ?? 5)
const now = () => performance.now()

/** When the current resync first read a unit (shared buffer) and last wrote one. */
const phase = { firstRead: 0, lastWrite: 0 }
function watched(d: BlockDevice): BlockDevice {
  const w: BlockDevice = Object.create(d) as BlockDevice
  if (d.readInto)
    w.readInto = (o, b) => {
      if (b.buffer instanceof SharedArrayBuffer && phase.firstRead === 0) phase.firstRead = now()
      return d.readInto!(o, b)
    }
  w.write = async (o, b, x) => {
    await d.write(o, b, x)
    if (b.buffer instanceof SharedArrayBuffer) phase.lastWrite = now()
  }
  return w
}

interface Runs {
  mibps: number[]
  worker: number[]
  main: number[]
  proc: number[]
  dry: number[]
  start: number[]
  copy: number[]
  end: number[]
}

const dir = await mkdtemp(join(tmpdir(), 'plexa-resync-ab-'))
try {
  const groups: DiskGroup[] = []
  for (const [k, opts] of variants.entries()) groups.push(await filledMirror(dir, `ab${k}`, GiB, opts, watched))
  const runs: Runs[] = variants.map(() => ({ mibps: [], worker: [], main: [], proc: [], dry: [], start: [], copy: [], end: [] }))
  const loads: string[] = []
  for (let r = -1; r < rounds; r++) {
    loads.push(loadavg()[0]!.toFixed(2))
    for (const [k, dg] of groups.entries()) {
      const th0 = threadCpu()
      const dry0 = workerRanDry()
      const c0 = process.cpuUsage()
      phase.firstRead = phase.lastWrite = 0
      const t0 = now()
      await (await dg.resyncVolume('m', true)).done
      const t1 = now()
      const c = process.cpuUsage(c0)
      const th = threadCpuSince(th0)
      // the warm-up round is discarded
      if (r < 0) continue
      const x = runs[k]!
      x.mibps.push(GiB / MiB / ((t1 - t0) / 1000))
      x.main.push(th.main ?? 0)
      x.worker.push(Math.max(0, ...Object.entries(th).filter(([t]) => t !== 'main').map(([, ms]) => ms)))
      x.proc.push((c.user + c.system) / 1000)
      x.dry.push(workerRanDry() - dry0)
      x.start.push(phase.firstRead - t0)
      x.copy.push(phase.lastWrite - phase.firstRead)
      x.end.push(t1 - phase.lastWrite)
    }
  }
  console.log(`load average (1 min) before each round: ${loads.join(' ')}`)
  for (const [k, x] of runs.entries()) {
    const m = (xs: number[]) => median(xs).toFixed(0)
    console.log(
      `${JSON.stringify(variants[k])}: ${m(x.mibps)} MiB/s [${x.mibps.map((v) => v.toFixed(0)).join(' ')}]; CPU ms per GiB: worker ${m(x.worker)}, main ${m(x.main)}, process ${m(x.proc)}; worker dry runs ${m(x.dry)}; ms: start ${m(x.start)}, copy ${m(x.copy)}, end ${m(x.end)}`,
    )
  }
  for (const dg of groups) {
    await dg.stop('m')
    await dg.close()
  }
} finally {
  await rm(dir, { recursive: true, force: true })
}
