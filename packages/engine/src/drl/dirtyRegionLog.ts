import type { Clock } from '../clock.ts'
import type { BlockDevice } from '../device/blockDevice.ts'
import { EngineError } from '../errors.ts'
import { SECTOR_SIZE } from '../units.ts'
import { CoalescedWriter } from '../coalescedWriter.ts'
import { encodeDrl } from './drlFormat.ts'

/** Where one copy of the log lives. */
export interface LogTarget {
  dev: BlockDevice
  /** Byte offset of the log subdisk on the device. */
  offset: number
  /** Log subdisk length in sectors. */
  sectors: number
  name: string
}

export interface DrlOptions {
  regionSectors: number
  nbits: number
  /** voldrl_max_drtregs: at most this many regions dirty at once. */
  maxDirty: number
  /**
   * Regions idle this long (clock ms) since their last write completed are cleaned: with the next
   * log write, at no extra I/O, or by a log write of their own scheduled on the clock's timer.
   */
  cleanAgeMs: number
  clock: Clock
  targets: () => LogTarget[]
  /** Makes every completed data write durable; runs before a log write that clears bits. */
  flushData: () => Promise<void>
  /** Called when no log copy could be written (BADLOG). */
  onLogFailure: (err: unknown) => void
  /** Called with the log subdisks whose copy failed while another copy was written (rule 532). */
  onLogCopiesFailed?: (subdisks: string[]) => void
  seq: number
}

/**
 * Dirty region logging for one started volume (SEMANTICS.md 1.12, checklist F): before a write
 * proceeds, the bits of its regions are set and, if any bit went clean to dirty, the log is
 * written synchronously. Bits are cleared lazily: idle regions age out with a later log write, or,
 * once writes stop, with a log write the clock's timer schedules for when the oldest idle region
 * comes of age (rule 165); when the dirty limit is reached a new region waits until an older idle
 * one is cleaned. Clearing a bit always flushes the data first (`flushData`).
 */
export class DirtyRegionLog {
  readonly regionSectors: number
  /** Regions the log covers: the volume's length in regions (`grow` raises it with the volume). */
  nbits: number
  /** Dirty regions in least-recently-written order, with their last write time. */
  private readonly dirty = new Map<number, number>()
  private readonly inflight = new Map<number, number>()
  private readonly waiters: Array<() => void> = []
  private readonly writer = new CoalescedWriter(() => this.writeLogs())
  private seq: number
  private readonly o: DrlOptions
  /** Bits were cleared since the last log write: the data must be flushed before it. */
  private cleared = false
  /** Cancels the scheduled clean of aged regions, if one is scheduled. */
  private cancelClean: (() => void) | undefined
  private disposed = false
  /** Number of log writes issued (for tests and statistics). */
  logWrites = 0
  failed = false

  constructor(o: DrlOptions) {
    this.o = o
    this.regionSectors = o.regionSectors
    this.nbits = o.nbits
    this.seq = o.seq
  }

  /** The volume grew to `nbits` regions of the same size (ops/growVolume.ts checked the log holds them). */
  grow(nbits: number): void {
    if (nbits > this.nbits) this.nbits = nbits
  }

  /**
   * The volume was shrunk to `regions` regions: the bits past its new end go with the space (no
   * data is left there to recover, nor to flush first), so a later grow's first write there logs
   * its bit before the data (rule 533); true when a bit went (`persist` writes the log then).
   */
  shrink(regions: number): boolean {
    let changed = false
    for (const r of [...this.dirty.keys()]) {
      if (r < regions || this.inflight.has(r)) continue
      this.dirty.delete(r)
      changed = true
    }
    if (changed) this.writer.changed()
    return changed
  }

  /** Writes the log's image if it changed since it was last written. */
  async persist(): Promise<void> {
    await this.writer.persist()
  }

  /** DRL regions touched by sectors [s, s+n). */
  regionsOf(s: number, n: number): [number, number] {
    return [Math.floor(s / this.regionSectors), Math.floor((s + n - 1) / this.regionSectors)]
  }

  dirtyRegions(): number[] {
    return [...this.dirty.keys()].sort((a, b) => a - b)
  }

  /** Marks the regions of a write dirty (logging first when needed) and holds them in flight. */
  async beginWrite(first: number, last: number): Promise<void> {
    for (let r = first; r <= last; r++) this.inflight.set(r, (this.inflight.get(r) ?? 0) + 1)
    try {
      for (;;) {
        const now = this.o.clock.now()
        const fresh: number[] = []
        for (let r = first; r <= last; r++) {
          if (this.dirty.has(r)) {
            this.dirty.delete(r) // move to most recently used
            this.dirty.set(r, now)
          } else fresh.push(r)
        }
        if (fresh.length === 0) {
          if (this.writer.pending) await this.writer.persist() // someone else's write of our bits is pending
          return
        }
        // Lazy cleaning: idle regions past their age, and the LRU ones when over the limit.
        const over = this.dirty.size + fresh.length - this.o.maxDirty
        let freed = 0
        for (const [r, at] of this.dirty) {
          if (this.inflight.has(r)) continue
          if (freed < over || now - at >= this.o.cleanAgeMs) {
            this.dirty.delete(r)
            this.cleared = true
            freed++
          } else if (freed >= over) break
        }
        if (this.dirty.size + fresh.length > this.o.maxDirty) {
          // every dirty region is busy: wait for a write to finish (F 55)
          await new Promise<void>((res) => this.waiters.push(res))
          continue
        }
        for (const r of fresh) this.dirty.set(r, now)
        this.writer.changed()
        await this.writer.persist()
        return
      }
    } catch (e) {
      this.endWrite(first, last)
      throw e
    }
  }

