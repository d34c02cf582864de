// `npm run bench`: every benchmark, one JSON line each (DESIGN.md section 8). Each value is
// measured next to its baseline in the same run; runs are interleaved and medians reported
// because this machine's storage swings 2-4x between runs.
import { existsSync } from 'node:fs'
import { mkdtemp, open, rm } from 'node:fs/promises'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { DiskGroup, REGION_SECTORS } from '../src/diskGroup.ts'
import type { BlockDevice } from '../src/device/blockDevice.ts'
import { createImageFile, openDevicePath } from '../src/device/fileDevice.ts'
import { type BenchLine, line, median, seconds } from './util.ts'
import { cpCopy, ddCopy, directAllowed, extract } from './systemCopy.ts'
import { FIO_SHAPES, fioLayout, fioRate } from './fioCeiling.ts'
import { startPacedCopy, writeFile } from './pacedCopy.ts'
import { createRandom } from '../test/random.ts'
import { type PaceEpoch, tracePace } from '../src/tasks/adaptivePace.ts'

const MiB = 1 << 20
const GiB = 1 << 30
const REGION = REGION_SECTORS * 512
const ROUNDS = Number(process.env.PLEXA_BENCH_ROUNDS ?? 3)
/** Seconds of foreground writes each adaptive and unthrottled resync runs under. */
const ADAPTIVE_S = Number(process.env.PLEXA_BENCH_ADAPTIVE_S ?? 4)
/** Seconds of each fio run of the mirrorWrite ceiling. */
const FIO_S = Number(process.env.PLEXA_BENCH_FIO_S ?? 2)
/** The adaptive line's bound: its p99 within this many times the idle p99 (issue 20). */
const ADAPTIVE_BOUND = 1.5

const out: BenchLine[] = []
function emit(l: BenchLine) {
  out.push(l)
  console.log(JSON.stringify(l))
}

/** A group on fresh sparse image files in `dir` (by the engine of `engine`, this one by default). */
async function group(dir: string, name: string, disks: number, size: number, engine: Engine = THIS) {
  const devices = []
  for (let i = 0; i < disks; i++) {
    const p = join(dir, `${name}-${i}.img`)
    await createImageFile(p, size)
    devices.push({ name: `d${i}`, device: await engine.openDevicePath(p) })
  }
  return engine.DiskGroup.create({ name, disks: devices, drlCleanAgeMs: 60_000 }) as Promise<DiskGroup>
}

/** The modules of an engine a bench runs: this checkout's, or another's (PLEXA_BENCH_AGAINST). */
interface Engine {
  DiskGroup: typeof DiskGroup
  openDevicePath: typeof openDevicePath
}
const THIS: Engine = { DiskGroup, openDevicePath }
/**
 * PLEXA_BENCH_AGAINST=DIR: another checkout of this repository (a git worktree of an older
 * commit), whose engine the resync bench runs in the same rounds as this one (`engine_against`),
 * on a mirror of its own. Not a fair pair by itself: the system copies write into this engine's
 * files, not the other's, and under load (27-29) the same code ran 0.1-1.0x as fast on those
 * files as on its own in the same rounds; run it with DIR a worktree of this very commit too,
 * and read the two ratios against each other.
 */
const AGAINST = process.env.PLEXA_BENCH_AGAINST
async function against(): Promise<Engine | undefined> {
  if (!AGAINST) return undefined
  const dg = (await import(join(AGAINST, 'packages/engine/src/diskGroup.ts'))) as { DiskGroup: typeof DiskGroup }
  const fd = (await import(join(AGAINST, 'packages/engine/src/device/fileDevice.ts'))) as { openDevicePath: typeof openDevicePath }
  return { DiskGroup: dg.DiskGroup, openDevicePath: fd.openDevicePath }
}

async function fill(dg: DiskGroup, vol: string, bytes: number) {
  const buf = createRandom(7).bytes(4 * MiB)
  for (let off = 0; off < bytes; off += buf.length) await dg.write(vol, off, buf.subarray(0, Math.min(buf.length, bytes - off)))
  await dg.flush(vol)
}

/**
 * Resync of a 2-way mirror against the fastest system copy of the same bytes between the same
 * files (issue 20): `dd bs=4M conv=fsync`, also with `oflag=direct` where the files allow it, and
 * `cp --sparse=never` of those bytes; each tool's median, the fastest is the baseline.
 */
