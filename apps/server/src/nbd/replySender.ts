import { readSync, writeSync } from 'node:fs'
import type { Socket } from 'node:net'
import { type MessagePort, MessageChannel, Worker } from 'node:worker_threads'
import type { SharedIo } from '@plexa/engine'

/**
 * The reply sender (rule 260): a worker thread that writes the replies of plain (TCP, not TLS)
 * NBD connections to their sockets, so the copy of a 1 MiB read reply into the kernel is not paid
 * on the event loop that parses requests and runs the engine (it was 44% of that thread's time at
 * 1 MiB sequential reads). Worker threads cannot take a socket handle, but its descriptor is the
 * process's: the event loop keeps owning the `net.Socket` (it reads the requests, and only it
 * closes the descriptor, after the worker let go of it), and the worker `writev`s reply buffers to
 * the descriptor as they come, in order. The descriptor stays non-blocking (libuv shares it): a
 * write the kernel cannot take now (EAGAIN) is retried after a short wait that doubles up to 1 ms.
 *
 * A read reply framed in shared memory (`BufferPool.take(size, true)`) is written from where it is
 * and its buffer given back once written; anything else (an error, a write's answer) is copied.
 * The worker also preads into such frames (`io`, adopted by the engine's image files through
 * `adoptSharedMemory`): the engine still decides what is read from which plex and handles its
 * errors, and the data is written to the socket by the thread whose cache holds it (nbdkit's
 * thread per connection does the same pread and send).
 */

// The worker's side: plain JavaScript, evaluated as it starts (no TypeScript loader needed). It
// waits on `signal` (the event loop bumps it after each message), takes its messages synchronously
// and never runs an event loop of its own.
const WORKER = `
const { workerData, receiveMessageOnPort } = require('node:worker_threads')
const { readSync, writeSync, writevSync } = require('node:fs')
const { port, signal } = workerData
const conns = new Map()
const MAX_IOV = 64
let stop = false

function handle(msg) {
  if (msg.t === 'open') conns.set(msg.id, { fd: msg.fd, items: [], at: 0, failed: false, acks: 0 })
  else if (msg.t === 'send') {
    const c = conns.get(msg.id)
    if (c) for (const u8 of msg.items) c.items.push(u8)
  } else if (msg.t === 'drop') {
    reportAcks()
    conns.delete(msg.id)
    port.postMessage({ t: 'dropped', id: msg.id })
  } else if (msg.t === 'io') {
    try {
      const b = msg.u8
      const n = msg.op === 'read' ? readSync(msg.fd, b, 0, b.length, msg.position) : writeSync(msg.fd, b, 0, b.length, msg.position)
      port.postMessage({ t: 'io', key: msg.key, n, acks: takeAcks() })
    } catch (e) {
      port.postMessage({ t: 'io', key: msg.key, error: { code: e.code, errno: e.errno, syscall: e.syscall, message: e.message }, acks: takeAcks() })
    }
  } else if (msg.t === 'stop') stop = true
}

// Replies written and not yet reported, per connection: reported with the next pread's answer (the
// event loop wakes up for that one anyway), before this thread waits, or once there are many.
let unreported = 0
function takeAcks() {
  if (unreported === 0) return undefined
  const acks = []
  for (const [id, c] of conns) {
    if (c.acks > 0) acks.push([id, c.acks])
    c.acks = 0
  }
  unreported = 0
  return acks
}
function reportAcks() {
  const acks = takeAcks()
  if (acks) port.postMessage({ t: 'sent', acks })
}

/** Writes what each connection has queued, until done or its socket is full: 1 moved bytes, 2 some socket was full. */
function pump() {
  let out = 0
  for (const [id, c] of conns) {
    if (c.failed || c.items.length === 0) continue
    let done = 0
    try {
      while (done < c.items.length) {
        const iov = []
        for (let i = done; i < c.items.length && iov.length < MAX_IOV; i++) iov.push(i === done && c.at ? c.items[i].subarray(c.at) : c.items[i])
        Atomics.add(signal, 1, 1)
        let n = writevSync(c.fd, iov)
        if (n > 0) out |= 1
        while (n > 0) {
          const left = c.items[done].length - c.at
          if (n < left) {
            c.at += n
            break
          }
          n -= left
          c.at = 0
          done++
        }
      }
    } catch (e) {
      if (e.code === 'EAGAIN' || e.code === 'EWOULDBLOCK') {
        out |= 2
        Atomics.add(signal, 2, 1)
      } else if (e.code !== 'EINTR') {
        c.failed = true
        c.items.splice(0, done)
        c.acks += done
        unreported += done
        done = 0
        reportAcks()
        port.postMessage({ t: 'failed', id, code: e.code })
      }
    }
    if (done > 0) {
      c.items.splice(0, done)
      c.acks += done
      unreported += done
    }
  }
  return out
}

// One message at a time, each followed by the writes it allows: a frame is written soon after its
// pread, while this thread's cache still holds it.
let wait = 0
while (!stop) {
  const seen = Atomics.load(signal, 0)
  const m = receiveMessageOnPort(port)
  if (m) handle(m.message)
  if (stop) break
  const out = pump()
  if (unreported >= 16) reportAcks()
  if (m || out & 1) {
    wait = 0
    continue
  }
  reportAcks()
  // signal[4]: asleep, so a message needs a notify to be seen
  Atomics.store(signal, 4, 1)
  if (out & 2) {
    wait = wait ? Math.min(wait * 2, 1) : 0.025
    Atomics.add(signal, 3, 1)
    Atomics.wait(signal, 0, seen, wait)
  } else {
    wait = 0
    Atomics.wait(signal, 0, seen)
  }
  Atomics.store(signal, 4, 0)
}
`

