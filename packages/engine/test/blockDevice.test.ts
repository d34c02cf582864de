import { execFileSync } from 'node:child_process'
import { stat, truncate } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { createMemoryDevice } from '../src/device/memoryDevice.ts'
import { IoMode, createImageFile, openDevicePath } from '../src/device/fileDevice.ts'
import { createFaultyDevice, createPowerRail } from '../src/device/faultyDevice.ts'
import { blockDeviceSuite } from './blockDeviceSuite.ts'
import { tempDir } from './tmp.ts'

blockDeviceSuite('memory', async (size) => ({ dev: createMemoryDevice(size), cleanup: async () => {} }))

/** An image file device; `io` picks the I/O mode (default: adaptive). */
const imageFile = (io?: () => IoMode) => async (size: number) => {
  const t = await tempDir()
  const path = join(t.dir, 'disk.img')
  await createImageFile(path, size)
  const open = () => openDevicePath(path, io ? { io: io() } : {})
  const h = {
    dev: await open(),
    reopen: async () => {
      await h.dev.close()
      return open()
    },
    cleanup: async () => {
      await h.dev.close()
      await t.remove()
    },
  }
  return h
}

blockDeviceSuite('image file', imageFile())
// The same file device with every call through libuv's threadpool (the path a slow device takes).
blockDeviceSuite('image file, threadpool I/O', imageFile(() => IoMode.threadpool()))

describe('IoMode: synchronous while the device is fast, the threadpool after slow calls', () => {
  // a clock that advances by the given step each time it is read twice (one call's start and end)
  const steps = (...durations: number[]) => {
    let t = 0
    let reads = 0
    return () => {
      if (reads++ % 2 === 1) t += durations.shift() ?? 0
      return t
    }
  }
  const call = async (m: IoMode) => m.run(() => 'sync' as const, async () => 'pool' as const)

  it('stays synchronous through one slow call (preemption), defers after a slow streak, then probes again', async () => {
    const m = new IoMode(steps(0.01, 5, 0.01, 5, 5))
    expect(await call(m)).toBe('sync')
    expect(await call(m)).toBe('sync') // slow once
    expect(await call(m)).toBe('sync') // fast again: the streak restarts
    expect(await call(m)).toBe('sync') // slow
    expect(m.deferred).toBe(false)
    expect(await call(m)).toBe('sync') // slow twice in a row
    expect(m.deferred).toBe(true)
    const paths = []
    for (let i = 0; i < IoMode.PROBE_EVERY; i++) paths.push(await call(m))
    expect(new Set(paths)).toEqual(new Set(['pool']))
    expect(m.deferred).toBe(false)
    expect(await call(m)).toBe('sync') // the probe
  })

  it('allows a large transfer a millisecond per MiB more before calling it slow', async () => {
    const m = new IoMode(steps(1.9, 1.9, 2.1, 2.1))
    const mib = () => m.run(() => 'sync' as const, async () => 'pool' as const, 1 << 20)
    expect(await mib()).toBe('sync')
    expect(await mib()).toBe('sync') // 1.9 ms twice for 1 MiB: not slow
    expect(m.deferred).toBe(false)
    expect(await mib()).toBe('sync')
    expect(await mib()).toBe('sync') // 2.1 ms twice: slow
    expect(m.deferred).toBe(true)
  })

  it('sends a call of BULK_BYTES or more through the threadpool on a fast device, without counting it (rule 200)', async () => {
    const m = new IoMode(steps(5, 0.01, 5))
    const sized = (bytes: number) => m.run(() => 'sync' as const, async () => 'pool' as const, bytes)
    expect(await sized(4096)).toBe('sync') // slow once
    expect(await sized(IoMode.BULK_BYTES)).toBe('pool')
    expect(await sized(4 << 20)).toBe('pool')
    expect(await sized(IoMode.BULK_BYTES - 512)).toBe('sync') // fast: the streak restarts
    expect(await sized(4096)).toBe('sync') // slow once more, not twice in a row
    expect(m.deferred).toBe(false)
  })

  it('I316 an image file reads 1 MiB or more on the threadpool, a smaller read and a 1 MiB write on the calling thread', async () => {
    /** Records the path each call of the device took. */
    class Recorded extends IoMode {
      readonly paths: string[] = []
      override run<T>(sync: () => T, async: () => Promise<T>, bytes = 0, overlap = false, bulk = IoMode.BULK_BYTES): Promise<T> {
        const sizes = `${bytes >> 10}K`
        return super.run(
          () => (this.paths.push(`sync ${sizes}`), sync()),
          () => (this.paths.push(`pool ${sizes}`), async()),
          bytes,
          overlap,
          bulk,
        )
      }
    }
    const t = await tempDir()
    const io = new Recorded()
    try {
      const path = join(t.dir, 'disk.img')
      await createImageFile(path, 4 << 20)
      const dev = await openDevicePath(path, { io })
      const data = Buffer.alloc(1 << 20, 0x5a)
      await dev.write(0, data)
      expect((await dev.read(0, 1 << 20)).equals(data)).toBe(true)
      await dev.read(0, 512 << 10)
      const into = Buffer.alloc(2 << 20)
      await dev.readInto!(0, into)
      expect(into.subarray(0, 1 << 20).equals(data)).toBe(true)
      await dev.close()
      expect(io.paths).toEqual(['sync 1024K', 'pool 1024K', 'sync 512K', 'pool 2048K'])
      expect(io.deferred).toBe(false) // the reads on the threadpool did not count toward a slow streak
    } finally {
      await t.remove()
    }
  })

  it('a synchronous error reaches the caller and still counts the call', async () => {
    const m = new IoMode(steps(5, 5))
    const eio = Object.assign(new Error('read failed'), { code: 'EIO' })
    const failing = () => m.run(() => { throw eio }, async () => 'pool')
    await expect(failing()).rejects.toBe(eio)
    await expect(failing()).rejects.toBe(eio)
    expect(m.deferred).toBe(true)
  })
})

