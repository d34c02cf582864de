import { type Socket, connect } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { nbdProtocol } from '@plexa/engine'
import { NbdServer } from '../src/nbd/nbdServer.ts'
import { type TestServer, testServer } from './harness.ts'
import { afterHandshake, goBytes, request } from './nbdClient.ts'
import { until } from './until.ts'

const { CMD, SIMPLE_REPLY_MAGIC } = nbdProtocol
const MiB = 1 << 20
/** MiB `i` of the volume holds the byte i + 1 throughout. */
const byteAt = (offset: number) => Math.floor(offset / MiB) + 1

/** A raw client that parses 1 MiB read replies as they arrive, by handle; `pause`d, it reads nothing. */
async function readClient(port: number, name: string) {
  const sock: Socket = connect({ host: '127.0.0.1', port })
  let got = Buffer.alloc(0)
  let start: number | undefined
  const replies = new Map<number, { err: number; data: Buffer }>()
  sock.on('data', (d: Buffer) => {
    got = Buffer.concat([got, d])
    if (start === undefined) {
      start = afterHandshake(got)
      if (start === undefined) return
      got = got.subarray(start)
    }
    while (got.length >= 16 + MiB) {
      expect(got.readUInt32BE(0)).toBe(SIMPLE_REPLY_MAGIC)
      replies.set(Number(got.readBigUInt64BE(8)), { err: got.readUInt32BE(4), data: Buffer.from(got.subarray(16, 16 + MiB)) })
      got = got.subarray(16 + MiB)
    }
  })
  sock.write(goBytes(name))
  await until('the handshake', () => start !== undefined)
  let handle = 0
  return {
    sock,
    replies,
    /** Sends 1 MiB reads at these offsets; returns their handles. */
    read(offsets: number[]): Array<[number, number]> {
      const sent = offsets.map((o) => [++handle, o] as [number, number])
      sock.write(Buffer.concat(sent.map(([h, o]) => request(CMD.READ, h, o, MiB))))
      return sent
    },
  }
}

describe('NBD read reply frames reused, never while their write is pending (rule 315)', () => {
  let t: TestServer
  let nbd: NbdServer
  let port: number
  let reads = 0
  beforeAll(async () => {
    t = await testServer()
    const dg = t.srv.services.storage.group('tdg').dg
    for (let i = 0; i < 16; i++) await dg.write('mir', i * MiB, Buffer.alloc(MiB, byteAt(i * MiB)))
    const exports = new Map([['mir', { dg, volume: 'mir' }]])
    nbd = new NbdServer({ exports: () => exports }, { onIo: (_dg, _v, op) => void (op === 'read' && reads++) })
    port = await nbd.listen(0, '127.0.0.1')
  })
  afterAll(async () => {
    await nbd.close()
    await t.close()
  })

  it('I315 a client with 48 reads of 1 MiB in flight gets every frame kept (the same again allocates no more than 48 in all), every reply holds its own offset, and a disconnect gives every frame back', async () => {
    const c = await readClient(port, 'mir')
    const conn = () => nbd.connections().find((x) => x.exportName)
    /** Waits until the server has read `n` more and every request is answered (in the kernel or queued). */
    const served = async (n: number) => {
      const want = reads + n
      await until(`${n} reads served`, () => reads === want && conn()?.inflight === 0)
    }
    /**
     * 32 reads queued behind a client that takes nothing, then 16 more, then it takes them all. The
     * first time, the kernel's socket buffers (still small) cannot hold the 32 MiB: most replies
     * wait in the socket's queue while the next reads take frames.
     */
    const round = async (first: boolean) => {
      c.sock.pause()
      const a = c.read(Array.from({ length: 32 }, (_, k) => (k % 16) * MiB))
      await served(32)
      if (first) expect(conn()!.unsentBytes).toBeGreaterThan(16 * MiB)
      // frames of replies still queued are not handed out again: these get frames of their own
      const b = c.read(Array.from({ length: 16 }, (_, k) => (15 - k) * MiB))
      await served(16)
      c.sock.resume()
      await until('every reply taken', () => [...a, ...b].every(([h]) => c.replies.has(h)) && conn()!.unsentBytes === 0)
      for (const [h, o] of [...a, ...b]) {
        const r = c.replies.get(h)!
        expect(r.err).toBe(0)
        expect(r.data.equals(Buffer.alloc(MiB, byteAt(o)))).toBe(true)
      }
    }
    try {
      await round(true)
      expect(nbd.memory.allocated).toBeGreaterThan(32)
      // every frame came back and is kept (none dropped for the collector): a second round, with at
      // most 48 in use at once, takes them again, so no more than 48 were ever allocated (keeping
      // 16, the two rounds allocated 73)
      await round(false)
      expect(nbd.memory.allocated).toBeLessThanOrEqual(48)
      // a client gone with replies queued: the connection's frames all go back to the shared budget
      c.sock.pause()
      c.read(Array.from({ length: 24 }, (_, k) => (k % 16) * MiB))
      await served(24)
      c.sock.destroy()
      await until('the connection gone and its frames given back', () => nbd.connections().length === 0 && nbd.memory.held === 0)
    } finally {
      c.sock.destroy()
    }
  })
})