interface Reply {
  buf: Buffer
  /** Told once the kernel has the bytes, or they will never be sent: the buffer is free again. */
  sent: (() => void) | undefined
}

/** Replies written since the last report: [connection, count] pairs. */
type Acks = Array<[number, number]> | undefined
type FromWorker = { t: 'sent'; acks: Acks } | { t: 'dropped'; id: number } | { t: 'failed'; id: number; code: string }
type IoDone = { t: 'io'; key: number; n?: number; error?: { message: string }; acks: Acks }

/** A pread or pwrite handed to the worker. */
interface IoCall {
  op: 'read' | 'write'
  fd: number
  b: Uint8Array
  position: number
  resolve(n: number): void
  reject(e: Error): void
}

/** The same call on this thread (the worker is gone): the engine's result either way. */
function ioHere(c: IoCall): void {
  try {
    c.resolve(c.op === 'read' ? readSync(c.fd, c.b, 0, c.b.length, c.position) : writeSync(c.fd, c.b, 0, c.b.length, c.position))
  } catch (e) {
    c.reject(e as Error)
  }
}

/** Read replies at least this large are framed in shared memory, for the worker to write. */
export const OFFLOAD_MIN = 128 << 10

/**
 * One worker thread writing the replies of any number of connections; started with its first
 * connection and stopped by `stop()` (the server's close).
 */
export class ReplySender {
  private worker: Worker | undefined
  private port: MessagePort | undefined
  private readonly signal = new Int32Array(new SharedArrayBuffer(20))
  private readonly channels = new Map<number, ReplyChannel>()
  private nextId = 1
  private readonly calls = new Map<number, IoCall>()
  private nextKey = 1

  /** Preads and pwrites on shared reply frames, done by the worker (see `adoptSharedMemory`). */
  readonly io: SharedIo = (op, fd, b, from, length, position) =>
    new Promise<number>((resolve, reject) => {
      const call: IoCall = { op, fd, b: new Uint8Array(b.buffer, b.byteOffset + from, length), position, resolve, reject }
      if (!this.port) return ioHere(call)
      this.ioCalls++
      const key = this.nextKey++
      this.calls.set(key, call)
      this.post({ t: 'io', key, op, fd, u8: call.b, position })
    })
  private exited: Promise<void> = Promise.resolve()

  /** Connections whose replies it writes. */
  get connections(): number {
    return this.channels.size
  }

  /** Replies the worker wrote, preads and pwrites it made; its writev calls, EAGAINs and timed waits (tests and benchmarks look). */
  stats(): { replies: number; io: number; writes: number; full: number; waits: number } {
    return { replies: this.replies, io: this.ioCalls, writes: this.signal[1]!, full: this.signal[2]!, waits: this.signal[3]! }
  }

