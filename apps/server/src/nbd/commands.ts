import type { BlockDevice, EngineErrorCode } from '@plexa/engine'
import { nbdProtocol, readInto } from '@plexa/engine'
import type { BufferPool } from './bufferPool.ts'

const { CMD, CMD_FLAG, ERR, MAX_REQUEST, SIMPLE_REPLY } = nbdProtocol

/**
 * Maps an engine error to the NBD errno a client understands; a range beyond the end of the
 * volume is `beyondEnd` (the protocol asks ENOSPC of a write, EINVAL of a read).
 */
function errno(e: unknown, beyondEnd: number = ERR.EINVAL): number {
  const code = (e as { code?: EngineErrorCode }).code
  switch (code) {
    case 'VM_OUT_OF_RANGE':
      return beyondEnd
    case 'VM_UNALIGNED':
    case 'VM_INVALID_PARAM':
      return ERR.EINVAL
    case 'VM_OFFLINE':
    case 'VM_NOT_STARTED':
    case 'VM_CLOSED':
    case 'VM_FORCEOFF':
      return ERR.ESHUTDOWN
    default:
      return ERR.EIO
  }
}

/** An errno for a write: an offset past 2^53 (VM_INVALID_PARAM) is beyond the end as well. */
function writeErrno(e: unknown): number {
  return (e as { code?: EngineErrorCode }).code === 'VM_INVALID_PARAM' ? ERR.ENOSPC : errno(e, ERR.ENOSPC)
}

/**
 * Answers a request: its error (0 for success) and, for a read, its reply frame (SIMPLE_REPLY bytes
 * left for the reply's header, then the data), `sent` once the kernel has it.
 */
export type Answer = (err: number, frame?: Buffer, sent?: () => void) => void

/** What the commands of one connection work with (transmission.ts provides it). */
export interface CommandContext {
  /** The exported volume: its own checks (started, aligned, in range) are the only ones on the way down. */
  device: BlockDevice
  readOnly: boolean
  /** Buffers for read replies, write payloads and zeroes, given back once done with. */
  pool: BufferPool
  /** Read replies of at least this many bytes are framed in shared memory (the reply sender writes them from there). */
  sharedFrom: number
  /** Tracks a request in progress that holds a buffer of `bytes`. */
  track(p: Promise<void>, bytes?: number): void
  /** Requests in progress: a flush waits for them. */
  readonly inflight: ReadonlySet<Promise<void>>
  /** Counts the bytes of a read started in this turn of the event loop. */
  readStarted(bytes: number): void
  /** Told of each read and write served, with its size and latency in seconds. */
  observe: ((op: 'read' | 'write', bytes: number, seconds: number) => void) | undefined
}

/**
 * Serves one request (its write payload already received into `data`, a pooled buffer); returns
 * false for NBD_CMD_DISC. Each command is nbdkit's callback of the same name: pread, pwrite,
 * zero, trim, flush.
 */
export function serveCommand(c: CommandContext, type: number, flags: number, offset: number, length: number, data: Buffer | undefined, answer: Answer): boolean {
  switch (type) {
    case CMD.READ:
      read(c, offset, length, answer)
      break
    case CMD.WRITE:
      write(c, flags, offset, data!, answer)
      break
    case CMD.WRITE_ZEROES:
      zero(c, flags, offset, length, answer)
      break
    case CMD.TRIM:
      // a hint; the data may stay as it is
      answer(c.readOnly ? ERR.EPERM : offset + length <= c.device.size ? 0 : ERR.EINVAL)
      break
    case CMD.FLUSH:
      flush(c, answer)
      break
    case CMD.DISC:
      return false
    default:
      answer(ERR.EINVAL)
  }
  return true
}

/** The latency observer's start, when there is one. */
function started(c: CommandContext): number | undefined {
  return c.observe && performance.now()
}

function observed(c: CommandContext, op: 'read' | 'write', bytes: number, since: number | undefined): void {
  if (since !== undefined) c.observe!(op, bytes, (performance.now() - since) / 1000)
}

/**
 * Reads into a pooled reply frame: the data lands after room for the reply's header, so header and
 * data leave in one write, as nbdkit sends them in one call (MSG_MORE).
 */
function read(c: CommandContext, offset: number, length: number, answer: Answer): void {
  if (length > MAX_REQUEST) return answer(ERR.EINVAL)
  const frame = c.pool.take(SIMPLE_REPLY + length, SIMPLE_REPLY + length >= c.sharedFrom)
  c.readStarted(length)
  const since = started(c)
  c.track(
    readInto(c.device, offset, frame.subarray(SIMPLE_REPLY)).then(
      () => {
        observed(c, 'read', length, since)
        answer(0, frame, () => c.pool.give(frame))
      },
      (e) => {
        c.pool.give(frame)
        answer(errno(e))
      },
    ),
    frame.length,
  )
}

function write(c: CommandContext, flags: number, offset: number, data: Buffer, answer: Answer): void {
  if (c.readOnly) {
    c.pool.give(data)
    return answer(ERR.EPERM)
  }
  const since = started(c)
  c.track(
    c.device
      .write(offset, data)
      .then(() => (flags & CMD_FLAG.FUA ? c.device.flush() : undefined))
      .finally(() => c.pool.give(data))
      .then(
        () => {
          observed(c, 'write', data.length, since)
          answer(0)
        },
        (e) => answer(writeErrno(e)),
      ),
    data.length,
  )
}

/** Zeroes in chunks of at most 4 MiB from one pooled buffer; the whole range is checked first. */
function zero(c: CommandContext, flags: number, offset: number, length: number, answer: Answer): void {
  if (c.readOnly || offset + length > c.device.size) return answer(c.readOnly ? ERR.EPERM : ERR.ENOSPC)
  const chunk = c.pool.take(Math.min(length, 4 << 20)).fill(0)
  c.track(
    (async () => {
      for (let done = 0; done < length; done += chunk.length) await c.device.write(offset + done, chunk.subarray(0, Math.min(chunk.length, length - done)))
      if (flags & CMD_FLAG.FUA) await c.device.flush()
    })()
      .finally(() => c.pool.give(chunk))
      .then(
        () => answer(0),
        (e) => answer(errno(e)),
      ),
    chunk.length,
  )
}

/** Everything already acknowledged must be durable: wait for it, then flush. */
function flush(c: CommandContext, answer: Answer): void {
  const before = [...c.inflight]
  c.track(
    (async () => {
      await Promise.allSettled(before)
      await c.device.flush()
    })().then(
      () => answer(0),
      (e) => answer(errno(e)),
    ),
  )
}