blockDeviceSuite('block device (loop)', async (size) => {
  const t = await tempDir()
  const path = join(t.dir, 'loop.img')
  await createImageFile(path, size)
  const loop = execFileSync('losetup', ['-f', '--show', path], { encoding: 'utf8' }).trim()
  const h = {
    dev: await openDevicePath(loop),
    reopen: async () => {
      await h.dev.close()
      return openDevicePath(loop)
    },
    cleanup: async () => {
      await h.dev.close()
      execFileSync('losetup', ['-d', loop])
      await t.remove()
    },
  }
  expect(h.dev.kind).toBe('blockdev')
  return h
})

blockDeviceSuite('faulty (pass-through)', async (size) => ({
  dev: createFaultyDevice(createMemoryDevice(size)),
  cleanup: async () => {},
}))

blockDeviceSuite('faulty (volatile write cache)', async (size) => ({
  dev: createFaultyDevice(createMemoryDevice(size), { volatileCache: true }),
  cleanup: async () => {},
}))

describe('createFaultyDevice', () => {
  it('fails only I/O overlapping the chosen range, and only the chosen operations', async () => {
    const d = createFaultyDevice(createMemoryDevice(1 << 20))
    d.addFault({ ops: ['write'], range: { offset: 4096, length: 512 } })
    await d.write(0, Buffer.alloc(4096, 1))
    await expect(d.write(4096, Buffer.alloc(512))).rejects.toMatchObject({ code: 'VM_IO' })
    await expect(d.write(3584, Buffer.alloc(1024))).rejects.toMatchObject({ code: 'VM_IO' })
    expect((await d.read(4096, 512)).length).toBe(512)
  })

  it('lets `after` operations succeed and then fails `times` times', async () => {
    const d = createFaultyDevice(createMemoryDevice(1 << 20))
    d.addFault({ ops: ['read'], after: 2, times: 1 })
    await d.read(0, 512)
    await d.read(0, 512)
    await expect(d.read(0, 512)).rejects.toMatchObject({ code: 'VM_IO' })
    await d.read(0, 512)
  })

  it('drops every write since the last flush on a power cut', async () => {
    const mem = createMemoryDevice(1 << 20)
    const d = createFaultyDevice(mem, { volatileCache: true })
    await d.write(0, Buffer.alloc(512, 7))
    await d.flush()
    await d.write(512, Buffer.alloc(512, 8))
    expect((await d.read(512, 512))[0]).toBe(8)
    d.powerCut()
    await expect(d.read(0, 512)).rejects.toMatchObject({ code: 'VM_IO' })
    expect((await mem.read(0, 512))[0]).toBe(7)
    expect((await mem.read(512, 512))[0]).toBe(0)
  })

  it('a read that overlaps a flush of the volatile cache sees the cached write', async () => {
    const d = createFaultyDevice(createMemoryDevice(1 << 20), { volatileCache: true })
    await d.write(0, Buffer.alloc(512, 9))
    const [got] = await Promise.all([d.read(0, 512), d.flush()])
    expect(got[0]).toBe(9)
  })

  /**
   * A memory device whose writes wait until the test lets them through, one at a time and in the
   * order they were asked: a flush's write-back of the volatile cache stops between its writes.
   */
  function gatedMemory() {
    const mem = createMemoryDevice(1 << 20)
    const write = mem.write.bind(mem)
    const held: Array<() => void> = []
    mem.write = (offset, data) => new Promise<void>((r) => held.push(r)).then(() => write(offset, data))
    const until = async (ok: () => boolean) => {
      while (!ok()) await new Promise((r) => setImmediate(r))
    }
    /** Lets one held write through, once one is waiting. */
    const release = async () => {
      await until(() => held.length > 0)
      held.shift()!()
    }
    return { mem, held, until, release }
  }

  /**
   * A cached device over a gated memory with two writes in its cache (1s at byte 8192, 2s at 0)
   * and a flush writing them back, its first write back held.
   */
  async function flushingTwoWrites() {
    const g = gatedMemory()
    const d = createFaultyDevice(g.mem, { volatileCache: true })
    await d.write(8192, Buffer.alloc(512, 1))
    await d.write(0, Buffer.alloc(512, 2))
    const flushed = d.flush()
    await g.until(() => g.held.length === 1)
    return { g, d, flushed }
  }

  it('I229: flushes that overlap write the cache back in the order it was written: a newer write is never overwritten by an older one', async () => {
    // the crash explorer's seed 86240: a flush still writing back an older write while a newer
    // write over the same sectors came and a second flush wrote it back first
    const g = gatedMemory()
    const d = createFaultyDevice(g.mem, { volatileCache: true })
    await d.write(8192, Buffer.alloc(512, 1))
    await d.write(0, Buffer.alloc(1024, 2))
    const first = d.flush()
    await g.until(() => g.held.length === 1) // the first flush is writing its first write back
    await d.write(512, Buffer.alloc(512, 3))
    const second = d.flush()
    // three writes go back, one at a time, in whatever order the flushes ask for them
    for (let i = 0; i < 3; i++) await g.release()
    await Promise.all([first, second])
    expect((await g.mem.read(0, 1024)).subarray(512)).toEqual(Buffer.alloc(512, 3))
    expect((await g.mem.read(0, 512))[0]).toBe(2)
    expect((await d.read(512, 512))[0]).toBe(3)
  })

  it('I229: a read while a flush writes the cache back sees every cached write', async () => {
    const { g, d, flushed } = await flushingTwoWrites()
    expect((await d.read(0, 512))[0]).toBe(2)
    await g.release()
    await g.release()
    await flushed
    expect((await g.mem.read(0, 512))[0]).toBe(2)
  })

  it('I229: a power cut while a flush writes the cache back loses the writes not on the device yet, and the flush fails', async () => {
    const { g, d, flushed } = await flushingTwoWrites()
    d.powerCut()
    await g.release()
    await expect(flushed).rejects.toMatchObject({ code: 'VM_IO' })
    expect((await g.mem.read(8192, 512))[0]).toBe(1)
    expect((await g.mem.read(0, 512))[0]).toBe(0)
  })

  it('I229: without a cache the flushes reach the device as they come, none waiting for another', async () => {
    const mem = createMemoryDevice(1 << 20)
    const held: Array<() => void> = []
    mem.flush = () => new Promise<void>((r) => held.push(r))
    const d = createFaultyDevice(mem)
    const both = Promise.all([d.flush(), d.flush()])
    while (held.length < 2) await new Promise((r) => setImmediate(r))
    for (const r of held) r()
    await both
  })

  it('injects ENOSPC as a VM_IO whose cause has the code ENOSPC', async () => {
    const d = createFaultyDevice(createMemoryDevice(1 << 20))
    d.addFault({ ops: ['write'], errno: 'ENOSPC' })
    await expect(d.write(0, Buffer.alloc(512))).rejects.toMatchObject({ code: 'VM_IO', cause: { code: 'ENOSPC' } })
  })

  it('cuts power to every device on a rail after the armed number of writes', async () => {
    const rail = createPowerRail()
    const a = createFaultyDevice(createMemoryDevice(1 << 20), { rail, volatileCache: true })
    const b = createFaultyDevice(createMemoryDevice(1 << 20), { rail, volatileCache: true })
    rail.tripAfter(2)
    await a.write(0, Buffer.alloc(512, 1))
    await a.flush()
    await b.write(0, Buffer.alloc(512, 2))
    await expect(b.write(512, Buffer.alloc(512, 3))).rejects.toMatchObject({ code: 'VM_IO' })
    expect(rail.tripped).toBe(true)
    expect(a.failed && b.failed).toBe(true)
    expect((await a.inner.read(0, 512))[0]).toBe(1)
    expect((await b.inner.read(0, 512))[0]).toBe(0)
  })

  it('delays operations by the configured latency through the injected sleep', async () => {
    const waits: number[] = []
    const d = createFaultyDevice(createMemoryDevice(1 << 20), { sleep: async (ms) => void waits.push(ms) })
    d.setLatency(25)
    await d.write(0, Buffer.alloc(512))
    await d.read(0, 512)
    expect(waits).toEqual([25, 25])
  })
})

