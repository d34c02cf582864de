import { type SharedIo, adoptSharedMemory } from '@plexa/engine'
import { MemoryBudget } from './memoryBudget.ts'

/**
 * Buffers a connection reuses for read replies and write payloads: at the request sizes of
 * sequential clients, allocating and collecting a buffer per request cost more than its copy.
 * Bounded in count per size and in bytes; every byte it owns (in use or kept) counts against the
 * budget all connections share, and `dispose` gives the kept ones back when the connection ends.
 */
export class BufferPool {
  private readonly free = new Map<number, Buffer[]>()
  private bytes = 0
  private readonly perSize: number
  private readonly maxBytes: number
  private readonly budget: MemoryBudget
  private disposed = false
  /** Who reads and writes the image files' bytes of the shared buffers (the reply sender's thread). */
  private readonly sharedIo: SharedIo | undefined

  constructor(perSize = 16, maxBytes = 64 << 20, budget: MemoryBudget = new MemoryBudget(Infinity), sharedIo?: SharedIo) {
    this.budget = budget
    this.sharedIo = sharedIo
    this.perSize = perSize
    this.maxBytes = maxBytes
  }

  /** A buffer of `size` bytes; `shared`: in shared memory, which the reply sender's thread reads. */
  take(size: number, shared = false): Buffer {
    const b = this.free.get(shared ? -size : size)?.pop()
    if (b) {
      this.bytes -= size
      return b
    }
    this.budget.take(size)
    if (!shared) return Buffer.allocUnsafeSlow(size)
    const memory = new SharedArrayBuffer(size)
    if (this.sharedIo) adoptSharedMemory(memory, this.sharedIo)
    return Buffer.from(memory)
  }

  /** Returns a buffer nobody uses any more. */
  give(b: Buffer): void {
    const key = b.buffer instanceof SharedArrayBuffer ? -b.length : b.length
    const list = this.free.get(key) ?? []
    // past half the shared budget a buffer goes back rather than waiting here for its connection
    if (this.disposed || list.length >= this.perSize || this.bytes + b.length > this.maxBytes || this.budget.held * 2 > this.budget.limit) {
      this.budget.give(b.length)
      return
    }
    list.push(b)
    this.free.set(key, list)
    this.bytes += b.length
  }

  /** The connection ended: kept buffers go, and those still in use go as they come back. */
  dispose(): void {
    this.disposed = true
    this.budget.give(this.bytes)
    this.bytes = 0
    this.free.clear()
  }

  /** Bytes held for reuse. */
  get held(): number {
    return this.bytes
  }
}
