import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { BlockDevice, WriteOptions } from '../src/device/blockDevice.ts'
import { IoMode, createImageFile, openDevicePath } from '../src/device/fileDevice.ts'
import { DiskGroup } from '../src/diskGroup.ts'
import { PlexIo } from '../src/io/plexIo.ts'
import { memoryGroup, pattern } from './harness.ts'
import { tempDir } from './tmp.ts'
import { writeArea } from './traceDevice.ts'

/** One data write as a device saw it: which disk, and whether it was asked to overlap. */
interface SeenWrite {
  dev: number
  overlap: boolean
}

/**
 * Devices that record their writes' options and can hold their writes and flushes until
 * released, telling a waiter once `n` calls are held (so a test waits on calls, never on time).
 */
function holdable(seen: SeenWrite[], area: (dev: number, offset: number) => string) {
  let holding = false
  const held: Array<() => void> = []
  let waiter: { n: number; done: () => void } | undefined
  const hold = <T>(call: () => Promise<T>): Promise<T> => {
    if (!holding) return call()
    return new Promise<void>((res) => {
      held.push(res)
      if (waiter && held.length >= waiter.n) waiter.done()
    }).then(call)
  }
  return {
    wrap: (d: BlockDevice, dev: number): BlockDevice => ({
      kind: d.kind,
      size: d.size,
      location: d.location,
      lockKey: d.lockKey,
      read: (offset, length) => d.read(offset, length),
      write: (offset: number, data: Uint8Array, opts?: WriteOptions) => {
        if (area(dev, offset) !== 'data') return d.write(offset, data, opts)
        seen.push({ dev, overlap: opts?.overlap === true })
        return hold(() => d.write(offset, data, opts))
      },
      flush: () => hold(() => d.flush()),
      close: () => d.close(),
    }),
    hold: () => void (holding = true),
    /** Resolves once `n` calls are held at the same time. */
    held: (n: number) => new Promise<void>((done) => (held.length >= n ? done() : (waiter = { n, done }))),
    release: () => {
      holding = false
      for (const r of held.splice(0)) r()
    },
  }
}

async function group(layout: 'mirror' | 'concat', nmirror = 2) {
  const seen: SeenWrite[] = []
  let dg: DiskGroup | undefined
  const devs = holdable(seen, (dev, offset) => (dg ? writeArea(dg.config(), dev, offset) : 'setup'))
  const g = await memoryGroup(3, 64 << 20, { wrap: devs.wrap })
  dg = g.dg
  await dg.assistMake({ init: 'none', name: 'v1', len: 8192, layout, ...(layout === 'mirror' ? { nmirror } : {}) })
  await dg.start('v1')
  await dg.write('v1', 0, pattern(4096, 1)) // the kernel log's dirty mark is written once, before the first write
  seen.length = 0
  return { dg, seen, devs }
}

