import { connect } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { DiskGroup, createMemoryDevice, nbdProtocol, openNbdDevice, type BlockDevice } from '@plexa/engine'
import { NbdServer } from '../src/nbd/nbdServer.ts'
import { afterHandshake, goBytes, rawClient, request } from './nbdClient.ts'
import { until } from './until.ts'
import { createRandom } from '../../../packages/engine/test/random.ts'

const MiB = 1 << 20
const SIZE = 16 * MiB

describe('NBD server: payloads received in place or copied in, the same bytes either way', () => {
  const cleanup: Array<() => Promise<void>> = []
  afterEach(async () => {
    for (const c of cleanup.splice(0).reverse()) await c()
  })

  async function serve(inPlace: boolean) {
    const dg = await DiskGroup.create({ name: 'nb', disks: [0, 1].map((i) => ({ name: `disk0${i + 1}`, device: createMemoryDevice(64 * MiB) })) })
    await dg.assistMake({ init: 'none', name: 'm', len: SIZE / 512, layout: 'mirror', disks: ['disk01', 'disk02'] })
    await dg.start('m')
    const srv = new NbdServer({ exports: () => new Map([['m', { dg, volume: 'm' }]]) }, { inPlace })
    const port = await srv.listen(0, '127.0.0.1')
    cleanup.push(async () => {
      await srv.close()
      await dg.close()
    })
    return { srv, dg, uri: `nbd://127.0.0.1:${port}/m` }
  }

  for (const inPlace of [true, false]) {
    it(`pipelined seeded random writes and reads of 512 B to 2 MiB match a model (${inPlace ? 'received in place' : 'copied in'})`, async () => {
      const { srv, uri } = await serve(inPlace)
      const dev: BlockDevice = await openNbdDevice(uri)
      cleanup.push(() => dev.close())
      const model = await dev.read(0, SIZE)
      const rnd = createRandom(inPlace ? 7 : 8)
      for (let round = 0; round < 40; round++) {
        // a batch in flight at once; its writes never overlap each other or its reads
        const taken: Array<[number, number]> = []
        const ops: Array<Promise<void>> = []
        for (let i = 0; i < 12; i++) {
          const len = 512 * rnd.pick([1, 8, rnd.int(1, 4096)])
          const off = 512 * rnd.int(0, (SIZE - len) / 512)
          if (taken.some(([a, b]) => off < b && a < off + len)) continue
          taken.push([off, off + len])
          if (rnd.next() < 0.6) {
            const data = rnd.bytes(len)
            data.copy(model, off)
            ops.push(dev.write(off, data))
          } else {
            const want = Buffer.from(model.subarray(off, off + len))
            ops.push(dev.read(off, len).then((got) => expect(got.equals(want), `round ${round} read ${off}+${len}`).toBe(true)))
          }
        }
        await Promise.all(ops)
      }
      expect((await dev.read(0, SIZE)).equals(model)).toBe(true)
      expect(srv.inPlaceConnections).toBe(inPlace ? 1 : 0)
    })
  }

  it('stops reading a client that sends requests and never reads the replies, and serves every request once it reads', async () => {
    const { srv, uri } = await serve(true)
    const port = Number(new URL(uri).port)
    const sock = connect({ host: '127.0.0.1', port })
    cleanup.push(async () => void sock.destroy())
    sock.pause() // read nothing until told
    const go = goBytes('m')
    const N = 300
    const reqs = Array.from({ length: N }, (_, i) => request(nbdProtocol.CMD.READ, i, (i % 16) * MiB, MiB))
    sock.write(Buffer.concat([go, ...reqs]))
    // 300 MiB of replies: the server stops reading once it holds 64 MiB for this client
    await until('the server stops reading', () => srv.connections().some((c) => c.exportName === 'm' && !c.reading))
    const [c] = srv.connections()
    expect(c!.unsentBytes).toBeLessThanOrEqual(64 * MiB + MiB) // the limit, and the request that crossed it
    expect(c!.inflight).toBeLessThanOrEqual(64)
    // now read: every request is answered, in full and without error
    const handles = new Set<number>()
    await new Promise<void>((resolve, reject) => {
      let got = Buffer.alloc(0)
      let skippedHello = false
      sock.on('data', (d: Buffer) => {
        got = Buffer.concat([got, d])
        if (!skippedHello) {
          const at = afterHandshake(got)
          if (at === undefined) return
          got = got.subarray(at)
          skippedHello = true
        }
        while (got.length >= 16) {
          if (got.readUInt32BE(0) !== nbdProtocol.SIMPLE_REPLY_MAGIC || got.readUInt32BE(4) !== 0) return reject(new Error('bad reply'))
          if (got.length < 16 + MiB) return
          handles.add(Number(got.readBigUInt64BE(8)))
          got = got.subarray(16 + MiB)
          if (handles.size === N) resolve()
        }
      })
      sock.resume()
    })
    expect(handles.size).toBe(N)
  })

  it('a client that goes away halfway through a write payload leaves nothing behind; the next client is served', async () => {
    const { srv, uri } = await serve(true)
    const before = await openNbdDevice(uri)
    cleanup.push(() => before.close())
    const old = await before.read(0, MiB)
    const sock = connect({ host: '127.0.0.1', port: Number(new URL(uri).port) })
    sock.on('error', () => {})
    const gone = new Promise((r) => sock.on('close', r))
    sock.on('data', () => {}) // take the handshake replies
    // the whole handshake, a 1 MiB write's header and a tenth of its payload, then the end of the stream
    sock.end(Buffer.concat([goBytes('m'), request(nbdProtocol.CMD.WRITE, 1, 0, MiB), Buffer.alloc(100 << 10, 0x77)]))
    await gone
    await until('the server drops the dead connection', () => srv.connections().length <= 1)
    expect((await before.read(0, MiB)).equals(old)).toBe(true) // the partial write never happened
    const after = await openNbdDevice(uri)
    cleanup.push(() => after.close())
    await after.write(0, Buffer.alloc(MiB, 0x42))
    expect((await before.read(0, MiB)).equals(Buffer.alloc(MiB, 0x42))).toBe(true)
  })
})

