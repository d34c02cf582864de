import { setTimeout as sleepMs } from 'node:timers/promises'
import { type BlockDevice, checkRange, closedError, readInto } from './blockDevice.ts'
import { EngineError } from '../errors.ts'

export type FaultOp = 'read' | 'write' | 'flush'

/** One injected fault (nbdkit's error filter): which operations fail, where, and when. */
export interface FaultRule {
  /** Operations this rule fails; all when omitted. */
  ops?: FaultOp[]
  /** Only I/O overlapping this byte range fails. */
  range?: { offset: number; length: number }
  /** Let this many matching operations succeed first. */
  after?: number
  /** Fail at most this many times, then the rule retires. Unlimited when omitted. */
  times?: number
  /**
   * The operating-system error behind the injected VM_IO (its `cause.code`): 'EIO' by default,
   * 'ENOSPC' for a full filesystem under an image file.
   */
  errno?: 'EIO' | 'ENOSPC'
}

export interface TraceEntry {
  op: FaultOp
  offset: number
  length: number
  failed: boolean
}

/**
 * Several devices that lose power together: `tripAfter(n)` lets n more writes (over all its
 * devices) through, then cuts power to every device on the rail.
 */
export interface PowerRail {
  tripAfter(writes: number): void
  readonly tripped: boolean
  /** Writes seen since the rail was created. */
  readonly writes: number
}

export function createPowerRail(): PowerRail & { attach(cut: () => void): void; countWrite(): boolean } {
  const cuts: Array<() => void> = []
  let budget = Infinity
  let tripped = false
  let writes = 0
  return {
    get tripped() {
      return tripped
    },
    get writes() {
      return writes
    },
    tripAfter(n: number) {
      budget = n
    },
    attach(cut) {
      cuts.push(cut)
    },
    /** Returns false when this write is refused because power is (now) gone. */
    countWrite() {
      if (tripped) return false
      if (budget <= 0) {
        tripped = true
        for (const cut of cuts) cut()
        return false
      }
      budget--
      writes++
      return true
    },
  }
}

export interface FaultyDevice extends BlockDevice {
  readonly inner: BlockDevice
  /** Adds a fault rule; returns a function that removes it. */
  addFault(rule: FaultRule): () => void
  clearFaults(): void
  /** Added latency per operation, milliseconds. */
  setLatency(ms: number): void
  /** Drops every write since the last flush; the device then fails every operation until `restore`. */
  powerCut(): void
  /** Brings a power-cut device back (its unflushed writes stay lost). */
  restore(): void
  readonly failed: boolean
  /** Every operation seen, when tracing is on. */
  readonly trace: TraceEntry[]
  setTracing(on: boolean): void
}

export interface FaultyDeviceOptions {
  /**
   * Hold writes in a volatile cache until flush (like a disk's write cache) so that `powerCut`
   * loses them. Off by default: writes pass straight through.
   */
  volatileCache?: boolean
  rail?: ReturnType<typeof createPowerRail>
  sleep?: (ms: number) => Promise<unknown>
}

function overlaps(a: { offset: number; length: number }, offset: number, length: number): boolean {
  return offset < a.offset + a.length && a.offset < offset + length
}

