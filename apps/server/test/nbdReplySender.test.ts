import { mkdtemp, rm, truncate } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { DiskGroup, createImageFile, nbdProtocol, openDevicePath } from '@plexa/engine'
import { NbdServer } from '../src/nbd/nbdServer.ts'
import { pipelinedClient, seededBatch } from './nbdClient.ts'
import { until } from './until.ts'
import { createRandom } from '../../../packages/engine/test/random.ts'

const { CMD } = nbdProtocol
const MiB = 1 << 20
const SIZE = 16 * MiB

describe('NBD reply sender: replies of plain connections written by a worker thread (rules 260-262)', () => {
  const cleanup: Array<() => Promise<void>> = []
  afterEach(async () => {
    for (const c of cleanup.splice(0).reverse()) await c()
  })

  /** A 1-plex volume on an image file, exported by a server with (or without) the reply sender. */
  async function serve(offload = true) {
    const dir = await mkdtemp(join(tmpdir(), 'plexa-sender-'))
    const image = join(dir, 'disk01.img')
    await createImageFile(image, SIZE + 32 * MiB)
    const dg = await DiskGroup.create({ name: 'rs', disks: [{ name: 'disk01', device: await openDevicePath(image) }] })
    await dg.assistMake({ init: 'zero', name: 'v', len: SIZE / 512, layout: 'concat', disks: ['disk01'] })
    const srv = new NbdServer({ exports: () => new Map([['v', { dg, volume: 'v' }]]) }, { offload })
    const port = await srv.listen(0, '127.0.0.1')
    cleanup.push(async () => {
      await srv.close()
      await dg.close()
      await rm(dir, { recursive: true, force: true })
    })
    const sdOffset = dg.config().subdisks.find((s) => s.sd_pl_name === 'v-01')!.sd_dev_offset * 512
    return { srv, dg, port, image, sdOffset }
  }

  it('I260 pipelined 1 MiB reads mixed with small writes, zeroes, flushes and errors: every reply whole, every read the model', async () => {
    const { srv, port } = await serve()
    const c = await pipelinedClient(port, 'v')
    const model = Buffer.alloc(SIZE)
    const rnd = createRandom(260)
    for (let round = 0; round < 16; round++) {
      // one batch in flight at once; its writes never overlap its reads
      const batch = seededBatch(c, model)
      // every other batch goes to a client that reads nothing until the worker found its socket
      // full: the worker is then in the middle of a frame while the rest of the batch is answered
      const stalled = round % 2 === 1
      if (stalled) {
        // as many 1 MiB reads as it takes to fill what the kernel buffers for the socket
        const { full, io } = srv.sender.stats()
        const filled = () => srv.sender.stats().full > full
        c.sock.pause()
        for (let k = 0; !filled(); k++) {
          if (k === 56) throw new Error('the socket never filled')
          batch.read((k % 12) * MiB, MiB)
          // each 1 MiB read is one pread of the worker's
          const answered = () => srv.sender.stats().io - io > k && srv.connections()[0]!.inflight === 0
          if (k % 4 === 3) await until('the reads so far are answered', () => answered() || filled())
        }
      }
      // small writes, zeroes, flushes and an error reply among the data
      batch.seeded(rnd, 10, ['read', 'read', 'read', 'small', 'write', 'zero', 'flush', 'bad'])
      if (stalled) {
        await until('every request of the batch is answered', () => srv.connections()[0]!.inflight === 0)
        c.sock.resume()
      }
      await batch.check(`round ${round}`)
    }
    // the worker wrote replies and made the preads of the 1 MiB frames
    const s = srv.sender.stats()
    expect(s.replies).toBeGreaterThan(16)
    expect(s.io).toBeGreaterThan(16)
    expect(srv.sender.connections).toBe(1)
  })

  it('I261 a client that reads slowly fills its socket (EAGAIN): the server holds at most its limit, and every reply arrives whole', async () => {
    const { srv, port, dg } = await serve()
    const expected = await dg.read('v', 0, SIZE)
    const c = await pipelinedClient(port, 'v')
    const full0 = srv.sender.stats().full
    c.sock.pause()
    const handles = Array.from({ length: 120 }, (_, i) => c.send(CMD.READ, (i % 16) * MiB, MiB))
    await until('the worker finds the socket full', () => srv.sender.stats().full > full0)
    await until('the server stops reading', () => srv.connections().some((x) => !x.reading))
    expect(srv.connections()[0]!.unsentBytes).toBeLessThanOrEqual(64 * MiB + MiB)
    c.sock.resume()
    const got = await c.replies(handles)
    handles.forEach((h, i) => expect(got.get(h)!.data!.equals(expected.subarray((i % 16) * MiB, (i % 16 + 1) * MiB))).toBe(true))
  })

  it('I261 clients that go away in the middle of their replies leave no channel or buffer behind, and the next ones get clean streams', async () => {
    const { srv, port } = await serve()
    for (let i = 0; i < 4; i++) {
      const gone = await pipelinedClient(port, 'v')
      gone.sock.pause()
      for (let k = 0; k < 60; k++) gone.send(CMD.READ, (k % 16) * MiB, MiB)
      await until('replies are queued for the worker', () => srv.connections().some((x) => x.unsentBytes > 0))
      gone.sock.destroy()
      // at once a new connection (its descriptor may take the number of the one going): its stream is clean
      const next = await pipelinedClient(port, 'v')
      const hs = Array.from({ length: 8 }, (_, k) => next.send(CMD.READ, k * MiB, MiB))
      const got = await next.replies(hs)
      for (const h of hs) expect(got.get(h)!.err).toBe(0)
      next.sock.destroy()
      await until('both connections are gone', () => srv.connections().length === 0 && srv.sender.connections === 0)
      await until('every buffer is back', () => srv.memory.held === 0)
    }
  })

  it('I261 a server stop with replies pending ends the connection, the channel and the worker thread', async () => {
    const { srv, port } = await serve()
    const c = await pipelinedClient(port, 'v')
    c.sock.pause()
    for (let k = 0; k < 60; k++) c.send(CMD.READ, (k % 16) * MiB, MiB)
    await until('replies are queued for the worker', () => srv.connections().some((x) => x.unsentBytes > 0))
    expect(srv.sender.running).toBe(true)
    const closed = new Promise((r) => c.sock.once('close', r))
    c.sock.resume()
    await srv.close()
    await closed
    expect(srv.sender.running).toBe(false)
    expect(srv.sender.connections).toBe(0)
    expect(srv.memory.held).toBe(0)
  })

  it("I262 a pread the reply sender makes fails as the engine's own read on the event loop does: the same error reply, the same plex state", async () => {
    const outcomes: Array<{ err: number; states: string[]; io: number }> = []
    for (const offload of [true, false]) {
      const { srv, dg, port, image, sdOffset } = await serve(offload)
      const c = await pipelinedClient(port, 'v')
      const ok = c.send(CMD.READ, 0, MiB)
      expect((await c.replies([ok])).get(ok)!.err).toBe(0)
      // the image file loses everything from the volume's 8th MiB on
      await truncate(image, sdOffset + 8 * MiB)
      const bad = c.send(CMD.READ, 12 * MiB, MiB)
      const { err } = (await c.replies([bad])).get(bad)!
      outcomes.push({ err, states: dg.config().plexes.map((p) => `${p.pl_name} ${p.pl_kstate} ${p.pl_state}`), io: srv.sender.stats().io })
    }
    const [sender, loop] = outcomes
    expect(sender!.err).not.toBe(0)
    expect(sender!.err).toBe(loop!.err)
    expect(sender!.states).toEqual(loop!.states)
    // the first made its preads on the sender's thread, the second none there
    expect(sender!.io).toBeGreaterThan(0)
    expect(loop!.io).toBe(0)
  })
})
