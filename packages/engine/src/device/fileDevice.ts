import { fstatSync, readSync, writeSync } from 'node:fs'
import { open, readFile, realpath, stat, type FileHandle } from 'node:fs/promises'
import { type BlockDevice, checkRange, closedError, ioError } from './blockDevice.ts'
import { fail } from '../errors.ts'
import { sharedIo } from './copyWorker.ts'
import { lockOpenDevice } from './deviceLock.ts'
import { openNbdDevice } from './nbdDevice.ts'
import { SECTOR_SIZE } from '../units.ts'

/** Creates a sparse image file of `size` bytes (fails VM_EXISTS if it already exists). */
export async function createImageFile(path: string, size: number): Promise<void> {
  if (!Number.isSafeInteger(size) || size <= 0 || size % SECTOR_SIZE !== 0) {
    fail('VM_INVALID_PARAM', `image size must be a positive multiple of ${SECTOR_SIZE} bytes`)
  }
  let fh: FileHandle
  try {
    fh = await open(path, 'wx')
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') fail('VM_EXISTS', `${path} already exists`, e)
    fail('VM_NOTCHARDEV', `cannot create image file ${path}`, e)
  }
  try {
    await fh.truncate(size)
    await fh.sync()
  } finally {
    await fh.close()
  }
}

/**
 * Chooses, call by call, between positional I/O on the calling thread and libuv's threadpool.
 * A page-cache hit takes a few microseconds, far less than a round trip through the threadpool
 * (on two cores the wake-up alone preempts the event loop), so a device answers synchronously
 * while it is fast. SLOW_STREAK calls in a row slower than SLOW_MS plus one millisecond per
 * SLOW_BYTES_PER_MS they move (cache misses on a real disk, a stalled device; one slow call alone is
 * usually the thread being preempted; a 1 MiB copy through the page cache can pass a millisecond
 * when the other core is busy) send the next PROBE_EVERY calls through the threadpool, so a slow
 * device holds the event loop for at most SLOW_STREAK calls in every PROBE_EVERY.
 *
 * A call of BULK_BYTES or more always goes through the threadpool: even from the page cache it
 * takes a millisecond or more, which on the event loop every foreground request waits behind. (A
 * copy's units never come here: their buffers are shared and go to the copy worker.) So does a
 * read of BULK_READ_BYTES or more (rule 316): an NBD client's 1 MiB sequential reads are copied
 * out of the page cache on a threadpool thread while the event loop sends the replies before
 * them, which on one thread took their turn after the sends (the event loop's CPU per GiB, which
 * capped the throughput, fell by a quarter; the process's total stayed the same). A write of that
 * size stays on the calling thread: the client's next payload arrives behind it either way.
 *
 * An overlapped call (a mirrored write's plex, rule 176) takes the threadpool only where that pays
 * (rule 210): per size class (powers of two), the mode keeps the recent time such a call took on
 * the calling thread, and a class slower there than OVERLAP_MIN_MS goes through the threadpool,
 * one call in OVERLAP_PROBE_EVERY still timed on the calling thread so the time stays current. A
 * round trip through the threadpool costs tens of microseconds of CPU here (two cores): a 4 KiB
 * write into the page cache (a few microseconds) is cheaper written plex after plex on the calling
 * thread, while a 1 MiB copy, or a 4 KiB write that ext4 makes walk a large folio's buffer heads
 * (20-120 µs), is long enough that the plexes' copies on threads of their own pay for it.
 */
export class IoMode {
  static readonly SLOW_MS = 1
  static readonly SLOW_BYTES_PER_MS = 1 << 20
  static readonly SLOW_STREAK = 2
  static readonly PROBE_EVERY = 256
  static readonly BULK_BYTES = 2 << 20
  static readonly BULK_READ_BYTES = 1 << 20
  static readonly OVERLAP_MIN_MS = 0.05
  static readonly OVERLAP_PROBE_EVERY = 64
  /** The weight of a call's time in its class's recent time (an exponential moving average). */
  static readonly OVERLAP_WEIGHT = 1 / 8
  private asyncLeft = 0
  private slow = 0
  /** Per size class of overlapped calls: their recent ms on the calling thread, and their count. */
  private readonly overlapCost = new Map<number, { sync: number; calls: number }>()
  private readonly now: () => number
  constructor(now: () => number = () => performance.now()) {
    this.now = now
  }

  /** A mode that always uses the threadpool (tests of that path, devices known to be slow). */
  static threadpool(): IoMode {
    const m = new IoMode()
    m.asyncLeft = Infinity
    return m
  }

