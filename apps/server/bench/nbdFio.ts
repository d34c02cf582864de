// fio through our NBD export against nbdkit's file plugin on the same bytes of the same image
// file: 4 KiB random read/write IOPS and 1 MiB sequential throughput (DESIGN.md section 8), and
// the CPU time each server spends per GiB or per I/O on the 1-plex runs. A second nbdkit on the
// same bytes is measured against the first (`nbd.fio.<job>.nbdkit_again`): the noise floor of the
// run, since on this VM an equal server lands anywhere from about 0.9 to 1.1.
// Env: PLEXA_BENCH_JOBS=randread_4k,seqwrite_1m,... runs some jobs only; PLEXA_BENCH_TARGETS=
// kit,one,two (of kit, one, again, two, kit_tls, one_tls, one_sender: the 1-plex volume with its
// 1 MiB read replies sent by the reply sender thread, off by default, and one_loop: the 1-plex volume
// with every reply written on the event loop, `poolWrites: false`, the way before rule 393, and
// one_pool: with its large replies always written from the threadpool, `poolWrites: true`; `one`
// takes the threadpool only while its event loop is 0.9 busy or more, rule 516)
// measures some servers only, and prints
// only the lines whose value and baseline it measured (kit,one,two: the mirror lines, about a
// third of the time); TMPDIR puts the image files elsewhere (/dev/shm: tmpfs); PLEXA_BENCH_ROUNDS
// (default 3; each round rotates the order of the two nbdkits, the 1-plex and the mirror volume);
// PLEXA_BENCH_DEBUG=1 prints each run's result, its server CPU and the event-loop utilization, and
// per GiB (per 1000 I/Os for IOPS jobs) the server's minor page faults and, for ours, its
// mark-compacts, scavenges and the NBD buffers it allocated (a pool that reuses its frames allocates none);
// PLEXA_BENCH_PROFILE=1 writes a CPU profile of the server for each run on the 1-plex volume;
// PLEXA_BENCH_PERF=1 records Linux perf samples of the server for each run (=all: of the machine,
// fio included). Each target gets one unmeasured warm-up run first: nbdkit's first run after it
// starts is about half as fast as its later ones (0.53-0.63 against 0.23-0.25 CPU s per GiB).
// With TLS: our 1-plex volume through a second NBD listener that requires TLS with an x509
// certificate, against nbdkit `--tls=require --tls-certificates` with the same certificate on the
// same bytes (`nbd.fio.<job>.1plex_tls`; fio's libnbd refuses a PSK file named in its URI, and finds
// the CA in $HOME/.pki/libnbd). The plain targets are the same as without it.
import { type ChildProcess, execFile, execFileSync, spawn } from 'node:child_process'
import { readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { mkdir, mkdtemp, rm, symlink } from 'node:fs/promises'
import { Session } from 'node:inspector/promises'
import { PerformanceObserver, constants as perfConstants, performance } from 'node:perf_hooks'
import { availableParallelism, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { DiskGroup, createImageFile, openDevicePath } from '@plexa/engine'
import { line, median } from '../../../packages/engine/bench/util.ts'
import { NbdServer } from '../src/nbd/nbdServer.ts'
import type { MemoryBudget } from '../src/nbd/memoryBudget.ts'
import type { PoolWriteStats } from '../src/nbd/poolWrites.ts'
import type { ReplySender } from '../src/nbd/replySender.ts'
import { loadNbdTls } from '../src/nbd/tls.ts'
import { startServer } from '../src/server.ts'
import { freePort } from '../../../packages/engine/test/nbdkit.ts'
import { makeCertificates } from '../test/x509.ts'

const run = promisify(execFile)
const MiB = 1 << 20
const SIZE = 512 * MiB
const ROUNDS = Number(process.env.PLEXA_BENCH_ROUNDS ?? 3)
const RUNTIME = 4 // seconds per fio run

interface Job {
  name: string
  args: string[]
  metric: 'iops' | 'bw'
  rw: 'read' | 'write'
}
const ALL_JOBS: Job[] = [
  { name: 'randread_4k', args: ['--rw=randread', '--bs=4k', '--iodepth=16'], metric: 'iops', rw: 'read' },
  { name: 'randwrite_4k', args: ['--rw=randwrite', '--bs=4k', '--iodepth=16'], metric: 'iops', rw: 'write' },
  { name: 'seqread_1m', args: ['--rw=read', '--bs=1m', '--iodepth=4'], metric: 'bw', rw: 'read' },
  // a deep queue, as nbdcopy and qemu-img keep: reported, no target
  { name: 'seqread_1m_qd16', args: ['--rw=read', '--bs=1m', '--iodepth=16'], metric: 'bw', rw: 'read' },
  { name: 'seqwrite_1m', args: ['--rw=write', '--bs=1m', '--iodepth=4'], metric: 'bw', rw: 'write' },
]
const JOBS = ALL_JOBS.filter((j) => !process.env.PLEXA_BENCH_JOBS || process.env.PLEXA_BENCH_JOBS.split(',').includes(j.name))

/** A server under test: nbdkit, again nbdkit, or one of our volumes. */
interface Target {
  key: string
  uri: string
  pid: number
  cpuSeconds: () => number
  /** CPU seconds of the server's main thread (our event loop; nbdkit's main thread only waits). */
  mainCpuSeconds: () => number
  sender?: ReplySender
  /** The NBD buffer budget of our server behind this target (its `allocated` count). */
  memory?: MemoryBudget
  /** Its threadpool writes of replies (rule 393). */
  poolWrites?: PoolWriteStats
}
/** Linux perf samples (with call graphs) of the server under test for 3 s of the run. */
function perfRecord(t: Target, job: Job): Promise<unknown> {
  const file = join(tmpdir(), `plexa-perf-${job.name}-${t.key}.data`)
  const scope = process.env.PLEXA_BENCH_PERF === 'all' ? ['-a'] : ['-p', String(t.pid)]
  return run('perf', ['record', '-g', ...scope, '-o', file, '--', 'sleep', '3']).then(() => console.error('perf', file))
}
const session = new Session()
session.connect()
/** Mark-compacts and scavenges of this process (our servers run in it): their count and milliseconds. */
const majorGc = { count: 0, ms: 0 }
const minorGc = { count: 0, ms: 0 }
if (process.env.PLEXA_BENCH_DEBUG) {
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      const kind = (e as PerformanceEntry & { detail?: { kind?: number } }).detail?.kind
      const gc = kind === perfConstants.NODE_PERFORMANCE_GC_MAJOR ? majorGc : kind === perfConstants.NODE_PERFORMANCE_GC_MINOR ? minorGc : undefined
      if (!gc) continue
      gc.count++
      gc.ms += e.duration
    }
  }).observe({ entryTypes: ['gc'] })
}
/** One fio run: the job's metric, and the server's CPU time per GiB moved (bw) or per I/O (iops). */
async function fio(t: Target, job: Job): Promise<{ value: number; cpu: number; mainCpu: number }> {
  const { uri, cpuSeconds, mainCpuSeconds } = t
  // Every run starts with no dirty pages, so no run pays for another's writeback.
  await run('sync')
  const cpu0 = cpuSeconds()
  const main0 = mainCpuSeconds()
  const threads0 = process.env.PLEXA_BENCH_DEBUG ? threadCpu(t.pid) : undefined
  const faults0 = minorFaults(t.pid)
  const gc0 = { ...majorGc }
  const minor0 = { ...minorGc }
  const allocated0 = t.memory?.allocated ?? 0
  const sender0 = t.sender?.stats()
  const pool0 = t.poolWrites ? { ...t.poolWrites } : undefined
  const elu0 = performance.eventLoopUtilization()
  const prof = process.env.PLEXA_BENCH_PROFILE && t.key === 'one'
  if (prof) {
    await session.post('Profiler.enable')
    await session.post('Profiler.start')
  }
  const perf = process.env.PLEXA_BENCH_PERF ? perfRecord(t, job) : undefined
  const { stdout } = await run('fio', ['--name=b', '--ioengine=nbd', `--uri=${uri}`, `--size=${SIZE}`, '--time_based', `--runtime=${RUNTIME}`, '--output-format=json', ...job.args], { maxBuffer: 16 << 20, env: clientEnv })
  await perf
  if (prof) {
    const file = join(tmpdir(), `plexa-nbd-${job.name}.cpuprofile`)
    writeFileSync(file, JSON.stringify((await session.post('Profiler.stop')).profile))
    console.error('profile', file)
  }
  if (process.env.PLEXA_BENCH_DEBUG) console.error(job.name, uri, 'event loop utilization', performance.eventLoopUtilization(elu0).utilization.toFixed(2), 'machine load per core', (loadavg()[0]! / availableParallelism()).toFixed(2))
  const j = (JSON.parse(stdout.slice(stdout.indexOf('{'))) as { jobs: Array<Record<'read' | 'write', { iops: number; bw: number }> & { usr_cpu: number; sys_cpu: number }> }).jobs[0]!
  const value = job.metric === 'iops' ? j[job.rw].iops : j[job.rw].bw / 1024 // bw is KiB/s
  const cpuUsed = cpuSeconds() - cpu0
  const perWork = (seconds: number) => (job.metric === 'iops' ? (seconds / (value * RUNTIME)) * 1e6 : seconds / ((value * RUNTIME) / 1024))
  const cpu = perWork(cpuUsed)
  const mainCpu = perWork(mainCpuSeconds() - main0)
  if (sender0) {
    const s = t.sender!.stats()
    console.error(job.name, uri, 'sender writev', s.writes - sender0.writes, 'EAGAIN', s.full - sender0.full, 'timed waits', s.waits - sender0.waits)
  }
  if (pool0 && process.env.PLEXA_BENCH_DEBUG) console.error(job.name, uri, 'threadpool writes', t.poolWrites!.writes - pool0.writes, 'short', t.poolWrites!.short - pool0.short)
  if (threads0) {
    const now = threadCpu(t.pid)
    const top = [...now].map(([tid, c]) => [tid, c - (threads0.get(tid) ?? 0)] as const).filter(([, c]) => c > 0).sort((a, b) => b[1] - a[1]).slice(0, 5)
    console.error(job.name, uri, 'threads (s per GiB or µs per I/O)', top.map(([tid, c]) => `${tid === t.pid ? 'main' : tid}:${perWork(c).toFixed(3)}`).join(' '))
  }
  if (process.env.PLEXA_BENCH_DEBUG) {
    // counts per GiB moved, or per 1000 I/Os
    const per = (n: number) => (n / (job.metric === 'iops' ? (value * RUNTIME) / 1000 : (value * RUNTIME) / 1024)).toFixed(1)
    const ours = t.pid === process.pid ? ` mark-compacts ${per(majorGc.count - gc0.count)} (${per(majorGc.ms - gc0.ms)} ms) scavenges ${per(minorGc.count - minor0.count)} (${per(minorGc.ms - minor0.ms)} ms) NBD buffers allocated ${per((t.memory?.allocated ?? 0) - allocated0)}` : ''
    console.error(job.name, uri, `per ${job.metric === 'iops' ? '1000 I/Os' : 'GiB'}: minor faults ${per(minorFaults(t.pid) - faults0)}${ours}`)
  }
  if (process.env.PLEXA_BENCH_DEBUG) console.error(job.name, uri, Math.round(value), 'server CPU', cpu.toFixed(3), job.metric === 'iops' ? 'µs/IO' : 's/GiB', 'main thread', mainCpu.toFixed(3), 'fio cpu%', (j.usr_cpu + j.sys_cpu).toFixed(0))
  return { value, cpu, mainCpu }
}

