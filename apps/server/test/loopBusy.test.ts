import { describe, expect, it } from 'vitest'
import { LOOP_BUSY_WINDOW_MS, type LoopTimes, loopBusySampler } from '../src/nbd/loopBusy.ts'

describe("the event loop's busy share (rules 516, 570)", () => {
  /** A loop whose idle and active times and clock the test moves. */
  function fakeLoop() {
    const times: LoopTimes = { idle: 0, active: 0 }
    let clock = 0
    const read = loopBusySampler(() => ({ ...times }), () => clock)
    /** The loop runs callbacks for `active` ms and waits `idle` ms. */
    const pass = (active: number, idle: number) => {
      times.active += active
      times.idle += idle
      clock += active + idle
    }
    return { read, pass }
  }

  it('I516 is the active share of the last whole window, read again only once a window has passed', () => {
    const loop = fakeLoop()
    loop.pass(0.95 * LOOP_BUSY_WINDOW_MS, 0.05 * LOOP_BUSY_WINDOW_MS)
    expect(loop.read()).toBeCloseTo(0.95)
    // within the next window the answer stays that of the last one
    loop.pass(0, LOOP_BUSY_WINDOW_MS / 2)
    expect(loop.read()).toBeCloseTo(0.95)
    // the whole next window: a quarter busy
    loop.pass(0.25 * LOOP_BUSY_WINDOW_MS, 0.25 * LOOP_BUSY_WINDOW_MS)
    expect(loop.read()).toBeCloseTo(0.25)
  })

  it('I570 a spell nobody asked in is not measured: the next call starts a new window and answers the last share measured', () => {
    const loop = fakeLoop()
    loop.pass(0.25 * LOOP_BUSY_WINDOW_MS, 0.75 * LOOP_BUSY_WINDOW_MS)
    expect(loop.read()).toBeCloseTo(0.25)
    // 20 windows of small requests that kept the loop 0.92 busy, and no large reply asked
    loop.pass(0.92 * 20 * LOOP_BUSY_WINDOW_MS, 0.08 * 20 * LOOP_BUSY_WINDOW_MS)
    expect(loop.read()).toBeCloseTo(0.25)
    // the window that starts there is measured: half busy
    loop.pass(0.5 * LOOP_BUSY_WINDOW_MS, 0.5 * LOOP_BUSY_WINDOW_MS)
    expect(loop.read()).toBeCloseTo(0.5)
    // a window and a half since the last answer is still one window measured
    loop.pass(0.75 * LOOP_BUSY_WINDOW_MS, 0.75 * LOOP_BUSY_WINDOW_MS)
    expect(loop.read()).toBeCloseTo(0.5)
  })

  it('I516 before a first whole window it answers 0 (the threadpool is not taken on a guess)', () => {
    const loop = fakeLoop()
    loop.pass(LOOP_BUSY_WINDOW_MS / 2 - 1, 0)
    expect(loop.read()).toBe(0)
  })
})
