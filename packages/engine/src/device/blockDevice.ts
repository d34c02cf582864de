import { EngineError, fail } from '../errors.ts'
import { SECTOR_SIZE } from '../units.ts'

/**
 * A block device: byte-addressed, sector-aligned I/O. Every engine layer talks to disks through
 * this interface (nbdkit's plugin table: size, pread, pwrite, flush).
 */
export interface BlockDevice {
  /** What backs it: 'memory', 'file', 'blockdev', 'faulty', ... */
  readonly kind: string
  /** Size in bytes, a multiple of the sector size. */
  readonly size: number
  /** Human-readable location (path, URL or a memory label). */
  readonly location: string
  /** Identity used for the one-manager-per-device lock. */
  readonly lockKey: string
  /**
   * Takes the device's own one-manager lock, for devices that have one (image files and block
   * devices: `device/deviceLock.ts`); VM_BUSY when another manager holds it. Returns its release.
   */
  lock?(): () => void
  /** Reads `length` bytes at byte `offset`; both sector-aligned. */
  read(offset: number, length: number): Promise<Buffer>
  /**
   * Reads `target.length` bytes at `offset` into `target` (a caller's reused buffer: no allocation
   * on the hot path). Optional: `readInto` below falls back to `read` and a copy.
   */
  readInto?(offset: number, target: Buffer): Promise<void>
  /** Writes `data` at byte `offset`; both sector-aligned. Durable only after `flush`. */
  write(offset: number, data: Uint8Array, opts?: WriteOptions): Promise<void>
  /** Makes every completed write durable. */
  flush(): Promise<void>
  close(): Promise<void>
  /**
   * Does the device know that every `op` on it fails now (no power, a fault on the whole device,
   * a lost connection)? Optional: a device that cannot tell is taken to work until an I/O fails.
   * Operations are refused up front on it (rule 341); a fault on a range is not the device failing.
   */
  failing?(op: 'read' | 'write'): boolean
}

/** How a write is issued; a device that has no choice to make ignores it. */
export interface WriteOptions {
  /**
   * The caller issues other devices' writes alongside this one (a mirrored write's other plexes)
   * and wants them to overlap: a device that could do the write on the calling thread (the image
   * file's fast path) hands it to a thread of its own instead.
   */
  overlap?: boolean
}

/** Validates an I/O request against a device; throws VM_UNALIGNED / VM_OUT_OF_RANGE. */
export function checkRange(dev: { size: number; location: string }, offset: number, length: number): void {
  if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0) {
    fail('VM_INVALID_PARAM', `bad I/O range ${offset}+${length} on ${dev.location}`)
  }
  if (offset % SECTOR_SIZE !== 0 || length % SECTOR_SIZE !== 0) {
    fail('VM_UNALIGNED', `I/O ${offset}+${length} on ${dev.location} is not sector-aligned`)
  }
  if (offset + length > dev.size) {
    fail('VM_OUT_OF_RANGE', `I/O ${offset}+${length} beyond end ${dev.size} of ${dev.location}`)
  }
}

export function closedError(location: string): EngineError {
  return new EngineError('VM_CLOSED', `device ${location} is closed`)
}

/** Wraps an operating-system error as VM_IO with the cause chained. */
export function ioError(location: string, op: string, cause: unknown): EngineError {
  return new EngineError('VM_IO', `${op} failed on ${location}`, { cause })
}

/** Reads into `target` with the device's own `readInto` when it has one, else `read` and a copy. */
export function readInto(dev: BlockDevice, offset: number, target: Buffer): Promise<void> {
  if (dev.readInto) return dev.readInto(offset, target)
  return dev.read(offset, target.length).then((b) => void b.copy(target))
}