async function resyncThroughput(dir: string) {
  const dg = await group(dir, 'rs', 2, GiB + 64 * MiB)
  await dg.assistMake({ init: 'none', name: 'm', len: GiB / 512, layout: 'mirror' })
  await dg.start('m')
  await fill(dg, 'm', GiB)
  const c = dg.config()
  const sd = (plex: string) => c.subdisks.find((s) => s.sd_pl_name === plex)!
  const src = { file: join(dir, 'rs-0.img'), offset: sd('m-01').sd_dev_offset * 512 }
  const dst = { file: join(dir, 'rs-1.img'), offset: sd('m-02').sd_dev_offset * 512 }
  const cpSource = join(dir, 'cp-source.bin')
  await extract(src, cpSource, GiB)
  const direct = await directAllowed(src, dst)
  const tools: Record<string, () => Promise<number>> = {
    'dd bs=4M conv=fsync': () => ddCopy(src, dst, GiB, false),
    ...(direct ? { 'dd bs=4M conv=fsync oflag=direct': () => ddCopy(src, dst, GiB, true) } : {}),
  }
  const cp = 'cp --sparse=never'
  const timed = (g: DiskGroup) => async () => {
    const t0 = process.hrtime.bigint()
    await (await g.resyncVolume('m', true)).done
    return GiB / MiB / seconds(t0)
  }
  // the other checkout's engine on a mirror of its own, filled the same way
  const other = await against()
  const dgOther = other ? await group(dir, 'rsa', 2, GiB + 64 * MiB, other) : undefined
  if (dgOther) {
    await dgOther.assistMake({ init: 'none', name: 'm', len: GiB / 512, layout: 'mirror' })
    await dgOther.start('m')
    await fill(dgOther, 'm', GiB)
  }
  const engines: Array<[string, () => Promise<number>]> = [['engine', timed(dg)], ...(dgOther ? [['engine_against', timed(dgOther)] as [string, () => Promise<number>]] : [])]
  const runs: Record<string, number[]> = { [cp]: [], ...Object.fromEntries([...engines.map(([k]) => k), ...Object.keys(tools)].map((k) => [k, []])) }
  const order: Array<[string, () => Promise<number>]> = [...engines, ...Object.entries(tools)]
  // A discarded warm-up of each, then each round in a seeded shuffled order, so no tool always
  // runs right after the same other one. cp's rounds come after all of those: whatever writes
  // right after cp (its 1 GiB file created and removed) ran 2-5x slower on this machine, and a
  // rotation had the engine always right after cp.
  for (const [, fn] of order) await fn()
  for (let i = 0; i < ROUNDS + 2; i++) {
    const rnd = createRandom(100 + i)
    const round = order.map((o) => [rnd.next(), o] as const).sort((a, b) => a[0] - b[0]).map(([, o]) => o)
    for (const [name, fn] of round) runs[name]!.push(await fn())
  }
  const cpOnce = () => cpCopy(cpSource, join(dir, 'cp-copy.bin'), GiB)
  await cpOnce()
  for (let i = 0; i < ROUNDS + 2; i++) runs[cp]!.push(await cpOnce())
  const medians = [...Object.keys(tools), cp].map((k) => [k, median(runs[k]!)] as const)
  const fastest = Math.max(...medians.map(([, v]) => v))
  console.error(`resync baseline tools (MiB/s, median of ${ROUNDS + 2}): ${medians.map(([k, v]) => `${k} ${v.toFixed(0)}`).join('; ')}${direct ? '' : '; oflag=direct refused by these files'}`)
  emit(line('resync.mirror2.1GiB.throughput', median(runs.engine!), 'MiB/s', 'fastest of dd bs=4M conv=fsync (and oflag=direct where allowed) and cp --sparse=never, same 1 GiB', fastest))
  if (dgOther) {
    console.error(`resync rounds (MiB/s): ${Object.entries(runs).map(([k, v]) => `${k} ${v.map((x) => x.toFixed(0)).join(' ')}`).join('; ')}`)
    emit(line('resync.mirror2.1GiB.throughput.against', median(runs.engine!), 'MiB/s', `the engine of ${AGAINST}, same rounds`, median(runs.engine_against!)))
    await dgOther.stop('m')
    await dgOther.close()
  }
  await dg.stop('m')
  await dg.close()
}

