import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { DiskGroup, createImageFile, nbdProtocol, openDevicePath } from '@plexa/engine'
import { NbdServer } from '../src/nbd/nbdServer.ts'
import { pipelinedClient } from './nbdClient.ts'
import { createRandom } from '../../../packages/engine/test/random.ts'

const { CMD, ERR } = nbdProtocol
const GiB = 2 ** 30
/** Past 4 GiB, so an offset's high 32 bits are not 0. */
const SIZE = 5 * GiB

describe('NBD request fields parsed without a BigInt per request (rule 517)', () => {
  const cleanup: Array<() => Promise<void>> = []
  afterEach(async () => {
    for (const c of cleanup.splice(0).reverse()) await c()
  })

  it('I517 every reply carries its request\'s 8-byte handle whole, an offset past 4 GiB reads and writes there, and one past 2^53 is refused (EINVAL read, ENOSPC write)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'plexa-nbdfields-'))
    const image = join(dir, 'disk01.img')
    // sparse: only the bytes written take room
    await createImageFile(image, SIZE + GiB)
    const dg = await DiskGroup.create({ name: 'rf', disks: [{ name: 'disk01', device: await openDevicePath(image) }] })
    await dg.assistMake({ init: 'none', name: 'v', len: SIZE / 512, layout: 'concat', disks: ['disk01'] })
    await dg.start('v')
    const srv = new NbdServer({ exports: () => new Map([['v', { dg, volume: 'v' }]]) })
    const port = await srv.listen(0, '127.0.0.1')
    cleanup.push(async () => {
      await srv.close()
      await dg.close()
      await rm(dir, { recursive: true, force: true })
    })
    const rnd = createRandom(517)
    const high = 4 * GiB + 3 * 4096
    const before = rnd.bytes(4096)
    await dg.write('v', high, before)
    const written = rnd.bytes(4096)
    const requests = [
      { handle: 0xfedcba9876543210n, type: CMD.READ, offset: high, length: 4096, err: 0, data: before },
      { handle: 0x8000000000000001n, type: CMD.WRITE, offset: high + 8192, length: 4096, err: 0, payload: written },
      { handle: 0xffffffffffffffffn, type: CMD.READ, offset: 2 ** 60, length: 512, err: ERR.EINVAL },
      { handle: 0x0000000100000000n, type: CMD.WRITE, offset: 2 ** 60, length: 512, err: ERR.ENOSPC, payload: Buffer.alloc(512) },
      { handle: 0x00000000ffffffffn, type: CMD.READ, offset: 2 ** 53 + 2 ** 32, length: 512, err: ERR.EINVAL },
    ]
    // the client fails on a reply whose handle no request sent: every handle comes back as sent
    const c = await pipelinedClient(port, 'v')
    cleanup.push(async () => void c.sock.destroy())
    for (const r of requests) c.send(r.type, r.offset, r.length, r.payload, r.handle)
    const replies = await c.replies(requests.map((r) => r.handle))
    for (const r of requests) {
      expect(replies.get(r.handle)!.err, `handle ${r.handle.toString(16)}`).toBe(r.err)
      if (r.data) expect(replies.get(r.handle)!.data!.equals(r.data)).toBe(true)
    }
    // the write past 4 GiB landed there
    expect((await dg.read('v', high + 8192, 4096)).equals(written)).toBe(true)
  })
})