/** Wraps any device with injectable I/O errors, latency, tracing and power cuts. */
export function createFaultyDevice(inner: BlockDevice, options: FaultyDeviceOptions = {}): FaultyDevice {
  const rules = new Set<FaultRule & { seen: number; fired: number }>()
  const sleep = options.sleep ?? ((ms: number) => sleepMs(ms))
  let latency = 0
  let dead = false
  let closed = false
  let tracing = false
  const trace: TraceEntry[] = []
  // Volatile cache: writes not on `inner` yet, in arrival order; reads see the newest data.
  let pending: Array<{ offset: number; data: Buffer }> = []
  /** The flushes' write-back of the cache under way (they run one after another). */
  let draining: Promise<void> = Promise.resolve()

  // transparent: the wrapper is known by what it wraps
  const location = inner.location

  function check(op: FaultOp, offset: number, length: number): void {
    if (closed) throw closedError(location)
    if (dead) {
      record(op, offset, length, true)
      throw new EngineError('VM_IO', `${op} on ${location}: device has no power`)
    }
    for (const r of rules) {
      if (r.ops && !r.ops.includes(op)) continue
      if (r.range && op !== 'flush' && !overlaps(r.range, offset, length)) continue
      r.seen++
      if (r.after !== undefined && r.seen <= r.after) continue
      r.fired++
      if (r.times !== undefined && r.fired >= r.times) rules.delete(r)
      record(op, offset, length, true)
      const errno = r.errno ?? 'EIO'
      const cause = Object.assign(new Error(`${errno}: injected ${op} error`), { code: errno })
      throw new EngineError('VM_IO', `injected ${op} error (${errno}) on ${location} at ${offset}+${length}`, { cause })
    }
    record(op, offset, length, false)
  }

  function record(op: FaultOp, offset: number, length: number, failed: boolean) {
    if (tracing) trace.push({ op, offset, length, failed })
  }

  function cut() {
    pending = []
    dead = true
  }
  options.rail?.attach(cut)

  /**
   * A flush's write-back: the writes the cache holds as it begins, oldest first, then `inner`'s
   * flush. Each write leaves `pending` only once `inner` holds it, so a read never misses it on the
   * way; a power cut during the write-back loses the rest, and the flush fails.
   */
  async function writeBack(): Promise<void> {
    for (let n = pending.length; ; n--) {
      if (dead) throw new EngineError('VM_IO', `flush on ${location}: device has no power`)
      const p = pending[0]
      if (n === 0 || !p) break
      await inner.write(p.offset, p.data)
      if (pending[0] === p) pending.shift()
    }
    await inner.flush()
  }

  const dev: FaultyDevice = {
    kind: 'faulty',
    size: inner.size,
    location,
    lockKey: inner.lockKey,
    ...(inner.lock ? { lock: () => inner.lock!() } : {}),
    inner,
    get failed() {
      return dead
    },
    get trace() {
      return trace
    },
    setTracing(on) {
      tracing = on
    },
    addFault(rule) {
      const r = { ...rule, seen: 0, fired: 0 }
      rules.add(r)
      return () => void rules.delete(r)
    },
    clearFaults() {
      rules.clear()
    },
    setLatency(ms) {
      latency = ms
    },
    powerCut: cut,
    restore() {
      dead = false
    },
    failing(op) {
      if (dead) return true
      // a whole-device rule that fails every such operation from now on (lab mode's fail disk)
      for (const r of rules) if ((!r.ops || r.ops.includes(op)) && !r.range && r.times === undefined && (r.after === undefined || r.seen >= r.after)) return true
      return inner.failing?.(op) ?? false
    },
    async read(offset, length) {
      // nothing injected (the usual case in the server): straight through
      if (!latency && !dead && !closed && !tracing && rules.size === 0 && pending.length === 0) return inner.read(offset, length)
      checkRange(dev, offset, length)
      if (latency) await sleep(latency)
      check('read', offset, length)
      // The cache as it is now (a flush during the read below takes writes out of it once
      // `inner` holds them): laid over what `inner` returns, oldest first.
      const cached = pending.slice()
      const buf = await inner.read(offset, length)
      for (const p of cached) {
        if (!overlaps({ offset: p.offset, length: p.data.length }, offset, length)) continue
        const from = Math.max(offset, p.offset)
        const to = Math.min(offset + length, p.offset + p.data.length)
        p.data.copy(buf, from - offset, from - p.offset, to - p.offset)
      }
      return buf
    },
    readInto(offset, target) {
      if (!latency && !dead && !closed && !tracing && rules.size === 0 && pending.length === 0) return readInto(inner, offset, target)
      return dev.read(offset, target.length).then((b) => void b.copy(target))
    },
    async write(offset, data, opts) {
      if (!latency && !dead && !closed && !tracing && rules.size === 0 && !options.rail && !options.volatileCache) return inner.write(offset, data, opts)
      checkRange(dev, offset, data.length)
      if (latency) await sleep(latency)
      if (options.rail && !options.rail.countWrite()) {
        record('write', offset, data.length, true)
        throw new EngineError('VM_IO', `write on ${location}: power cut`)
      }
      check('write', offset, data.length)
      if (options.volatileCache) pending.push({ offset, data: Buffer.from(data) })
      else await inner.write(offset, data, opts)
    },
    async flush() {
      if (latency) await sleep(latency)
      check('flush', 0, 0)
      // no cache (a disk of the server's): the device's flushes as they come
      if (!options.volatileCache) return inner.flush()
      // one drain at a time: a flush that began while another still writes the cache back waits
      // for it, so no older write reaches `inner` after a newer one over the same sectors
      const run = draining.then(writeBack)
      draining = run.catch(() => {})
      return run
    },
    async close() {
      closed = true
      await inner.close()
    },
  }
  return dev
}