async function recoveryTime(dir: string) {
  const times: Record<string, number[]> = { drl: [], full: [] }
  for (let i = 0; i < ROUNDS; i++) {
    for (const kind of ['drl', 'full'] as const) {
      const name = `rc${kind}${i}`
      const dg = await group(dir, name, 3, GiB + 64 * MiB)
      await dg.assistMake({ init: 'none', name: 'm', len: GiB / 512, layout: 'mirror', ...(kind === 'drl' ? { log: 'drl' as const } : {}), disks: ['d0', 'd1', 'd2'] })
      await dg.start('m')
      await fill(dg, 'm', GiB)
      await dg.cleanDirtyRegions('m')
      // 1% of the regions are written when the machine goes down
      const regions = GiB / REGION
      const rnd = createRandom(i)
      for (let k = 0; k < regions / 100; k++) await dg.write('m', rnd.int(0, regions - 1) * REGION, Buffer.alloc(4096, k))
      await dg.close()
      const paths = [0, 1, 2].map((d) => join(dir, `${name}-${d}.img`))
      const again = await DiskGroup.import({ devices: await Promise.all(paths.map((p) => openDevicePath(p))) })
      const t0 = process.hrtime.bigint()
      await again.start('m')
      times[kind]!.push(seconds(t0))
      await again.stop('m')
      await again.close()
      for (const p of paths) await rm(p)
    }
  }
  emit(line('recovery.1pct_dirty.1GiB.time', median(times.drl!), 's', 'full resync of the same mirror without a log', median(times.full!), false))
}

/**
 * `n` 4 KiB writes to random 4 KiB blocks of the first `span` bytes of `dev` (a volume, or raw
 * image files), 16 at a time, then a flush; their IOPS, counting the flush's time when `timeFlush`.
 */
async function randomWrites(dev: Writable, seed: number, n: number, span: number, timeFlush: boolean): Promise<number> {
  const rnd = createRandom(seed)
  const buf = Buffer.alloc(4096, 1)
  let next = 0
  const t0 = process.hrtime.bigint()
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (next++ < n) await dev.write(rnd.int(0, span / 4096 - 1) * 4096, buf)
    }),
  )
  const written = seconds(t0)
  await dev.flush()
  return n / (timeFlush ? seconds(t0) : written)
}

/** What a write loop needs of what it writes: a volume's `BlockDevice`, or raw image files. */
type Writable = Pick<BlockDevice, 'write' | 'flush'>
/** What a mirrored write asks of each plex's device. */
const OVERLAP = { overlap: true }

async function drlWriteCost(dir: string) {
  const iops: Record<string, number[]> = { drl: [], plain: [] }
  const groups: Record<string, DiskGroup> = {}
  for (const kind of ['drl', 'plain'] as const) {
    const dg = await group(dir, `dw${kind}`, 3, GiB + 64 * MiB)
    await dg.assistMake({ init: 'none', name: 'm', len: GiB / 512, layout: 'mirror', ...(kind === 'drl' ? { log: 'drl' as const } : {}), disks: ['d0', 'd1', 'd2'] })
    await dg.start('m')
    groups[kind] = dg
  }
  const run = (dg: DiskGroup, seed: number) => randomWrites(dg.volumeDevice('m'), seed, 20000, GiB, true)
  // warm-up: the log's working set gets dirty once, as in steady state
  for (const kind of ['drl', 'plain'] as const) await run(groups[kind]!, 99)
  for (let i = 0; i < ROUNDS; i++) for (const kind of ['drl', 'plain'] as const) iops[kind]!.push(await run(groups[kind]!, i))
  emit(line('write.4KiB_random.qd16.with_drl', median(iops.drl!), 'IOPS', 'the same mirror without a dirty region log', median(iops.plain!)))
  for (const dg of Object.values(groups)) {
    await dg.stop('m')
    await dg.close()
  }
}

const turn = () => new Promise<void>((r) => setImmediate(r))

