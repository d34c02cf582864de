/**
 * Buffers a connection reuses for read replies and write payloads: at the request sizes of
 * sequential clients, allocating and collecting a buffer per request cost more than its copy.
 * Bounded in count per size and in bytes.
 */
export class BufferPool {
  private readonly free = new Map<number, Buffer[]>()
  private bytes = 0
  private readonly perSize: number
  private readonly maxBytes: number
  constructor(perSize = 16, maxBytes = 64 << 20) {
    this.perSize = perSize
    this.maxBytes = maxBytes
  }

  take(size: number): Buffer {
    const b = this.free.get(size)?.pop()
    if (!b) return Buffer.allocUnsafeSlow(size)
    this.bytes -= size
    return b
  }

  /** Returns a buffer nobody uses any more. */
  give(b: Buffer): void {
    const list = this.free.get(b.length) ?? []
    if (list.length >= this.perSize || this.bytes + b.length > this.maxBytes) return
    list.push(b)
    this.free.set(b.length, list)
    this.bytes += b.length
  }

  /** Bytes held for reuse. */
  get held(): number {
    return this.bytes
  }
}
