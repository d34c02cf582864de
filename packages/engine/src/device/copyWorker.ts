import { Worker } from 'node:worker_threads'

/**
 * The copy worker (issue 20 item 2): one worker thread per process that moves a copy's bytes with
 * synchronous positional I/O (pread, pwrite) on the image files' own descriptors, so a resync's
 * reads and writes never occupy the event loop the foreground's requests are answered on, nor
 * libuv's threadpool the foreground's mirrored writes go to (rule 176). What it moves lives in
 * shared memory (`sharedBuffer`): a copy's unit buffers; an image file or block device hands a
 * call on such a buffer to the worker, and every other call goes the way it always did. A call is
 * made in system calls one after another, of at most WORKER_PIECE bytes while foreground I/O is
 * under way or was within QUIET_MS, of BULK_PIECE otherwise (rule 526); the first short one ends
 * it, so a short read or write is the caller's to see, as on the threadpool.
 */

/**
 * The most one system call of the copy worker moves while foreground I/O is under way (or was
 * within QUIET_MS, rule 526): 64 KiB. A buffered write holds the file's
 * inode lock for the whole call (ext4, and dirty-page throttling sleeps inside it), so a
 * foreground 4 KiB write to a copy's target file waited behind a whole 512 KiB region (4 MiB unit)
 * before; now it waits behind one piece at most (issue 20).
 */
export const WORKER_PIECE = 64 << 10

/**
 * The most one system call of the copy worker moves while no foreground I/O is under way and none
 * began or ended within QUIET_MS (rule 526): 1 MiB. A copy in 64 KiB calls (16 system calls per
 * MiB each way) cost the worker 1.4-1.7x the CPU of one in 1 MiB calls here, and a foreground I/O
 * that begins during one waits behind that one call at most.
 */
export const BULK_PIECE = 1 << 20

/** How long after a foreground I/O began or ended the copy worker still moves WORKER_PIECE at a time (rule 526). */
export const QUIET_MS = 100

