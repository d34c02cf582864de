import { Worker } from 'node:worker_threads'

/**
 * The copy worker (issue 20 item 2): one worker thread per process that moves a copy's bytes with
 * synchronous positional I/O (pread, pwrite) on the image files' own descriptors, so a resync's
 * reads and writes never occupy the event loop the foreground's requests are answered on, nor
 * libuv's threadpool the foreground's mirrored writes go to (rule 176). What it moves lives in
 * shared memory (`sharedBuffer`): a copy's unit buffers; an image file or block device hands a
 * call on such a buffer to the worker, and every other call goes the way it always did. A call is
 * made in system calls of at most WORKER_PIECE bytes, one after another; the first short one ends
 * it, so a short read or write is the caller's to see, as on the threadpool.
 */

/**
 * The most one system call of the copy worker moves: 64 KiB. A buffered write holds the file's
 * inode lock for the whole call (ext4, and dirty-page throttling sleeps inside it), so a
 * foreground 4 KiB write to a copy's target file waited behind a whole 512 KiB region (4 MiB unit)
 * before; now it waits behind one piece at most (issue 20).
 */
export const WORKER_PIECE = 64 << 10

// The worker's side: plain JavaScript, evaluated as it starts (no TypeScript loader needed).
const WORKER = `
const { parentPort } = require('node:worker_threads')
const { readSync, writeSync } = require('node:fs')
parentPort.on('message', ({ id, op, fd, memory, at, length, position, piece }) => {
  try {
    const b = Buffer.from(memory, at, length)
    let done = 0
    while (done < length) {
      const want = Math.min(piece, length - done)
      const got = op === 'read' ? readSync(fd, b, done, want, position + done) : writeSync(fd, b, done, want, position + done)
      done += got
      if (got < want) break
    }
    parentPort.postMessage({ id, done })
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

function started(): Worker {
  if (worker) return worker
  const w = new Worker(WORKER, { eval: true })
  w.on('message', (m: { id: number; done?: number; error?: { message: string } }) => {
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
  w.postMessage({ id, op, fd, memory: b.buffer, at: b.byteOffset + from, length, position, piece: WORKER_PIECE })
  moved += length
  return done
}

/** Bytes handed to the copy worker since the process started (tests and benchmarks look). */
export function workerBytes(): number {
  return moved
}

/**
 * How many times the copy worker finished a call with none queued behind it since the process
 * started: each is a wait of the worker for the event loop (benchmarks count them per GiB).
 */
export function workerRanDry(): number {
  return ranDry
}
