import { mkdtemp, rm } from 'node:fs/promises'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { DiskGroup, createImageFile, nbdProtocol, openDevicePath } from '@plexa/engine'
import { NbdServer } from '../src/nbd/nbdServer.ts'
import { afterHandshake, goBytes } from './nbdClient.ts'
import { createRandom } from '../../../packages/engine/test/random.ts'

const { CMD, ERR, SIMPLE_REPLY, SIMPLE_REPLY_MAGIC, encodeRequest } = nbdProtocol
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
    const sock = connect({ host: '127.0.0.1', port })
    cleanup.push(async () => void sock.destroy())
    let got = Buffer.alloc(0)
    const replies = new Map<bigint, { err: number; data?: Buffer }>()
    const lengths = new Map(requests.map((r) => [r.handle, r.type === CMD.READ ? r.length : 0]))
    const all = new Promise<void>((resolve, reject) => {
      let skipped = false
      sock.on('data', (d: Buffer) => {
        got = Buffer.concat([got, d])
        if (!skipped) {
          const at = afterHandshake(got)
          if (at === undefined) return
          got = got.subarray(at)
          skipped = true
        }
        while (got.length >= SIMPLE_REPLY) {
          if (got.readUInt32BE(0) !== SIMPLE_REPLY_MAGIC) return reject(new Error('bad reply magic'))
          const err = got.readUInt32BE(4)
          const handle = got.readBigUInt64BE(8)
          const len = err === 0 ? (lengths.get(handle) ?? 0) : 0
          if (got.length < SIMPLE_REPLY + len) return
          replies.set(handle, { err, data: len ? Buffer.from(got.subarray(SIMPLE_REPLY, SIMPLE_REPLY + len)) : undefined })
          got = got.subarray(SIMPLE_REPLY + len)
        }
        if (replies.size === requests.length) resolve()
      })
    })
    sock.write(Buffer.concat([goBytes('v'), ...requests.flatMap((r) => [encodeRequest({ flags: 0, type: r.type, handle: r.handle, offset: r.offset, length: r.length }), r.payload ?? Buffer.alloc(0)])]))
    await all
    // every handle came back as sent, none other
    expect([...replies.keys()].sort()).toEqual(requests.map((r) => r.handle).sort())
    for (const r of requests) {
      expect(replies.get(r.handle)!.err, `handle ${r.handle.toString(16)}`).toBe(r.err)
      if (r.data) expect(replies.get(r.handle)!.data!.equals(r.data)).toBe(true)
    }
    // the write past 4 GiB landed there
    expect((await dg.read('v', high + 8192, 4096)).equals(written)).toBe(true)
  })
})
