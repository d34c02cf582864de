/** Room below which the stage is compacted (or grown) before it is handed out for the next read. */
const MIN_ROOM = 16 << 10
/** Unread bytes a connection may pile up (pipelined options) before it is cut off. */
const MAX_STAGE = 8 << 20

/** A connection sent more than the server holds for it unread. */
export class InboxOverflow extends Error {}

/**
 * The bytes a connection has received and not used yet. Small things (option haggling, request
 * headers) land in a staging buffer; a write's payload is received straight into the buffer it is
 * written from, so a 1 MiB write is copied once, by the kernel, and allocates nothing.
 *
 * Whoever reads the socket asks `next()` where the next bytes go and reports them with `received()`;
 * with a socket that reads into caller buffers (see socketReads.ts) the kernel writes there directly,
 * otherwise `push()` copies each chunk in.
 */
export class Inbox {
  private stage: Buffer
  private start = 0
  private end = 0
  /** A payload being received in place, and what to do once it is whole. */
  private direct: { buf: Buffer; at: number; done: () => void } | undefined
  /** What the last `next()` handed out. */
  private handed: 'stage' | 'direct' = 'stage'
  private waiting: { n: number; resolve: (b: Buffer) => void } | undefined
  private closed = false
  /** Called when the stage holds bytes nobody waits for (the transmission phase parses them). */
  onBytes: (() => void) | undefined

  constructor(capacity = 128 << 10) {
    this.stage = Buffer.allocUnsafeSlow(capacity)
  }

  /** Where the next received bytes go. */
  next(): Buffer {
    const d = this.direct
    if (d) {
      this.handed = 'direct'
      return d.buf.subarray(d.at)
    }
    this.handed = 'stage'
    if (this.start === this.end) this.start = this.end = 0
    if (this.stage.length - this.end < MIN_ROOM) {
      const unread = this.end - this.start
      if (unread + MIN_ROOM > this.stage.length) {
        if (this.stage.length * 2 > MAX_STAGE) throw new InboxOverflow(`more than ${MAX_STAGE} bytes unread`)
        const bigger = Buffer.allocUnsafeSlow(this.stage.length * 2)
        this.stage.copy(bigger, 0, this.start, this.end)
        this.stage = bigger
      } else this.stage.copyWithin(0, this.start, this.end)
      this.start = 0
      this.end = unread
    }
    return this.stage.subarray(this.end)
  }

  /** `n` bytes arrived in the buffer the last `next()` handed out. */
  received(n: number): void {
    if (this.handed === 'direct') {
      const d = this.direct!
      d.at += n
      if (d.at === d.buf.length) {
        this.direct = undefined
        d.done()
      }
    } else {
      this.end += n
      this.fillDirect()
    }
    this.pump()
  }

  /** Copies a received chunk in (for sockets that allocate their own read buffers). */
  push(chunk: Buffer): void {
    for (let at = 0; at < chunk.length; ) {
      const into = this.next()
      const k = Math.min(into.length, chunk.length - at)
      chunk.copy(into, 0, at, at + k)
      this.received(k)
      at += k
    }
  }

  /** The peer is gone: waiting reads resolve empty. */
  close(): void {
    this.closed = true
    this.pump()
  }

  /** Resolves with a copy of exactly n bytes, or an empty buffer when the peer went away first. */
  read(n: number): Promise<Buffer> {
    return new Promise((resolve) => {
      this.waiting = { n, resolve }
      this.pump()
    })
  }

  /** The unread bytes of the stage, valid until the next `received()`. */
  available(): Buffer {
    return this.stage.subarray(this.start, this.end)
  }

  consume(n: number): void {
    this.start += n
  }

  /**
   * Fills `target` with the next `target.length` bytes: what is unread now is copied, the rest is
   * received into it in place. `done` runs once it is whole (at once when it already is); until
   * then `receiving` is true and the stage holds nothing to parse.
   */
  fill(target: Buffer, done: () => void): void {
    if (target.length === 0) return done()
    this.direct = { buf: target, at: 0, done }
    this.fillDirect()
  }

  get receiving(): boolean {
    return this.direct !== undefined
  }

  /** Moves unread stage bytes into the payload being received. */
  private fillDirect(): void {
    const d = this.direct
    if (!d || this.start === this.end) return
    const k = Math.min(this.end - this.start, d.buf.length - d.at)
    this.stage.copy(d.buf, d.at, this.start, this.start + k)
    this.start += k
    d.at += k
    if (d.at === d.buf.length) {
      this.direct = undefined
      d.done()
    }
  }

  private pump(): void {
    const w = this.waiting
    if (w) {
      if (this.end - this.start >= w.n) {
        this.waiting = undefined
        const out = Buffer.from(this.stage.subarray(this.start, this.start + w.n))
        this.start += w.n
        w.resolve(out)
      } else if (this.closed) {
        this.waiting = undefined
        w.resolve(Buffer.alloc(0))
      }
      return
    }
    if (!this.direct && this.start < this.end) this.onBytes?.()
  }
}