async function latencyDuringResync(dir: string) {
  // 2 GiB: a resync at half its unthrottled rate (400 MiB/s on a quiet machine) runs longer than a
  // window of ADAPTIVE_S seconds, so the adaptive line measures one controller settled, not one
  // started afresh (unlimited, then halving) each time a 512 MiB resync ended, three times a window
  const total = 2 * GiB
  const dg = await group(dir, 'lat', 2, total + 64 * MiB)
  await dg.assistMake({ init: 'none', name: 'm', len: total / 512, layout: 'mirror' })
  await dg.start('m')
  await fill(dg, 'm', total)
  const p99 = async (count: number) => {
    const rnd = createRandom(count)
    const buf = Buffer.alloc(4096, 2)
    const lat: number[] = []
    for (let i = 0; i < count; i++) {
      // each write from an event-loop turn of its own, as an NBD client's requests arrive (a
      // loop of writes that never yields would starve every timer and I/O callback, a copy's too)
      await turn()
      const t0 = process.hrtime.bigint()
      await dg.write('m', rnd.int(0, total / 4096 - 1) * 4096, buf)
      lat.push(Number(process.hrtime.bigint() - t0) / 1e6)
    }
    lat.sort((a, b) => a - b)
    return lat[Math.floor(lat.length * 0.99)]!
  }
  const idle: number[] = []
  const busy: number[] = []
  for (let i = 0; i < ROUNDS; i++) {
    idle.push(await p99(3000))
    const h = await dg.resyncVolume('m', true)
    dg.throttleTask(h.id, 64 * MiB)
    busy.push(await p99(3000))
    dg.abortTask(h.id)
    await h.done.catch(() => {})
  }
  emit(line('write.4KiB.p99_latency.during_throttled_resync', median(busy), 'ms', 'idle volume (no resync)', median(idle), false))
  // Issue 20 item 2: an unthrottled resync in adaptive mode against the idle p99, and its copy
  // rate against the same resync unthrottled, both while the same foreground writes run. Each is
  // measured over a window of ADAPTIVE_S seconds of foreground writes (the controller decides
  // every 100 ms, so it needs seconds to settle), the resync started again whenever it finishes;
  // its rate is the bytes it moved in the window. The target asked of the adaptive mode is the
  // bound the line is held to: 1.5 times the idle p99 measured just before.
  /** The `q` quantile of `xs` (unsorted, ms). */
  const pct = (xs: readonly number[], q: number) => {
    const s = [...xs].sort((a, b) => a - b)
    return s[Math.min(s.length - 1, Math.floor(s.length * q))] ?? 0
  }
  /** p99 (ms), every latency and count of the foreground writes of a window of ADAPTIVE_S s; `between` runs after each. */
  const window = async (between: () => Promise<void> = async () => {}) => {
    const t0 = process.hrtime.bigint()
    const rnd = createRandom(11)
    const buf = Buffer.alloc(4096, 3)
    const lat: number[] = []
    while (seconds(t0) < ADAPTIVE_S) {
      await turn()
      const w0 = process.hrtime.bigint()
      await dg.write('m', rnd.int(0, total / 4096 - 1) * 4096, buf)
      lat.push(Number(process.hrtime.bigint() - w0) / 1e6)
      await between()
    }
    return { lat: pct(lat, 0.99), all: lat, writes: lat.length, s: seconds(t0) }
  }
  /**
   * The foreground window beside a resync unthrottled (`none`), adaptive with `target` as its
   * latency, or at a fixed rate of `target` bytes per second; also the adaptive limit the task held
   * at each quarter second (MiB/s, 0 = unlimited).
   */
  const during = async (mode: 'none' | 'adaptive' | 'fixed', target: number) => {
    let moved = 0
    const limits: number[] = []
    const startResync = async () => {
      const t = await dg.resyncVolume('m', true)
      if (mode === 'adaptive') dg.throttleTask(t.id, { adaptive: { latencyMs: target } })
      if (mode === 'fixed') dg.throttleTask(t.id, target)
      void t.done.catch((e: { code?: string }) => {
        if (e.code !== 'VM_ABORTED') console.error(`resync ended ${e.code}`)
      })
      return t
    }
    const running = (id: string) => dg.listTasks().find((t) => t.taskId === id)
    let h = await startResync()
    const t0 = process.hrtime.bigint()
    const w = await window(async () => {
      // the task leaves the list as it ends, before its promise settles
      const now = running(h.id)
      if (mode === 'adaptive' && now && seconds(t0) >= limits.length / 4) limits.push(Math.round(now.throttle / MiB))
      if (now) return
      await h.done
      moved += total
      h = await startResync()
    })
    const task = running(h.id)
    if (task) dg.abortTask(h.id)
    await h.done.catch(() => {})
    return { ...w, rate: (moved + (task ? task.doneBytes : total)) / MiB / w.s, limits }
  }
  // The machine's bound: the same foreground writes beside a copy that is not the engine's (a
  // child process copying 4 MiB blocks between two files of its own) at half the rate the
  // unthrottled resync moved in the same round. If that alone takes the p99 past 1.5x idle, no
  // controller meets both targets of the adaptive line on this machine.
  const copySrc = join(dir, 'copy-src.img')
  const copyDst = join(dir, 'copy-dst.img')
  const copyBytes = 512 * MiB
  await writeFile(copySrc, copyBytes, createRandom(5).bytes(4 * MiB))
  await writeFile(copyDst, copyBytes, Buffer.alloc(4 * MiB))
  const beside = async (bytesPerSecond: number) => {
    const copy = await startPacedCopy(copySrc, copyDst, copyBytes, bytesPerSecond)
    const w = await window()
    return { ...w, rate: await copy.stop() }
  }
  // The idle p99 swings 2-5x from one window to the next on this loaded machine: every resync
  // window has an idle window of the same length just before and just after it (idle, adaptive,
  // idle, unthrottled, idle), each ratio is against the median of its two neighbours, and the
  // lines pool every write of every round (ROUNDS x ADAPTIVE_S s a mode, not one 3000-write
  // sample). The adaptive target is 1.5x the median idle p99 of the windows so far.
  const idleWs: number[][] = []
  const idleP99s: number[] = []
  const adaptiveWs: number[][] = []
  const unthrottledWs: number[][] = []
  const ratiosA: number[] = []
  const ratiosU: number[] = []
  const idleWindow = async () => {
    const w = await window()
    idleWs.push(w.all)
    idleP99s.push(w.lat)
    return w.lat
  }
  const idle2: number[] = []
  const rateAdaptive: number[] = []
  const rateFull: number[] = []
  const bound: number[] = []
  const boundIdle: number[] = []
  const fixedHalf: number[] = []
  const rateFixedHalf: number[] = []
  for (let i = 0; i < ROUNDS; i++) {
    const load = loadavg()[0]!.toFixed(2)
    const before = await idleWindow()
    const base = median(idleP99s)
    const epochs: PaceEpoch[] = []
    if (process.env.PLEXA_BENCH_PACE_TRACE) tracePace((e) => epochs.push(e))
    const a = await during('adaptive', ADAPTIVE_BOUND * base)
    tracePace(undefined)
    // PLEXA_BENCH_PACE_TRACE=1: each epoch the controller decided (ms, samples, over the target, p99, MiB/s moved, limit from -> to)
    if (epochs.length > 0) console.error(`adaptive round ${i} epochs: ${epochs.map((e) => `[${e.elapsedMs.toFixed(0)}ms n${e.samples} over${e.over} p99 ${e.p99Ms.toFixed(2)}${e.pendingMs > 0 ? ` pend ${e.pendingMs.toFixed(2)}` : ''} moved ${(e.movedBps / MiB).toFixed(0)} ${(e.from / MiB).toFixed(0)}->${(e.to / MiB).toFixed(0)} cap ${(e.capacityBps / MiB).toFixed(0)}]`).join(' ')}`)
    const mid = await idleWindow()
    const u = await during('none', ADAPTIVE_BOUND * base)
    const after = await idleWindow()
    adaptiveWs.push(a.all)
    unthrottledWs.push(u.all)
    ratiosA.push(a.lat / ((before + mid) / 2))
    ratiosU.push(u.lat / ((mid + after) / 2))
    rateAdaptive.push(a.rate)
    rateFull.push(u.rate)
    idle2.push(median([before, mid, after]))
    // the engine's own copy at a fixed half of that rate: what the adaptive mode could hold at
    // 0.5 of the unthrottled rate if it found the rate at once (its controller aside)
    const f = await during('fixed', (u.rate * MiB) / 2)
    fixedHalf.push(f.lat)
    rateFixedHalf.push(f.rate)
    const base2 = await p99(3000)
    const c = await beside((u.rate * MiB) / 2)
    bound.push(c.lat)
    boundIdle.push(base2)
    console.error(`adaptive round ${i} (load ${load}): idle p99 before/between/after ${before.toFixed(3)}/${mid.toFixed(3)}/${after.toFixed(3)} ms, target ${(ADAPTIVE_BOUND * base).toFixed(3)} ms; adaptive p99 ${a.lat.toFixed(3)} ms (${ratiosA[i]!.toFixed(2)}x its neighbours) at ${a.rate.toFixed(0)} MiB/s (${a.writes} writes); unthrottled p99 ${u.lat.toFixed(3)} ms (${ratiosU[i]!.toFixed(2)}x) at ${u.rate.toFixed(0)} MiB/s (${u.writes} writes); rate ${(a.rate / u.rate).toFixed(2)}; fixed at half: p99 ${f.lat.toFixed(3)} ms at ${f.rate.toFixed(0)} MiB/s; adaptive limit MiB/s every 0.25 s (0 = unlimited): ${a.limits.join(' ')}; idle p99 ${base2.toFixed(3)} ms, beside a system copy at ${c.rate.toFixed(0)} MiB/s ${c.lat.toFixed(3)} ms (${(c.lat / base2).toFixed(2)}x)`)
  }
  const pooled = (ws: number[][]) => pct(ws.flat(), 0.99)
  const spread = (xs: number[]) => `${Math.min(...xs).toFixed(2)}-${Math.max(...xs).toFixed(2)}`
  console.error(`adaptive spread: idle window p99 ${spread(idleP99s)} ms over ${idleP99s.length} windows; per round adaptive/idle ${ratiosA.map((x) => x.toFixed(2)).join(' ')}, unthrottled/idle ${ratiosU.map((x) => x.toFixed(2)).join(' ')}, rate ${rateAdaptive.map((x, k) => (x / rateFull[k]!).toFixed(2)).join(' ')}; load ${loadavg().map((x) => x.toFixed(2)).join(' ')}`)
  const pooledOf = `${ROUNDS} windows of ${ADAPTIVE_S} s pooled, against ${idleWs.length} idle windows of ${ADAPTIVE_S} s interleaved with them (before, between and after each round's resync windows, pooled)`
  emit(line('write.4KiB.p99_latency.during_adaptive_resync', pooled(adaptiveWs), 'ms', `idle volume (no resync); ${pooledOf}; the adaptive target is ${ADAPTIVE_BOUND}x the median idle window p99 so far; target ratio <= ${ADAPTIVE_BOUND}`, pooled(idleWs), false))
  emit(line('write.4KiB.p99_latency.during_unthrottled_resync', pooled(unthrottledWs), 'ms', `idle volume (no resync); ${pooledOf}`, pooled(idleWs), false))
  emit(line('resync.rate.adaptive_during_writes', median(rateAdaptive), 'MiB/s', `the same resync unthrottled, same foreground writes, ${ADAPTIVE_S} s each; target ratio >= 0.5`, median(rateFull)))
  emit(line('write.4KiB.p99_latency.during_resync_fixed_at_half_rate', median(fixedHalf), 'ms', `idle volume; the engine's bound for the adaptive line: the same resync at a fixed rate of half its unthrottled rate of the same round (it moved ${median(rateFixedHalf).toFixed(0)} MiB/s), ${ADAPTIVE_S} s; above ${ADAPTIVE_BOUND} no controller holds both adaptive targets with this copy`, median(idle2), false))
  emit(line('write.4KiB.p99_latency.beside_system_copy_at_half_rate', median(bound), 'ms', `idle volume; the machine's bound for the adaptive line: a child process copies 4 MiB blocks between two other files at half the unthrottled resync's rate of the same round, ${ADAPTIVE_S} s; above ${ADAPTIVE_BOUND} no resync meets both adaptive targets here`, median(boundIdle), false))
  await dg.stop('m').catch(() => {})
  await dg.close()
}

