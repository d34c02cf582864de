// CPU time of the page's main thread, read from a Chrome trace: robust when other processes share
// the cores. Every performance.mark of the page is a trace event (category blink.user_timing)
// carrying `tts`, the main thread's own clock: the CPU time it has run, in microseconds, which
// does not advance while the thread waits for a core. The difference of two marks' `tts` is the
// CPU the main thread spent between them (script, style, layout, paint, garbage collection on it).

/** The categories a trace needs for these measures (light: only the page's marks). */
export const MARK_CATEGORIES = ['blink.user_timing']

/** With the main thread's paints (devtools.timeline's Paint events, which carry `tts` too). */
export const PAINT_CATEGORIES = ['blink.user_timing', 'devtools.timeline']

interface TraceEvent {
  name: string
  cat?: string
  ph?: string
  pid?: number
  tid?: number
  /** Start, µs (the trace's clock). */
  ts: number
  dur?: number
  /** The thread's CPU clock at the start, µs. */
  tts?: number
  /** CPU time the event took, µs. */
  tdur?: number
  args?: { data?: { startTime?: number } }
}

function eventsOf(trace: Buffer | string): TraceEvent[] {
  return (JSON.parse(String(trace)) as { traceEvents: TraceEvent[] }).traceEvents
}

/**
 * The first paint of the page's main thread after the mark `after`: when it ended, in ms of the
 * page's clock (performance.now()), and the main thread's CPU ms from the mark `start` to then;
 * undefined when the trace has either mark or no such paint.
 */
export function paintAfter(trace: Buffer | string, start: string, after: string): { at: number; cpu: number } | undefined {
  const events = eventsOf(trace)
  const mark = (name: string) => events.find((e) => e.name === name && e.cat?.includes('blink.user_timing') && e.tts !== undefined)
  const s = mark(start)
  const a = mark(after)
  if (!s || !a || s.args?.data?.startTime === undefined) return undefined
  const paint = events.filter((e) => e.name === 'Paint' && e.ph === 'X' && e.pid === a.pid && e.tid === a.tid && e.ts >= a.ts && e.tts !== undefined).sort((x, y) => x.ts - y.ts)[0]
  if (!paint) return undefined
  const end = paint.ts + (paint.dur ?? 0)
  return { at: s.args.data.startTime + (end - s.ts) / 1000, cpu: (paint.tts! + (paint.tdur ?? 0) - s.tts!) / 1000 }
}

/** The thread clock of each mark named `name`, in ms, in the order the page made them. */
export function markCpu(trace: Buffer | string, name: string): number[] {
  return eventsOf(trace)
    .filter((e) => e.name === name && e.cat?.includes('blink.user_timing') && e.tts !== undefined)
    .sort((a, b) => a.ts - b.ts)
    .map((e) => e.tts! / 1000)
}

/** Main-thread CPU ms between consecutive marks named `name` (one a frame: what each frame cost). */
export function cpuPerInterval(trace: Buffer | string, name: string): number[] {
  const t = markCpu(trace, name)
  return t.slice(1).map((x, i) => x - t[i]!)
}