describe('openDevicePath', () => {
  it('refuses a directory and a missing path with VM_NOTCHARDEV', async () => {
    const t = await tempDir()
    try {
      await expect(openDevicePath(t.dir)).rejects.toMatchObject({ code: 'VM_NOTCHARDEV' })
      await expect(openDevicePath(join(t.dir, 'nope'))).rejects.toMatchObject({ code: 'VM_NOTCHARDEV' })
      await expect(openDevicePath('/dev/null')).rejects.toMatchObject({ code: 'VM_NOTCHARDEV' })
    } finally {
      await t.remove()
    }
  })

  it('creates sparse image files and refuses to overwrite one', async () => {
    const t = await tempDir()
    try {
      const p = join(t.dir, 'a.img')
      await createImageFile(p, 1 << 30)
      const blocks = Number(execFileSync('stat', ['-c', '%b', p], { encoding: 'utf8' }))
      expect(blocks).toBeLessThan(64)
      await expect(createImageFile(p, 1 << 20)).rejects.toMatchObject({ code: 'VM_EXISTS' })
    } finally {
      await t.remove()
    }
  })
})

describe.each([
  ['adaptive', () => new IoMode()],
  ['threadpool', () => IoMode.threadpool()],
])('an image file that shrinks under an open device (%s I/O)', (_, io) => {
  async function shrunkImage(opts: { sizeCheckMs?: number; now?: () => number } = {}) {
    const t = await tempDir()
    const path = join(t.dir, 'a.img')
    await createImageFile(path, 1 << 20)
    const dev = await openDevicePath(path, { io: io(), ...opts })
    await dev.write(0, Buffer.alloc(1 << 20, 5))
    await truncate(path, 512 << 10)
    return { dev, path, remove: async () => (await dev.close(), await t.remove()) }
  }

  it('I77: a read beyond its real end fails VM_IO instead of reading zeros, and keeps failing', async () => {
    const { dev, remove } = await shrunkImage()
    try {
      expect((await dev.read(0, 4096))[0]).toBe(5)
      await expect(dev.read(600 << 10, 4096)).rejects.toMatchObject({ code: 'VM_IO' })
      // a read that starts inside and ends outside is an error too, not a half-zeroed buffer
      await expect(dev.read((512 << 10) - 512, 1024)).rejects.toMatchObject({ code: 'VM_IO' })
      await expect(dev.write((1 << 20) - 512, Buffer.alloc(512, 6))).rejects.toMatchObject({ code: 'VM_IO' })
      await dev.write(0, Buffer.alloc(512, 7))
      expect((await dev.read(0, 512))[0]).toBe(7)
    } finally {
      await remove()
    }
  })

  it('I77: a write beyond its real end fails VM_IO and does not grow the image back over a hole', async () => {
    const { dev, path, remove } = await shrunkImage({ sizeCheckMs: 0 })
    try {
      await expect(dev.write((1 << 20) - 512, Buffer.alloc(512, 6))).rejects.toMatchObject({ code: 'VM_IO' })
      await expect(dev.write((512 << 10) - 512, Buffer.alloc(1024, 6))).rejects.toMatchObject({ code: 'VM_IO' })
      expect((await stat(path)).size).toBe(512 << 10)
      await expect(dev.flush()).rejects.toMatchObject({ code: 'VM_IO' })
    } finally {
      await remove()
    }
  })

  it('I77: a write inside the size-check window that grows the image back is caught by the next flush and check', async () => {
    let ms = 0
    const { dev, remove } = await shrunkImage({ sizeCheckMs: 10, now: () => ms })
    try {
      // the last check was at the first write: this one is inside the window and grows the file
      await dev.write(700 << 10, Buffer.alloc(512, 6))
      await expect(dev.flush()).rejects.toMatchObject({ code: 'VM_IO' })
      // the hole where data was is never read as zeros, even though the file covers it again
      await expect(dev.read(600 << 10, 512)).rejects.toMatchObject({ code: 'VM_IO' })
      ms = 5
      await expect(dev.write(800 << 10, Buffer.alloc(512, 6))).rejects.toMatchObject({ code: 'VM_IO' })
    } finally {
      await remove()
    }
  })
})

blockDeviceSuite('remote NBD export (nbdkit memory)', async (size) => {
  const { startNbdkit } = await import('./nbdkit.ts')
  const k = await startNbdkit(['memory', String(size)])
  const { openNbdDevice } = await import('../src/device/nbdDevice.ts')
  const h = {
    dev: await openNbdDevice(k.url),
    cleanup: async () => {
      await h.dev.close()
      await k.stop()
    },
  }
  return h
})
