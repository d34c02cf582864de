import { readFileSync } from 'node:fs'
import { type Server, type Socket, createServer } from 'node:net'
import { type ExportSource, type Haggling, handshake } from './handshake.ts'
import { Inbox } from './inbox.ts'
import { MemoryBudget } from './memoryBudget.ts'
import { type PoolWriteStats, PoolWrites, type PoolWritesMode, poolWritesWanted } from './poolWrites.ts'
import { type ReplyChannel, ReplySender } from './replySender.ts'
import { receiveInto } from './socketReads.ts'
import { type NbdTls, startTls } from './tls.ts'
import { transmit } from './transmission.ts'

export type { ExportSource, NbdExport, VolumeSource } from './handshake.ts'

export interface NbdServerOptions {
  /** `false` copies every received chunk, as on a runtime without Node's stream handle. */
  inPlace?: boolean
  /** NBD_OPT_STARTTLS with these credentials; `require` refuses everything else before it. */
  tls?: NbdTls
  /** A connection that has not chosen an export after this long is closed. */
  handshakeMs?: number
  /** Connections at once, in all and from one address. */
  maxConnections?: number
  maxPerSource?: number
  /** Bytes of buffers all connections may hold together. */
  maxHeldBytes?: number
  /** Told of every read and write served, with its latency (the metrics). */
  onIo?: IoObserver
  /**
   * `true` sends 1 MiB read replies from the reply sender thread (replySender.ts); the default,
   * `false`, writes every reply on the event loop. Off by default: on 2 cores shared with the
   * client, the quiet bench of 2 Dec 00:02 measured the sender slower in the same run (seqread 1m
   * 0.65 of nbdkit against 0.79 on the loop, randread 4k 0.74 against 1.02), its total CPU per GiB
   * 0.50 against 0.35.
   */
  offload?: boolean
  /**
   * `true` writes the large replies of plain connections from libuv's threadpool (poolWrites.ts,
   * rule 393); `false` writes every reply on the event loop; the default, `'loaded'`, takes the
   * threadpool once the event loop's own busy share is `POOL_LOOP_BUSY` or more (rule 516), and
   * leaves it only below `POOL_LOOP_LEAVE` (rule 570): with
   * time to spare the loop writes a reply faster than a hand-over to the threadpool and back (seqread
   * 1m 0.81x on a quiet machine, 0.80x under load with the loop 0.34-0.49 busy). Ignored with `offload`.
   */
  poolWrites?: PoolWritesMode
  /** The event loop's busy share for `poolWrites: 'loaded'` (`eventLoopBusy` by default; tests inject it). */
  loopBusy?: () => number
}

/** Sees each read and write an NBD client had served: its group, volume, size and latency. */
export type IoObserver = (dg: string, volume: string, op: 'read' | 'write', bytes: number, seconds: number) => void

class Closed extends Error {}

/**
 * Descriptors the NBD side may use: half the process's limit (the HTTP side, disk images and the
 * WebSocket keep the rest), at most 1024.
 */
function defaultMaxConnections(): number {
  try {
    const limits = readFileSync('/proc/self/limits', 'utf8')
    const soft = Number(/Max open files\s+(\d+)/.exec(limits)?.[1])
    if (soft > 0) return Math.max(16, Math.min(1024, Math.floor(soft / 2)))
  } catch {
    // not Linux
  }
  return 512
}

/** What the server tracks of a connection. */
interface ConnState {
  exportName: string | undefined
  /** Requests being served. */
  requests: Set<Promise<void>>
  /** The socket spoken through: the accepted one, or its TLS layer after STARTTLS. */
  io: Socket
  tls: boolean
  /** The reply sender's path for this connection's replies, once in the transmission phase. */
  channel: ReplyChannel | undefined
  /** Or the threadpool's writes of its large replies. */
  writer: PoolWrites | undefined
}

