import type { BlockDevice } from '../device/blockDevice.ts'
import { foregroundBegan, foregroundEnded } from '../device/copyWorker.ts'
import type { DirtyRegionLog } from '../drl/dirtyRegionLog.ts'
import { EngineError, type EngineErrorCode, fail, isEngineError } from '../errors.ts'
import { type PlRecord, PL_TFLAG, type VRecord, V_TFLAG } from '../records/types.ts'
import { RegionSet } from '../regionSet.ts'
import type { StaleMaps } from '../staleMaps.ts'
import { isSectorAligned, sectorsToBytes } from '../units.ts'
import type { FailureDecision } from './exceptionPolicy.ts'
import type { IoMap } from './ioMap.ts'
import type { PlexIo } from './plexIo.ts'
import { type Extent, NO_EXTENT, byteExtent, extentBytes, regionSpan, regionsOf } from './extent.ts'
import type { RegionLock } from './regionLock.ts'
import { VolumeRead } from './volumeRead.ts'

/** What the volume I/O keeps per started volume (the group's volume runtime has more). */
export interface VolumeIoRuntime {
  lock: RegionLock
  lastReadEnd: number
  lastReadPlex: number
  /** The kernel log's record that the volume is being written, once asked for. */
  dirtyMarked: Promise<void> | undefined
  /** The drain gate: foreground I/O under way, and who waits for it to reach zero. */
  inflight: number
  drained: Array<() => void>
  drl: DirtyRegionLog | undefined
  /** Regions written since the last completed flush: what a disk's volatile cache may still lose. */
  unflushed: RegionSet
  /** Regions a read-writeback (V_TFLAG.RWBACK) has still to recover: reads write them back. */
  rwback: RegionSet | undefined
}

/**
 * What an I/O error does (io/kernelDetach.ts): the exception policy's decision against the
 * volume's copies, then the kernel's record of it (stale regions, kernel log, detach commit).
 */
export interface IoFailureHandler {
  decide(v: VRecord, op: 'read' | 'write', targets: readonly PlRecord[], failed: ReadonlySet<number>): FailureDecision
  record(v: VRecord, failed: number[], decision: FailureDecision, regions: readonly number[]): Promise<void>
  /** Is plex `p` a current copy of region `g` of `v`? */
  isCurrentCopy(v: VRecord, p: PlRecord, g: number): boolean
  /** Is plex `p` being taken away (a commit in flight, a detach decided)? */
  leaving(p: PlRecord): boolean
}

/** An `io.error` event's fields (the group adds its name). */
export interface IoErrorReport {
  volume: string
  plex: string
  disk: string
  op: 'read' | 'write' | 'flush'
  offset: number
  length: number
  code: EngineErrorCode
}

/** What the volume I/O needs from the rest of the group (each as narrow as what it uses). */
export interface VolumeIoContext {
  /** The current I/O map (built anew on every commit). */
  map(): Pick<IoMap, 'plexesOf'>
  /** The committed record of volume `vrid`. */
  volume(vrid: number): VRecord | undefined
  plexIo: Pick<PlexIo, 'read' | 'write' | 'writeEach' | 'flush' | 'covers' | 'disksOf'>
  stale: Pick<StaleMaps, 'add' | 'persist' | 'track' | 'isStale'>
  /** Records in the kernel log that volume `vrid` is written (before its first write reaches a plex). */
  markWritten(vrid: number): Promise<void>
  runtime(v: VRecord): VolumeIoRuntime
  failures: IoFailureHandler
  ioError(report: IoErrorReport): void
  /** Fails VM_FORCEOFF once the group was forced offline: it records no I/O failure then (rule 267). */
  assertOnline(): void
}

/** Refuses I/O to a volume that is not started (VM_NOT_STARTED). */
export function checkStarted(v: VRecord): VRecord {
  if (v.v_kstate !== 'ENABLED') fail('VM_NOT_STARTED', `volume ${v.v_name} is not started`)
  return v
}

