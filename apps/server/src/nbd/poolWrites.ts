import { writev } from 'node:fs'
import type { Socket } from 'node:net'
import { eventLoopBusy } from './loopBusy.ts'

/** Replies at least this large leave through the threadpool (smaller ones cost less than its round trip). */
export const POOL_WRITE_MIN = 128 << 10

/**
 * The event loop's busy share (`eventLoopBusy`, over its last half-second window) from which the
 * default, `'loaded'`, writes large replies from the threadpool (rule 516). Below it the event loop
 * has time to spare and writes them faster itself: a threadpool write costs a hand-over to another
 * thread and back, and its replies wait for each other. At it the loop is the bottleneck, and a
 * second thread copying the replies into the kernel takes that copy off it. The machine's load
 * average (rule 445 chose by it) says nothing of this: under the bench's load it was 4.3 per core
 * while the loop was 0.34-0.49 busy, and the threadpool 0.80x as fast as the loop.
 */
export const POOL_LOOP_BUSY = 0.9

/**
 * The busy share below which a server that took the threadpool goes back to writing its large
 * replies on the event loop (rule 570). Not `POOL_LOOP_BUSY`: the threadpool takes the copy into
 * the kernel off the loop, so the load that made the loop 0.9 busy shows as less once the
 * threadpool writes, and one threshold both ways flapped (at seqread 1m the loop read 0.89 busy,
 * the threadpool's writes lowered it, the next window was the loop's again). In the NBD bench of 3
 * Dec 13:42 (load 4-7), the loop's busy share per MiB/s with the threadpool writing was 0.33-0.61
 * of the loop's own at 1 MiB reads, 0.88-1.0 at queue depth 16 (its CPU per GiB 0.05-0.08 s
 * against 0.20-0.24): entered at 0.9, the threadpool reads 0.3 or more at the same throughput, and
 * below 0.25 the loop writing the replies itself would read at most about 0.76.
 */
export const POOL_LOOP_LEAVE = 0.25

/** Whether a large reply leaves through the threadpool: always, never, or while the event loop is busy (rule 516). */
export type PoolWritesMode = boolean | 'loaded'

/**
 * The predicate `PoolWrites.open` takes for `mode`, with the event loop's busy share from `busy`:
 * for `'loaded'` the threadpool from a busy share of `POOL_LOOP_BUSY` on, and back to the event
 * loop only below `POOL_LOOP_LEAVE` (rules 516, 570).
 */
export function poolWritesWanted(mode: 'loaded' | true, busy: () => number = eventLoopBusy): () => boolean {
  if (mode === true) return () => true
  let pool = false
  return () => {
    const share = busy()
    pool = share >= (pool ? POOL_LOOP_LEAVE : POOL_LOOP_BUSY)
    return pool
  }
}

/** What of a reply the socket's own write sends when the kernel had no room (see `stall`). */
const STALL_PIECE = 64 << 10

/** Threadpool writes of replies, and those the kernel took only part of (a full socket): tests and benchmarks look. */
export interface PoolWriteStats {
  writes: number
  short: number
}

interface Reply {
  buf: Buffer
  /** Told once the kernel has the bytes, or they will never be sent: the buffer is free again. */
  sent: (() => void) | undefined
}

/**
 * The reply path of one plain (TCP) connection whose large replies are written by libuv's
 * threadpool (rule 393): a `writev` on the socket's descriptor from a threadpool thread, as nbdkit
 * sends each reply from the thread that read it, so the copy of a 1 MiB reply into the kernel (most
 * of the event loop's time at 1 MiB reads) runs beside the event loop that parses requests and
 * starts the reads, not on it.
 *
 * Order: one threadpool write at a time, and none while the socket itself has bytes queued; a
 * reply that comes while one is under way waits and leaves with the next `writev` (all waiting
 * replies in one call). The descriptor stays non-blocking (libuv shares it): what the kernel does
 * not take (a short write, EAGAIN) and everything behind it goes to the socket, whose libuv write
 * waits for room; once the socket has sent it all, large replies take the threadpool again.
 * Small replies go to the socket whenever no threadpool write is under way.
 *
 * The descriptor is closed only once no threadpool write uses it: a number written to after its
 * close could already be another file's.
 */
export class PoolWrites {
  private readonly sock: Socket
  private readonly fd: number
  /** Replies the threadpool is writing, then those waiting for it. */
  private writing: Reply[] = []
  private waiting: Reply[] = []
  /** The socket was full: a piece of the next reply is with the socket's own write, which waits for room. */
  private stalled = false
  private bytes = 0
  private closed = false
  private onIdle: (() => void) | undefined
  private drainWaiters: Array<() => void> = []
  /** Called whenever replies were written (the connection may read requests again). */
  onRoom: () => void = () => {}
  private readonly stats: PoolWriteStats
  /** Asked before a large reply that could start a threadpool write: false sends it on the event loop. */
  private readonly wanted: () => boolean

