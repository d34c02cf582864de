// Rule 526: the copy worker moves a call in BULK_PIECE system calls while no foreground I/O is
// under way (nor was within QUIET_MS), in WORKER_PIECE ones while one is (rule 525). Its own file:
// the first test needs a process in which no foreground I/O has happened yet.
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { BlockDevice } from '../src/device/blockDevice.ts'
import { BULK_PIECE, WORKER_PIECE, foregroundBegan, foregroundEnded, foregroundUnderWay, sharedBuffer, workerSystemCalls } from '../src/device/copyWorker.ts'
import { createImageFile, openDevicePath } from '../src/device/fileDevice.ts'
import { DiskGroup } from '../src/diskGroup.ts'
import { MiB, pattern } from './harness.ts'
import { tempDir } from './tmp.ts'

/** System calls the copy worker makes for `call`. */
async function callsOf(call: () => Promise<unknown>): Promise<number> {
  const before = workerSystemCalls()
  await call()
  return workerSystemCalls() - before
}

describe('the copy worker follows the foreground (rule 526)', () => {
  it('526: moves a call in BULK_PIECE pieces while no foreground I/O is under way, in WORKER_PIECE ones while one is', async () => {
    const t = await tempDir()
    const path = join(t.dir, 'a.img')
    await createImageFile(path, 8 * MiB)
    const dev = await openDevicePath(path)
    try {
      const out = sharedBuffer(2 * BULK_PIECE)
      out.set(pattern(out.length, 5))
      // no foreground I/O in this process yet: two calls of 1 MiB
      expect(await callsOf(() => dev.write(4096, out))).toBe(2)
      const back = sharedBuffer(out.length)
      foregroundBegan()
      try {
        // one under way: 64 KiB at a time, every byte moved
        expect(await callsOf(() => dev.readInto!(4096, back))).toBe(out.length / WORKER_PIECE)
      } finally {
        foregroundEnded()
      }
      expect(back.equals(out)).toBe(true)
    } finally {
      await dev.close()
      await t.remove()
    }
  })

  it("526: the copy worker sees a volume's foreground write while it is under way, and not once it ended", async () => {
    const t = await tempDir()
    const disks = []
    /** Holds the volume's data writes (not the group's metadata) once armed, until released. */
    let armed = false
    let reached!: () => void
    const atDevice = new Promise<void>((r) => (reached = r))
    let release!: () => void
    const released = new Promise<void>((r) => (release = r))
    for (let i = 0; i < 2; i++) {
      const path = join(t.dir, `d${i}.img`)
      await createImageFile(path, 32 * MiB)
      const dev = await openDevicePath(path)
      const held: BlockDevice = Object.create(dev) as BlockDevice
      held.write = async (o, b, x) => {
        if (armed && !(b.buffer instanceof SharedArrayBuffer)) {
          reached()
          await released
        }
        return dev.write(o, b, x)
      }
      disks.push({ name: `d${i}`, device: held })
    }
    const dg = await DiskGroup.create({ name: 'pieces', disks })
    try {
      await dg.assistMake({ name: 'v', len: (4 * MiB) / 512, layout: 'mirror', nmirror: 2, init: 'none' })
      await dg.start('v')
      expect(foregroundUnderWay()).toBe(0)
      armed = true
      const write = dg.write('v', 0, pattern(4096, 1))
      await atDevice
      // the volume's write is under way (held at its device): the copy worker moves small pieces
      expect(foregroundUnderWay()).toBe(1)
      armed = false
      release()
      await write
      expect(foregroundUnderWay()).toBe(0)
    } finally {
      release()
      await dg.close()
      await t.remove()
    }
  })
})
