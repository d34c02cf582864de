import { describe, expect, it } from 'vitest'
import type { BlockDevice } from '../src/device/blockDevice.ts'
import { createRandom } from './random.ts'

export interface DeviceHarness {
  dev: BlockDevice
  /** Closes and reopens the same storage (after a flush), when the kind is persistent. */
  reopen?: () => Promise<BlockDevice>
  cleanup(): Promise<void>
}

async function codeOf(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p
    return undefined
  } catch (e) {
    return (e as { code?: string }).code
  }
}

/** The conformance suite every BlockDevice kind passes (abstract-level style). */
export function blockDeviceSuite(name: string, make: (size: number) => Promise<DeviceHarness>) {
  const SIZE = 4 * 1024 * 1024
  describe(`BlockDevice conformance: ${name}`, () => {
    it('reports its size in bytes and reads zeros when fresh', async () => {
      const h = await make(SIZE)
      try {
        expect(h.dev.size).toBe(SIZE)
        const b = await h.dev.read(SIZE - 4096, 4096)
        expect(b.length).toBe(4096)
        expect(b.every((x) => x === 0)).toBe(true)
      } finally {
        await h.cleanup()
      }
    })

    it('reads back what it wrote, including the first and the last sector', async () => {
      const h = await make(SIZE)
      try {
        const a = Buffer.alloc(512, 0xa1)
        const z = Buffer.alloc(512, 0x5e)
        await h.dev.write(0, a)
        await h.dev.write(SIZE - 512, z)
        expect((await h.dev.read(0, 512)).equals(a)).toBe(true)
        expect((await h.dev.read(SIZE - 512, 512)).equals(z)).toBe(true)
        expect((await h.dev.read(512, 512)).every((x) => x === 0)).toBe(true)
      } finally {
        await h.cleanup()
      }
    })

    it('refuses unaligned, negative and out-of-range I/O with stable codes', async () => {
      const h = await make(SIZE)
      try {
        expect(await codeOf(h.dev.read(100, 512))).toBe('VM_UNALIGNED')
        expect(await codeOf(h.dev.write(0, Buffer.alloc(100)))).toBe('VM_UNALIGNED')
        expect(await codeOf(h.dev.read(-512, 512))).toBe('VM_INVALID_PARAM')
        expect(await codeOf(h.dev.read(SIZE, 512))).toBe('VM_OUT_OF_RANGE')
        expect(await codeOf(h.dev.write(SIZE - 512, Buffer.alloc(1024)))).toBe('VM_OUT_OF_RANGE')
        // nothing was written by the refused requests
        expect((await h.dev.read(SIZE - 512, 512)).every((x) => x === 0)).toBe(true)
      } finally {
        await h.cleanup()
      }
    })

    it('matches a plain model under seeded random writes spanning chunk boundaries', async () => {
      const h = await make(SIZE)
      try {
        const rnd = createRandom(0xb10c)
        const model = Buffer.alloc(SIZE)
        for (let i = 0; i < 200; i++) {
          const len = rnd.int(1, 300) * 512
          const off = rnd.int(0, (SIZE - len) / 512) * 512
          if (rnd.next() < 0.6) {
            const data = rnd.bytes(len)
            data.copy(model, off)
            await h.dev.write(off, data)
          } else {
            expect((await h.dev.read(off, len)).equals(model.subarray(off, off + len))).toBe(true)
          }
        }
        await h.dev.flush()
        expect((await h.dev.read(0, SIZE)).equals(model)).toBe(true)
        if (h.reopen) {
          h.dev = await h.reopen()
          expect((await h.dev.read(0, SIZE)).equals(model)).toBe(true)
        }
      } finally {
        await h.cleanup()
      }
    })

    it('fails every operation with VM_CLOSED after close', async () => {
      const h = await make(SIZE)
      try {
        await h.dev.close()
        expect(await codeOf(h.dev.read(0, 512))).toBe('VM_CLOSED')
        expect(await codeOf(h.dev.write(0, Buffer.alloc(512)))).toBe('VM_CLOSED')
        expect(await codeOf(h.dev.flush())).toBe('VM_CLOSED')
      } finally {
        await h.cleanup()
      }
    })
  })
}