/** One connection as `connections()` reports it. */
export interface NbdConnection {
  /** The export it chose; undefined during option haggling. */
  exportName: string | undefined
  /** Requests being served. */
  inflight: number
  /** Reply bytes written and not yet taken by the kernel (the client is not reading). */
  unsentBytes: number
  /** False while the server holds the client back. */
  reading: boolean
  /** The connection upgraded with STARTTLS. */
  tls: boolean
}

/**
 * An NBD server (fixed newstyle) exporting every started volume under its name, in nbdkit's parts:
 * this module accepts connections within their limits and runs each through the handshake
 * (handshake.ts: greeting, options, STARTTLS), then the transmission phase (transmission.ts:
 * requests parsed as they arrive, flow control, replies), whose commands (commands.ts) read and
 * write the volume's `BlockDevice` (`DiskGroup.volumeDevice`: mirrors, DRL, exception policies).
 * The wire encoding is the engine's (`nbdProtocol`), shared with its NBD client device. Malformed
 * handshakes and requests get NBD errors or a closed connection, never a crashed server.
 */
export class NbdServer {
  private readonly server: Server
  private readonly source: ExportSource
  private readonly conns = new Map<Socket, ConnState>()
  private readonly inPlace: boolean
  private readonly tls: NbdTls | undefined
  private readonly handshakeMs: number
  private readonly maxConnections: number
  private readonly maxPerSource: number
  private readonly perSource = new Map<string, number>()
  /** Buffers of every connection, against one limit. */
  readonly memory: MemoryBudget
  /** Connections whose payloads were received in place (see socketReads.ts). */
  inPlaceConnections = 0
  /** Connections refused for a limit, and handshakes cut off by the timeout. */
  refused = 0
  timedOut = 0

  /** Told of every read and write served, with its latency (the metrics). */
  private readonly onIo: IoObserver | undefined
  private readonly offload: boolean
  /** Asked before a large reply whether it leaves through the threadpool; undefined: never. */
  private readonly poolWanted: (() => boolean) | undefined
  /** The thread writing the replies of plain connections (started with the first). */
  readonly sender = new ReplySender()
  /** The threadpool writes of every connection's replies (poolWrites.ts). */
  readonly poolWriteStats: PoolWriteStats = { writes: 0, short: 0 }

  constructor(source: ExportSource, opts: NbdServerOptions = {}) {
    this.source = source
    this.onIo = opts.onIo
    this.offload = opts.offload ?? false
    const pool = opts.poolWrites ?? 'loaded'
    this.poolWanted = pool === false ? undefined : poolWritesWanted(pool, opts.loopBusy)
    this.tls = opts.tls
    // a connection that may upgrade to TLS reads through Node's own buffers (socketReads.ts)
    this.inPlace = (opts.inPlace ?? true) && !opts.tls
    this.handshakeMs = opts.handshakeMs ?? 10_000
    this.maxConnections = opts.maxConnections ?? defaultMaxConnections()
    this.maxPerSource = opts.maxPerSource ?? 64
    this.memory = new MemoryBudget(opts.maxHeldBytes ?? 512 << 20)
    this.server = createServer({ pauseOnConnect: true }, (sock) => this.admit(sock))
  }

  get tlsMode(): 'off' | 'on' | 'require' {
    return this.tls?.mode ?? 'off'
  }

