import { afterEach, describe, expect, it } from 'vitest'
import { DiskGroup, createMemoryDevice, openNbdDevice, type BlockDevice } from '@plexa/engine'
import { NbdServer } from '../src/nbd/nbdServer.ts'
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
    await dg.assistMake({ name: 'm', len: SIZE / 512, layout: 'mirror', disks: ['disk01', 'disk02'] })
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
})
