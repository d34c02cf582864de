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
 * `eventLoopUtilization` and `performance.now`. A spell of a whole window or more that nobody
 * asked in (an idle server, or one serving only small requests: 4 KiB random reads kept the loop
 * 0.92 busy, a load the threadpool's writes of large replies cannot take off it) is not measured
 * (rule 570): the next call starts a new window and answers the share of the last one measured.
 */
export function loopBusySampler(times: () => LoopTimes = () => performance.eventLoopUtilization(), now: () => number = () => performance.now(), windowMs = LOOP_BUSY_WINDOW_MS): () => number {
  let at = now()
  let last = times()
  let busy = 0
  return () => {
    const t = now()
    if (t - at < windowMs) return busy
    const cur = times()
    if (t - at >= 2 * windowMs) {
      at = t
      last = cur
      return busy
    }
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