  /**
   * Runs `sync` (moving `bytes`) when the device has been fast, otherwise `async`; `overlap`
   * (the caller has other devices' I/O to issue at once) takes whichever pays (rule 210). A call
   * of `bulk` bytes or more (BULK_BYTES; a read passes BULK_READ_BYTES) always takes `async`.
   */
  run<T>(sync: () => T, async: () => Promise<T>, bytes = 0, overlap = false, bulk = IoMode.BULK_BYTES): Promise<T> {
    if (bytes >= bulk) return async()
    if (overlap) return this.overlapped(sync, async, bytes)
    if (this.asyncLeft > 0) {
      this.asyncLeft--
      return async()
    }
    return this.timed(sync, bytes)
  }

  private overlapped<T>(sync: () => T, async: () => Promise<T>, bytes: number): Promise<T> {
    if (this.asyncLeft > 0) {
      this.asyncLeft--
      return async()
    }
    const k = IoMode.sizeClass(bytes)
    let c = this.overlapCost.get(k)
    if (!c) this.overlapCost.set(k, (c = { sync: NaN, calls: 0 }))
    // a class whose calling-thread time is long takes the threadpool, timing a call on the
    // calling thread now and then; an untried class starts there
    const probe = ++c.calls % IoMode.OVERLAP_PROBE_EVERY === 0
    if (c.sync > IoMode.OVERLAP_MIN_MS && !probe) return async()
    return this.timed(sync, bytes, c)
  }

  /** The size class of a call of `bytes`: its power of two. */
  private static sizeClass(bytes: number): number {
    return 31 - Math.clz32(Math.max(1, bytes))
  }

  /**
   * Runs `sync` on the calling thread, timing it for the slow streak and, for an overlapped call,
   * into its size class's recent time `cost`: a call counts at most twice the bound, so one the
   * thread was preempted in (10 ms on a loaded machine) does not send a fast class to the
   * threadpool alone, while a class mostly slow still goes.
   */
  private timed<T>(sync: () => T, bytes: number, cost?: { sync: number; calls: number }): Promise<T> {
    const t0 = this.now()
    try {
      return Promise.resolve(sync())
    } catch (e) {
      return Promise.reject(e)
    } finally {
      const ms = this.now() - t0
      if (cost) {
        const x = Math.min(ms, 2 * IoMode.OVERLAP_MIN_MS)
        cost.sync = Number.isNaN(cost.sync) ? x : cost.sync + IoMode.OVERLAP_WEIGHT * (x - cost.sync)
      }
      this.slow = ms > IoMode.SLOW_MS + bytes / IoMode.SLOW_BYTES_PER_MS ? this.slow + 1 : 0
      if (this.slow >= IoMode.SLOW_STREAK) {
        this.slow = 0
        this.asyncLeft = IoMode.PROBE_EVERY
      }
    }
  }

  /** Whether the next call goes through the threadpool. */
  get deferred(): boolean {
    return this.asyncLeft > 0
  }
}

async function blockDeviceSize(path: string): Promise<number> {
  const st = await stat(path)
  const major = Math.floor(st.rdev / 256) & 0xfff
  const minor = (st.rdev & 0xff) | ((st.rdev >> 12) & 0xfff00)
  // /sys reports the size in 512-byte units regardless of the logical block size.
  const sectors = Number((await readFile(`/sys/dev/block/${major}:${minor}/size`, 'utf8')).trim())
  return sectors * 512
}

export interface DevicePathOptions {
  io?: IoMode
  /** Open for reading only (a dry run looking at a device): writes and the lock then fail. */
  readOnly?: boolean
  /**
   * How often (ms) a write checks that an image file still has its size (default 1: an fstat per
   * write would cost a third of small-write throughput). Every flush checks; 0 checks on every
   * write. A write inside this window of a truncation may grow the file back over a hole: the next
   * check finds the file ending where that write ended and fails the whole device, since where it
   * was cut is unknown.
   */
  sizeCheckMs?: number
  /** Milliseconds for `sizeCheckMs` (performance.now by default). */
  now?: () => number
}

/**
 * Opens an image file, a real block device path, or an NBD export (`nbd://host:port/name`).
 * Anything else (a directory, a character device, a missing path) fails VM_NOTCHARDEV. Reads and
 * writes beyond the device's real end (an image truncated, a block device shrunk) fail VM_IO, and
 * stay failing once seen: the device never reads zeros for data it lost.
 */
