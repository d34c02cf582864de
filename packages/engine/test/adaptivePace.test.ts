// The throttle per time slice and the adaptive copy rate (tasks/adaptivePace.ts, tasks/task.ts), on
// an injected clock (rules 161, 162).
import { describe, expect, it } from 'vitest'
import { createManualClock } from '../src/clock.ts'
import { AdaptivePace, DEFAULT_MIN_RATE, PACE_EPOCH_MAX_MS, PACE_SAMPLES, PACE_SLICE_MS, p99 } from '../src/tasks/adaptivePace.ts'
import { Task } from '../src/tasks/task.ts'
import { checkAdaptive } from '../src/tasks/taskRegistry.ts'
import { expectCode } from './harness.ts'

const MiB = 1 << 20

function pace(latencyMs = 1, minBytesPerSecond = MiB) {
  const clock = createManualClock(0)
  let pending = 0
  const p = new AdaptivePace({ latencyMs, minBytesPerSecond }, () => clock.now(), () => pending)
  /**
   * `ms` of time (a slice by default) in which the copy moved `bytes` and foreground writes took
   * `lat` ms each, spread over it; the rate at its end.
   */
  const slice = (bytes: number, lat: number[], ms = PACE_SLICE_MS) => {
    p.moved(bytes)
    for (const l of lat) {
      clock.advance(ms / lat.length)
      p.sample(l)
    }
    if (lat.length === 0) clock.advance(ms)
    return p.rate()
  }
  return { p, clock, slice, setPending: (ms: number) => void (pending = ms) }
}

/** `n` write latencies of `ms` each. */
const writes = (n: number, ms: number) => Array<number>(n).fill(ms)

describe('adaptive copy rate (rule 161)', () => {
  it('runs unlimited while no foreground write is seen', () => {
    const { slice } = pace()
    expect(slice(50 * MiB, [])).toBe(0)
    expect(slice(50 * MiB, [])).toBe(0)
  })

  it('decides once an epoch holds PACE_SAMPLES writes: a shorter one with a few slow writes leaves the rate', () => {
    const { slice } = pace(1)
    // 300 writes, 3 of them slow: no decision yet
    expect(slice(10 * MiB, [...writes(297, 0.5), 3, 3, 3])).toBe(0)
    // the epoch reaches PACE_SAMPLES writes: 3 slow of 400 is within the p99
    expect(slice(10 * MiB, writes(PACE_SAMPLES - 300, 0.5))).toBe(0)
  })

  it('scales the rate by target / p99: at most halved, never below the floor, at most a quarter more while within', () => {
    const { slice } = pace(1, 2 * MiB)
    // 100 MiB/s moved, p99 3 ms: half of what it moved (not a third)
    expect(slice(10 * MiB, writes(PACE_SAMPLES, 3))).toBe(50 * MiB)
    // p99 1.25 ms: the rate times 0.8
    expect(slice(5 * MiB, writes(PACE_SAMPLES, 1.25))).toBe(40 * MiB)
    let r = 40 * MiB
    for (let i = 0; i < 10; i++) r = slice(r / 10, writes(PACE_SAMPLES, 3))
    expect(r).toBe(2 * MiB) // the floor
    // within the target: a quarter more at most, target / p99 when it is closer
    expect(slice(MiB / 5, writes(PACE_SAMPLES, 0.5))).toBe(2.5 * MiB)
    expect(slice(MiB / 4, writes(PACE_SAMPLES, 0.9))).toBeCloseTo((2.5 * MiB) / 0.9)
  })

  it('ends an epoch early once 1% of PACE_SAMPLES writes took longer than the target', () => {
    const { slice } = pace(1)
    expect(slice(10 * MiB, [...writes(40, 0.5), ...writes(PACE_SAMPLES / 100 - 1, 3)])).toBe(0) // not yet
    expect(slice(10 * MiB, [3])).toBeCloseTo(50 * MiB) // 20 MiB in 200 ms, halved
  })

  it('decides after PACE_EPOCH_MAX_MS however few writes it saw', () => {
    const { slice } = pace(1)
    expect(slice(10 * MiB, writes(50, 0.5), PACE_EPOCH_MAX_MS / 2)).toBe(0)
    expect(slice(10 * MiB, [...writes(49, 0.5), 2], PACE_EPOCH_MAX_MS / 2)).toBe(10 * MiB) // 20 MiB/s moved, p99 2 ms (the largest of 100)
  })

  it('a p99, not the worst: fewer than 1% slow writes in PACE_SAMPLES are within', () => {
    const { slice } = pace(1)
    slice(10 * MiB, writes(PACE_SAMPLES, 3)) // limited now: 50 MiB/s
    expect(slice(5 * MiB, [...writes(PACE_SAMPLES - 3, 0.2), 9, 9, 9])).toBe(50 * MiB * 1.25)
    expect(p99([1, 2, 3])).toBe(3)
    expect(p99([...Array(99).fill(1), 50])).toBe(50)
    expect(p99([...Array(199).fill(1), 50])).toBe(1)
  })

  it('a foreground write still waiting longer than the target ends the epoch at once with its age, so a copy that starves it slows down', () => {
    const { slice, setPending } = pace(1)
    setPending(40)
    expect(slice(10 * MiB, [])).toBe(50 * MiB)
  })

  it('lifts the limit once it is more than twice what the copy moves', () => {
    const { slice } = pace(1)
    slice(10 * MiB, writes(PACE_SAMPLES, 3)) // 50 MiB/s
    expect(slice(MiB, writes(PACE_SAMPLES, 0.1))).toBe(0) // moved 10 MiB/s: 62.5 MiB/s no longer holds it back
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