  listen(port: number, host: string): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject)
      this.server.listen(port, host, () => resolve((this.server.address() as { port: number }).port))
    })
  }

  /** Ends the connections of an export (its volume stopped). */
  endExport(name: string): void {
    for (const c of this.conns.values()) if (c.exportName === name) void ending(c)
  }

  connections(): NbdConnection[] {
    return [...this.conns.values()].map((c) => ({ exportName: c.exportName, inflight: c.requests.size, unsentBytes: c.io.writableLength + (c.channel?.unsent ?? 0) + (c.writer?.unsent ?? 0), reading: !c.io.isPaused(), tls: c.tls }))
  }

  async close(): Promise<void> {
    for (const s of this.conns.keys()) s.destroy()
    await new Promise<void>((r) => this.server.close(() => r()))
    await this.sender.stop()
  }

  /** Counts a new connection in, or closes it at once when a limit is reached. */
  private admit(sock: Socket): void {
    const from = sock.remoteAddress ?? '?'
    const mine = this.perSource.get(from) ?? 0
    if (this.conns.size >= this.maxConnections || mine >= this.maxPerSource) {
      this.refused++
      sock.destroy()
      return
    }
    this.perSource.set(from, mine + 1)
    let counted = true
    const uncount = () => {
      if (!counted) return
      counted = false
      const n = (this.perSource.get(from) ?? 1) - 1
      if (n > 0) this.perSource.set(from, n)
      else this.perSource.delete(from)
    }
    void this.handle(sock, uncount)
  }

  private async handle(accepted: Socket, uncount: () => void): Promise<void> {
    const inbox = new Inbox()
    const { sock, inPlace, detach } = receiveInto(accepted, inbox, this.inPlace)
    if (inPlace) this.inPlaceConnections++
    sock.setNoDelay(true)
    const conn: ConnState = { exportName: undefined, requests: new Set(), io: sock, tls: false, channel: undefined, writer: undefined }
    this.conns.set(sock, conn)
    sock.on('end', () => inbox.close())
    sock.on('close', () => {
      inbox.close()
      uncount()
      this.conns.delete(sock)
    })
    sock.on('error', () => inbox.close())
    // a client that has not chosen an export in time is cut off (it holds a descriptor)
    const timer = setTimeout(() => {
      this.timedOut++
      sock.destroy()
    }, this.handshakeMs)
    const haggling: Haggling = {
      get io() {
        return conn.io
      },
      get tls() {
        return conn.tls
      },
      async need(n) {
        const b = await inbox.read(n)
        if (b.length < n) throw new Closed()
        return b
      },
      upgrade: async () => {
        detach!()
        const secure = await startTls(sock, this.tls!)
        secure.on('data', (chunk: Buffer) => {
          try {
            inbox.push(chunk)
          } catch (e) {
            secure.destroy(e as Error)
          }
        })
        secure.on('end', () => inbox.close())
        secure.on('close', () => inbox.close())
        secure.on('error', () => inbox.close())
        conn.io = secure
        conn.tls = true
      },
    }
    try {
      const chosen = await handshake(haggling, this.source, this.tls)
      clearTimeout(timer)
      if (!chosen) return void conn.io.end()
      conn.exportName = chosen.name
      const { dg, volume } = chosen
      const onIo = this.onIo
      // a plain connection's large replies leave from the threadpool (or the reply sender's thread);
      // TLS ones through Node's TLS layer
      if (this.offload && !conn.tls) conn.channel = this.sender.open(conn.io, () => conn.io.destroy())
      if (!conn.channel && this.poolWanted && !conn.tls) conn.writer = PoolWrites.open(conn.io, this.poolWriteStats, this.poolWanted)
      await transmit({
        sock: conn.io,
        channel: conn.channel,
        writer: conn.writer,
        inbox,
        requests: conn.requests,
        memory: this.memory,
        device: chosen.device,
        readOnly: chosen.readOnly === true,
        observe: onIo && ((op, bytes, seconds) => onIo(dg.name, volume, op, bytes, seconds)),
      })
    } catch (e) {
      if (!(e instanceof Closed)) conn.io.destroy()
    } finally {
      clearTimeout(timer)
      await ending(conn)
    }
  }
}

/** Ends a connection once the replies it has are written: the reply sender's or the threadpool's first, then the socket's. */
async function ending(c: ConnState): Promise<void> {
  if (c.writer && !c.io.destroyed) await c.writer.drained()
  if (c.channel && !c.io.destroyed) {
    await c.channel.drained()
    await c.channel.close()
  }
  if (!c.io.destroyed) c.io.end()
}
