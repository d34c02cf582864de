// The machine's ceiling for a mirrored write, measured by fio with no Node.js in the path
// (issue 20): one job writing one file against two jobs writing two files at once, the same file
// size, block sizes and queue depths as the mirrorWrite bench, no fsync (its writes are timed, not
// the flush after them). A mirror's write waits for both plexes, so what two files allow is the
// slower job's rate against the one job's: when that is below 0.85 here, so is any mirror.
import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { promisify } from 'node:util'

const run = promisify(execFile)

/** One fio job shape: 4 KiB random writes at queue depth 16, or 1 MiB sequential at queue depth 1. */
export interface FioShape {
  name: 'rand' | 'seq'
  args: string[]
  metric: 'iops' | 'bw_bytes'
}

export const FIO_SHAPES: readonly FioShape[] = [
  // io_uring at depth 16 where the kernel has it (libaio on tmpfs completes inline, as depth 1)
  { name: 'rand', args: ['--rw=randwrite', '--bs=4k', '--ioengine=io_uring', '--iodepth=16'], metric: 'iops' },
  { name: 'seq', args: ['--rw=write', '--bs=1M', '--ioengine=psync'], metric: 'bw_bytes' },
]

/**
 * One fio run of `shape` on `files` (one job each, all at once, for `runtime` seconds): the
 * slowest job's rate (IOPS, or MiB/s for `bw_bytes`), as a mirror's write completes at the pace of
 * its slower plex.
 */
export async function fioRate(dir: string, files: readonly string[], size: number, shape: FioShape, runtime: number): Promise<number> {
  const jobs = files.flatMap((f, i) => [`--name=j${i}`, `--filename=${join(dir, f)}`])
  const { stdout } = await run('fio', [
    `--size=${size}`, '--time_based', `--runtime=${runtime}`, '--output-format=json', '--end_fsync=0', '--refill_buffers=0',
    '--randrepeat=0', '--norandommap', '--group_reporting=0', ...shape.args, ...jobs,
  ], { maxBuffer: 16 << 20 })
  // fio may print notes before its JSON
  const out = JSON.parse(stdout.slice(stdout.indexOf('{'))) as { jobs: Array<{ write: { iops: number; bw_bytes: number } }> }
  const rates = out.jobs.map((j) => (shape.metric === 'iops' ? j.write.iops : j.write.bw_bytes / (1 << 20)))
  return Math.min(...rates)
}

/** Lays out `files` of `size` bytes in `dir` by writing them once (fio's own fill, untimed). */
export async function fioLayout(dir: string, files: readonly string[], size: number): Promise<void> {
  for (const f of files) await run('fio', ['--name=fill', `--filename=${join(dir, f)}`, `--size=${size}`, '--rw=write', '--bs=1M', '--ioengine=psync', '--output-format=json'], { maxBuffer: 16 << 20 })
}
