// A throttled copy measured on an injected clock: the bytes written to the target per window of
// time against the throttle, with every I/O under way completing before time moves (as a fast
// disk does within a sleep), which is where the copy used to run at twice its rate (rule 162).
import { describe, expect, it } from 'vitest'
import { createManualClock } from '../src/clock.ts'
import type { BlockDevice } from '../src/device/blockDevice.ts'
import { createMemoryDevice } from '../src/device/memoryDevice.ts'
import { DiskGroup, REGION_SECTORS } from '../src/diskGroup.ts'
import type { TaskProgress } from '../src/events.ts'
import { PACE_SLICE_MS } from '../src/tasks/adaptivePace.ts'
import { pattern } from './harness.ts'

const MiB = 1 << 20
const REGION = REGION_SECTORS * 512
const REGIONS = 64

/**
 * A two-way mirror on memory disks whose clock moves only when every sleeper is waiting and all
 * other work has run: `run` drives a promise to its end that way. Writes of one region to the
 * second disk (the copy's target) are logged with the clock's time.
 */
async function timedMirror() {
  const clock = createManualClock(0)
  const waits: Array<{ due: number; go: () => void }> = []
  const sleep = (ms: number) => new Promise<void>((go) => waits.push({ due: clock.now() + ms, go }))
  const writes: Array<{ at: number; bytes: number }> = []
  const logged = (d: BlockDevice): BlockDevice =>
    new Proxy(d, {
      get(t, k) {
        if (k === 'write') {
          return async (offset: number, data: Uint8Array) => {
            await t.write(offset, data)
            if (data.length === REGION) writes.push({ at: clock.now(), bytes: data.length })
          }
        }
        const v = Reflect.get(t, k) as unknown
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(t) : v
      },
    })
  const devices = [0, 1].map(() => createMemoryDevice(64 << 20))
  const dg = await DiskGroup.create({ name: 'tw', clock, sleep, copyUnitRegions: 1, disks: devices.map((d, i) => ({ name: `disk0${i + 1}`, device: i === 1 ? logged(d) : d })) })
  await dg.assistMake({ init: 'none', name: 'v1', len: REGIONS * REGION_SECTORS, layout: 'mirror', disks: ['disk01', 'disk02'] })
  await dg.start('v1')
  await dg.write('v1', 0, pattern(REGIONS * REGION, 3))
  const run = async <T>(p: Promise<T>): Promise<T> => {
    let settled = false
    p.then(
      () => (settled = true),
      () => (settled = true),
    )
    for (let idle = 0; !settled; ) {
      for (let k = 0; k < 20 && !settled; k++) await new Promise((r) => setImmediate(r))
      if (settled) break
      waits.sort((a, b) => a.due - b.due)
      const w = waits.shift()
      if (!w) {
        if (++idle > 100) throw new Error('nothing sleeps and nothing ends')
        continue
      }
      clock.advance(Math.max(0, w.due - clock.now()))
      w.go()
    }
    return p
  }
  /** Runs every other turn's work, `turns` times over, without moving the clock. */
  const settle = async (turns = 200) => {
    for (let k = 0; k < turns; k++) await new Promise((r) => setImmediate(r))
  }
  return { dg, clock, writes, run, waits, settle }
}

/** The most bytes written in any window [a, a + ms) that starts at a write. */
function mostIn(writes: Array<{ at: number; bytes: number }>, ms: number): number {
  let most = 0
  for (const w of writes) most = Math.max(most, writes.filter((x) => x.at >= w.at && x.at < w.at + ms).reduce((s, x) => s + x.bytes, 0))
  return most
}

describe('a throttled copy keeps to its rate over every window (rule 162)', () => {
  it('writes no more than the rate, plus one slice, in any window of one or two seconds', async () => {
    const { dg, writes, run } = await timedMirror()
    const rate = 8 * MiB // a slice (800 KiB) holds more than a region (512 KiB)
    const h = await dg.resyncVolume('v1', true, { throttle: rate })
    await run(h.done)
    expect(writes.reduce((s, w) => s + w.bytes, 0)).toBe(REGIONS * REGION)
    const slice = (rate * PACE_SLICE_MS) / 1000
    for (const ms of [1000, 2000]) expect(mostIn(writes, ms)).toBeLessThanOrEqual((rate * ms) / 1000 + slice)
    // and it does not run slower than asked either: 32 MiB at 8 MiB/s takes 4 s, within a slice
    const span = writes.at(-1)!.at - writes[0]!.at
    expect(span).toBeGreaterThanOrEqual(((REGIONS * REGION - slice - REGION) * 1000) / rate)
  })

  it('a lowered throttle holds from the next region and the ETA follows it at once', async () => {
    const { dg, writes, clock, run } = await timedMirror()
    const progress: TaskProgress[] = []
    let lowered: { at: number; index: number } | undefined
    dg.subscribe((e) => {
      if (e.type !== 'task.progress') return
      progress.push(e)
      if (!lowered && e.doneBytes >= 16 * REGION) {
        lowered = { at: clock.now(), index: progress.length }
        dg.throttleTask(e.taskId, 2 * MiB)
      }
    })
    const h = await dg.resyncVolume('v1', true, { throttle: 8 * MiB })
    await run(h.done)
    // the progress event the change sends: the new limit and an ETA at it, not at 8 MiB/s
    const next = progress[lowered!.index]!
    expect(next.throttle).toBe(2 * MiB)
    expect(next.etaSeconds).toBeGreaterThanOrEqual(Math.floor((next.totalBytes - next.doneBytes) / (2 * MiB)))
    // after the change (its one region under way aside) no window of a second holds more than 2 MiB and a slice
    const after = writes.filter((w) => w.at > lowered!.at)
    expect(mostIn(after.slice(1), 1000)).toBeLessThanOrEqual(2 * MiB + (2 * MiB * PACE_SLICE_MS) / 1000)
  })

  it('rule 485: an abort ends a throttled copy within its unit under way, not after the throttle sleep', async () => {
    const { dg, clock, writes, waits, settle } = await timedMirror()
    // 8 KiB/s: one region (512 KiB) is 64 s of throttle
    const h = await dg.resyncVolume('v1', true, { throttle: 8 * 1024 })
    const outcome = h.done.then(
      () => 'ok',
      (e: { code?: string }) => e.code,
    )
    // it copies the first region, then waits at the throttle for the next
    while (writes.length === 0) {
      await settle(1)
      waits.sort((a, b) => a.due - b.due)
      const w = waits.shift()
      if (w) {
        clock.advance(Math.max(0, w.due - clock.now()))
        w.go()
      }
    }
    await settle()
    expect(waits.length).toBeGreaterThan(0)
    const at = clock.now()
    const before = writes.length
    dg.abortTask(h.id)
    let ended: string | undefined
    void outcome.then((x) => (ended = x))
    await settle()
    // no clock time passed: the abort did not wait out the sleep
    expect(ended).toBe('VM_ABORTED')
    expect(clock.now()).toBe(at)
    // nothing written after the abort; and it was waiting, not done
    expect(writes).toHaveLength(before)
    expect(before).toBeLessThan(REGIONS)
    expect(dg.listTasks()).toHaveLength(0)
  })
})
