import { connect } from 'node:net'
import { expect } from 'vitest'
import { nbdProtocol } from '@plexa/engine'
import type { createRandom } from '../../../packages/engine/test/random.ts'

/** The client flags a raw client sends first: fixed newstyle, no zeroes. */
export const CLIENT_FLAGS = Buffer.from([0, 0, 0, 3])

/** One handshake option with its data. */
export function option(code: number, data: Buffer = Buffer.alloc(0)): Buffer {
  const b = Buffer.alloc(16 + data.length)
  b.writeBigUInt64BE(nbdProtocol.IHAVEOPT, 0)
  b.writeUInt32BE(code, 8)
  b.writeUInt32BE(data.length, 12)
  data.copy(b, 16)
  return b
}

/** A client's flags and an NBD_OPT_GO for `name` (no information requests), as a raw client sends them. */
export function goBytes(name: string): Buffer {
  const n = Buffer.from(name)
  const data = Buffer.alloc(4 + n.length + 2)
  data.writeUInt32BE(n.length, 0)
  n.copy(data, 4)
  return Buffer.concat([CLIENT_FLAGS, option(nbdProtocol.OPT.GO, data)])
}

/** A transmission-phase request header. */
export function request(type: number, handle: number | bigint, offset: number, length: number, flags = 0): Buffer {
  const b = Buffer.alloc(28)
  b.writeUInt32BE(nbdProtocol.REQUEST_MAGIC, 0)
  b.writeUInt16BE(flags, 4)
  b.writeUInt16BE(type, 6)
  b.writeBigUInt64BE(BigInt(handle), 8)
  b.writeBigUInt64BE(BigInt(offset), 16)
  b.writeUInt32BE(length, 24)
  return b
}

/**
 * Where the transmission phase starts in what a raw client that sent `goBytes` received: after the
 * hello (18 bytes) and the option replies up to and including the ACK; undefined until all arrived.
 */
export function afterHandshake(got: Buffer): number | undefined {
  let at = 18
  for (;;) {
    if (got.length < at + 20) return undefined
    const len = got.readUInt32BE(at + 16)
    const type = got.readUInt32BE(at + 12)
    at += 20 + len
    if (type === nbdProtocol.REP.ACK) return at
  }
}

/** A raw client that sends one request at a time and reads its simple reply. */
export async function rawClient(port: number, name: string) {
  const sock = connect({ host: '127.0.0.1', port })
  let got = Buffer.alloc(0)
  let wake = () => {}
  sock.on('data', (d: Buffer) => {
    got = Buffer.concat([got, d])
    wake()
  })
  const need = async (n: number) => {
    while (got.length < n) await new Promise<void>((r) => (wake = r))
    const out = got.subarray(0, n)
    got = got.subarray(n)
    return out
  }
  sock.write(goBytes(name))
  await need(18) // hello
  for (;;) {
    const h = await need(20)
    await need(h.readUInt32BE(16))
    if (h.readUInt32BE(12) === nbdProtocol.REP.ACK) break
  }
  let handle = 0
  return {
    sock,
    /** Sends a request; resolves with its error number and, for a successful read, its data. */
    async call(type: number, offset: number, length: number, opts: { flags?: number; payload?: Buffer } = {}) {
      sock.write(Buffer.concat([request(type, ++handle, offset, length, opts.flags), opts.payload ?? Buffer.alloc(0)]))
      const h = await need(16)
      expect(h.readUInt32BE(0)).toBe(nbdProtocol.SIMPLE_REPLY_MAGIC)
      expect(Number(h.readBigUInt64BE(8))).toBe(handle)
      const err = h.readUInt32BE(4)
      return { err, data: type === nbdProtocol.CMD.READ && err === 0 ? Buffer.from(await need(length)) : undefined }
    },
  }
}

export interface PipelinedReply {
  err: number
  data: Buffer | undefined
}

/**
 * A raw client that pipelines requests and parses every simple reply as it comes: a reply whose
 * magic is wrong (two replies' bytes interleaved, or bytes lost) or whose handle no request sent
 * fails `replies`. Handles are the full 64 bits: `send` numbers them 1, 2, ... or takes one given.
 */
