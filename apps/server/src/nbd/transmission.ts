import type { Socket } from 'node:net'
import type { BlockDevice } from '@plexa/engine'
import { nbdProtocol } from '@plexa/engine'
import { BufferPool } from './bufferPool.ts'
import { type CommandContext, serveCommand } from './commands.ts'
import type { Inbox } from './inbox.ts'
import type { MemoryBudget } from './memoryBudget.ts'
import type { PoolWrites } from './poolWrites.ts'
import { OFFLOAD_MIN, type ReplyChannel } from './replySender.ts'

const { CMD, MAX_REQUEST, REQUEST_HEADER, encodeSimpleReply, parseRequest, writeSimpleReply } = nbdProtocol

/**
 * Requests a connection may have in progress, and bytes the server may hold for it (the buffers of
 * those requests and replies the client has not taken), before the server stops reading its
 * requests (TCP then holds the client back): a client that sends and never reads cannot make the
 * server's memory grow without bound.
 */
const MAX_INFLIGHT = 64
const MAX_HELD = 64 << 20

/**
 * Bytes of reads a connection starts before the replies it has so far go to the socket. The rest of
 * its requests wait for the next turn of the event loop, so the data is sent while the CPU's cache
 * still holds it and no turn queues more than the socket can take: with 16 reads of 1 MiB in flight,
 * one batch of all of them cost 0.48-0.51 CPU s per GiB, batches of 2 MiB 0.31-0.38.
 */
const TURN_READ_BYTES = 2 << 20

/** Writes of at least this many bytes are answered at once, not with the other replies of their turn. */
const LARGE_WRITE = 256 << 10

/** What one connection's transmission phase serves, and where its buffers come from. */
export interface Transmission {
  sock: Socket
  /** Where the replies go when the reply sender writes them (replySender.ts); else to `sock`. */
  channel?: ReplyChannel | undefined
  /** Where the replies go when libuv's threadpool writes the large ones (poolWrites.ts). */
  writer?: PoolWrites | undefined
  inbox: Inbox
  /** Requests being served (the server reports their count). */
  requests: Set<Promise<void>>
  /** Buffers of every connection, against one limit. */
  memory: MemoryBudget
  device: BlockDevice
  readOnly: boolean
  observe: CommandContext['observe']
}

/**
 * The transmission phase, parsed synchronously as bytes arrive: every complete request in the
 * buffer is dispatched at once (no await between requests), replies go out as each finishes.
 * Resolves once the client disconnects and its requests have finished.
 */
export function transmit(t: Transmission): Promise<void> {
  const { sock, inbox, memory, channel, writer } = t
  // Replies finished in the same turn of the event loop leave in one system call.
  let corked = false
  /** Bytes of reads started since replies last went to the socket. */
  let readBytes = 0
  const uncork = () => {
    corked = false
    readBytes = 0
    sock.uncork()
    channel?.flush()
  }
  // Keeps as many buffers of a size as the connection may have in use at once: a reply's frame comes
  // back only once the socket took the whole batch it was corked in, so a client at queue depth 16
  // has up to twice that in use, and a pool that kept 16 allocated (and the collector freed) a
  // fresh 1 MiB frame for one read in ten.
  const pool = new BufferPool(MAX_INFLIGHT, MAX_HELD, memory, channel?.io)
  const send = channel
    ? (b: Buffer, sent?: () => void) => channel.write(b, sent)
    : writer
      ? (b: Buffer, sent?: () => void) => writer.write(b, sent)
      : (b: Buffer, sent?: () => void) => void sock.write(b, sent)
  const reply = (r: nbdProtocol.ParsedRequest, err: number, frame?: Buffer, sent?: () => void) => {
    if (!corked) {
      corked = true
      sock.cork()
      setImmediate(uncork)
    }
    // a read's frame is not copied: `sent` once the kernel has it
    if (frame && !err) send(writeSimpleReply(frame, 0, r), sent)
    else send(encodeSimpleReply(err, r))
  }
  const inflight = t.requests
  let inflightBytes = 0
  // past the shared budget every connection waits for room
  const busy = () => inflight.size >= MAX_INFLIGHT || inflightBytes + sock.writableLength + (channel?.unsent ?? 0) + (writer?.unsent ?? 0) >= MAX_HELD || memory.full
  let resume = () => {}
  const ctx: CommandContext = {
    device: t.device,
    readOnly: t.readOnly,
    pool,
    // without the reply sender, every frame stays in the connection's own memory
    sharedFrom: channel ? OFFLOAD_MIN : Infinity,
    inflight,
    observe: t.observe,
    readStarted: (bytes) => void (readBytes += bytes),
    track(p, bytes = 0) {
      inflight.add(p)
      inflightBytes += bytes
      // one reaction for both outcomes (`finally` costs two promises more per request)
      const untrack = () => {
        inflight.delete(p)
        inflightBytes -= bytes
        resume()
      }
      p.then(untrack, untrack)
    },
  }
  return new Promise<void>((resolve, reject) => {
    let done = false
    resume = () => {
      if (done || !sock.isPaused() || busy()) return
      sock.resume()
      dispatch()
    }
    sock.on('drain', () => resume())
    if (channel) channel.onRoom = () => resume()
    if (writer) writer.onRoom = () => resume()
    const offRoom = memory.onRoom(() => resume())
    const finish = (e?: unknown) => {
      if (done) return
      done = true
      offRoom()
      inbox.onBytes = undefined
      void Promise.allSettled([...inflight]).then(() => pool.dispose())
      if (e) reject(e)
      else void Promise.allSettled([...inflight]).then(() => resolve())
    }
    let deferred = false
    const dispatch = () => {
      while (!done && !inbox.receiving) {
        if (deferred) return
        if (readBytes >= TURN_READ_BYTES) {
          // the replies so far leave first; the next request waits for the next turn
          deferred = true
          setImmediate(() => {
            deferred = false
            readBytes = 0
            if (corked) uncork()
            dispatch()
          })
          return
        }
        if (busy()) return void sock.pause()
        const buf = inbox.available()
        if (buf.length < REQUEST_HEADER) return
        const r = parseRequest(buf)
        if (!r) return finish(new Error('bad request magic'))
        if (r.type === CMD.WRITE && r.length > MAX_REQUEST) return finish(new Error('write too large')) // its payload cannot be skipped safely
        inbox.consume(REQUEST_HEADER)
        if (r.type === CMD.WRITE) {
          // the payload is received into a pooled buffer, given back once written
          const data = pool.take(r.length)
          inbox.fill(data, () => request(r, data))
        } else request(r, undefined)
      }
    }
    const request = (r: nbdProtocol.ParsedRequest, data: Buffer | undefined) => {
      // Replies finished in the same turn leave together: one writev of several read replies wakes
      // the client fewer times (+17% at 1 MiB reads). A large write's short answer leaves at once,
      // so the client sends its next payload while this turn goes on (+10% at 1 MiB writes).
      const large = r.type === CMD.WRITE && r.length >= LARGE_WRITE
      const more = serveCommand(ctx, r.type, r.flags, r.offset, r.length, data, (err, out, sent) => {
        reply(r, err, out, sent)
        if (large) uncork()
      })
      if (!more) finish()
    }
    inbox.onBytes = dispatch
    sock.once('close', () => finish())
    dispatch()
  })
}
