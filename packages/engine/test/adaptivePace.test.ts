// The throttle per time slice and the adaptive copy rate (tasks/adaptivePace.ts, tasks/task.ts), on
// an injected clock (rules 161, 162).
import { describe, expect, it } from 'vitest'
import { createManualClock } from '../src/clock.ts'
import { AdaptivePace, DEFAULT_MIN_RATE, PACE_BURST_MS, PACE_CAPACITY_WEIGHT, PACE_CATCH_UP, PACE_EPOCH_MAX_MS, PACE_GOOD_DECAY, PACE_RESERVE, PACE_SAMPLES, PACE_SLICE_MS, PACE_STEP_UP, p99 } from '../src/tasks/adaptivePace.ts'
import { Task } from '../src/tasks/task.ts'
import { checkAdaptive } from '../src/tasks/taskRegistry.ts'
import type { VRecord } from '../src/records/types.ts'
import { VolumeRuntimes } from '../src/volume/volumeRuntimes.ts'
import { expectCode } from './harness.ts'
import { createRandom } from './random.ts'

const MiB = 1 << 20

/** A controller on a manual clock; with no reservation unless asked (the tests of the p99 steps go below it). */
function pace(latencyMs = 1, minBytesPerSecond = MiB, reserve = 0) {
  const clock = createManualClock(0)
  let pending = 0
  const p = new AdaptivePace({ latencyMs, minBytesPerSecond }, () => clock.now(), () => pending, reserve)
  /**
   * `ms` of time (a slice by default) in which the copy moved `bytes` and foreground writes took
   * `lat` ms each, spread over it; the rate at its end.
   */
  const slice = (bytes: number, lat: number[], ms = PACE_SLICE_MS) => {
    p.moved(bytes)
    const start = clock.now()
    lat.forEach((l, k) => {
      // to the exact time of each (no rounding piling up over thousands of steps)
      clock.advance(start + (ms * (k + 1)) / lat.length - clock.now())
      p.sample(l)
    })
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

  it('scales the rate by target / p99: at most halved, never below the floor, at most PACE_STEP_UP times more while within', () => {
    const { slice } = pace(1, 2 * MiB)
    // 100 MiB/s moved, p99 3 ms: half of what it moved (not a third)
    expect(slice(10 * MiB, writes(PACE_SAMPLES, 3))).toBe(50 * MiB)
    // p99 1.25 ms: the rate times 0.8
    expect(slice(5 * MiB, writes(PACE_SAMPLES, 1.25))).toBe(40 * MiB)
    let r = 40 * MiB
    for (let i = 0; i < 10; i++) r = slice(r / 10, writes(PACE_SAMPLES, 3))
    expect(r).toBe(2 * MiB) // the floor
    // within the target: PACE_STEP_UP times more at most, target / p99 when it is closer
    expect(slice(MiB / 5, writes(PACE_SAMPLES, 0.2))).toBe(2 * MiB * PACE_STEP_UP)
    expect(slice(MiB / 4, writes(PACE_SAMPLES, 0.9))).toBeCloseTo((2 * MiB * PACE_STEP_UP) / 0.9)
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
    expect(slice(5 * MiB, [...writes(PACE_SAMPLES - 3, 0.2), 9, 9, 9])).toBe(50 * MiB * PACE_STEP_UP)
    expect(p99([1, 2, 3])).toBe(3)
    expect(p99([...Array(99).fill(1), 50])).toBe(50)
    expect(p99([...Array(199).fill(1), 50])).toBe(1)
  })

  it('a foreground write still waiting longer than the target ends the epoch at once with its age, so a copy that starves it slows down', () => {
    const { slice, setPending } = pace(1)
    setPending(40)
    expect(slice(10 * MiB, [])).toBe(50 * MiB)
  })

  it('the first epoch begins once the copy moved data: slow writes before it leave the copy unlimited', () => {
    const { slice } = pace(1)
    // the resync's commits and flushes before its first unit: the foreground slow, nothing moved
    expect(slice(0, writes(PACE_SAMPLES, 3))).toBe(0)
    expect(slice(0, writes(PACE_SAMPLES, 3))).toBe(0)
    // then a slice in which it moved 10 MiB with the writes as slow: halved from what it moved, not the floor
    expect(slice(10 * MiB, writes(PACE_SAMPLES, 3))).toBe(50 * MiB)
  })

  it('lifts the limit once it is more than twice what the copy moves', () => {
    const { slice } = pace(1)
    slice(10 * MiB, writes(PACE_SAMPLES, 3)) // 50 MiB/s
    expect(slice(MiB, writes(PACE_SAMPLES, 0.1))).toBe(0) // moved 10 MiB/s: 75 MiB/s no longer holds it back
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

/**
 * A closed loop on a fake clock: one foreground write at a time (0.2 ms), 0.3% of them slowed by
 * 3 ms whatever the copy does (a preempted thread), and a copy of up to MAX bytes per second that
 * makes a share of the writes wait up to 3 ms more (a region it holds, its I/O ahead of theirs):
 * 1.2% at full rate, in proportion to its rate. Unthrottled, 1.5% of the writes are slow and the
 * p99 is many times the idle one; the most the copy can move with the p99 idle is about 0.58 of MAX.
 */
function closedLoop(seed: number, mode: 'idle' | 'unthrottled' | 'adaptive', seconds = 10, o: { burst?: [number, number]; from?: number; reserve?: number; machineSlow?: number } = {}) {
  const from = o.from ?? 1000
  const MAX = 400 * MiB
  const clock = createManualClock(0)
  const rnd = createRandom(seed)
  // the p99 steps below the reservation unless one is asked for (rule 312)
  const pace = new AdaptivePace({ latencyMs: 1.5 * 0.2, minBytesPerSecond: DEFAULT_MIN_RATE }, () => clock.now(), () => 0, o.reserve ?? 0)
  const lat: number[] = []
  let bytes = 0
  while (clock.now() < seconds * 1000) {
    const rate = mode === 'idle' ? 0 : (mode === 'adaptive' && pace.rate()) || MAX
    let ms = 0.2
    if (rnd.next() < (o.machineSlow ?? 0.003)) ms += 3
    if (rnd.next() < (0.012 * rate) / MAX) ms += 3 * rnd.next()
    // another tenant's burst: 5% of the writes slowed, whatever the copy does
    if (o.burst && clock.now() >= o.burst[0] && clock.now() < o.burst[1] && rnd.next() < 0.05) ms += 3
    // the write and the turn after it; the copy moves at its rate meanwhile
    const dt = ms + 0.05
    pace.moved((rate * dt) / 1000)
    clock.advance(dt)
    pace.sample(ms)
    // measured once the controller had a second to settle (or from `from`)
    if (clock.now() > from) {
      lat.push(ms)
      bytes += (rate * dt) / 1000
    }
  }
  return { p99: p99(lat), share: bytes / (((seconds - from / 1000) * MAX)) }
}

/**
 * Over five seeds: each adaptive run's p99 within 1.5x its idle run's (`each` sees the idle p99
 * first); the adaptive runs' shares of the unthrottled rate, sorted.
 */
function adaptiveShares(run: (seed: number, mode: 'idle' | 'adaptive') => { p99: number; share: number }, each?: (seed: number, idle: number) => void): number[] {
  const shares: number[] = []
  for (const seed of [1, 2, 3, 4, 5]) {
    const idle = run(seed, 'idle').p99
    each?.(seed, idle)
    const a = run(seed, 'adaptive')
    expect(a.p99).toBeLessThanOrEqual(1.5 * idle)
    shares.push(a.share)
  }
  return shares.sort((a, b) => a - b)
}

describe('adaptive copy rate in a closed loop (rule 202)', () => {
  it('holds the foreground p99 within 1.5x idle and copies at half the unthrottled rate or more, where unthrottled the p99 is 5x idle or more', () => {
    const shares = adaptiveShares((seed, mode) => closedLoop(seed, mode), (seed, idle) => expect(closedLoop(seed, 'unthrottled').p99).toBeGreaterThanOrEqual(5 * idle))
    // the median seed's rate, and none far below it
    expect(shares[2]).toBeGreaterThanOrEqual(0.5)
    expect(shares[0]).toBeGreaterThanOrEqual(0.4)
  })
})

describe('adaptive copy rate after a burst of slow writes it did not cause (rule 207)', () => {
  it('comes back to the rate that held in one epoch once the burst ends, not PACE_STEP_UP at a time from the floor', () => {
    // 5% of the writes slowed for a second (2 s to 3 s): the rate falls to the floor meanwhile;
    // measured over the 3 s after it
    const shares = adaptiveShares((seed, mode) => closedLoop(seed, mode, 6, { burst: [2000, 3000], from: 3000 }))
    // climbing 1.5x an epoch from the floor, the copy moved 0.03 of the unthrottled rate in those 3 s
    expect(shares[2]).toBeGreaterThanOrEqual(0.4)
    expect(shares[0]).toBeGreaterThanOrEqual(0.3)
  })

  it('the rate that held is worth PACE_GOOD_DECAY less once an epoch at it is above the target', () => {
    const { slice } = pace(1, MiB)
    slice(10 * MiB, writes(PACE_SAMPLES, 3)) // limited: 50 MiB/s
    expect(slice(5 * MiB, writes(PACE_SAMPLES, 0.5))).toBe(75 * MiB) // 50 MiB/s held within: the rate that held
    // slow writes the copy did not cause: the first, at 75 MiB/s, makes 50 worth less; down to the floor
    let r = 0
    for (let i = 0; i < 10; i++) r = slice(MiB / 10, writes(PACE_SAMPLES, 3))
    expect(r).toBe(MiB)
    // within again: back to the rate that held in one epoch
    expect(slice(MiB / 10, writes(PACE_SAMPLES, 0.5))).toBe(50 * MiB * PACE_GOOD_DECAY)
    // above the target at it: halved, and it is worth less again
    expect(slice(4 * MiB, writes(PACE_SAMPLES, 2))).toBe(20 * MiB)
    expect(slice(2 * MiB, writes(PACE_SAMPLES, 0.5))).toBe(50 * MiB * PACE_GOOD_DECAY * PACE_GOOD_DECAY)
  })
})

describe('adaptive copy rate after an unlimited epoch within the target (rule 207)', () => {
  it('an unlimited epoch above the target makes the rate that held worth less than what it moved, so the limit is not lifted again at once', () => {
    const { slice } = pace(1, MiB)
    // the foreground idle enough: unlimited, the copy moved 1000 MiB/s within the target
    expect(slice(100 * MiB, writes(PACE_SAMPLES, 0.5))).toBe(0)
    // then it moves 300 MiB/s unlimited and the foreground is above the target: halved
    expect(slice(30 * MiB, writes(PACE_SAMPLES, 3))).toBe(150 * MiB)
    // within at 150: back to the rate that held, which is now below what the slow epoch moved
    // (with 1000 MiB/s it went to 1000, over twice what the copy moves: lifted, unlimited again)
    expect(slice(15 * MiB, writes(PACE_SAMPLES, 0.5))).toBe(300 * MiB * PACE_GOOD_DECAY)
  })
})

describe('throttle per time slice (rules 162, 562)', () => {
  it('a throttled task held back for a while catches up one slice at PACE_CATCH_UP times its rate, never in a burst', async () => {
    const clock = createManualClock(0)
    const t = new Task('resync', 'v1', 100 * MiB, clock, async (ms) => clock.advance(ms))
    const rate = 10 * MiB // a slice holds 1 MiB
    t.setThrottle(rate)
    // the copy waits 10 s for something else (a foreground write, a slow disk), then copies 64 KiB units for a second
    clock.advance(10_000)
    const unit = 64 << 10
    const passed: number[] = []
    while (clock.now() < 11_000) {
      await t.gate(unit)
      t.advance(unit)
      passed.push(clock.now())
    }
    const inSecond = passed.filter((x) => x < 11_000).length * unit
    // what the slice held is not lost: the second moved its rate and the slice, within a unit
    expect(inSecond).toBeGreaterThanOrEqual(rate + rate * (PACE_SLICE_MS / 1000) - unit)
    expect(inSecond).toBeLessThanOrEqual(rate + rate * (PACE_SLICE_MS / 1000) + unit)
    // and no window of a slice held more than PACE_CATCH_UP times the rate, PACE_BURST_MS of that and a unit
    // (the slice went at once before: 2 MiB in the first 100 ms)
    const fast = rate * PACE_CATCH_UP
    for (const a of passed) expect(passed.filter((x) => x >= a && x < a + PACE_SLICE_MS).length * unit).toBeLessThanOrEqual((fast * (PACE_SLICE_MS + PACE_BURST_MS)) / 1000 + unit)
  })
})

describe('adaptive copy reservation (rule 312)', () => {
  it('keeps PACE_RESERVE of the most it moved unlimited beside foreground writes, however slow they stay', () => {
    const clock = createManualClock(0)
    // the controller as a task makes it (its default reservation)
    const p = new AdaptivePace({ latencyMs: 1, minBytesPerSecond: MiB }, () => clock.now())
    const epoch = (bytes: number, lat: number) => {
      p.moved(bytes)
      const start = clock.now()
      for (let k = 0; k < PACE_SAMPLES; k++) {
        clock.advance(start + (PACE_SLICE_MS * (k + 1)) / PACE_SAMPLES - clock.now())
        p.sample(lat)
      }
      return p.rate()
    }
    // unlimited it moved 100 MiB/s (10 MiB in a slice) with the writes 3x the target: halved
    expect(epoch(10 * MiB, 3)).toBe(50 * MiB)
    // the writes stay slow whatever it does (the machine's doing): it stays at its reservation,
    // where without one it fell to its floor of 1 MiB/s
    for (let i = 0; i < 10; i++) expect(epoch(5 * MiB, 3)).toBe(PACE_RESERVE * 100 * MiB)
    // within the target again: up from there as before
    expect(epoch(5 * MiB, 0.5)).toBe(PACE_RESERVE * 100 * MiB * PACE_STEP_UP)
  })

  it('rule 561: the reservation follows an average of what each epoch moved unlimited, PACE_CAPACITY_WEIGHT of the way, not the most it ever moved', () => {
    const { p, slice } = pace(1, MiB, PACE_RESERVE)
    expect(slice(10 * MiB, writes(PACE_SAMPLES, 3))).toBe(50 * MiB)
    // within and lifted (over twice what it moves): unlimited again
    expect(slice(2 * MiB, writes(PACE_SAMPLES, 0.1))).toBe(0)
    // unlimited it moved 200 MiB/s with slow writes: halved from that
    expect(slice(20 * MiB, writes(PACE_SAMPLES, 3))).toBe(100 * MiB)
    const capacity = 100 * MiB + PACE_CAPACITY_WEIGHT * 100 * MiB
    expect(p.capacityEstimate).toBeCloseTo(capacity, 0)
    // still slow: down to the reservation of that average (with the most, 100 MiB/s: where it was)
    expect(slice(10 * MiB, writes(PACE_SAMPLES, 3))).toBeCloseTo(PACE_RESERVE * capacity, 0)
  })
})

describe('an adaptive copy given the capacity of an earlier copy (rule 563)', () => {
  it('starts limited at its reservation of it, goes up from there while within the target, and runs unlimited once no foreground write is seen for a slice', () => {
    const clock = createManualClock(0)
    const p = new AdaptivePace({ latencyMs: 1, minBytesPerSecond: MiB }, () => clock.now(), () => 0, PACE_RESERVE, 200 * MiB)
    expect(p.rate()).toBe(PACE_RESERVE * 200 * MiB)
    p.moved(10 * MiB)
    for (let k = 0; k < PACE_SAMPLES; k++) {
      // to the exact time of each (no rounding piling up)
      clock.advance((PACE_SLICE_MS * (k + 1)) / PACE_SAMPLES - clock.now())
      p.sample(0.5)
    }
    expect(p.rate()).toBeCloseTo(PACE_RESERVE * 200 * MiB * PACE_STEP_UP, 0)
    clock.advance(2 * PACE_SLICE_MS)
    expect(p.rate()).toBe(0)
    // a copy given none starts unlimited (rule 161)
    expect(new AdaptivePace({ latencyMs: 1, minBytesPerSecond: MiB }, () => clock.now()).rate()).toBe(0)
  })
})

describe('adaptive copy reservation in a closed loop (rule 312)', () => {
  it('where the machine alone keeps the p99 above the target, the copy keeps half its rate, not its floor, and the p99 is no worse than unthrottled', () => {
    // 1.5% of the writes slowed whatever the copy does: no rate holds the p99 within
    const machine = { machineSlow: 0.015 }
    for (const seed of [1, 2, 3]) {
      const floor = closedLoop(seed, 'adaptive', 10, { ...machine, reserve: 0 })
      const reserved = closedLoop(seed, 'adaptive', 10, { ...machine, reserve: PACE_RESERVE })
      const full = closedLoop(seed, 'unthrottled', 10, machine)
      expect(floor.share).toBeLessThan(0.1)
      expect(reserved.share).toBeGreaterThanOrEqual(0.45)
      expect(reserved.p99).toBeLessThanOrEqual(full.p99)
    }
  })
})

describe('foreground write timing (rule 311)', () => {
  it('a volume\'s region lock times a write with the clock\'s precise time: 0.3 ms across a millisecond tick is 0.3, not 1', () => {
    // now() in whole milliseconds (as Date.now), precise() with fractions (as performance.now)
    let t = 0.9
    const clock = { now: () => Math.floor(t), precise: () => t }
    const lock = new VolumeRuntimes(clock).of({ v_rid: 1 } as VRecord).lock
    const seen: number[] = []
    lock.watchShared((ms) => seen.push(ms))
    void lock.lockShared(0, 0)
    t = 1.2
    expect(lock.oldestShared()).toBeCloseTo(0.3, 9)
    lock.unlockShared(0, 0)
    void lock.lockShared(0, 0)
    t = 1.25
    lock.unlockShared(0, 0)
    expect(seen.length).toBe(2)
    expect(seen[0]).toBeCloseTo(0.3, 9)
    expect(seen[1]).toBeCloseTo(0.05, 9)
  })

  it('a clock without precise time times with now()', () => {
    const clock = createManualClock(0)
    const lock = new VolumeRuntimes(clock).of({ v_rid: 1 } as VRecord).lock
    const seen: number[] = []
    lock.watchShared((ms) => seen.push(ms))
    void lock.lockShared(0, 0)
    clock.advance(2)
    lock.unlockShared(0, 0)
    expect(seen).toEqual([2])
  })
})