  endWrite(first: number, last: number): void {
    const now = this.o.clock.now()
    for (let r = first; r <= last; r++) {
      const n = (this.inflight.get(r) ?? 1) - 1
      if (n) this.inflight.set(r, n)
      else {
        this.inflight.delete(r)
        if (this.dirty.delete(r)) this.dirty.set(r, now) // idle from now on, most recently used
      }
    }
    for (const w of this.waiters.splice(0)) w()
    this.scheduleClean()
  }

  /**
   * Keeps regions dirty and uncleanable (a crash's regions until recovery has copied them), and
   * writes the log so a second crash still finds them.
   */
  async pin(regions: Iterable<number>): Promise<void> {
    const now = this.o.clock.now()
    for (const r of regions) {
      this.inflight.set(r, (this.inflight.get(r) ?? 0) + 1)
      this.dirty.set(r, now)
    }
    this.writer.changed()
    await this.writer.persist()
  }

  unpin(regions: Iterable<number>): void {
    for (const r of regions) this.endWrite(r, r)
  }

  /**
   * Writes the log's image now, as it is (rule 343: a log that failed is rewritten before it
   * counts as valid again); true when a copy took it.
   */
  async rewrite(): Promise<boolean> {
    if (this.failed) return false
    this.writer.changed()
    await this.writer.persist()
    return !this.failed
  }

  /** Cleans every idle region now (a clean stop cleans everything). */
  async cleanIdle(): Promise<void> {
    await this.cleanIdleFor(-Infinity)
  }

  /** Cleans the idle regions that have come of age (what the scheduled clean runs). */
  async cleanAged(): Promise<void> {
    await this.cleanIdleFor(this.o.cleanAgeMs)
    this.scheduleClean()
  }

  /** Clears the bits of the regions with no write in flight whose last write is `ageMs` old. */
  private async cleanIdleFor(ageMs: number): Promise<void> {
    const now = this.o.clock.now()
    let changed = false
    for (const [r, at] of [...this.dirty]) {
      if (!this.inflight.has(r) && now - at >= ageMs) {
        this.dirty.delete(r)
        this.cleared = true
        changed = true
      }
    }
    if (changed) {
      this.writer.changed()
      await this.writer.persist()
    }
  }

  /** Stops scheduling cleans (the volume stopped or the group closed, as a crash would). */
  dispose(): void {
    this.disposed = true
    this.cancelClean?.()
    this.cancelClean = undefined
  }

  /** Schedules one clean for when the oldest idle dirty region comes of age. */
  private scheduleClean(): void {
    if (this.cancelClean || this.disposed || this.failed || !this.o.clock.after) return
    let oldest = Infinity
    for (const [r, at] of this.dirty) if (!this.inflight.has(r) && at < oldest) oldest = at
    if (oldest === Infinity) return
    const wait = Math.max(0, oldest + this.o.cleanAgeMs - this.o.clock.now())
    this.cancelClean = this.o.clock.after(wait, () => {
      this.cancelClean = undefined
      if (!this.disposed) void this.cleanAged().catch((e: unknown) => this.o.onLogFailure(e))
    })
  }

  private async writeLogs(): Promise<void> {
    if (this.failed) return
    if (this.cleared) {
      // A bit may only be cleared once the region's data is durable on every plex.
      this.cleared = false
      await this.o.flushData()
    }
    const targets = this.o.targets()
    const image = encodeDrl(++this.seq, this.regionSectors, this.nbits, this.dirty.keys())
    let ok = 0
    let lastErr: unknown
    const failed: string[] = []
    this.logWrites++
    await Promise.all(
      targets.map(async (t) => {
        if (image.length > t.sectors * SECTOR_SIZE) return
        try {
          await t.dev.write(t.offset, image)
          await t.dev.flush()
          ok++
        } catch (e) {
          lastErr = e
          failed.push(t.name)
        }
      }),
    )
    if (ok === 0) {
      this.failed = true
      this.o.onLogFailure(lastErr ?? new EngineError('VM_WRTDAERR', 'no DRL log copy is usable'))
    } else if (failed.length > 0) this.o.onLogCopiesFailed?.(failed)
  }
}
