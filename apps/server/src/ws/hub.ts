import type { IncomingMessage } from 'node:http'
import type { Clock } from '@plexa/engine'
import { type Principal } from '../auth/users.ts'
import { PROTOCOL_VERSION, packHello, parseClientMessage, parseQuery, schemas, type ServerEvent, type ServerEventBody, type ServerMessage, type ServerSnapshot } from '@plexa/protocol'
import type { WebSocket } from 'ws'

/** How a client wants the hello's configurations: records as JSON objects, or their column form. */
export type SnapshotFormat = 'json' | 'columns'

export interface HubOptions {
  clock: Clock
  snapshot: () => ServerSnapshot
  /** Events kept for resuming clients: at most this many ... */
  ringSize?: number
  /** ... and at most this many bytes of them. */
  ringBytes?: number
  /** Above this many buffered bytes a client only gets the latest progress of each task. */
  highWater?: number
  /** A client with this many messages waiting (or twice `highWater` buffered) is dropped. */
  maxPending?: number
}

/**
 * The one fan-out point of the event stream: every event gets the server's sequence number and
 * goes to every client; a ring keeps the recent ones so a reconnecting client gets exactly what
 * it missed. Slow clients are coalesced and, when they stall, dropped, so they never grow the
 * server's memory.
 */
export class Hub {
  private seq = 0
  /** Recent events with their serialized frame: serialized once, sent to every client as is. */
  private readonly ring: Array<{ event: ServerEvent; frame: string }> = []
  private ringTotal = 0
  private readonly clients = new Set<HubClient>()
  private readonly listeners = new Set<(e: ServerEvent, frameBytes: number) => void>()
  /** The last hello frame of each user: at a large group's size (tens of MB) one serialization
   * serves every client that connects at the same sequence number soon after (a reconnect storm
   * after a restart), in one shared buffer instead of one copy per socket. */
  private readonly hellos = new Map<string, { seq: number; at: number; frame: Buffer }>()
  readonly o: Required<HubOptions>

  constructor(o: HubOptions) {
    this.o = { ringSize: 10_000, ringBytes: 16 << 20, highWater: 1 << 20, maxPending: 5_000, ...o }
  }

  get currentSeq(): number {
    return this.seq
  }

  get clientCount(): number {
    return this.clients.size
  }

  publish(body: ServerEventBody): ServerEvent {
    const event = { ...body, seq: ++this.seq, at: this.o.clock.now() } as ServerEvent
    const item = { event, frame: JSON.stringify({ type: 'event', event } satisfies ServerMessage) }
    this.ring.push(item)
    this.ringTotal += item.frame.length
    while (this.ring.length > this.o.ringSize || (this.ringTotal > this.o.ringBytes && this.ring.length > 1)) this.ringTotal -= this.ring.shift()!.frame.length
    for (const l of this.listeners) l(event, item.frame.length)
    for (const c of this.clients) c.deliver(item)
    return event
  }

  /**
   * Sees every published event with the length of its frame (the history keeps what happened, and
   * sizes it without serializing it again); returns an unsubscribe.
   */
  subscribe(listener: (e: ServerEvent, frameBytes: number) => void): () => void {
    this.listeners.add(listener)
    return () => void this.listeners.delete(listener)
  }

  /**
   * The hello frame (snapshot and user) for a new client, serialized at most once per user while
   * no event has come and for at most HELLO_REUSE_MS (state that changes without an event, such
   * as a task's progress between its reports, is then at most that old).
   */
  helloFrame(who: Principal, format: SnapshotFormat = 'json'): Buffer {
    const key = `${format}:${who.role}:${who.name}`
    const now = this.o.clock.now()
    const hit = this.hellos.get(key)
    if (hit && hit.seq === this.seq && now - hit.at < Hub.HELLO_REUSE_MS) return hit.frame
    const hello = { type: 'hello', protocol: PROTOCOL_VERSION, seq: this.seq, snapshot: this.o.snapshot(), user: { name: who.name, role: who.role } } satisfies ServerMessage
    const frame = Buffer.from(JSON.stringify(format === 'columns' ? packHello(hello) : hello))
    for (const [k, h] of this.hellos) if (h.seq !== this.seq || now - h.at >= Hub.HELLO_REUSE_MS) this.hellos.delete(k)
    this.hellos.set(key, { seq: this.seq, at: now, frame })
    return frame
  }

  static readonly HELLO_REUSE_MS = 1000

  /** Events after `lastSeq`, or undefined when the ring no longer reaches back that far. */
  since(lastSeq: number): ServerEvent[] | undefined {
    return this.framesSince(lastSeq)?.map((x) => x.event)
  }

  framesSince(lastSeq: number): Array<{ event: ServerEvent; frame: string }> | undefined {
    if (lastSeq > this.seq) return undefined
    if (lastSeq === this.seq) return []
    const first = this.ring[0]
    if (!first || first.event.seq > lastSeq + 1) return undefined
    return this.ring.slice(lastSeq + 1 - first.event.seq)
  }

