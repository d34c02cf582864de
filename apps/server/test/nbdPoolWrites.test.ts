import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { DiskGroup, createImageFile, nbdProtocol, openDevicePath } from '@plexa/engine'
import { NbdServer, type NbdServerOptions } from '../src/nbd/nbdServer.ts'
import { POOL_LOOP_BUSY, POOL_LOOP_LEAVE, poolWritesWanted } from '../src/nbd/poolWrites.ts'
import { type PipelinedClient, pipelinedClient, seededBatch } from './nbdClient.ts'
import { until } from './until.ts'
import { createRandom } from '../../../packages/engine/test/random.ts'

const { CMD } = nbdProtocol
const MiB = 1 << 20
const SIZE = 16 * MiB

describe('NBD replies written from the threadpool (rules 393-395, 516, 570)', () => {
  const cleanup: Array<() => Promise<void>> = []
  afterEach(async () => {
    for (const c of cleanup.splice(0).reverse()) await c()
  })

  /** A 1-plex volume on an image file filled with seeded bytes, exported with `opts`. */
  async function serve(opts: NbdServerOptions = {}) {
    const dir = await mkdtemp(join(tmpdir(), 'plexa-poolwrites-'))
    const image = join(dir, 'disk01.img')
    await createImageFile(image, SIZE + 32 * MiB)
    const dg = await DiskGroup.create({ name: 'pw', disks: [{ name: 'disk01', device: await openDevicePath(image) }] })
    await dg.assistMake({ init: 'zero', name: 'v', len: SIZE / 512, layout: 'concat', disks: ['disk01'] })
    const model = createRandom(393).bytes(SIZE)
    await dg.write('v', 0, model)
    const srv = new NbdServer({ exports: () => new Map([['v', { dg, volume: 'v' }]]) }, opts)
    const port = await srv.listen(0, '127.0.0.1')
    cleanup.push(async () => {
      await srv.close()
      await dg.close()
      await rm(dir, { recursive: true, force: true })
    })
    return { srv, port, model }
  }

  /**
   * Rounds of 12 pipelined requests (1 MiB and 4 KiB reads, writes, a read beyond the end) from
   * `seed`: every reply whole, its error the expected one, and the reads the model's bytes.
   */
  async function pipelinedRounds(c: PipelinedClient, model: Buffer, seed: number, rounds: number) {
    const rnd = createRandom(seed)
    for (let round = 0; round < rounds; round++) {
      const batch = seededBatch(c, model)
      batch.seeded(rnd, 12, ['read', 'read', 'read', 'small', 'write', 'bad'])
      await batch.check(`round ${round}`)
    }
  }

  it('I393 pipelined 1 MiB reads among small reads, writes and errors: the large replies leave through the threadpool, every reply whole and the model', async () => {
    const writes: number[] = []
    // always the threadpool, never, and the default with a busy event loop (rule 516)
    for (const opts of [{ poolWrites: true }, { poolWrites: false }, { loopBusy: () => 0.97 }] satisfies NbdServerOptions[]) {
      const { srv, port, model } = await serve(opts)
      const c = await pipelinedClient(port, 'v')
      await pipelinedRounds(c, model, 3930, 12)
      writes.push(srv.poolWriteStats.writes)
    }
    // with `true` and by default with the loop busy the 1 MiB replies went through the threadpool; with `false` none did
    expect(writes[0]).toBeGreaterThan(0)
    expect(writes[1]).toBe(0)
    expect(writes[2]).toBeGreaterThan(0)
  })

  it('I570 the threadpool is taken from a busy share of POOL_LOOP_BUSY and left only below POOL_LOOP_LEAVE, both ways', () => {
    let busy = 0
    const wanted = poolWritesWanted('loaded', () => busy)
    const path = (...shares: number[]) => shares.map((s) => ((busy = s), wanted()))
    // on the loop: just under the threshold stays there, at it the threadpool is taken
    expect(path(0.5, POOL_LOOP_BUSY - 0.01)).toEqual([false, false])
    expect(path(POOL_LOOP_BUSY)).toEqual([true])
    // the threadpool's writes lower the busy share: the path stays until it is below POOL_LOOP_LEAVE
    expect(path(POOL_LOOP_BUSY - 0.01, 0.6, POOL_LOOP_LEAVE)).toEqual([true, true, true])
    expect(path(POOL_LOOP_LEAVE - 0.01)).toEqual([false])
    // and back on the loop it takes POOL_LOOP_BUSY again to leave it
    expect(path(POOL_LOOP_LEAVE, POOL_LOOP_BUSY - 0.01, 1)).toEqual([false, false, true])
    // `true` takes the threadpool whatever the share
    busy = 0
    expect(poolWritesWanted(true, () => busy)()).toBe(true)
  })

  it('I516 I570 by default the large replies take the threadpool once the event loop is POOL_LOOP_BUSY busy and leave it below POOL_LOOP_LEAVE: the path follows the busy share both ways on one connection, every reply whole and in order', async () => {
    let busy = 0.5
    const { srv, port, model } = await serve({ loopBusy: () => busy })
    const c = await pipelinedClient(port, 'v')
    const writes = async (share: number, seed: number) => {
      busy = share
      const before = srv.poolWriteStats.writes
      await pipelinedRounds(c, model, seed, 6)
      return srv.poolWriteStats.writes - before
    }
    // the loop has time to spare: it wrote every reply
    expect(await writes(0.5, 5160)).toBe(0)
    expect(await writes(POOL_LOOP_BUSY, 5161)).toBeGreaterThan(0)
    // the threadpool's writes took the copy off the loop and lowered its share: they go on
    expect(await writes(POOL_LOOP_BUSY - 0.01, 5162)).toBeGreaterThan(0)
    expect(await writes(POOL_LOOP_LEAVE - 0.01, 5163)).toBe(0)
    expect(await writes(POOL_LOOP_BUSY - 0.01, 5164)).toBe(0)
    // and back to the threadpool when the loop is busy again
    expect(await writes(1, 5165)).toBeGreaterThan(0)
  })

  it('I394 a client that does not read fills its socket: the threadpool write comes back short, the server stops reading within its limit, and every reply arrives whole once it reads', async () => {
    const { srv, port, model } = await serve({ poolWrites: true })
    const c = await pipelinedClient(port, 'v')
    c.sock.pause()
    // 1 MiB reads first, so the threadpool writes until the kernel's buffer is full: a 4 KiB reply
    // among them goes to the socket's own write, and if the socket filled the kernel no threadpool
    // write would ever find it full (each large reply after it waits behind the socket's bytes)
    const len = (i: number) => (i >= 60 && i % 5 === 4 ? 4096 : MiB)
    const handles = Array.from({ length: 120 }, (_, i) => [c.send(CMD.READ, (i % 16) * MiB, len(i)), i] as const)
    await until('a threadpool write finds the socket full', () => srv.poolWriteStats.short > 0)
    await until('the server stops reading', () => srv.connections().some((x) => !x.reading))
    expect(srv.connections()[0]!.unsentBytes).toBeLessThanOrEqual(64 * MiB + MiB)
    c.sock.resume()
    const got = await c.replies(handles.map(([h]) => h))
    for (const [h, i] of handles) {
      expect(got.get(h)!.data!.equals(model.subarray((i % 16) * MiB, (i % 16) * MiB + len(i))), `reply ${i}`).toBe(true)
    }
    await until('every frame is back with the pool', () => srv.connections()[0]!.unsentBytes === 0)
  })

  it('I395 clients that go away in the middle of threadpool writes leave no buffer behind, and the next ones (on a reused descriptor number) get clean streams', async () => {
    const { srv, port, model } = await serve({ poolWrites: true })
    for (let i = 0; i < 4; i++) {
      const gone = await pipelinedClient(port, 'v')
      gone.sock.pause()
      const short = srv.poolWriteStats.short
      for (let k = 0; k < 60; k++) gone.send(CMD.READ, (k % 16) * MiB, MiB)
      // round 0 goes while the first threadpool writes are under way, the others with the socket full
      if (i > 0) await until('a threadpool write finds the socket full', () => srv.poolWriteStats.short > short)
      else await until('a threadpool write is under way', () => srv.poolWriteStats.writes > 0)
      gone.sock.destroy()
      const next = await pipelinedClient(port, 'v')
      const hs = Array.from({ length: 8 }, (_, k) => next.send(CMD.READ, k * MiB, MiB))
      const got = await next.replies(hs)
      hs.forEach((h, k) => expect(got.get(h)!.data!.equals(model.subarray(k * MiB, (k + 1) * MiB))).toBe(true))
      next.sock.destroy()
      await until('both connections are gone', () => srv.connections().length === 0)
      await until('every buffer is back', () => srv.memory.held === 0)
    }
  })

  it('I395 a server stop with threadpool writes pending ends the connection and gives every buffer back', async () => {
    const { srv, port } = await serve({ poolWrites: true })
    const c = await pipelinedClient(port, 'v')
    c.sock.pause()
    for (let k = 0; k < 60; k++) c.send(CMD.READ, (k % 16) * MiB, MiB)
    await until('a threadpool write finds the socket full', () => srv.poolWriteStats.short > 0)
    const closed = new Promise((r) => c.sock.once('close', r))
    c.sock.resume()
    await srv.close()
    await closed
    expect(srv.connections()).toEqual([])
    await until('every buffer is back', () => srv.memory.held === 0)
  })
})