export async function pipelinedClient(port: number, name: string) {
  const sock = connect({ host: '127.0.0.1', port })
  sock.on('error', () => {})
  let got: Buffer = Buffer.alloc(0)
  let skipped = false
  let handle = 0n
  /** Every handle sent, with the data length its reply carries (a read's, else 0). */
  const lengths = new Map<bigint, number>()
  const replies = new Map<bigint, PipelinedReply>()
  let wake = () => {}
  let broken: Error | undefined
  const parse = () => {
    if (!skipped) {
      const at = afterHandshake(got)
      if (at === undefined) return
      got = got.subarray(at)
      skipped = true
    }
    while (got.length >= 16) {
      if (got.readUInt32BE(0) !== nbdProtocol.SIMPLE_REPLY_MAGIC) {
        broken = new Error('a reply with a bad magic: replies interleaved')
        return
      }
      const h = got.readBigUInt64BE(8)
      if (!lengths.has(h)) {
        broken = new Error(`a reply to handle ${h.toString(16)}, which no request sent`)
        return
      }
      const err = got.readUInt32BE(4)
      const len = err === 0 ? lengths.get(h)! : 0
      if (got.length < 16 + len) return
      replies.set(h, { err, data: len ? Buffer.from(got.subarray(16, 16 + len)) : undefined })
      got = got.subarray(16 + len)
    }
  }
  sock.on('data', (d: Buffer) => {
    got = got.length ? Buffer.concat([got, d]) : d
    parse()
    wake()
  })
  const connected = new Promise((r) => sock.once('connect', r))
  sock.write(goBytes(name))
  await connected
  return {
    sock,
    /** Sends a request under handle `h` (the next number by default) without waiting; returns `h`. */
    send(type: number, offset: number, length: number, payload?: Buffer, h: bigint = ++handle): bigint {
      lengths.set(h, type === nbdProtocol.CMD.READ ? length : 0)
      sock.write(payload ? Buffer.concat([request(type, h, offset, length), payload]) : request(type, h, offset, length))
      return h
    },
    /** Resolves once the replies of these handles have all arrived. */
    async replies(handles: bigint[]): Promise<Map<bigint, PipelinedReply>> {
      for (;;) {
        if (broken) throw broken
        if (handles.every((h) => replies.has(h))) return new Map(handles.map((h) => [h, replies.get(h)!]))
        await new Promise<void>((r) => (wake = r))
      }
    },
  }
}

export type PipelinedClient = Awaited<ReturnType<typeof pipelinedClient>>

/** A kind of request in a seeded batch: a 1 MiB read, a 4 KiB read, a write, 64 KiB of zeroes, a flush, a read past the end. */
export type BatchKind = 'read' | 'small' | 'write' | 'zero' | 'flush' | 'bad'

/**
 * One batch of pipelined requests, all in flight at once, against `model` (the export's bytes,
 * kept up to date by the batch's writes and zeroes). Its writes never overlap its reads, so each
 * read's bytes are the model's after the batch. `read` adds a read; `seeded` up to `count` requests
 * of `kinds` drawn from `rnd` (one that would overlap is left out); `check` waits for every reply:
 * each read the model's bytes, every other reply the error expected (EINVAL past the end).
 */
export function seededBatch(c: PipelinedClient, model: Buffer) {
  const { CMD, ERR } = nbdProtocol
  const size = model.length
  const reads: Array<[bigint, number, number]> = []
  const others: Array<[bigint, number]> = []
  const taken: Array<[number, number]> = []
  const free = (off: number, len: number) => !taken.some(([a, b]) => off < b && a < off + len)
  const read = (off: number, len: number) => {
    taken.push([off, off + len])
    reads.push([c.send(CMD.READ, off, len), off, len])
  }
  return {
    read,
    seeded(rnd: ReturnType<typeof createRandom>, count: number, kinds: readonly BatchKind[]) {
      for (let i = 0; i < count; i++) {
        const kind = rnd.pick(kinds)
        const len = kind === 'read' ? 1 << 20 : kind === 'small' ? 4096 : kind === 'write' ? 512 * rnd.int(1, 64) : 64 << 10
        const off = 512 * rnd.int(0, (size - len) / 512)
        if (kind !== 'flush' && kind !== 'bad' && !free(off, len)) continue
        if (kind === 'read' || kind === 'small') read(off, len)
        else if (kind === 'write') {
          taken.push([off, off + len])
          const data = rnd.bytes(len)
          data.copy(model, off)
          others.push([c.send(CMD.WRITE, off, len, data), 0])
        } else if (kind === 'zero') {
          taken.push([off, off + len])
          model.fill(0, off, off + len)
          others.push([c.send(CMD.WRITE_ZEROES, off, len), 0])
        } else if (kind === 'flush') others.push([c.send(CMD.FLUSH, 0, 0), 0])
        else others.push([c.send(CMD.READ, size, 1 << 20), ERR.EINVAL])
      }
    },
    async check(label: string) {
      const got = await c.replies([...reads.map(([h]) => h), ...others.map(([h]) => h)])
      for (const [h, off, len] of reads) {
        expect(got.get(h)!.err).toBe(0)
        expect(got.get(h)!.data!.equals(model.subarray(off, off + len)), `${label} read ${h}`).toBe(true)
      }
      for (const [h, err] of others) expect(got.get(h)!.err).toBe(err)
    },
  }
}