  attach(ws: WebSocket, who: Principal, req: IncomingMessage): HubClient {
    const url = new URL(req.url ?? '/', 'http://localhost')
    // checked as an HTTP query is (rule 430): a bad one is an error frame and a close, not a fresh hello
    const q = parseQuery(schemas.WsQuery, url.searchParams)
    // `snapshot=columns`: the hello's configurations in their column form (packedConfig.ts)
    const c = new HubClient(this, ws, who, q.ok && q.value.snapshot === 'columns' ? 'columns' : 'json')
    this.clients.add(c)
    ws.on('close', () => this.clients.delete(c))
    if (!q.ok) {
      c.sendNow({ type: 'error', code: q.code, message: q.message })
      ws.close(1008, 'bad query')
      return c
    }
    const last = q.value.lastSeq ?? null
    const protocol = q.value.protocol ?? null
    if (protocol !== null && Number(protocol) !== PROTOCOL_VERSION) {
      c.sendNow({ type: 'error', code: 'VM_PROTOCOL_MISMATCH', message: `server speaks protocol ${PROTOCOL_VERSION}` })
      ws.close(1008, 'protocol mismatch')
      return c
    }
    c.start(last !== null ? Number(last) : undefined)
    return c
  }

  drop(c: HubClient): void {
    this.clients.delete(c)
  }

  closeAll(): void {
    for (const c of this.clients) c.ws.close(1001, 'server shutting down')
  }
}

export class HubClient {
  readonly ws: WebSocket
  readonly who: Principal
  private readonly hub: Hub
  private pending: Array<{ event: ServerEvent; frame: string }> = []
  private started = false
  alive = true
  private readonly format: SnapshotFormat

  constructor(hub: Hub, ws: WebSocket, who: Principal, format: SnapshotFormat = 'json') {
    this.hub = hub
    this.format = format
    this.ws = ws
    this.who = who
    ws.on('message', (data, isBinary) => this.onMessage(isBinary ? '' : data.toString()))
    // oversized or malformed frames: ws closes the socket (1009/1002); nothing else to do
    ws.on('error', () => {})
    ws.on('pong', () => (this.alive = true))
    // the socket drains: send what waited
    ;(ws as unknown as { _socket?: NodeJS.EventEmitter })._socket?.on('drain', () => this.flush())
  }

  /** First frames: the missed events since `lastSeq` when the ring has them, else a snapshot. */
  start(lastSeq: number | undefined): void {
    this.started = true
    const missed = lastSeq === undefined ? undefined : this.hub.framesSince(lastSeq)
    if (missed) {
      this.sendNow({ type: 'resumed', protocol: PROTOCOL_VERSION, from: lastSeq!, seq: this.hub.currentSeq })
      for (const e of missed) this.deliver(e)
      return
    }
    // a text frame from a shared buffer: not copied per socket
    if (this.ws.readyState === this.ws.OPEN) this.ws.send(this.hub.helloFrame(this.who, this.format), { binary: false })
  }

  private onMessage(text: string): void {
    const m = parseClientMessage(text)
    if (!m.ok) return this.sendNow({ type: 'error', code: m.code, message: m.message })
    if (m.value.type === 'ping') return this.sendNow({ type: 'pong' })
    if (m.value.protocol !== PROTOCOL_VERSION) return this.sendNow({ type: 'error', code: 'VM_PROTOCOL_MISMATCH', message: `server speaks protocol ${PROTOCOL_VERSION}` })
    this.start(m.value.lastSeq)
  }

  sendNow(msg: ServerMessage): void {
    if (this.ws.readyState === this.ws.OPEN) this.ws.send(JSON.stringify(msg))
  }

  deliver(item: { event: ServerEvent; frame: string }): void {
    if (!this.started || this.ws.readyState !== this.ws.OPEN) return
    if (this.pending.length === 0 && this.ws.bufferedAmount < this.hub.o.highWater) return void this.ws.send(item.frame)
    // Slow client: keep only the newest progress of each task; drop it when it stalls.
    const e = item.event
    if (e.type === 'task.progress') {
      const i = this.pending.findIndex(({ event: p }) => p.type === 'task.progress' && p.taskId === e.taskId && p.dg === e.dg)
      if (i >= 0) this.pending.splice(i, 1)
    }
    this.pending.push(item)
    if (this.pending.length > this.hub.o.maxPending || this.ws.bufferedAmount > 2 * this.hub.o.highWater) {
      this.pending = []
      this.hub.drop(this)
      this.ws.terminate()
      return
    }
    this.flush()
  }

  private flush(): void {
    while (this.pending.length && this.ws.bufferedAmount < this.hub.o.highWater && this.ws.readyState === this.ws.OPEN) {
      this.ws.send(this.pending.shift()!.frame)
    }
  }
}
