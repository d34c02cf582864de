import { describe, expect, it } from 'vitest'
import { createMemoryDevice } from '../src/device/memoryDevice.ts'

const fill = (n: number, v: number) => Buffer.alloc(n, v)

describe('memory device snapshot (rule 560)', () => {
  it('560: a snapshot keeps the bytes of when it was taken; writes to the device, the snapshot or another snapshot stay apart', async () => {
    const dev = createMemoryDevice(1 << 20)
    await dev.write(0, fill(4096, 1))
    await dev.write(200 * 1024, fill(512, 2))
    const a = dev.snapshot()
    // the device moves on, over a chunk the snapshot shares and one it never had
    await dev.write(0, fill(512, 9))
    await dev.write(600 * 1024, fill(512, 7))
    const b = dev.snapshot()
    await a.write(200 * 1024, fill(512, 5))
    await b.write(1024, fill(512, 6))

    expect(await a.read(0, 4096)).toEqual(fill(4096, 1))
    expect(await a.read(200 * 1024, 512)).toEqual(fill(512, 5))
    expect(await a.read(600 * 1024, 512)).toEqual(fill(512, 0))

    expect(await dev.read(0, 512)).toEqual(fill(512, 9))
    expect(await dev.read(1024, 512)).toEqual(fill(512, 1))
    expect(await dev.read(200 * 1024, 512)).toEqual(fill(512, 2))
    expect(await dev.read(600 * 1024, 512)).toEqual(fill(512, 7))

    expect(await b.read(0, 512)).toEqual(fill(512, 9))
    expect(await b.read(1024, 512)).toEqual(fill(512, 6))
    expect(await b.read(200 * 1024, 512)).toEqual(fill(512, 2))
    // a reopened snapshot is the same storage
    expect(await a.reopen().read(200 * 1024, 512)).toEqual(fill(512, 5))
  })
})
