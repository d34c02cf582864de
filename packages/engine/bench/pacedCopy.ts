// A copy that is not the engine's, for the machine's bound on the adaptive resync line (issue 20
// item 2): a child `node` process copying 4 MiB blocks (as `dd bs=4M`) between two files of its
// own at a given rate, so the foreground's p99 beside it is what this machine's cores, page
// cache and disk cost any copy at that rate, whoever runs it.
import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { open } from 'node:fs/promises'

const MiB = 1 << 20

// The child: per 100 ms slice it copies the slice's bytes in blocks, cycling over the files, then
// waits for the slice to end; an fdatasync every 160 MiB, as often as the engine's resync
// checkpoints (every 16 x 20 regions). A line on stdin stops it; it answers the bytes it moved.
const CHILD = `
const fs = require('node:fs')
const [src, dst, size, rate, block] = process.argv.slice(1).map((x, i) => (i < 2 ? x : Number(x)))
const s = fs.openSync(src, 'r'), d = fs.openSync(dst, 'r+')
const buf = Buffer.allocUnsafe(block)
let stop = false, moved = 0, at = 0, sinceSync = 0
process.stdin.once('data', () => (stop = true))
const t0 = performance.now()
const slice = () => {
  if (stop) { process.stdout.write(JSON.stringify({ moved, ms: performance.now() - t0 }) + '\\n'); return process.exit(0) }
  const start = performance.now()
  for (let due = rate / 10; due > 0 && !stop; due -= block) {
    fs.readSync(s, buf, 0, block, at)
    fs.writeSync(d, buf, 0, block, at)
    moved += block
    sinceSync += block
    at = (at + block) % size
    if (sinceSync >= 160 * ${MiB}) { fs.fdatasyncSync(d); sinceSync = 0 }
  }
  setTimeout(slice, Math.max(0, 100 - (performance.now() - start)))
}
process.stdout.write('ready\\n')
slice()
`

/** Writes `bytes` of `fill` to a new file at `path` (untimed setup), synced. */
export async function writeFile(path: string, bytes: number, fill: Buffer): Promise<void> {
  const fh = await open(path, 'w')
  for (let off = 0; off < bytes; off += fill.length) await fh.write(fill, 0, Math.min(fill.length, bytes - off), off)
  await fh.sync()
  await fh.close()
}

/** A running paced copy; `stop` ends it and resolves to the rate it moved at (MiB/s). */
export interface PacedCopy {
  stop(): Promise<number>
}

/**
 * Starts copying `src` over `dst` (both `size` bytes, a multiple of 4 MiB) at `bytesPerSecond`
 * in a child process; resolves once the child runs.
 */
export async function startPacedCopy(src: string, dst: string, size: number, bytesPerSecond: number): Promise<PacedCopy> {
  const child: ChildProcess = spawn(process.execPath, ['-e', CHILD, src, dst, String(size), String(bytesPerSecond), String(4 * MiB)], { stdio: ['pipe', 'pipe', 'inherit'] })
  const lines: string[] = []
  let pending = ''
  let wake = () => {}
  let exited = false
  child.once('exit', () => ((exited = true), wake()))
  child.stdout!.on('data', (b: Buffer) => {
    pending += b.toString()
    const parts = pending.split('\n')
    pending = parts.pop()!
    lines.push(...parts)
    wake()
  })
  const nextLine = async (): Promise<string> => {
    while (lines.length === 0) {
      if (exited) throw new Error('the paced copy exited early')
      await new Promise<void>((r) => (wake = r))
    }
    return lines.shift()!
  }
  await nextLine() // ready
  return {
    async stop() {
      child.stdin!.write('stop\n')
      const { moved, ms } = JSON.parse(await nextLine()) as { moved: number; ms: number }
      if (!exited) await once(child, 'exit')
      return moved / MiB / (ms / 1000)
    },
  }
}