/** Checks an I/O of `length` bytes at byte `offset` of started volume `v`. */
export function checkVolumeIo(v: VRecord, offset: number, length: number): VRecord {
  checkStarted(v)
  if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0) fail('VM_INVALID_PARAM', `bad I/O range ${offset}+${length}`)
  if (!isSectorAligned(offset) || !isSectorAligned(length)) fail('VM_UNALIGNED', `I/O ${offset}+${length} is not sector-aligned`)
  if (offset + length > sectorsToBytes(v.v_len)) fail('VM_OUT_OF_RANGE', `I/O ${offset}+${length} beyond the end of ${v.v_name}`)
  return v
}

/** The drain gate: a foreground I/O enters before it starts and leaves when it is done. */
export function enter(rt: VolumeIoRuntime): void {
  rt.inflight++
  foregroundBegan()
}
export function leave(rt: VolumeIoRuntime): void {
  foregroundEnded()
  if (--rt.inflight === 0) wakeDrained(rt)
}
/** Wakes who waits for the volume's I/O to drain, once none is under way. */
export function wakeDrained(rt: VolumeIoRuntime): void {
  if (rt.inflight === 0) for (const f of rt.drained.splice(0)) f()
}

/**
 * Waits for every promise of `writes` and returns their outcomes when one failed, `undefined`
 * when all succeeded: a write whose plexes all succeed (nearly every one) pays for one
 * `Promise.all` (one await for a one-plex write), not a result object per plex.
 */
export async function failedSettled(writes: readonly Promise<void>[]): Promise<PromiseSettledResult<void>[] | undefined> {
  try {
    await (writes.length === 1 ? writes[0] : Promise.all(writes))
    return undefined
  } catch {
    // Promise.all rejects at the first failure: the others are still awaited before the outcome
    return Promise.allSettled(writes)
  }
}

/** What a volume's `BlockDevice` calls: the group's checked volume I/O. */
export interface VolumeIoApi {
  volumeSize(volume: string): number
  read(volume: string, offset: number, length: number): Promise<Buffer>
  readInto(volume: string, offset: number, target: Buffer): Promise<void>
  write(volume: string, offset: number, data: Uint8Array): Promise<void>
  flush(volume: string): Promise<void>
}

/**
 * Volume `volume` of group `dg` as a `BlockDevice` (what an NBD export serves): each call checked
 * once by the group; `size` follows the volume; `close` leaves the volume as it is.
 */
export function volumeBlockDevice(io: VolumeIoApi, dg: string, volume: string): BlockDevice {
  const location = `${dg}/${volume}`
  return {
    kind: 'volume',
    get size() {
      return io.volumeSize(volume)
    },
    location,
    lockKey: `volume:${location}`,
    read: (offset, length) => io.read(volume, offset, length),
    readInto: (offset, target) => io.readInto(volume, offset, target),
    write: (offset, data) => io.write(volume, offset, data),
    flush: () => io.flush(volume),
    close: async () => {},
  }
}

/**
 * The volume I/O path (E 41-49): writes to every ENABLED plex with WRITE, reads from one plex the
 * read policy chooses (io/volumeRead.ts), flushes, the drain gate, and what a failing plex does
 * under the volume's exception policies, handed to the injected failure handler. Callers check
 * the request first (`checkVolumeIo`).
 */
export class VolumeIo {
  private readonly ctx: VolumeIoContext
  private readonly reads: VolumeRead

  constructor(ctx: VolumeIoContext) {
    this.ctx = ctx
    this.reads = new VolumeRead(ctx, this)
  }

