import { describe, expect, it } from 'vitest'
import { LOOP_BUSY_WINDOW_MS, type LoopTimes, loopBusySampler } from '../src/nbd/loopBusy.ts'

describe("the event loop's busy share (rule 516)", () => {
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
    // a long quiet spell nobody asked in ends at the next call
    loop.pass(LOOP_BUSY_WINDOW_MS, 19 * LOOP_BUSY_WINDOW_MS)
    expect(loop.read()).toBeCloseTo(0.05)
  })

  it('I516 before a first whole window it answers 0 (the threadpool is not taken on a guess)', () => {
    const loop = fakeLoop()
    loop.pass(LOOP_BUSY_WINDOW_MS / 2 - 1, 0)
    expect(loop.read()).toBe(0)
  })
})