async function seqWrite(dir: string) {
  const dg = await group(dir, 'sw', 1, 256 * MiB + 64 * MiB)
  await dg.assistMake({ init: 'none', name: 'plain', len: (256 * MiB) / 512, layout: 'concat' })
  await dg.start('plain')
  const raw = join(dir, 'raw.img')
  await createImageFile(raw, 256 * MiB)
  const buf = Buffer.alloc(MiB, 0xa5)
  const rawRuns: number[] = []
  const volRuns: number[] = []
  for (let i = 0; i < ROUNDS; i++) {
    const fh = await open(raw, 'r+')
    let t0 = process.hrtime.bigint()
    for (let off = 0; off < 256 * MiB; off += MiB) await fh.write(buf, 0, MiB, off)
    await fh.datasync()
    rawRuns.push(256 / seconds(t0))
    await fh.close()
    t0 = process.hrtime.bigint()
    for (let off = 0; off < 256 * MiB; off += MiB) await dg.write('plain', off, buf)
    await dg.flush('plain')
    volRuns.push(256 / seconds(t0))
  }
  emit(line('engine.seq_write_1MiB.concat', median(volRuns), 'MiB/s', 'raw file write, same block size', median(rawRuns)))
  await dg.stop('plain')
  await dg.close()
}

/**
 * Where mirrorWrite puts its image files: PLEXA_BENCH_MIRROR_DIR, else tmpfs (/dev/shm) where the
 * machine has it, as a model of disks of their own. On this VM's ext4 (kernel 6.18) a 4 KiB write
 * into a file filled by large writes walks the buffer heads of a large folio: 18-25 µs of system
 * time for one file and 120 µs for two (their buffer heads no longer fit the cache), where the same
 * writes into files filled 4 KiB at a time take 1.4 and 3 µs; on one virtual disk the two "disks"
 * also share one write-back. Neither is the cost of the I/O path.
 */