  /** @internal */
  replies = 0
  private ioCalls = 0

  /** Whether its thread is running. */
  get running(): boolean {
    return this.worker !== undefined
  }

  /**
   * Takes over the replies of `sock` (a plain socket with a descriptor): from now on they go
   * through the returned channel, and the socket's descriptor is closed only after the worker
   * let go of it. Undefined when the socket has no descriptor to write to.
   */
  open(sock: Socket, onFail: (code: string) => void): ReplyChannel | undefined {
    const fd = (sock as unknown as { _handle?: { fd?: number } | null })._handle?.fd
    if (typeof fd !== 'number' || fd < 0) return undefined
    const port = this.started()
    const id = this.nextId++
    const ch = new ReplyChannel(id, sock, this, onFail)
    this.channels.set(id, ch)
    port.postMessage({ t: 'open', id, fd })
    this.wake()
    return ch
  }

  /** Stops the thread once every channel is closed (their sockets are). */
  async stop(): Promise<void> {
    await Promise.all([...this.channels.values()].map((c) => c.close()))
    const w = this.worker
    if (!w) return
    this.port!.postMessage({ t: 'stop' })
    this.wake()
    await this.exited
  }

  /** @internal */
  post(msg: unknown): void {
    this.port!.postMessage(msg)
    this.wake()
  }

  /** @internal */
  forget(id: number): void {
    this.channels.delete(id)
  }

  private wake(): void {
    Atomics.add(this.signal, 0, 1)
    if (Atomics.load(this.signal, 4) === 1) Atomics.notify(this.signal, 0)
  }

  private started(): MessagePort {
    if (this.port) return this.port
    const { port1, port2 } = new MessageChannel()
    const w = new Worker(WORKER, { eval: true, workerData: { port: port2, signal: this.signal }, transferList: [port2] })
    port1.on('message', (m: FromWorker | IoDone) => {
      if (m.t === 'io' || m.t === 'sent') for (const [id, n] of m.acks ?? []) this.channels.get(id)?.written(n)
      if (m.t === 'sent') return
      if (m.t !== 'io') return this.channels.get(m.id)?.fromWorker(m)
      const c = this.calls.get(m.key)
      if (!c) return
      this.calls.delete(m.key)
      if (m.error) c.reject(Object.assign(new Error(m.error.message), m.error))
      else c.resolve(m.n!)
    })
    // the connections' sockets keep the process alive, not the sender
    port1.unref()
    w.unref()
    this.worker = w
    this.port = port1
    this.exited = new Promise((resolve) => {
      const gone = () => {
        if (this.worker !== w) return resolve()
        this.worker = undefined
        this.port = undefined
        port1.close()
        // what the worker held is lost: every connection it wrote for is cut off, and the calls
        // it had not answered are made here
        for (const c of [...this.channels.values()]) c.lost()
        const calls = [...this.calls.values()]
        this.calls.clear()
        for (const c of calls) ioHere(c)
        resolve()
      }
      w.on('error', gone)
      w.on('exit', gone)
    })
    return port1
  }
}

/**
 * The ordered reply path of one connection. All of its replies leave through `write`: a reply goes
 * to the worker when the worker still has replies of this connection (or it is large and the
 * socket has nothing pending), else to the socket as before; so at any time at most one of the two
 * writes to the descriptor, and the bytes of two replies never interleave.
 */
export class ReplyChannel {
  private readonly id: number
  private readonly sock: Socket
  private readonly sender: ReplySender
  private readonly onFail: (code: string) => void
  /** Replies of this turn, not yet posted to the worker. */
  private queued: Reply[] = []
  /** Posted, not yet written. */
  private posted: Reply[] = []
  private bytes = 0
  private flushing = false
  private closing: Promise<void> | undefined
  private dropped: () => void = () => {}
  private idle: Array<() => void> = []
  /** Called whenever replies were written (the connection may read requests again). */
  onRoom: () => void = () => {}
  /** The sender's preads and pwrites (for the connection's shared frames). */
  readonly io: SharedIo