  private constructor(sock: Socket, fd: number, stats: PoolWriteStats, wanted: () => boolean) {
    this.sock = sock
    this.fd = fd
    this.stats = stats
    this.wanted = wanted
    const s = sock as unknown as { _destroy(err: Error | null, cb: (err: Error | null) => void): void; _handle: { readStop?(): number } | null }
    const netDestroy = s._destroy
    s._destroy = (err, cb) => {
      this.closed = true
      if (this.writing.length === 0) {
        this.release()
        return netDestroy.call(sock, err, cb)
      }
      // the handle reads nothing more (Node does not expect data on a destroyed socket)
      s._handle?.readStop?.()
      this.onIdle = () => netDestroy.call(sock, err, cb)
    }
  }

  /**
   * The writer of `sock`'s replies; undefined when the socket has no descriptor (TLS, another
   * runtime). `wanted` is asked before each large reply that could start a threadpool write (rule
   * 516): false sends it on the event loop, in order with the rest.
   */
  static open(sock: Socket, stats: PoolWriteStats = { writes: 0, short: 0 }, wanted: () => boolean = () => true): PoolWrites | undefined {
    const fd = (sock as unknown as { _handle?: { fd?: number } | null })._handle?.fd
    return typeof fd === 'number' && fd >= 0 ? new PoolWrites(sock, fd, stats, wanted) : undefined
  }

  /** Reply bytes waiting for or under a threadpool write. */
  get unsent(): number {
    return this.bytes
  }

  /** Sends one reply after those before it; `sent` gets its buffer back once the kernel has the bytes. */
  write(buf: Buffer, sent?: () => void): void {
    if (this.closed) return void sent?.()
    if (this.writing.length > 0 || this.stalled) {
      this.waiting.push({ buf, sent })
      this.bytes += buf.length
      return
    }
    if (buf.length < POOL_WRITE_MIN || this.sock.writableLength > 0 || !this.wanted()) return void this.sock.write(buf, sent)
    this.bytes += buf.length
    this.start([{ buf, sent }])
  }

  /** Resolves once every reply so far is with the socket (or the connection ends). */
  drained(): Promise<void> {
    if (this.closed || (this.writing.length === 0 && !this.stalled && this.waiting.length === 0)) return Promise.resolve()
    return new Promise((resolve) => this.drainWaiters.push(resolve))
  }

  private start(replies: Reply[]): void {
    this.writing = replies
    this.stats.writes++
    writev(
      this.fd,
      replies.map((r) => r.buf),
      (err, n) => this.done(err, err ? 0 : n),
    )
  }

  private done(err: NodeJS.ErrnoException | null, n: number): void {
    const replies = this.writing
    this.writing = []
    let i = 0
    for (; i < replies.length && n >= replies[i]!.buf.length; i++) {
      n -= replies[i]!.buf.length
      this.bytes -= replies[i]!.buf.length
      replies[i]!.sent?.()
    }
    const rest = replies.slice(i)
    if (rest.length > 0 && n > 0) {
      rest[0] = { buf: rest[0]!.buf.subarray(n), sent: rest[0]!.sent }
      this.bytes -= n
    }
    this.waiting = [...rest, ...this.waiting]
    if (this.closed) {
      // the socket is gone: nothing more goes out
      this.release()
      const idle = this.onIdle
      this.onIdle = undefined
      return idle?.()
    }
    if (err && err.code !== 'EAGAIN' && err.code !== 'EWOULDBLOCK' && err.code !== 'EINTR') {
      this.release()
      return void this.sock.destroy(err)
    }
    if (rest.length > 0) this.stall()
    else this.next()
    this.room()
  }

  /** Replies were written: waiters for the whole queue may go on, the connection may read again. */
  private room(): void {
    if (this.closed || (this.writing.length === 0 && !this.stalled && this.waiting.length === 0)) for (const f of this.drainWaiters.splice(0)) f()
    this.onRoom()
  }

  /** Starts the threadpool on what waits (the socket has sent all it had), or leaves it to the socket. */
  private next(): void {
    if (this.waiting.length === 0) return
    const waiting = this.waiting
    this.waiting = []
    if (this.sock.writableLength === 0) return this.start(waiting)
    for (const r of waiting) {
      this.bytes -= r.buf.length
      this.sock.write(r.buf, r.sent)
    }
  }

  /**
   * The kernel took only part (a full socket): the first STALL_PIECE bytes of what waits go to the
   * socket's own write, which waits for room (the event loop's poll), and once they are written the
   * threadpool takes the rest; the event loop copies that piece only, not the replies behind it.
   */
  private stall(): void {
    this.stats.short++
    this.stalled = true
    const first = this.waiting[0]!
    const whole = first.buf.length <= STALL_PIECE
    const piece = whole ? first.buf : first.buf.subarray(0, STALL_PIECE)
    if (whole) this.waiting.shift()
    else this.waiting[0] = { buf: first.buf.subarray(STALL_PIECE), sent: first.sent }
    this.bytes -= piece.length
    this.sock.write(piece, () => {
      if (whole) first.sent?.()
      this.stalled = false
      if (this.closed) return this.release()
      this.next()
      this.room()
    })
  }

  /** Hands back the buffers of every reply not written: nothing more goes out. */
  private release(): void {
    const waiting = this.waiting
    this.waiting = []
    this.bytes = 0
    for (const r of waiting) r.sent?.()
    for (const f of this.drainWaiters.splice(0)) f()
  }
}