export async function openDevicePath(path: string, opts: DevicePathOptions = {}): Promise<BlockDevice> {
  if (path.startsWith('nbd://')) return openNbdDevice(path)
  let st
  try {
    st = await stat(path)
  } catch (e) {
    fail('VM_NOTCHARDEV', `${path} does not exist`, e)
  }
  if (!st.isFile() && !st.isBlockDevice()) fail('VM_NOTCHARDEV', `${path} is not an image file or block device`)
  let fh: FileHandle
  try {
    fh = await open(path, opts.readOnly ? 'r' : 'r+')
  } catch (e) {
    fail('VM_NOTCHARDEV', `cannot open ${path} for reading${opts.readOnly ? '' : ' and writing'}`, e)
  }
  const kind = st.isBlockDevice() ? 'blockdev' : 'file'
  let size: number
  try {
    size = kind === 'blockdev' ? await blockDeviceSize(path) : st.size
  } catch (e) {
    await fh.close()
    fail('VM_NOTCHARDEV', `cannot size block device ${path}`, e)
  }
  size -= size % SECTOR_SIZE
  if (size <= 0) {
    await fh.close()
    fail('VM_NOTCHARDEV', `${path} is empty`)
  }
  const key = await realpath(path)
  let closed = false
  const location = path
  const mode = opts.io ?? new IoMode()
  const now = opts.now ?? (() => performance.now())
  const checkEvery = opts.sizeCheckMs ?? 1
  // Where the device really ends: `size` until it is seen shorter, and never longer again (an
  // image grown back by a write past its end holds a hole where data was).
  let end = size
  let checkedAt = -Infinity
  // Where the writes since the last size check ended: an image that ends at one of them may have
  // been grown back by it, and then where it was cut (which bytes are holes) is unknown.
  const uncheckedEnds = new Set<number>()
  const sawEnd = (at: number) => {
    if (at < end) end = uncheckedEnds.has(at) ? 0 : at
  }
  // A copy's calls on shared buffers go to the copy worker (device/copyWorker.ts), off the event
  // loop and the threadpool; the close waits for those under way.
  const workerCalls = new Set<Promise<number>>()
  const inWorker = (call: Promise<number>): Promise<number> => {
    workerCalls.add(call)
    const forget = () => void workerCalls.delete(call)
    call.then(forget, forget)
    return call
  }
  const shrunk = () => Object.assign(new Error(`${location} ends at byte ${end}, inside its size of ${size} bytes`), { code: 'ESHRUNK' })
  /** Fails an I/O reaching past the real end; `probe` first re-reads an image file's size. */
  const checkEnd = (offset: number, length: number, probe: boolean) => {
    if (probe && kind === 'file') {
      checkedAt = now()
      sawEnd(fstatSync(fh.fd).size)
      uncheckedEnds.clear()
    }
    if (offset + length > end) throw shrunk()
  }
  const dev: BlockDevice = {
    kind,
    size,
    location,
    lockKey: `path:${key}`,
    lock: () => lockOpenDevice(fh.fd, path, kind === 'blockdev', () => !closed),
    async read(offset, length) {
      // Every byte is read (a short read is an error), so the buffer need not be cleared first.
      const buf = Buffer.allocUnsafe(length)
      await dev.readInto!(offset, buf)
      return buf
    },
    async readInto(offset, buf) {
      if (closed) throw closedError(location)
      const length = buf.length
      checkRange(dev, offset, length)
      const shared = sharedIo(buf)
      let done = 0
      try {
        checkEnd(offset, length, false)
        while (done < length) {
          const at = done
          const bytesRead = shared
            ? await inWorker(shared('read', fh.fd, buf, at, length - at, offset + at))
            : await mode.run(
                () => readSync(fh.fd, buf, at, length - at, offset + at),
                async () => (await fh.read(buf, at, length - at, offset + at)).bytesRead,
                length - at,
                false,
                IoMode.BULK_READ_BYTES,
              )
          // End of file (or of a block device) inside the device: it shrank under us.
          if (bytesRead === 0) {
            sawEnd(offset + at)
            throw shrunk()
          }
          done += bytesRead
        }
      } catch (e) {
        throw ioError(location, 'read', e)
      }
    },
    async write(offset, data, opts) {
      if (closed) throw closedError(location)
      checkRange(dev, offset, data.length)
      const shared = sharedIo(data)
      let done = 0
      try {
        // A write past the end of a truncated image would silently grow it again over a hole.
        checkEnd(offset, data.length, uncheckedEnds.size >= 1024 || now() - checkedAt >= checkEvery)
        while (done < data.length) {
          const at = done
          const bytesWritten = shared
            ? await inWorker(shared('write', fh.fd, data, at, data.length - at, offset + at))
            : await mode.run(
                () => writeSync(fh.fd, data, at, data.length - at, offset + at),
                async () => (await fh.write(data, at, data.length - at, offset + at)).bytesWritten,
                data.length - at,
                opts?.overlap,
              )
          if (bytesWritten === 0) {
            sawEnd(offset + at)
            throw shrunk()
          }
          done += bytesWritten
        }
        if (kind === 'file') uncheckedEnds.add(offset + data.length)
      } catch (e) {
        throw ioError(location, 'write', e)
      }
    },
    async flush() {
      if (closed) throw closedError(location)
      try {
        // what was written beyond a shrunk end is not durable: the flush says so
        checkEnd(0, size, true)
        await fh.datasync()
      } catch (e) {
        throw ioError(location, 'flush', e)
      }
    },
    async close() {
      if (closed) return
      closed = true
      // the copy worker's calls use the descriptor: it is closed (and its number free for reuse) after them
      await Promise.allSettled(workerCalls)
      await fh.close()
    },
  }
  return dev
}

