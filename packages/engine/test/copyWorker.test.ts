// The copy worker (device/copyWorker.ts): a copy's reads and writes of image files run on a
// thread of their own, never on the event loop or libuv's threadpool the foreground uses
// (rule 205); an image file keeps its guarantees on that path (I77, a close after the calls).
import { truncate } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { WORKER_PIECE, foregroundBegan, foregroundEnded, sharedBuffer, workerBytes } from '../src/device/copyWorker.ts'
import { IoMode, createImageFile, openDevicePath } from '../src/device/fileDevice.ts'
import { DiskGroup, REGION_SECTORS } from '../src/diskGroup.ts'
import { MiB, pattern } from './harness.ts'
import { tempDir } from './tmp.ts'

const REGION = REGION_SECTORS * 512

/** An I/O mode that records the size of every call it is asked to run. */
class RecordingMode extends IoMode {
  readonly calls: number[] = []
  override run<T>(sync: () => T, async: () => Promise<T>, bytes = 0, overlap = false): Promise<T> {
    this.calls.push(bytes)
    return super.run(sync, async, bytes, overlap)
  }
}

async function imageGroup() {
  const t = await tempDir()
  const modes: RecordingMode[] = []
  const disks = []
  for (let i = 1; i <= 2; i++) {
    const path = join(t.dir, `disk${i}.img`)
    await createImageFile(path, 32 * MiB)
    const io = new RecordingMode()
    modes.push(io)
    disks.push({ name: `disk0${i}`, device: await openDevicePath(path, { io }) })
  }
  const dg = await DiskGroup.create({ name: 'cw', disks })
  await dg.assistMake({ name: 'v1', len: (20 * REGION) / 512, layout: 'mirror', nmirror: 2, init: 'none' })
  await dg.start('v1')
  const data = pattern(20 * REGION, 4)
  await dg.write('v1', 0, data)
  await dg.flush('v1')
  for (const m of modes) m.calls.length = 0
  return { dg, modes, data, remove: async () => (await dg.close(), await t.remove()) }
}

describe('the copy worker (rule 205)', () => {
  it('moves every read and write of a resync of image files, idle or beside foreground writes', async () => {
    const { dg, modes, data, remove } = await imageGroup()
    try {
      const before = workerBytes()
      // idle: units of several regions
      await (await dg.resyncVolume('v1', true)).done
      // beside foreground writes: one region at a time (a write stays under way at each unit)
      const h = await dg.resyncVolume('v1', true)
      let writes = 0
      let ended = false
      void h.done.finally(() => (ended = true))
      while (!ended) {
        const at = (writes++ % 20) * REGION
        await dg.write('v1', at, data.subarray(at, at + 4096))
        await new Promise<void>((r) => setImmediate(r))
      }
      await h.done
      // the copy's calls (a region or a piece of one) never reached the devices' I/O mode: only
      // the foreground's 4 KiB writes and the group's own metadata did
      const copySized = modes.flatMap((m) => m.calls).filter((b) => b >= 64 * 1024)
      expect(copySized).toEqual([])
      // each resync read the volume from one plex and wrote it to the other
      expect(workerBytes() - before).toBeGreaterThanOrEqual(2 * 2 * 20 * REGION)
      expect(writes).toBeGreaterThan(0)
      expect((await (await dg.verify('v1')).done).mismatches).toEqual([])
    } finally {
      await remove()
    }
  })

  it('reads and writes shared buffers of an image file, and its close waits for calls under way', async () => {
    const t = await tempDir()
    const path = join(t.dir, 'a.img')
    await createImageFile(path, MiB)
    const dev = await openDevicePath(path)
    const out = sharedBuffer(256 * 1024)
    out.set(pattern(out.length, 9))
    await dev.write(4096, out)
    const back = sharedBuffer(out.length)
    await dev.readInto!(4096, back)
    expect(back.equals(out)).toBe(true)
    // a read handed to the worker, then the close at once: the read completes on the open file
    const late = sharedBuffer(out.length)
    const read = dev.readInto!(4096, late)
    await dev.close()
    await read
    expect(late.equals(out)).toBe(true)
    await t.remove()
  })

  it('I77: a shared-buffer read or write beyond a shrunk image end fails VM_IO', async () => {
    const t = await tempDir()
    const path = join(t.dir, 'a.img')
    await createImageFile(path, MiB)
    const dev = await openDevicePath(path, { sizeCheckMs: 0 })
    await dev.write(0, Buffer.alloc(MiB, 5))
    await truncate(path, 512 << 10)
    try {
      // starts inside, ends outside: a short read through the worker, never a half-zeroed buffer
      await expect(dev.readInto!((512 << 10) - 4096, sharedBuffer(64 << 10))).rejects.toMatchObject({ code: 'VM_IO' })
      await expect(dev.write(MiB - (64 << 10), sharedBuffer(64 << 10))).rejects.toMatchObject({ code: 'VM_IO' })
      const inside = sharedBuffer(64 << 10)
      await dev.readInto!(0, inside)
      expect(inside[0]).toBe(5)
    } finally {
      await dev.close()
      await t.remove()
    }
  })
  it('525: a call of several pieces moves every byte, and one whose last piece is short fails VM_IO', async () => {
    const t = await tempDir()
    const path = join(t.dir, 'a.img')
    await createImageFile(path, MiB)
    const dev = await openDevicePath(path, { sizeCheckMs: 0 })
    // foreground I/O under way: the worker moves WORKER_PIECE at a time (rule 526)
    foregroundBegan()
    try {
      const len = 4 * WORKER_PIECE + 4096
      const out = sharedBuffer(len)
      out.set(pattern(len, 3))
      await dev.write(8192, out)
      const back = sharedBuffer(len)
      await dev.readInto!(8192, back)
      expect(back.equals(out)).toBe(true)
      // the image now ends inside the call's last piece: its first pieces read, the last comes up short
      await truncate(path, 8192 + 4 * WORKER_PIECE)
      const cut = sharedBuffer(len)
      await expect(dev.readInto!(8192, cut)).rejects.toMatchObject({ code: 'VM_IO' })
      expect(cut.subarray(0, 4 * WORKER_PIECE).equals(out.subarray(0, 4 * WORKER_PIECE))).toBe(true)
    } finally {
      foregroundEnded()
      await dev.close()
      await t.remove()
    }
  })
})
