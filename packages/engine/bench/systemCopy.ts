// The copy tools an administrator could run instead of a resync (issue 20): dd and cp on the same
// bytes, each timed to the end of its fsync, in MiB/s.
import { execFile } from 'node:child_process'
import { rm } from 'node:fs/promises'
import { dirname } from 'node:path'
import { promisify } from 'node:util'
import { seconds } from './util.ts'

const run = promisify(execFile)
const MiB = 1 << 20

/** A byte range of a file. */
export interface Range {
  file: string
  offset: number
}

function ddArgs(src: Range, dst: Range, bytes: number, direct: boolean): string[] {
  return [
    `if=${src.file}`, `of=${dst.file}`, 'bs=4M', `skip=${src.offset}`, `seek=${dst.offset}`, `count=${bytes}`,
    'iflag=skip_bytes,count_bytes,fullblock', `oflag=seek_bytes${direct ? ',direct' : ''}`, 'conv=fsync,notrunc', 'status=none',
  ]
}

/** Whether dd can write `dst` with O_DIRECT at its offset (not on tmpfs, not at an odd offset). */
export async function directAllowed(src: Range, dst: Range): Promise<boolean> {
  return run('dd', ddArgs(src, dst, 4 * MiB, true)).then(() => true, () => false)
}

/** `dd bs=4M conv=fsync` (with `oflag=direct` when asked) from one range to the other. */
export async function ddCopy(src: Range, dst: Range, bytes: number, direct: boolean): Promise<number> {
  const t0 = process.hrtime.bigint()
  await run('dd', ddArgs(src, dst, bytes, direct))
  return bytes / MiB / seconds(t0)
}

/** Writes `bytes` of `src` into a file of their own, for cp (untimed). */
export async function extract(src: Range, file: string, bytes: number): Promise<void> {
  await run('dd', ddArgs(src, { file, offset: 0 }, bytes, false))
}

/**
 * `cp --sparse=never` of `file` to a new file, then `sync` of that file (cp does not fsync). No
 * reflink: a clone shares the blocks and copies nothing, which no resync between disks can do.
 * Untimed after it: the copy is removed and the filesystem synced, so freeing its blocks (a
 * discard of 1 GiB on a filesystem mounted with `discard`, done in the next journal commit) does
 * not land in the timing of whatever runs next, which it slowed 5-10x.
 */
export async function cpCopy(file: string, dst: string, bytes: number): Promise<number> {
  await rm(dst, { force: true })
  const t0 = process.hrtime.bigint()
  await run('cp', ['--sparse=never', '--reflink=never', file, dst])
  await run('sync', [dst])
  const rate = bytes / MiB / seconds(t0)
  await rm(dst, { force: true })
  await run('sync', ['-f', dirname(dst)])
  return rate
}