describe('NBD server: FLUSH, TRIM, WRITE_ZEROES, the FUA flag and DISC', () => {
  it('write zeroes clears exactly its range, FUA and FLUSH reach the disk, out-of-range requests get ENOSPC or EINVAL, DISC ends the connection', async () => {
    const { CMD, CMD_FLAG, ERR } = nbdProtocol
    const mem = createMemoryDevice(64 * MiB)
    let flushes = 0
    const disk: BlockDevice = { ...mem, flush: async () => void (flushes++, await mem.flush()) }
    const dg = await DiskGroup.create({ name: 'nb', disks: [{ name: 'disk01', device: disk }] })
    await dg.assistMake({ init: 'none', name: 'c', len: SIZE / 512, layout: 'concat', disks: ['disk01'] })
    await dg.start('c')
    const srv = new NbdServer({ exports: () => new Map([['c', { dg, volume: 'c' }]]) })
    const port = await srv.listen(0, '127.0.0.1')
    try {
      const c = await rawClient(port, 'c')
      const ones = Buffer.alloc(2 * MiB, 0x11)
      expect((await c.call(CMD.WRITE, 0, 2 * MiB, { payload: ones })).err).toBe(0) // the first write after start may update the on-disk configuration
      const before = flushes
      expect((await c.call(CMD.WRITE, MiB, 4096, { payload: ones.subarray(0, 4096) })).err).toBe(0)
      expect(flushes).toBe(before) // a plain write asks for no flush

      // WRITE_ZEROES of 1 MiB in the middle: zeros there, the bytes either side untouched
      expect((await c.call(CMD.WRITE_ZEROES, 512 << 10, MiB)).err).toBe(0)
      const want = Buffer.from(ones)
      want.fill(0, 512 << 10, (512 << 10) + MiB)
      expect((await c.call(CMD.READ, 0, 2 * MiB)).data!.equals(want)).toBe(true)
      expect((await dg.read('c', 0, 2 * MiB)).equals(want)).toBe(true)
      expect(flushes).toBe(before)

      // FUA on a write and on write zeroes, and FLUSH itself, each flush the disk before the reply
      let f = flushes
      expect((await c.call(CMD.WRITE, 0, 4096, { flags: CMD_FLAG.FUA, payload: Buffer.alloc(4096, 0x22) })).err).toBe(0)
      expect(flushes).toBeGreaterThan(f)
      f = flushes
      expect((await c.call(CMD.WRITE_ZEROES, 4096, 4096, { flags: CMD_FLAG.FUA })).err).toBe(0)
      expect(flushes).toBeGreaterThan(f)
      f = flushes
      expect((await c.call(CMD.FLUSH, 0, 0)).err).toBe(0)
      expect(flushes).toBeGreaterThan(f)
      const head = (await c.call(CMD.READ, 0, 8192)).data!
      expect(head.equals(Buffer.concat([Buffer.alloc(4096, 0x22), Buffer.alloc(4096)]))).toBe(true)

      // TRIM is a hint: it succeeds, and in range nothing else is promised
      expect((await c.call(CMD.TRIM, 0, 4096)).err).toBe(0)
      // past the end of the volume: refused, and the volume's last bytes are as they were
      const tail = Buffer.alloc(4096, 0x44)
      expect((await c.call(CMD.WRITE, SIZE - 4096, 4096, { payload: tail })).err).toBe(0)
      expect((await c.call(CMD.WRITE_ZEROES, SIZE - 4096, 8192)).err).toBe(ERR.ENOSPC)
      expect((await c.call(CMD.TRIM, SIZE, 4096)).err).toBe(ERR.EINVAL)
      expect((await c.call(CMD.WRITE, SIZE, 512, { payload: Buffer.alloc(512, 0x33) })).err).toBe(ERR.ENOSPC)
      expect((await dg.read('c', SIZE - 4096, 4096)).equals(tail)).toBe(true)
      // the connection still serves after its errors
      expect((await c.call(CMD.READ, 0, 4096)).data!.equals(Buffer.alloc(4096, 0x22))).toBe(true)

      // DISC: the server ends the connection
      const closed = new Promise((r) => c.sock.on('close', r))
      c.sock.write(request(CMD.DISC, 99, 0, 0))
      await closed
    } finally {
      await srv.close()
      await dg.close()
    }
  })
})
