import { type Socket, connect } from 'node:net'
import { type BlockDevice, checkRange, closedError } from './blockDevice.ts'
import { EngineError, fail } from '../errors.ts'
import { SECTOR_SIZE } from '../units.ts'

import { CMD, FLAG_C_FIXED_NEWSTYLE, FLAG_C_NO_ZEROES, FLAG_NO_ZEROES, OPT, OPTION_REPLY_HEADER, REP, SIMPLE_REPLY, TFLAG, encodeGoData, encodeOption, encodeRequest, parseHello, parseInfoExport, parseOptionReply, parseSimpleReply } from './nbdProtocol.ts'

/** Parses nbd://host[:port][/export]. */
export function parseNbdUrl(url: string): { host: string; port: number; name: string } {
  let u: URL
  try {
    u = new URL(url)
  } catch {
    fail('VM_NOTCHARDEV', `${url} is not an nbd:// URL`)
  }
  if (u.protocol !== 'nbd:') fail('VM_NOTCHARDEV', `${url} is not an nbd:// URL`)
  return { host: u.hostname || '127.0.0.1', port: u.port ? Number(u.port) : 10809, name: decodeURIComponent(u.pathname.replace(/^\//, '')) }
}

/** Collects socket bytes and hands out exact counts. */
class Bytes {
  private buf: Buffer = Buffer.alloc(0)
  private waiter: { n: number; resolve: (b: Buffer | undefined) => void } | undefined
  private ended = false
  push(b: Buffer) {
    this.buf = this.buf.length ? Buffer.concat([this.buf, b]) : b
    this.pump()
  }
  end() {
    this.ended = true
    this.pump()
  }
  private pump() {
    const w = this.waiter
    if (!w) return
    if (this.buf.length >= w.n) {
      this.waiter = undefined
      const out = this.buf.subarray(0, w.n)
      this.buf = this.buf.subarray(w.n)
      w.resolve(out)
    } else if (this.ended) {
      this.waiter = undefined
      w.resolve(undefined)
    }
  }
  take(n: number): Promise<Buffer | undefined> {
    return new Promise((resolve) => {
      this.waiter = { n, resolve }
      this.pump()
    })
  }
}

/**
 * A remote disk: an NBD export (nbdkit, qemu-nbd, another Plexa) used as a block device. A
 * vanished or failing server turns into VM_IO errors, which the volume's exception policies
 * handle like a local disk failure.
 */
export async function openNbdDevice(url: string): Promise<BlockDevice> {
  const { host, port, name } = parseNbdUrl(url)
  const sock: Socket = connect({ host, port })
  sock.setNoDelay(true)
  const bytes = new Bytes()
  let broken: EngineError | undefined
  sock.on('data', (b: Buffer) => bytes.push(b))
  sock.on('close', () => bytes.end())
  sock.on('error', (e) => {
    broken ??= new EngineError('VM_IO', `NBD connection to ${url} failed`, { cause: e })
    bytes.end()
  })
  const need = async (n: number) => {
    const b = await bytes.take(n)
    if (!b) throw broken ?? new EngineError('VM_IO', `NBD server ${url} closed the connection`)
    return b
  }
  let size = 0
  let readOnly = false
  try {
    await new Promise<void>((resolve, reject) => {
      sock.once('connect', resolve)
      sock.once('error', reject)
    })
    const serverFlags = parseHello(await need(18)) ?? fail('VM_NBD_PROTOCOL', `${url} does not speak fixed-newstyle NBD`)
    const clientFlags = Buffer.alloc(4)
    clientFlags.writeUInt32BE(FLAG_C_FIXED_NEWSTYLE | (serverFlags & FLAG_NO_ZEROES ? FLAG_C_NO_ZEROES : 0))
    sock.write(clientFlags)
    sock.write(encodeOption(OPT.GO, encodeGoData(name)))
    for (;;) {
      const { type, length } = parseOptionReply(await need(OPTION_REPLY_HEADER)) ?? fail('VM_NBD_PROTOCOL', `bad option reply from ${url}`)
      const data = await need(length)
      if (type === REP.ACK) break
      const info = type === REP.INFO ? parseInfoExport(data) : undefined
      if (info) {
        size = info.size
        readOnly = (info.flags & TFLAG.READ_ONLY) !== 0
      } else if (type & 0x80000000) fail('VM_NOTCHARDEV', `${url}: export refused (${data.toString('utf8') || type.toString(16)})`)
    }
  } catch (e) {
    sock.destroy()
    if (e instanceof EngineError) throw e
    throw new EngineError('VM_NOTCHARDEV', `cannot open NBD export ${url}`, { cause: e })
  }
  if (readOnly) {
    sock.destroy()
    fail('VM_NOTCHARDEV', `${url} is read-only`)
  }
  size -= size % SECTOR_SIZE

  // Transmission: requests carry a handle; replies come back in any order.
  let nextHandle = 1n
  const pending = new Map<bigint, { length: number; resolve: (b: Buffer) => void; reject: (e: unknown) => void }>()
  let closed = false
  const failAll = (e: EngineError) => {
    broken ??= e
    for (const p of pending.values()) p.reject(broken)
    pending.clear()
  }
  void (async () => {
    try {
      for (;;) {
        const { err, handle } = parseSimpleReply(await need(SIMPLE_REPLY)) ?? fail('VM_IO', `bad reply magic from ${url}`)
        const p = pending.get(handle)
        if (!p) throw new EngineError('VM_IO', `unexpected reply from ${url}`)
        pending.delete(handle)
        if (err) {
          p.reject(new EngineError('VM_IO', `NBD error ${err} from ${url}`))
          continue
        }
        p.resolve(p.length ? await need(p.length) : Buffer.alloc(0))
      }
    } catch (e) {
      failAll(e instanceof EngineError ? e : new EngineError('VM_IO', `NBD connection to ${url} lost`, { cause: e }))
      sock.destroy()
    }
  })()

  const request = (type: number, offset: number, length: number, payload?: Uint8Array): Promise<Buffer> => {
    if (closed) return Promise.reject(closedError(url))
    if (broken) return Promise.reject(broken)
    const handle = nextHandle++
    const h = encodeRequest({ flags: 0, type, handle, offset, length })
    return new Promise<Buffer>((resolve, reject) => {
      pending.set(handle, { length: type === CMD.READ ? length : 0, resolve, reject })
      sock.write(payload ? Buffer.concat([h, payload]) : h)
    })
  }

  const MAX = 16 << 20
  const dev: BlockDevice = {
    kind: 'nbd',
    size,
    location: url,
    lockKey: `nbd:${host}:${port}/${name}`,
    async read(offset, length) {
      if (closed) throw closedError(url)
      checkRange(dev, offset, length)
      if (length <= MAX) return request(CMD.READ, offset, length)
      const parts: Promise<Buffer>[] = []
      for (let o = 0; o < length; o += MAX) parts.push(request(CMD.READ, offset + o, Math.min(MAX, length - o)))
      return Buffer.concat(await Promise.all(parts))
    },
    async write(offset, data) {
      if (closed) throw closedError(url)
      checkRange(dev, offset, data.length)
      const parts: Promise<Buffer>[] = []
      for (let o = 0; o < data.length; o += MAX) parts.push(request(CMD.WRITE, offset + o, Math.min(MAX, data.length - o), data.subarray(o, o + MAX)))
      await Promise.all(parts)
    },
    async flush() {
      if (closed) throw closedError(url)
      await request(CMD.FLUSH, 0, 0)
    },
    // a lost connection fails every request from then on (request() above)
    failing: () => broken !== undefined,
    async close() {
      if (closed) return
      if (!broken) sock.write(encodeRequest({ flags: 0, type: CMD.DISC, handle: 0n, offset: 0, length: 0 }))
      closed = true
      sock.end()
      failAll(closedError(url))
    },
  }
  return dev
}