/** CPU seconds a process (or, with `tid`, one of its threads) has used (user and system), from /proc. */
function processCpu(pid: number, ticksPerSecond: number, tid?: number): number {
  const fields = readFileSync(tid === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${tid}/stat`, 'utf8').split(') ')[1]!.split(' ')
  return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond
}

/** Minor page faults of a process so far (its threads' included, ended ones too). */
function minorFaults(pid: number): number {
  return Number(readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')[7])
}

/** CPU seconds of each thread of a process, by thread id. */
function threadCpu(pid: number): Map<number, number> {
  const out = new Map<number, number>()
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      out.set(Number(tid), processCpu(pid, TICKS, Number(tid)))
    } catch {
      // the thread ended
    }
  }
  return out
}
const TICKS = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim())

/** CPU seconds this process (the server under test) has used. */
function ownCpu(): number {
  const u = process.cpuUsage()
  return (u.user + u.system) / 1e6
}

/** nbdkit's file plugin on the bytes at `offset`; with a certificates directory, requiring TLS. */
async function nbdkit(file: string, offset: number, certificates?: string): Promise<{ uri: string; child: ChildProcess }> {
  const port = await freePort()
  const tls = certificates ? ['--tls=require', `--tls-certificates=${certificates}`] : []
  const child = spawn('nbdkit', ['-f', '-i', '127.0.0.1', '-p', String(port), '--exit-with-parent', ...tls, '--filter=offset', 'file', file, `offset=${offset}`, `range=${SIZE}`], { stdio: 'ignore' })
  const uri = certificates ? `nbds://127.0.0.1:${port}` : `nbd://127.0.0.1:${port}`
  for (let i = 0; i < 100; i++) {
    try {
      await run('nbdinfo', ['--size', uri], { env: clientEnv })
      break
    } catch {
      await new Promise((r) => setTimeout(r, 50))
    }
  }
  return { uri, child }
}

const dir = await mkdtemp(join(tmpdir(), 'plexa-nbdbench-'))
// libnbd (fio, nbdinfo) looks for the CA of an nbds:// URI in $HOME/.pki/libnbd
const certs = await makeCertificates(join(dir, 'x509'))
await mkdir(join(dir, 'home', '.pki'), { recursive: true })
await symlink(certs.clientDir, join(dir, 'home', '.pki', 'libnbd'))
const clientEnv = { ...process.env, HOME: join(dir, 'home') }
try {
  await mkdir(join(dir, 'disks'))
  const paths = [1, 2].map((i) => join(dir, 'disks', `nb-disk0${i}.img`))
  for (const p of paths) await createImageFile(p, SIZE * 2 + 64 * MiB)
  const dg = await DiskGroup.create({ name: 'nb', disks: await Promise.all(paths.map(async (p, i) => ({ name: `disk0${i + 1}`, device: await openDevicePath(p) }))) })
  await dg.assistMake({ init: 'none', name: 'one', len: SIZE / 512, layout: 'concat', disks: ['disk01'] })
  await dg.assistMake({ init: 'none', name: 'two', len: SIZE / 512, layout: 'mirror', disks: ['disk01', 'disk02'] })
  const sdOff = (plex: string) => dg.config().subdisks.find((s) => s.sd_pl_name === plex)!.sd_dev_offset * 512
  const oneOff = sdOff('one-01')
  await dg.start('one')
  await dg.start('two')
  const fill = Buffer.alloc(4 * MiB, 0x5a)
  for (const v of ['one', 'two']) for (let o = 0; o < SIZE; o += fill.length) await dg.write(v, o, fill)
  await dg.stop('one')
  await dg.stop('two')
  await dg.close()
  const srv = await startServer({ dataDir: dir, host: '127.0.0.1', port: 0, nbdPort: 0, demo: false, lab: false, labRemote: false, log: () => {} })
  for (let i = 0; i < 200 && [...srv.services.storage.groups.values()].some((g) => g.dg.config().volumes.some((v) => v.v_kstate !== 'ENABLED')); i++) await new Promise((r) => setTimeout(r, 25))
  const kit = await nbdkit(paths[0]!, oneOff)
  // a second nbdkit on the same bytes: its ratio to the first is what this VM's noise alone does
  const kitAgain = await nbdkit(paths[0]!, oneOff)
  // TLS: one certificate for both servers; our listener serves the volume the plain one does
  const kitTls = await nbdkit(paths[0]!, oneOff, certs.serverDir)
  const exports = new Map([['one', { dg: srv.services.storage.group('nb').dg, volume: 'one' }]])
  const tlsServer = new NbdServer({ exports: () => exports }, { tls: await loadNbdTls('require', { certificatesDir: certs.serverDir }) })
  const tlsPort = await tlsServer.listen(0, '127.0.0.1')
  // the 1-plex volume with its 1 MiB read replies sent by the reply sender thread (off by default)
  const senderServer = new NbdServer({ exports: () => exports }, { offload: true })
  const senderPort = await senderServer.listen(0, '127.0.0.1')
  // the 1-plex volume with every reply written on the event loop (rule 393's threadpool writes off),
  // told of every I/O as the server's own listener tells the metrics: only the writes differ from `one`
  const metrics = srv.services.metrics
  const loopServer = new NbdServer({ exports: () => exports }, { poolWrites: false, onIo: (g, v, op, bytes, seconds) => metrics.observeIo(g, v, op, bytes, seconds) })
  const loopPort = await loopServer.listen(0, '127.0.0.1')
  // and with every large reply written from the threadpool, whatever the busy share (rule 516's `true`)
  const poolServer = new NbdServer({ exports: () => exports }, { poolWrites: true, onIo: (g, v, op, bytes, seconds) => metrics.observeIo(g, v, op, bytes, seconds) })
  const poolPort = await poolServer.listen(0, '127.0.0.1')
  const ticks = Number((await run('getconf', ['CLK_TCK'])).stdout.trim())
  const kitTarget = (key: string, k: { uri: string; child: ChildProcess }): Target => ({ key, uri: k.uri, pid: k.child.pid!, cpuSeconds: () => processCpu(k.child.pid!, ticks), mainCpuSeconds: () => processCpu(k.child.pid!, ticks, k.child.pid!) })
  const ourTarget = (volume: string): Target => ({ key: volume, uri: `nbd://127.0.0.1:${srv.nbdPort}/${volume}`, pid: process.pid, cpuSeconds: ownCpu, mainCpuSeconds: () => processCpu(process.pid, ticks, process.pid), sender: srv.nbd.sender, memory: srv.nbd.memory, poolWrites: srv.nbd.poolWriteStats })
  const results: Record<string, number[]> = {}
  const push = (k: string, v: number) => (results[k] ??= []).push(v)
  // Each round takes the targets in a rotated order: on this VM a run's position alone moves its
  // result by up to 20%.
  const oneTls: Target = { key: 'one_tls', uri: `nbds://127.0.0.1:${tlsPort}/one`, pid: process.pid, cpuSeconds: ownCpu, mainCpuSeconds: () => processCpu(process.pid, ticks, process.pid) }
  const oneSender: Target = { key: 'one_sender', uri: `nbd://127.0.0.1:${senderPort}/one`, pid: process.pid, cpuSeconds: ownCpu, mainCpuSeconds: () => processCpu(process.pid, ticks, process.pid) }
  const oneLoop: Target = { key: 'one_loop', uri: `nbd://127.0.0.1:${loopPort}/one`, pid: process.pid, cpuSeconds: ownCpu, mainCpuSeconds: () => processCpu(process.pid, ticks, process.pid) }
  const onePool: Target = { key: 'one_pool', uri: `nbd://127.0.0.1:${poolPort}/one`, pid: process.pid, cpuSeconds: ownCpu, mainCpuSeconds: () => processCpu(process.pid, ticks, process.pid), poolWrites: poolServer.poolWriteStats }
  const only = process.env.PLEXA_BENCH_TARGETS?.split(',')
  const targets = [kitTarget('kit', kit), ourTarget('one'), kitTarget('again', kitAgain), ourTarget('two'), kitTarget('kit_tls', kitTls), oneTls, oneSender, oneLoop, onePool].filter((t) => (only ? only.includes(t.key) : !['one_sender', 'one_loop', 'one_pool'].includes(t.key)))
  for (const t of targets) await fio(t, JOBS[0]!)
  for (let r = 0; r < ROUNDS; r++) {
    for (const job of JOBS) {
      for (let i = 0; i < targets.length; i++) {
        const t = targets[(r + i) % targets.length]!
        const { value, cpu, mainCpu } = await fio(t, job)
        push(`${t.key}:${job.name}`, value)
        push(`${t.key}:${job.name}:cpu`, cpu)
        push(`${t.key}:${job.name}:main_cpu`, mainCpu)
      }
    }
  }
  kit.child.kill()
  kitAgain.child.kill()
  kitTls.child.kill()
  await tlsServer.close()
  await senderServer.close()
  await loopServer.close()
  await poolServer.close()
  /** Prints a line of `key`'s results against `base`'s, when both were measured. */
  const print = (bench: string, key: string, base: string, baseline: string, unit: string, higherIsBetter = true) => {
    const v = results[key]
    const b = results[base]
    if (v && b) console.log(JSON.stringify(line(bench, median(v), unit, baseline, median(b), higherIsBetter)))
  }
  for (const job of JOBS) {
    const unit = job.metric === 'iops' ? 'IOPS' : 'MiB/s'
    const kitBase = 'nbdkit file plugin on the same image bytes'
    print(`nbd.fio.${job.name}.1plex`, `one:${job.name}`, `kit:${job.name}`, kitBase, unit)
    print(`nbd.fio.${job.name}.mirror2`, `two:${job.name}`, `kit:${job.name}`, kitBase, unit)
    // issue 20 item 1: the mirror against our own 1-plex volume (the mirror's first disk), same run
    print(`nbd.fio.${job.name}.mirror2_vs_1plex`, `two:${job.name}`, `one:${job.name}`, "our 1-plex volume on the mirror's first disk, same run", unit)
    // the noise floor: how far from 1.0 an equal server lands in this run
    print(`nbd.fio.${job.name}.nbdkit_again`, `again:${job.name}`, `kit:${job.name}`, kitBase, unit)
    // what the server spends for the same work, lower is better
    const cpuUnit = job.metric === 'iops' ? 'CPU µs per I/O' : 'CPU s per GiB'
    print(`nbd.server_cpu.${job.name}.1plex`, `one:${job.name}:cpu`, `kit:${job.name}:cpu`, "nbdkit's CPU for the same job (lower is better)", cpuUnit, false)
    // our event loop's share of it: one thread, so its cost per GiB caps the throughput
    print(`nbd.server_main_thread_cpu.${job.name}.1plex`, `one:${job.name}:main_cpu`, `kit:${job.name}:cpu`, "nbdkit's CPU (all its threads) for the same job (lower is better)", cpuUnit, false)
    // PLEXA_BENCH_TARGETS with one_sender: the reply sender thread (one, the default, writes replies on the event loop)
    print(`nbd.fio.${job.name}.1plex_with_sender`, `one_sender:${job.name}`, `kit:${job.name}`, kitBase, unit)
    print(`nbd.server_cpu.${job.name}.1plex_with_sender`, `one_sender:${job.name}:cpu`, `kit:${job.name}:cpu`, "nbdkit's CPU for the same job (lower is better)", cpuUnit, false)
    print(`nbd.server_main_thread_cpu.${job.name}.1plex_with_sender`, `one_sender:${job.name}:main_cpu`, `kit:${job.name}:cpu`, "nbdkit's CPU (all its threads) for the same job (lower is better)", cpuUnit, false)
    // PLEXA_BENCH_TARGETS with one_loop: every reply written on the event loop (one, the default, writes large ones from the threadpool under load)
    print(`nbd.fio.${job.name}.1plex_loop_writes`, `one_loop:${job.name}`, `kit:${job.name}`, kitBase, unit)
    print(`nbd.fio.${job.name}.1plex_vs_loop_writes`, `one:${job.name}`, `one_loop:${job.name}`, 'our 1-plex volume with every reply written on the event loop, same run', unit)
    print(`nbd.server_cpu.${job.name}.1plex_loop_writes`, `one_loop:${job.name}:cpu`, `kit:${job.name}:cpu`, "nbdkit's CPU for the same job (lower is better)", cpuUnit, false)
    print(`nbd.server_main_thread_cpu.${job.name}.1plex_loop_writes`, `one_loop:${job.name}:main_cpu`, `kit:${job.name}:cpu`, "nbdkit's CPU (all its threads) for the same job (lower is better)", cpuUnit, false)
    // PLEXA_BENCH_TARGETS with one_pool: every large reply written from the threadpool (one, the default, only under load)
    print(`nbd.fio.${job.name}.1plex_pool_writes`, `one_pool:${job.name}`, `kit:${job.name}`, kitBase, unit)
    print(`nbd.fio.${job.name}.1plex_pool_vs_loop_writes`, `one_pool:${job.name}`, `one_loop:${job.name}`, 'our 1-plex volume with every reply written on the event loop, same run', unit)
    print(`nbd.server_cpu.${job.name}.1plex_pool_writes`, `one_pool:${job.name}:cpu`, `kit:${job.name}:cpu`, "nbdkit's CPU for the same job (lower is better)", cpuUnit, false)
    print(`nbd.server_main_thread_cpu.${job.name}.1plex_pool_writes`, `one_pool:${job.name}:main_cpu`, `kit:${job.name}:cpu`, "nbdkit's CPU (all its threads) for the same job (lower is better)", cpuUnit, false)
    // both ends of the comparison speak TLS with the same pre-shared key
    print(`nbd.fio.${job.name}.1plex_tls`, `one_tls:${job.name}`, `kit_tls:${job.name}`, 'nbdkit file plugin with --tls=require --tls-certificates (the same certificate) on the same image bytes', unit)
    print(`nbd.server_cpu.${job.name}.1plex_tls`, `one_tls:${job.name}:cpu`, `kit_tls:${job.name}:cpu`, "nbdkit's CPU with TLS for the same job (lower is better)", cpuUnit, false)
  }
  await srv.close()
} finally {
  await rm(dir, { recursive: true, force: true })
}
