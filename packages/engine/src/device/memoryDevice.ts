import { type BlockDevice, checkRange, closedError } from './blockDevice.ts'
import { SECTOR_SIZE } from '../units.ts'

const CHUNK = 64 * 1024
let nextId = 1

export interface MemoryDevice extends BlockDevice {
  /** A new open handle on the same storage (what reopening a disk after close gives). */
  reopen(): MemoryDevice
  /**
   * A new device holding a copy of this storage as it is now (a disk image taken at a crash
   * point): later writes to either never reach the other. Chunks are shared until one is written.
   */
  snapshot(): MemoryDevice
}

/** Chunks held by more than one storage: a write copies such a chunk first. */
const shared = new WeakSet<Buffer>()

/** A sparse in-memory device: chunks are allocated on first write; unwritten bytes read as zero. */
export function createMemoryDevice(size: number, label?: string): MemoryDevice {
  if (!Number.isSafeInteger(size) || size <= 0 || size % SECTOR_SIZE !== 0) {
    throw new RangeError(`memory device size must be a positive multiple of ${SECTOR_SIZE}`)
  }
  const id = nextId++
  return openMemory(size, label ?? `memory:${id}`, `memory:${id}`, new Map())
}

function openMemory(size: number, location: string, lockKey: string, chunks: Map<number, Buffer>): MemoryDevice {
  let closed = false
  const dev: MemoryDevice = {
    reopen: () => openMemory(size, location, lockKey, chunks),
    snapshot() {
      for (const chunk of chunks.values()) shared.add(chunk)
      const id = nextId++
      return openMemory(size, `${location}@${id}`, `memory:${id}`, new Map(chunks))
    },
    kind: 'memory',
    size,
    location,
    lockKey,
    async read(offset, length) {
      if (closed) throw closedError(location)
      checkRange(dev, offset, length)
      const out = Buffer.alloc(length)
      let pos = offset
      while (pos < offset + length) {
        const ci = Math.floor(pos / CHUNK)
        const within = pos - ci * CHUNK
        const n = Math.min(CHUNK - within, offset + length - pos)
        const chunk = chunks.get(ci)
        if (chunk) chunk.copy(out, pos - offset, within, within + n)
        pos += n
      }
      return out
    },
    async write(offset, data) {
      if (closed) throw closedError(location)
      checkRange(dev, offset, data.length)
      let pos = offset
      while (pos < offset + data.length) {
        const ci = Math.floor(pos / CHUNK)
        const within = pos - ci * CHUNK
        const n = Math.min(CHUNK - within, offset + data.length - pos)
        let chunk = chunks.get(ci)
        if (!chunk) {
          chunk = Buffer.alloc(CHUNK)
          chunks.set(ci, chunk)
        } else if (shared.has(chunk)) {
          chunk = Buffer.from(chunk)
          chunks.set(ci, chunk)
        }
        chunk.set(data.subarray(pos - offset, pos - offset + n), within)
        pos += n
      }
    },
    async flush() {
      if (closed) throw closedError(location)
    },
    async close() {
      closed = true
    },
  }
  return dev
}
