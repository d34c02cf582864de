// Per-GiB counts of a forced resync of a 1 GiB 2-way mirror (issue 20): device calls by kind,
// configuration commits, event-loop busy time and process CPU. Run: npx tsx packages/engine/bench/resyncCounts.ts
// (PLEXA_COUNTS_OPTS: the group's OpenOptions as JSON; PLEXA_PROFILE=file: the main thread's CPU profile)
import { performance } from 'node:perf_hooks'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { BlockDevice } from '../src/device/blockDevice.ts'
import type { OpenOptions } from '../src/lifecycle/options.ts'
import { workerRanDry } from '../src/device/copyWorker.ts'
import { filledMirror, seconds, threadCpu, threadCpuSince } from './util.ts'

const MiB = 1 << 20
const GiB = 1 << 30
const counts: Record<string, number> = {}
const bump = (k: string, by = 1) => (counts[k] = (counts[k] ?? 0) + by)
function counted(d: BlockDevice): BlockDevice {
  const w: BlockDevice = Object.create(d)
  w.read = (o, l) => (bump('read'), d.read(o, l))
  if (d.readInto) w.readInto = (o, b) => (bump(b.buffer instanceof SharedArrayBuffer ? 'read.shared' : 'read'), bump('readBytes', b.length), d.readInto!(o, b))
  w.write = (o, b, x) => (bump(b.buffer instanceof SharedArrayBuffer ? 'write.shared' : 'write'), bump('writeBytes', b.length), d.write(o, b, x))
  w.flush = () => (bump('flush'), d.flush())
  return w
}
const dir = await mkdtemp(join(tmpdir(), 'plexa-counts-'))
try {
  // PLEXA_COUNTS_OPTS: the group's options as JSON (e.g. '{"copyUnitRegions":1}', a busy volume's units)
  const dg = await filledMirror(dir, 'rc', GiB, JSON.parse(process.env.PLEXA_COUNTS_OPTS ?? '{}') as Partial<OpenOptions>, counted)
  dg.subscribe((e) => bump(`event.${e.type}`))
  const rounds = Number(process.env.ROUNDS ?? 3)
  // PLEXA_PROFILE=file: the main thread's CPU profile of the resyncs alone
  const { Session } = await import('node:inspector/promises')
  const session = process.env.PLEXA_PROFILE ? new Session() : undefined
  if (session) {
    session.connect()
    await session.post('Profiler.enable')
    await session.post('Profiler.start')
  }
  for (let r = 0; r < rounds; r++) {
    for (const k of Object.keys(counts)) delete counts[k]
    const elu0 = performance.eventLoopUtilization()
    const cpu0 = process.cpuUsage()
    const th0 = threadCpu()
    const dry0 = workerRanDry()
    const t0 = process.hrtime.bigint()
    await (await dg.resyncVolume('m', true)).done
    // each a wait of the copy worker for the event loop (rule 387)
    bump('worker.ran_dry', workerRanDry() - dry0)
    const s = seconds(t0)
    const elu = performance.eventLoopUtilization(elu0)
    const cpu = process.cpuUsage(cpu0)
    const th = Object.fromEntries(Object.entries(threadCpuSince(th0)).map(([k, v]) => [`cpu_ms.${k}`, v]))
    console.log(JSON.stringify({ MiBps: Math.round(GiB / MiB / s), elu_ms: Math.round(elu.active), cpu_user_ms: Math.round(cpu.user / 1000), cpu_sys_ms: Math.round(cpu.system / 1000), ...th, ...counts }))
  }
  if (session) {
    const { profile } = await session.post('Profiler.stop')
    const { writeFileSync } = await import('node:fs')
    writeFileSync(process.env.PLEXA_PROFILE!, JSON.stringify(profile))
  }
  await dg.stop('m')
  await dg.close()
} finally {
  await rm(dir, { recursive: true, force: true })
}
