import { performance } from 'node:perf_hooks'

/** The event loop's idle and active milliseconds so far (`performance.eventLoopUtilization()`). */
export interface LoopTimes {
  idle: number
  active: number
}

/** How long a window of the busy share is (ms): a change of load shows within about this. */
export const LOOP_BUSY_WINDOW_MS = 500

/**
 * A reader of this process's event-loop busy share: the fraction of the last completed window
 * (`windowMs`) the loop spent running callbacks rather than waiting in its poll, read at most once
 * a window (each large reply asks). `times` and `now` are injected in tests; by default Node's
 * `eventLoopUtilization` and `performance.now`. A window the loop never asked in (an idle server)
 * ends at the next call, so after a quiet spell the first answer covers the whole spell.
 */
export function loopBusySampler(times: () => LoopTimes = () => performance.eventLoopUtilization(), now: () => number = () => performance.now(), windowMs = LOOP_BUSY_WINDOW_MS): () => number {
  let at = now()
  let last = times()
  let busy = 0
  return () => {
    const t = now()
    if (t - at < windowMs) return busy
    const cur = times()
    const idle = cur.idle - last.idle
    const active = cur.active - last.active
    busy = idle + active > 0 ? active / (idle + active) : busy
    at = t
    last = cur
    return busy
  }
}

/** The process's own reader (every NBD server in it shares its event loop). */
export const eventLoopBusy = loopBusySampler()
