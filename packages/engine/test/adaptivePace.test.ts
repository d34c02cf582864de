// The throttle per time slice and the adaptive copy rate (tasks/adaptivePace.ts, tasks/task.ts), on
// an injected clock (rules 161, 162).
import { describe, expect, it } from 'vitest'
import { createManualClock } from '../src/clock.ts'
import { AdaptivePace, DEFAULT_MIN_RATE, PACE_SLICE_MS, p99 } from '../src/tasks/adaptivePace.ts'
import { Task } from '../src/tasks/task.ts'
import { checkAdaptive } from '../src/tasks/taskRegistry.ts'
import { expectCode } from './harness.ts'

const MiB = 1 << 20

function pace(latencyMs = 1, minBytesPerSecond = MiB) {
  const clock = createManualClock(0)
  let pending = 0
  const p = new AdaptivePace({ latencyMs, minBytesPerSecond }, () => clock.now(), () => pending)
  /** One slice in which the copy moved `bytes` and foreground writes took `lat` ms each. */
  const slice = (bytes: number, lat: number[]) => {
    p.moved(bytes)
    for (const l of lat) p.sample(l)
    clock.advance(PACE_SLICE_MS)
    return p.rate()
  }
  return { p, clock, slice, setPending: (ms: number) => void (pending = ms) }
}

describe('adaptive copy rate (rule 161)', () => {
  it('runs unlimited while no foreground write is seen', () => {
    const { slice } = pace()
    expect(slice(50 * MiB, [])).toBe(0)
    expect(slice(50 * MiB, [])).toBe(0)
  })

  it('halves the rate while the foreground p99 of a slice is above the target, down to the floor, and raises it by a quarter while within', () => {
    const { slice } = pace(1, 2 * MiB)
    // 100 MiB/s moved, p99 3 ms: half of what it moved
    expect(slice(10 * MiB, Array(100).fill(3))).toBe(50 * MiB)
    expect(slice(5 * MiB, Array(100).fill(3))).toBe(25 * MiB)
    let r = 25 * MiB
    for (let i = 0; i < 10; i++) r = slice(r / 10, Array(100).fill(3))
    expect(r).toBe(2 * MiB) // the floor
    // within the target: a quarter more each slice
    expect(slice(MiB / 5, Array(100).fill(0.5))).toBe(2.5 * MiB)
    expect(slice(MiB / 4, Array(100).fill(0.5))).toBe(3.125 * MiB)
  })

  it('a p99, not the worst: one slow write in a hundred is within', () => {
    const { slice } = pace(1)
    slice(10 * MiB, Array(100).fill(3)) // limited now
    expect(slice(5 * MiB, [...Array(199).fill(0.2), 9])).toBe(50 * MiB * 1.25)
    expect(p99([1, 2, 3])).toBe(3)
    expect(p99([...Array(99).fill(1), 50])).toBe(50)
    expect(p99([...Array(199).fill(1), 50])).toBe(1)
  })

  it('a foreground write still waiting counts with its age, so a copy that starves it slows down', () => {
    const { slice, setPending } = pace(1)
    setPending(40)
    expect(slice(10 * MiB, [])).toBe(50 * MiB)
  })

  it('lifts the limit once it is more than twice what the copy moves', () => {
    const { slice } = pace(1)
    slice(10 * MiB, Array(100).fill(3)) // 50 MiB/s
    expect(slice(MiB, Array(100).fill(0.1))).toBe(0) // moved 10 MiB/s: 62.5 MiB/s no longer holds it back
  })

  it('an adaptive target is { adaptive: { latencyMs, minBytesPerSecond? } }; anything else fails VM_INVALID_PARAM', async () => {
    expect(checkAdaptive({ adaptive: { latencyMs: 2 } })).toEqual({ latencyMs: 2, minBytesPerSecond: DEFAULT_MIN_RATE })
    expect(checkAdaptive({ adaptive: { latencyMs: 2, minBytesPerSecond: MiB } })).toEqual({ latencyMs: 2, minBytesPerSecond: MiB })
    for (const bad of [{}, { adaptive: {} }, { adaptive: { latencyMs: 0 } }, { adaptive: { latencyMs: -1 } }, { adaptive: { latencyMs: '2' } }, { adaptive: { latencyMs: 2, x: 1 } }, { adaptive: { latencyMs: 2 }, y: 1 }, { adaptive: { latencyMs: 2, minBytesPerSecond: -1 } }]) {
      await expectCode(() => checkAdaptive(bad), 'VM_INVALID_PARAM')
    }
  })

  it('a task in adaptive mode reports its target and the limit it holds now', () => {
    const clock = createManualClock(0)
    const t = new Task('resync', 'v1', 100 * MiB, clock, async (ms) => clock.advance(ms))
    t.setThrottle({ latencyMs: 1, minBytesPerSecond: MiB })
    expect(t.progress()).toMatchObject({ throttle: 0, adaptive: { latencyMs: 1, minBytesPerSecond: MiB } })
    t.advance(10 * MiB)
    for (let i = 0; i < 100; i++) t.foregroundWrite(3)
    clock.advance(PACE_SLICE_MS)
    expect(t.progress()).toMatchObject({ throttle: 50 * MiB, adaptive: { latencyMs: 1 } })
    t.setThrottle(0)
    expect(t.progress()).not.toHaveProperty('adaptive')
  })
})

describe('throttle per time slice (rule 162)', () => {
  it('a throttled task held back for a while does not catch up in a burst: at most one slice of bytes passes before it waits', async () => {
    const clock = createManualClock(0)
    const slept: number[] = []
    const t = new Task('resync', 'v1', 100 * MiB, clock, async (ms) => {
      slept.push(ms)
      clock.advance(ms)
    })
    t.setThrottle(10 * MiB) // a slice holds 1 MiB
    await t.gate()
    t.advance(MiB / 2)
    await t.gate() // owes half a MiB: 50 ms
    expect(slept).toEqual([50])
    // the copy then waits 10 s for something else (a foreground write, a slow disk)
    clock.advance(10_000)
    let passed = 0
    for (let i = 0; i < 8; i++) {
      await t.gate()
      if (slept.length > 1) break
      t.advance(MiB / 4)
      passed += MiB / 4
    }
    // one slice's worth (1 MiB) went without waiting, then it waits again: no 100 MiB catch-up
    expect(passed).toBe(1.25 * MiB)
    expect(slept.length).toBe(2)
  })
})
