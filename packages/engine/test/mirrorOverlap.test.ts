import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { BlockDevice, WriteOptions } from '../src/device/blockDevice.ts'
import { IoMode, createImageFile, openDevicePath } from '../src/device/fileDevice.ts'
import { DiskGroup } from '../src/diskGroup.ts'
import { EngineError } from '../src/errors.ts'
import { memoryGroup, pattern, recordEvents, rec } from './harness.ts'
import { tempDir } from './tmp.ts'
import { writeArea } from './traceDevice.ts'

/** One data write as a device saw it: which disk, and whether it was asked to overlap. */
interface SeenWrite {
  dev: number
  overlap: boolean
}

/** Device `d` with its writes (and flushes, when given) going to `write` (and `flush`). */
function withWrite(d: BlockDevice, write: BlockDevice['write'], flush: BlockDevice['flush'] = () => d.flush()): BlockDevice {
  return { kind: d.kind, size: d.size, location: d.location, lockKey: d.lockKey, read: (offset, length) => d.read(offset, length), write, flush, close: () => d.close() }
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
    wrap: (d: BlockDevice, dev: number): BlockDevice =>
      withWrite(d, (offset, data, opts) => {
        if (area(dev, offset) !== 'data') return d.write(offset, data, opts)
        seen.push({ dev, overlap: opts?.overlap === true })
        return hold(() => d.write(offset, data, opts))
      }, () => hold(() => d.flush())),
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

describe('mirrored writes overlap their plexes where that pays (rules 176 and 210, issue 20 item 1)', () => {
  it('176, 565: a mirrored write asks every plex but the first to overlap, and issues them before the first; a one-plex write asks none', async () => {
    for (const [layout, nmirror, expected] of [
      ['mirror', 2, [true, false]],
      ['mirror', 3, [true, true, false]],
      ['concat', 1, [false]],
    ] as const) {
      const { dg, seen } = await group(layout, nmirror)
      await dg.write('v1', 8192, pattern(65536, 2))
      expect(seen.map((w) => w.overlap)).toEqual(expected)
      // each plex's write went to a disk of its own
      expect(new Set(seen.map((w) => w.dev)).size).toBe(expected.length)
      expect(await dg.read('v1', 8192, 65536)).toEqual(pattern(65536, 2))
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

  it('566: a mirrored write one plex fails at once waits for every other plex write before the policy acts or the write settles', async () => {
    // disk01's data writes fail at once (after setup); disk02's are held until released
    let failing = false
    let dg: DiskGroup | undefined
    let release = () => {}
    const gate = new Promise<void>((r) => (release = r))
    let reached = () => {}
    const heldWrite = new Promise<void>((r) => (reached = r))
    const g = await memoryGroup(3, 64 << 20, {
      wrap: (d, dev) =>
        withWrite(d, (offset, data, opts) => {
          if (!failing || !dg || writeArea(dg.config(), dev, offset) !== 'data') return d.write(offset, data, opts)
          if (dev === 0) return Promise.reject(new EngineError('VM_IO', 'injected'))
          reached()
          return gate.then(() => d.write(offset, data, opts))
        }),
    })
    dg = g.dg
    await dg.assistMake({ init: 'none', name: 'v1', len: 8192, layout: 'mirror', disks: ['disk01', 'disk02'] })
    await dg.start('v1')
    await dg.write('v1', 0, pattern(4096, 1))
    const log = recordEvents(dg)
    failing = true
    let settled = false
    const w = dg.write('v1', 4096, pattern(4096, 2)).finally(() => (settled = true))
    await heldWrite
    // every turn the failure handling could take on memory disks: none of it runs yet
    for (let i = 0; i < 50; i++) await new Promise<void>((r) => setImmediate(r))
    expect(settled).toBe(false)
    expect(log.events.filter((e) => e.type === 'io.error')).toHaveLength(0)
    expect(rec(dg, 'v1-01').pl_kstate).toBe('ENABLED')
    release()
    await w // the second plex holds the write: it succeeds, the first plex is detached
    failing = false
    expect(log.events.filter((e) => e.type === 'io.error')).toHaveLength(1)
    expect(rec(dg, 'v1-01').pl_kstate).toBe('DETACHED')
    expect(await dg.read('v1', 4096, 4096)).toEqual(pattern(4096, 2))
    log.unsubscribe()
    await dg.close()
  })

  // a clock that advances by `ms` each time it is read twice (one call's start and end)
  const clock = (ms: () => number) => {
    let t = 0
    let reads = 0
    return () => (reads++ % 2 === 1 ? (t += ms()) : t)
  }
  const overlapped = (m: IoMode, bytes = 4096) => m.run(() => 'sync' as const, async () => 'pool' as const, bytes, true)

  it('210: an overlapped call stays on the calling thread while its size class is fast there, without counting as slow', async () => {
    const m = new IoMode(clock(() => 0.005))
    const paths = []
    for (let i = 0; i < 3 * IoMode.OVERLAP_PROBE_EVERY; i++) paths.push(await overlapped(m))
    expect(new Set(paths)).toEqual(new Set(['sync']))
    expect(m.deferred).toBe(false)
  })

  it('210: a size class slower than OVERLAP_MIN_MS on the calling thread takes the threadpool, timing one call in OVERLAP_PROBE_EVERY there, and comes back once it is fast', async () => {
    let took = 0.2
    const m = new IoMode(clock(() => took))
    expect(await overlapped(m, 1 << 20)).toBe('sync') // untried: timed on the calling thread, 0.2 ms
    const paths: string[] = []
    for (let i = 2; i < IoMode.OVERLAP_PROBE_EVERY; i++) paths.push(await overlapped(m, 1 << 20))
    expect(new Set(paths)).toEqual(new Set(['pool']))
    expect(await overlapped(m, 1 << 20)).toBe('sync') // the probe
    // another size class keeps its own time: a 4 KiB call is untried, and fast
    took = 0.005
    expect(await overlapped(m, 4096)).toBe('sync')
    expect(await overlapped(m, 4096)).toBe('sync')
    // the 1 MiB class's probes find it fast: its recent time falls below the bound (a few probes
    // in: one fast call alone does not bring it back), and it stays on the calling thread
    const after: string[] = []
    for (let i = 0; i < 20 * IoMode.OVERLAP_PROBE_EVERY; i++) after.push(await overlapped(m, 1 << 20))
    expect(after.slice(0, 2 * IoMode.OVERLAP_PROBE_EVERY)).toContain('pool')
    expect(after.slice(0, IoMode.OVERLAP_PROBE_EVERY + 1).filter((x) => x === 'sync')).toHaveLength(1)
    expect(new Set(after.slice(-IoMode.OVERLAP_PROBE_EVERY))).toEqual(new Set(['sync']))
  })

  it('210: one call preempted on the calling thread does not send a fast size class to the threadpool', async () => {
    const times = [0.005, 10, 0.005] // the second call's thread was preempted for 10 ms
    const m = new IoMode(clock(() => times.shift() ?? 0.005))
    const paths = []
    for (let i = 0; i < IoMode.OVERLAP_PROBE_EVERY - 1; i++) paths.push(await overlapped(m))
    expect(new Set(paths)).toEqual(new Set(['sync']))
  })

  it('210: on a slow device an overlapped call takes the threadpool and counts toward the probe, so a mirror alone brings the device back', async () => {
    const m = new IoMode(clock(() => 5))
    expect(await m.run(() => 'sync' as const, async () => 'pool' as const)).toBe('sync')
    expect(await m.run(() => 'sync' as const, async () => 'pool' as const)).toBe('sync') // slow twice
    expect(m.deferred).toBe(true)
    const paths = []
    for (let i = 0; i < IoMode.PROBE_EVERY; i++) paths.push(await overlapped(m))
    expect(new Set(paths)).toEqual(new Set(['pool']))
    expect(m.deferred).toBe(false)
  })

  it('176, 210, 565: on image files a mirrored write asks the second plex to overlap, and its device writes it where that pays (the threadpool, for a slow one), while the first plex is written as a one-plex write is; a one-plex write asks nothing', async () => {
    /** A mode that records what each call asked (overlap) and where it ran. */
    class Recording extends IoMode {
      readonly calls: string[] = []
      override run<T>(sync: () => T, async: () => Promise<T>, bytes = 0, overlap = false): Promise<T> {
        const ask = overlap ? 'overlap' : 'plain'
        return super.run(() => (this.calls.push(`${ask}:sync`), sync()), () => (this.calls.push(`${ask}:pool`), async()), bytes, overlap)
      }
    }
    // the first disk's writes take 5 µs on the calling thread, the second's 0.2 ms
    const modes = [new Recording(clock(() => 0.005)), new Recording(clock(() => 0.2))]
    const t = await tempDir()
    try {
      const paths = [0, 1].map((i) => join(t.dir, `d${i}.img`))
      for (const p of paths) await createImageFile(p, 64 << 20)
      const dg = await DiskGroup.create({ name: 'ov', disks: await Promise.all(paths.map(async (p, i) => ({ name: `disk0${i + 1}`, device: await openDevicePath(p, { io: modes[i]! }) }))) })
      await dg.assistMake({ init: 'none', name: 'v1', len: 8192, layout: 'mirror', disks: ['disk01', 'disk02'] })
      await dg.start('v1')
      await dg.write('v1', 0, pattern(4096, 4)) // the kernel log's dirty mark first, then the plexes
      expect(modes.map((m) => m.calls.filter((c) => c.startsWith('overlap')))).toEqual([[], ['overlap:sync']]) // untried: timed
      for (const m of modes) m.calls.length = 0
      await dg.write('v1', 4096, pattern(4096, 5))
      // the first plex (v1-01, on disk01) on the calling thread, the slow second one's on the threadpool
      expect(modes.map((m) => m.calls)).toEqual([['plain:sync'], ['overlap:pool']])
      await dg.assistMake({ init: 'none', name: 'one', len: 2048, layout: 'concat', disks: ['disk01'] })
      await dg.start('one')
      await dg.write('one', 0, pattern(4096, 6))
      for (const m of modes) m.calls.length = 0
      await dg.write('one', 4096, pattern(4096, 7))
      expect(modes.map((m) => m.calls)).toEqual([['plain:sync'], []])
      await dg.stop('one')
      await dg.flush('v1')
      for (const plex of ['v1-01', 'v1-02']) {
        await dg.set('v1', { read_pol: 'PREFER', pref_name: plex })
        expect(await dg.read('v1', 4096, 4096)).toEqual(pattern(4096, 5))
      }
      await dg.stop('v1')
      await dg.close()
    } finally {
      await t.remove()
    }
  })
})