  /**
   * Writes `data` at byte `offset` of a started volume to every ENABLED plex that has WRITE, in
   * parallel (E 41). The DRL bit and the stale marks of plexes that miss the write reach the disks
   * first. A failing plex is handled by the volume's write exception policies (E 46-49); the
   * write fails only when the policy says so or when no plex holds all of it.
   */
  async write(v: VRecord, offset: number, data: Uint8Array): Promise<void> {
    if (data.length === 0) return
    const rt = this.ctx.runtime(v)
    enter(rt)
    try {
      rt.dirtyMarked ??= this.ctx.markWritten(v.v_rid)
      await rt.dirtyMarked
      const at = byteExtent(offset, data.length)
      const [first, last] = regionSpan(at)
      await rt.lock.lockShared(first, last)
      try {
        const drl = rt.drl
        const dr = drl?.regionsOf(at.offset, at.length)
        if (drl && dr) await drl.beginWrite(dr[0], dr[1])
        try {
          const plexes = this.ctx.map().plexesOf(v.v_rid)
          const targets: PlRecord[] = []
          let grew = false
          for (const p of plexes) {
            if (p.pl_kstate === 'ENABLED' && p.pl_tflag & PL_TFLAG.WRITE) targets.push(p)
            else grew = this.ctx.stale.add(p.pl_rid, first, last) || grew
          }
          if (grew) await this.ctx.stale.persist()
          const writes = this.ctx.plexIo.writeEach(targets, at.offset, data)
          const results = await failedSettled(writes)
          for (let g = first; g <= last; g++) rt.unflushed.add(g)
          if (results) await this.writeFailed(v, targets, results, at)
        } finally {
          if (drl && dr) drl.endWrite(dr[0], dr[1])
        }
      } finally {
        rt.lock.unlockShared(first, last)
      }
    } finally {
      leave(rt)
    }
  }

  /**
   * Reads `length` bytes at byte `offset` (into `into` when given) from one plex chosen by the
   * read policy among ENABLED plexes with READ that back the range and are not stale there
   * (E 41-44). A failed read is retried on another plex and, with WRITEBACK, the good data is
   * written back (E 45); otherwise the read exception policies apply.
   */
  async read(v: VRecord, offset: number, length: number, into?: Buffer): Promise<Buffer> {
    const rt = this.ctx.runtime(v)
    enter(rt)
    try {
      const at = byteExtent(offset, length)
      if (rt.rwback?.size && v.v_tflag & V_TFLAG.RWBACK) return await this.reads.readRecovering(v, rt, at, into)
      return await this.reads.readFrom(v, at, () => true, false, into)
    } finally {
      leave(rt)
    }
  }

  /**
   * Reads extent `at` of the volume from plexes accepted by `allow`, region by region.
   * `utility` reads (resync, verify) report errors without applying the exception policies.
   */
  readFrom(v: VRecord, at: Extent, allow: (p: PlRecord) => boolean, utility: boolean, into?: Buffer): Promise<Buffer> {
    return this.reads.readFrom(v, at, allow, utility, into)
  }

  /** Can plex `p` serve reads of sectors [s, s+n) (within one region)? */
  canRead(p: PlRecord, s: number, n: number): boolean {
    return this.reads.canRead(p, s, n)
  }

  /** Applies the write exception policy after some plexes failed a write of extent `at`. */
  async writeFailed(v: VRecord, targets: PlRecord[], results: PromiseSettledResult<void>[], at: Extent): Promise<void> {
    const { failed, cause } = this.failuresOf(v, 'write', targets, results, at)
    this.ctx.assertOnline()
    const decision = this.ctx.failures.decide(v, 'write', targets, failed)
    // Never acknowledge a write that no surviving, current plex holds completely.
    const [first, last] = regionSpan(at)
    const current = (p: PlRecord | undefined): p is PlRecord => {
      if (!p || p.pl_kstate !== 'ENABLED' || p.pl_state !== 'ACTIVE' || !(p.pl_tflag & PL_TFLAG.READ) || this.ctx.failures.leaving(p)) return false
      for (let g = first; g <= last; g++) if (this.ctx.stale.isStale(p.pl_rid, g)) return false
      return this.ctx.plexIo.covers(p, at.offset, at.length)
    }
    const now = targets.map((t) => this.ctx.map().plexesOf(v.v_rid).find((p) => p.pl_rid === t.pl_rid))
    const held = now.some((p) => current(p) && !failed.has(p.pl_rid))
    if (!held) {
      // Each current plex may hold part of the failed write: one stays the regions' copy (the
      // preferred plex, else the first) and the others become stale there, so reads agree and a
      // resync makes the plexes equal again (rule 76: nothing reads as current over other bytes).
      const copies = now.filter(current)
      const keep = copies.find((p) => p.pl_name === v.v_pref_name) ?? copies[0]
      for (const p of copies) {
        if (p === keep) continue
        this.ctx.stale.track(p.pl_rid)
        this.ctx.stale.add(p.pl_rid, first, last)
      }
      // Every other target took the write the kept copy may not hold: a write-only one (a plex
      // being attached or handed back), and one detached while the write was in flight, which
      // the detach made stale only where later writes go. It is stale there too, so its hand-over
      // or attach copies the region again instead of enabling it over other bytes (rules 193, 228).
      for (const p of now) {
        if (!keep || !p || copies.includes(p) || p.pl_state === 'LOG') continue
        this.ctx.stale.track(p.pl_rid)
        this.ctx.stale.add(p.pl_rid, first, last)
      }
    }
    await this.ctx.failures.record(v, [...failed], decision, regionsOf(at))
    const bytes = extentBytes(at)
    if (decision.failIo || !held) throw new EngineError('VM_IO', `write to ${v.v_name} at ${bytes.offset}+${bytes.length} failed`, { cause })
  }

