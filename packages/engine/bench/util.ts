import { readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { DiskGroup } from '../src/diskGroup.ts'
import type { BlockDevice } from '../src/device/blockDevice.ts'
import { createImageFile, openDevicePath } from '../src/device/fileDevice.ts'
import type { OpenOptions } from '../src/lifecycle/options.ts'
import { createRandom } from '../test/random.ts'

/** One benchmark line of DESIGN.md section 8. */
export interface BenchLine {
  bench: string
  value: number
  unit: string
  baseline: string
  baseline_value: number
  ratio: number
}

export function line(bench: string, value: number, unit: string, baseline: string, baselineValue: number, higherIsBetter = true): BenchLine {
  const ratio = higherIsBetter ? value / baselineValue : baselineValue === 0 ? 0 : value / baselineValue
  const r = (x: number) => Math.round(x * 1000) / 1000
  return { bench, value: r(value), unit, baseline, baseline_value: r(baselineValue), ratio: r(ratio) }
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.floor(s.length / 2)]!
}

export function seconds(t0: bigint): number {
  return Number(process.hrtime.bigint() - t0) / 1e9
}

/** CPU ns of each thread of this process by its name (the main thread is 'main', others `comm.tid`), from /proc. */
export function threadCpu(): Record<string, number> {
  const r: Record<string, number> = {}
  for (const tid of readdirSync('/proc/self/task')) {
    const ns = Number(readFileSync(`/proc/self/task/${tid}/schedstat`, 'utf8').split(' ')[0])
    const name = Number(tid) === process.pid ? 'main' : `${readFileSync(`/proc/self/task/${tid}/comm`, 'utf8').trim()}.${tid}`
    r[name] = ns
  }
  return r
}

/** CPU ms of each thread since `before` (a `threadCpu()`), threads that ran only. */
export function threadCpuSince(before: Record<string, number>): Record<string, number> {
  const now = threadCpu()
  return Object.fromEntries(Object.entries(now).map(([k, v]) => [k, Math.round((v - (before[k] ?? 0)) / 1e6)] as const).filter(([, v]) => v > 0))
}

/**
 * A started 2-way mirror `m` of `bytes` on two fresh sparse image files in `dir` (`wrap` around
 * each file's device), filled with seeded random data and flushed: what the resync benches copy.
 */
export async function filledMirror(dir: string, name: string, bytes: number, opts: Partial<OpenOptions> = {}, wrap: (d: BlockDevice) => BlockDevice = (d) => d): Promise<DiskGroup> {
  const disks = []
  for (let i = 0; i < 2; i++) {
    const p = join(dir, `${name}-d${i}.img`)
    await createImageFile(p, bytes + (64 << 20))
    disks.push({ name: `d${i}`, device: wrap(await openDevicePath(p)) })
  }
  const dg = await DiskGroup.create({ name, disks, drlCleanAgeMs: 60_000, ...opts })
  await dg.assistMake({ init: 'none', name: 'm', len: bytes / 512, layout: 'mirror' })
  await dg.start('m')
  const buf = createRandom(7).bytes(4 << 20)
  for (let off = 0; off < bytes; off += buf.length) await dg.write('m', off, buf.subarray(0, Math.min(buf.length, bytes - off)))
  await dg.flush('m')
  return dg
}