function mirrorBenchDir(dir: string): string {
  return process.env.PLEXA_BENCH_MIRROR_DIR ?? (existsSync('/dev/shm') ? '/dev/shm' : dir)
}

/**
 * Issue 20 item 1: a 2-way mirror's writes against a 1-plex concat's, on the same disk set (the
 * concat on the mirror's first disk), in the same run: 4 KiB random writes at queue depth 16 and
 * 1 MiB sequential writes at queue depth 1, in many short rounds rotating which goes first. A
 * mirror writes each block twice, to two disks: the ratio is how well they overlap. As in the NBD
 * bench (fio without fsync) the writes are timed, not the flush after them. Next to them, the
 * machine's ceiling: the same writes to two raw image files against one (filled the same way,
 * through the same file device, the two files' writes issued as a mirrored write issues its
 * plexes'), with no engine, so the engine's ratio reads against what two files allow here.
 */
async function mirrorWrite(benchDir: string) {
  const where = mirrorBenchDir(benchDir)
  const dir = await mkdtemp(join(where, 'plexa-bench-mirror-'))
  try {
    await mirrorWriteIn(dir, where)
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

async function mirrorWriteIn(dir: string, where: string) {
  const size = 256 * MiB
  const dg = await group(dir, 'mw', 2, size * 2 + 64 * MiB)
  await dg.assistMake({ init: 'none', name: 'plain', len: size / 512, layout: 'concat', disks: ['d0'] })
  await dg.assistMake({ init: 'none', name: 'm', len: size / 512, layout: 'mirror', disks: ['d0', 'd1'] })
  for (const v of ['plain', 'm']) {
    await dg.start(v)
    await fill(dg, v, size)
  }
  const files: BlockDevice[] = []
  for (const i of [0, 1]) {
    const p = join(dir, `raw-${i}.img`)
    await createImageFile(p, size)
    const dev = await openDevicePath(p)
    const buf = createRandom(7).bytes(4 * MiB)
    for (let off = 0; off < size; off += buf.length) await dev.write(off, buf)
    await dev.flush()
    files.push(dev)
  }
  const [a, b] = files as [BlockDevice, BlockDevice]
  const targets: Record<string, Writable> = {
    plain: dg.volumeDevice('plain'),
    m: dg.volumeDevice('m'),
    raw1: a,
    raw2: {
      write: (off, data) => Promise.all([a.write(off, data, OVERLAP), b.write(off, data, OVERLAP)]).then(() => {}),
      flush: () => Promise.all([a.flush(), b.flush()]).then(() => {}),
    },
  }
  const RANDOM_N = 20000
  const random = (t: Writable, seed: number) => randomWrites(t, seed, RANDOM_N, size, false)
  const sequential = async (t: Writable, round: number) => {
    const buf = Buffer.alloc(MiB, 0xa5)
    const bytes = 64 * MiB
    const t0 = process.hrtime.bigint()
    for (let off = (round % 4) * bytes; off < ((round % 4) + 1) * bytes; off += MiB) await t.write(off, buf)
    const rate = bytes / MiB / seconds(t0)
    await t.flush()
    return rate
  }
  const runs: Record<string, number[]> = {}
  const push = (k: string, x: number) => (runs[k] ??= []).push(x)
  // the process's CPU time (every thread's) per write or per MiB: what load on the machine moves least
  const cpu: Record<string, number[]> = {}
  const cpuOf = async <T>(k: string, per: number, fn: () => Promise<T>): Promise<T> => {
    const c0 = process.cpuUsage()
    const r = await fn()
    const c = process.cpuUsage(c0)
    ;(cpu[k] ??= []).push((c.user + c.system) / per)
    return r
  }
  const names = Object.keys(targets)
  for (const k of names) await random(targets[k]!, 99)
  // short runs, many of them, rotating the order: this machine's load swings within seconds
  for (let i = 0; i < ROUNDS * 4; i++) {
    const order = names.map((_, j) => names[(i + j) % names.length]!)
    for (const k of order) push(`rand:${k}`, await cpuOf(`rand:${k}`, RANDOM_N, () => random(targets[k]!, i)))
    for (const k of order) push(`seq:${k}`, await cpuOf(`seq:${k}`, 64, () => sequential(targets[k]!, i)))
  }
  // fio's ceiling (fioCeiling.ts): one job on one file against two jobs on two files, same run
  const fioFiles = ['fio-0.img', 'fio-1.img']
  await fioLayout(dir, fioFiles, size)
  for (let i = 0; i < ROUNDS; i++) {
    for (const shape of FIO_SHAPES) {
      const order = i % 2 ? [2, 1] : [1, 2]
      for (const n of order) push(`${shape.name}:fio${n}`, await fioRate(dir, fioFiles.slice(0, n), size, shape, FIO_S))
    }
  }
  const cpuLine = (kind: string) => names.map((k) => `${k} ${median(cpu[`${kind}:${k}`]!).toFixed(1)}`).join(', ')
  console.error(`mirrorWrite CPU (median): 4 KiB random µs per write: ${cpuLine('rand')}; 1 MiB sequential µs per MiB: ${cpuLine('seq')}`)
  const on = `image files in ${where}`
  emit(line('engine.write_4KiB_random.mirror2_vs_concat', median(runs['rand:m']!), 'IOPS', `1-plex concat on the mirror's first disk, same run, queue depth 16, ${on}`, median(runs['rand:plain']!)))
  emit(line('engine.seq_write_1MiB.mirror2_vs_concat', median(runs['seq:m']!), 'MiB/s', `1-plex concat on the mirror's first disk, same run, queue depth 1, ${on}`, median(runs['seq:plain']!)))
  // the machine's ceiling for the two lines above: what the mirror's ratio reads against
  emit(line('raw.write_4KiB_random.two_files_vs_one', median(runs['rand:raw2']!), 'IOPS', `one raw image file, the same writes through the file device with no engine, same run, queue depth 16, ${on}`, median(runs['rand:raw1']!)))
  emit(line('raw.seq_write_1MiB.two_files_vs_one', median(runs['seq:raw2']!), 'MiB/s', `one raw image file, the same writes through the file device with no engine, same run, queue depth 1, ${on}`, median(runs['seq:raw1']!)))
  // fio with no Node.js in the path: a mirror's ratio above this one is beyond the machine
  emit(line('fio.write_4KiB_random.two_jobs_vs_one', median(runs['rand:fio2']!), 'IOPS', `fio io_uring queue depth 16, one job on one file; two jobs on two files, the slower job's rate, same run, ${on}`, median(runs['rand:fio1']!)))
  emit(line('fio.seq_write_1MiB.two_jobs_vs_one', median(runs['seq:fio2']!), 'MiB/s', `fio psync queue depth 1, one job on one file; two jobs on two files, the slower job's rate, same run, ${on}`, median(runs['seq:fio1']!)))
  console.error(`mirrorWrite load average at the end: ${loadavg().map((x) => x.toFixed(2)).join(' ')}`)
  for (const v of ['plain', 'm']) await dg.stop(v)
  await dg.close()
  for (const f of files) await f.close()
}

const only = process.argv[2]
const all: Record<string, (dir: string) => Promise<void>> = { seqWrite, mirrorWrite, resyncThroughput, recoveryTime, drlWriteCost, latencyDuringResync }
for (const [name, fn] of Object.entries(all)) {
  if (only && only !== name) continue
  const dir = await mkdtemp(join(tmpdir(), `plexa-bench-${name}-`))
  try {
    await fn(dir)
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}