describe('mirrored writes overlap their plexes (rules 176 and 210, issue 20 item 1)', () => {
  it('176, 210: a mirrored write of OVERLAP_MIN_BYTES or more asks every plex to overlap; a smaller one, or a one-plex write, asks none', async () => {
    const big = PlexIo.OVERLAP_MIN_BYTES
    for (const [layout, nmirror, length, expected] of [
      ['mirror', 2, big, [true, true]],
      ['mirror', 3, big * 2, [true, true, true]],
      ['mirror', 2, big - 4096, [false, false]],
      ['mirror', 3, 4096, [false, false, false]],
      ['concat', 1, big, [false]],
    ] as const) {
      const { dg, seen } = await group(layout, nmirror)
      await dg.write('v1', 8192, pattern(length, 2))
      expect(seen.map((w) => w.overlap)).toEqual(expected)
      // each plex's write went to a disk of its own
      expect(new Set(seen.map((w) => w.dev)).size).toBe(expected.length)
      expect(await dg.read('v1', 8192, length)).toEqual(pattern(length, 2))
      await dg.close()
    }
  })

  it('176: every plex write of a mirrored write is under way before any completes, and so is every device flush of its flush', async () => {
    const { dg, devs } = await group('mirror', 3)
    devs.hold()
    const w = dg.write('v1', 0, pattern(8192, 3))
    await devs.held(3) // the three plexes' writes, all issued while none has completed
    devs.release()
    await w
    devs.hold()
    const f = dg.flush('v1')
    await devs.held(3) // the three disks' flushes at once
    devs.release()
    await f
    for (const p of ['v1-01', 'v1-02', 'v1-03']) expect(dg.ioStats(p).writeBytes).toBe(4096 + 8192)
    await dg.close()
  })

  it('176: an image file writes an overlapping call on the threadpool even while it is fast, without counting it', async () => {
    const steps = [5, 0.01]
    let t = 0
    let reads = 0
    const m = new IoMode(() => (reads++ % 2 === 1 ? (t += steps.shift() ?? 0) : t))
    const run = (overlap: boolean) => m.run(() => 'sync' as const, async () => 'pool' as const, 4096, overlap)
    expect(await run(false)).toBe('sync') // slow once
    expect(await run(true)).toBe('pool')
    expect(await run(false)).toBe('sync') // fast: the streak restarts, the overlapped call did not count
    expect(m.deferred).toBe(false)
  })

  it('176, 210: on image files, every plex of a large mirrored write is written on the threadpool, a 4 KiB one and a one-plex write on the calling thread', async () => {
    class Recording extends IoMode {
      readonly overlaps: boolean[] = []
      override run<T>(sync: () => T, async: () => Promise<T>, bytes = 0, overlap = false): Promise<T> {
        this.overlaps.push(overlap)
        return super.run(sync, async, bytes, overlap)
      }
    }
    const t = await tempDir()
    try {
      const modes = [new Recording(), new Recording()]
      const paths = [0, 1].map((i) => join(t.dir, `d${i}.img`))
      for (const p of paths) await createImageFile(p, 64 << 20)
      const dg = await DiskGroup.create({ name: 'ov', disks: await Promise.all(paths.map(async (p, i) => ({ name: `disk0${i + 1}`, device: await openDevicePath(p, { io: modes[i]! }) }))) })
      await dg.assistMake({ init: 'none', name: 'v1', len: 8192, layout: 'mirror', disks: ['disk01', 'disk02'] })
      await dg.start('v1')
      await dg.write('v1', 0, pattern(4096, 4))
      for (const m of modes) m.overlaps.length = 0
      await dg.write('v1', 4096, pattern(4096, 5))
      expect(modes.map((m) => m.overlaps)).toEqual([[false], [false]])
      for (const m of modes) m.overlaps.length = 0
      await dg.write('v1', 65536, pattern(PlexIo.OVERLAP_MIN_BYTES, 8))
      expect(modes.map((m) => m.overlaps)).toEqual([[true], [true]])
      await dg.assistMake({ init: 'none', name: 'one', len: 2048, layout: 'concat', disks: ['disk01'] })
      await dg.start('one')
      await dg.write('one', 0, pattern(4096, 6))
      for (const m of modes) m.overlaps.length = 0
      await dg.write('one', 4096, pattern(4096, 7))
      expect(modes.map((m) => m.overlaps)).toEqual([[false], []])
      await dg.stop('one')
      await dg.flush('v1')
      for (const plex of ['v1-01', 'v1-02']) {
        await dg.set('v1', { read_pol: 'PREFER', pref_name: plex })
        expect(await dg.read('v1', 4096, 4096)).toEqual(pattern(4096, 5))
        expect(await dg.read('v1', 65536, PlexIo.OVERLAP_MIN_BYTES)).toEqual(pattern(PlexIo.OVERLAP_MIN_BYTES, 8))
      }
      await dg.stop('v1')
      await dg.close()
    } finally {
      await t.remove()
    }
  })
})