// The worker's side: plain JavaScript, evaluated as it starts (no TypeScript loader needed).
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads')
const { readSync, writeSync } = require('node:fs')
const { foreground, small, bulk, quietMs } = workerData
// foreground I/O under way, and when one last began or ended (performance.timeOrigin + now(), ms)
const underWay = new Int32Array(foreground, 0, 1)
const lastAt = new Float64Array(foreground, 8, 1)
const quiet = () => Atomics.load(underWay, 0) === 0 && performance.timeOrigin + performance.now() - lastAt[0] >= quietMs
parentPort.on('message', ({ id, op, fd, memory, at, length, position }) => {
  try {
    const b = Buffer.from(memory, at, length)
    let done = 0
    let calls = 0
    while (done < length) {
      // looked at before every piece: a foreground I/O that begins waits behind this one at most
      const want = Math.min(quiet() ? bulk : small, length - done)
      const got = op === 'read' ? readSync(fd, b, done, want, position + done) : writeSync(fd, b, done, want, position + done)
      calls++
      done += got
      if (got < want) break
    }
    parentPort.postMessage({ id, done, calls })
  } catch (e) {
    parentPort.postMessage({ id, error: { code: e.code, errno: e.errno, syscall: e.syscall, message: e.message } })
  }
})
`

interface Pending {
  resolve(done: number): void
  reject(e: Error): void
}

let worker: Worker | undefined
const pending = new Map<number, Pending>()
let nextId = 1
let moved = 0
let ranDry = 0
let systemCalls = 0

/** Foreground I/O under way in the process, and when one last began or ended: the copy worker's piece size follows it (rule 526). */
const foreground = new SharedArrayBuffer(16)
const underWay = new Int32Array(foreground, 0, 1)
const lastAt = new Float64Array(foreground, 8, 1)

/**
 * A foreground read or write of a volume begins (the volume's drain gate, `io/volumeIo.ts`): while
 * any is under way the worker takes small pieces whatever `lastAt` says, so only the last one to
 * end reads the clock (once per busy spell, not twice per I/O on the volume I/O path).
 */
export function foregroundBegan(): void {
  Atomics.add(underWay, 0, 1)
}

/** A foreground read or write of a volume ended; the last one under way stamps when, before it leaves. */
export function foregroundEnded(): void {
  // only the event loop changes the count, so the stamp lands before the worker can see it at 0
  if (Atomics.load(underWay, 0) === 1) lastAt[0] = performance.timeOrigin + performance.now()
  Atomics.sub(underWay, 0, 1)
}

/** Foreground reads and writes under way in the process, as the copy worker sees them. */
export function foregroundUnderWay(): number {
  return Atomics.load(underWay, 0)
}

function started(): Worker {
  if (worker) return worker
  const w = new Worker(WORKER, { eval: true, workerData: { foreground, small: WORKER_PIECE, bulk: BULK_PIECE, quietMs: QUIET_MS } })
  w.on('message', (m: { id: number; done?: number; calls?: number; error?: { message: string } }) => {
    systemCalls += m.calls ?? 0
    const p = pending.get(m.id)
    if (!p) return
    pending.delete(m.id)
    // idle, it does not keep the process alive
    if (pending.size === 0) {
      ranDry++
      w.unref()
    }
    if (m.error) p.reject(Object.assign(new Error(m.error.message), m.error))
    else p.resolve(m.done!)
  })
  const lost = (e: unknown) => {
    if (worker === w) worker = undefined
    const all = [...pending.values()]
    pending.clear()
    for (const p of all) p.reject(e instanceof Error ? e : new Error('the copy worker exited'))
  }
  w.on('error', lost)
  w.on('exit', () => lost(new Error('the copy worker exited')))
  w.unref()
  worker = w
  return w
}

/**
 * One pread (`read`) or pwrite (`write`) of `length` bytes of `b` from `from` at file `position` on
 * descriptor `fd`, done by a thread other than the event loop; resolves to the bytes moved (a
 * system error rejects with its `code`, as the same call on the event loop would).
 */
export type SharedIo = (op: 'read' | 'write', fd: number, b: Uint8Array, from: number, length: number, position: number) => Promise<number>

/**
 * Who moves the bytes of each piece of shared memory: the copy worker for a copy's unit buffers
 * (`sharedBuffer`), or the thread that adopted the memory (`adoptSharedMemory`: the NBD server's
 * reply sender preads a read reply's data on the thread that then writes it to the socket).
 */
const movers = new WeakMap<SharedArrayBuffer, SharedIo>()

/** A buffer in shared memory, which the copy worker can move: a copy's unit buffer. */
export function sharedBuffer(bytes: number): Buffer {
  const memory = new SharedArrayBuffer(bytes)
  movers.set(memory, workerIo)
  return Buffer.from(memory)
}

/** From now on an image file's or block device's calls on `memory` go to `io`, not the event loop. */
export function adoptSharedMemory(memory: SharedArrayBuffer, io: SharedIo): void {
  movers.set(memory, io)
}

/** Who moves `b`'s bytes when it lives in shared memory with a mover; undefined: the event loop or the threadpool. */
export function sharedIo(b: Uint8Array): SharedIo | undefined {
  return b.buffer instanceof SharedArrayBuffer ? movers.get(b.buffer) : undefined
}

/** Whether `b` lives in shared memory the copy worker moves (the device then hands its I/O to it). */
export function isShared(b: Uint8Array): boolean {
  return sharedIo(b) === workerIo
}

/**
 * One pread (`read`) or pwrite (`write`) of `length` bytes of `b` from `from` at file `position`
 * on descriptor `fd`, done by the copy worker; resolves to the bytes moved (a system error rejects
 * with its `code`).
 */
export function workerIo(op: 'read' | 'write', fd: number, b: Uint8Array, from: number, length: number, position: number): Promise<number> {
  if (!(b.buffer instanceof SharedArrayBuffer)) throw new TypeError('the copy worker moves shared buffers only')
  const w = started()
  const id = nextId++
  const done = new Promise<number>((resolve, reject) => pending.set(id, { resolve, reject }))
  if (pending.size === 1) w.ref()
  w.postMessage({ id, op, fd, memory: b.buffer, at: b.byteOffset + from, length, position })
  moved += length
  return done
}

/** Bytes handed to the copy worker since the process started (tests and benchmarks look). */
export function workerBytes(): number {
  return moved
}

/** System calls (preads, pwrites) the copy worker made since the process started (rule 526: tests look). */
export function workerSystemCalls(): number {
  return systemCalls
}

/**
 * How many times the copy worker finished a call with none queued behind it since the process
 * started: each is a wait of the worker for the event loop (benchmarks count them per GiB).
 */
export function workerRanDry(): number {
  return ranDry
}