  /**
   * Flushes the volume's plexes; regions written before the flush are then durable on every plex
   * that is still current there. A plex whose flush fails is an I/O error of that plex, under the
   * write policies (its unflushed regions become stale, a kernel detach by default), and the flush
   * succeeds while every region written since the last flush is held by a plex that flushed (I78).
   */
  async flush(v: VRecord): Promise<void> {
    const rt = this.ctx.runtime(v)
    const before = rt.unflushed
    rt.unflushed = new RegionSet()
    const targets = this.ctx.map().plexesOf(v.v_rid).filter((p) => p.pl_kstate === 'ENABLED')
    const results = await Promise.allSettled(targets.map((p) => this.ctx.plexIo.flush(p)))
    if (results.every((r) => r.status === 'fulfilled')) return
    try {
      await this.flushFailed(v, targets, results, [...before])
    } catch (e) {
      for (const g of before) rt.unflushed.add(g)
      throw e
    }
  }

  /** Applies the write exception policy after some plexes failed a flush of `regions`. */
  private async flushFailed(v: VRecord, targets: PlRecord[], results: PromiseSettledResult<void>[], regions: number[]): Promise<void> {
    const { failed, cause } = this.failuresOf(v, 'flush', targets, results, NO_EXTENT)
    this.ctx.assertOnline()
    const decision = this.ctx.failures.decide(v, 'write', targets, failed)
    // What the flush promises: every region written since the last one is durable on a current plex.
    const flushed = this.ctx.map().plexesOf(v.v_rid).filter((p) => targets.some((t) => t.pl_rid === p.pl_rid) && !failed.has(p.pl_rid))
    const held = flushed.length > 0 && regions.every((g) => flushed.some((p) => this.ctx.failures.isCurrentCopy(v, p, g)))
    await this.ctx.failures.record(v, [...failed], decision, regions)
    if (decision.failIo || !held) throw new EngineError('VM_IO', `flush of ${v.v_name} failed`, { cause })
  }

  /** The plexes whose I/O of extent `at` failed (one `io.error` each) and the last cause. */
  private failuresOf(v: VRecord, op: 'write' | 'flush', targets: readonly PlRecord[], results: readonly PromiseSettledResult<void>[], at: Extent): { failed: Set<number>; cause: unknown } {
    const failed = new Set<number>()
    let cause: unknown
    targets.forEach((p, i) => {
      const res = results[i]!
      if (res.status === 'fulfilled') return
      failed.add(p.pl_rid)
      cause = res.reason
      this.ioError(v, p, op, at, res.reason)
    })
    return { failed, cause }
  }

  /** The one builder of `io.error`: plex `p` failed `op` on extent `at` (NO_EXTENT for a flush). */
  ioError(v: VRecord, p: PlRecord, op: 'read' | 'write' | 'flush', at: Extent, err: unknown): void {
    this.ctx.ioError({ volume: v.v_name, plex: p.pl_name, disk: this.ctx.plexIo.disksOf(p), op, ...extentBytes(at), code: isEngineError(err) ? err.code : 'VM_IO' })
  }
}