  constructor(id: number, sock: Socket, sender: ReplySender, onFail: (code: string) => void) {
    this.id = id
    this.sock = sock
    this.sender = sender
    this.onFail = onFail
    this.io = sender.io
    // The descriptor is closed only once the worker no longer writes to it: a number it wrote to
    // after the close could already be another file's.
    // Until then the handle reads nothing more (Node does not expect data on a destroyed socket).
    const s = sock as unknown as { _destroy(err: Error | null, cb: (err: Error | null) => void): void; _handle: { readStop?(): number } | null }
    const netDestroy = s._destroy
    s._destroy = (err, cb) => {
      s._handle?.readStop?.()
      void this.close().then(() => netDestroy.call(sock, err, cb))
    }
  }

  /** Reply bytes not yet taken by the kernel, through the worker. */
  get unsent(): number {
    return this.bytes
  }

  /** Sends one reply; `sent` gets its buffer back once the kernel has the bytes. */
  write(buf: Buffer, sent?: () => void): void {
    if (this.closing) {
      // the connection is ending: nothing more goes out
      sent?.()
      return
    }
    const shared = buf.buffer instanceof SharedArrayBuffer
    if (this.bytes === 0 && (!shared || this.sock.writableLength > 0)) {
      this.sock.write(buf, sent)
      return
    }
    if (shared) this.queued.push({ buf, sent })
    else {
      // its own memory, exactly its size: a view of Node's shared 8 KiB slab would post all of it
      const copy = Buffer.allocUnsafeSlow(buf.length)
      buf.copy(copy)
      this.queued.push({ buf: copy, sent: undefined })
      sent?.()
    }
    this.bytes += buf.length
    if (!this.flushing) {
      this.flushing = true
      setImmediate(() => this.flush())
    }
  }

  /** Posts this turn's replies to the worker. */
  flush(): void {
    this.flushing = false
    if (this.queued.length === 0 || this.closing) return
    // a view of shared memory is posted as a view of the same bytes; a copy's memory is copied
    const items = this.queued.map((r) => new Uint8Array(r.buf.buffer, r.buf.byteOffset, r.buf.byteLength))
    this.posted.push(...this.queued)
    this.queued = []
    this.sender.post({ t: 'send', id: this.id, items })
  }

  /** Resolves once every reply so far is written (or the connection ends). */
  drained(): Promise<void> {
    this.flush()
    if (this.bytes === 0 || this.closing) return Promise.resolve()
    return new Promise((resolve) => this.idle.push(resolve))
  }

  /**
   * Lets go of the descriptor: replies not yet written are dropped (their buffers come back), and
   * once the worker confirms it no longer writes to the descriptor the returned promise resolves.
   */
  close(): Promise<void> {
    this.closing ??= new Promise<void>((resolve) => {
      this.dropped = () => {
        this.dropped = () => {}
        this.release()
        this.sender.forget(this.id)
        resolve()
      }
      this.sender.post({ t: 'drop', id: this.id })
    })
    return this.closing
  }

  /** @internal The worker wrote the first `n` replies posted. */
  written(n: number): void {
    this.sender.replies += n
    for (const r of this.posted.splice(0, n)) {
      this.bytes -= r.buf.length
      r.sent?.()
    }
    if (this.bytes === 0) for (const f of this.idle.splice(0)) f()
    this.onRoom()
  }

  /** @internal */
  fromWorker(m: Exclude<FromWorker, { t: 'sent' }>): void {
    if (m.t === 'dropped') this.dropped()
    else this.onFail(m.code)
  }

  /** @internal The worker is gone with what it held: the connection is cut off. */
  lost(): void {
    if (this.closing) this.dropped()
    else {
      this.closing = Promise.resolve()
      this.release()
      this.sender.forget(this.id)
    }
    this.sock.destroy()
  }

  /** Hands back the buffers of every reply not written: the worker no longer reads them. */
  private release(): void {
    for (const r of [...this.posted, ...this.queued]) r.sent?.()
    this.posted = []
    this.queued = []
    this.bytes = 0
    for (const f of this.idle.splice(0)) f()
    this.onRoom()
  }
}
