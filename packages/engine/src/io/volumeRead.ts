import { EngineError } from '../errors.ts'
import { type PlRecord, PL_TFLAG, type VRecord, V_PFLAG } from '../records/types.ts'
import { REGION_SECTORS } from '../resync/regionCopy.ts'
import { sectorsToBytes } from '../units.ts'
import { type Extent, extent, extentBytes, regionsOf } from './extent.ts'
import { orderForRead, preferSame } from './readPolicy.ts'
import type { VolumeIo, VolumeIoContext, VolumeIoRuntime } from './volumeIo.ts'

/**
 * The volume read path (E 41-45): a read from one plex the read policy chooses, region by region;
 * a failed read retried on another plex and written back (WRITEBACK) or handed to the read
 * exception policies; and reads during a read-writeback recovery (rule 75), which write back what
 * they return.
 */
export class VolumeRead {
  private readonly ctx: VolumeIoContext
  /** The write side: its exception policy for a write-back that fails, and the `io.error` builder. */
  private readonly io: Pick<VolumeIo, 'writeFailed' | 'ioError'>

  constructor(ctx: VolumeIoContext, io: Pick<VolumeIo, 'writeFailed' | 'ioError'>) {
    this.ctx = ctx
    this.io = io
  }

  /** Can plex `p` serve reads of sectors [s, s+n) (within one region)? */
  canRead(p: PlRecord, s: number, n: number): boolean {
    if (p.pl_kstate !== 'ENABLED' || !(p.pl_tflag & PL_TFLAG.READ) || p.pl_state === 'STALE' || p.pl_state === 'LOG') return false
    if (this.ctx.stale.isStale(p.pl_rid, Math.floor(s / REGION_SECTORS))) return false
    return this.ctx.plexIo.covers(p, s, n)
  }

  /**
   * A read during read-writeback recovery (V_TFLAG.RWBACK, rule 75): a region not yet recovered
   * is read under its exclusive lock and written back to the other writable plexes before it is
   * returned, so every later read of it, from any plex, returns the same data. Runs of regions
   * already recovered (or never at risk) are read as usual.
   */
  async readRecovering(v: VRecord, rt: VolumeIoRuntime, at: Extent, into?: Buffer): Promise<Buffer> {
    const { offset: s, length: n } = at
    const out = into ?? Buffer.allocUnsafe(sectorsToBytes(n))
    const pending = (pos: number) => rt.rwback?.has(Math.floor(pos / REGION_SECTORS)) ?? false
    let pos = s
    while (pos < s + n) {
      const back = pending(pos)
      let end = Math.min((Math.floor(pos / REGION_SECTORS) + 1) * REGION_SECTORS, s + n)
      // plain reads run on over the regions that need no writeback; each writeback is one region
      while (!back && end < s + n && !pending(end)) end = Math.min(end + REGION_SECTORS, s + n)
      const part = out.subarray(sectorsToBytes(pos - s), sectorsToBytes(end - s))
      const run = extent(pos, end - pos)
      if (!back) await this.readFrom(v, run, () => true, false, part)
      else {
        const g = Math.floor(pos / REGION_SECTORS)
        await rt.lock.lockExclusive(g)
        try {
          const cur = this.ctx.volume(v.v_rid) ?? v
          await this.readFrom(cur, run, () => true, false, part)
          if (rt.rwback?.has(g)) await this.writeBack(cur, rt, rt.lastReadPlex, run, part)
        } finally {
          rt.lock.unlockExclusive(g)
        }
      }
      pos = end
    }
    return out
  }

  /**
   * Writes what plex `source` returned for extent `at` to every other writable data plex, as a
   * foreground write would (dirty region first; a failing plex under the write policies). The
   * caller holds the region exclusively.
   */
  private async writeBack(v: VRecord, rt: VolumeIoRuntime, source: number, at: Extent, data: Buffer): Promise<void> {
    const plexes = this.ctx.map().plexesOf(v.v_rid).filter((p) => p.pl_kstate === 'ENABLED' && p.pl_tflag & PL_TFLAG.WRITE && p.pl_state !== 'LOG')
    const from = plexes.find((p) => p.pl_rid === source)
    const targets = plexes.filter((p) => p !== from)
    if (!from || targets.length === 0) return
    const drl = rt.drl
    const dr = drl?.regionsOf(at.offset, at.length)
    if (drl && dr) await drl.beginWrite(dr[0], dr[1])
    try {
      const results = await Promise.allSettled(this.ctx.plexIo.writeEach(targets, at.offset, data))
      rt.unflushed.add(Math.floor(at.offset / REGION_SECTORS))
      if (results.some((x) => x.status === 'rejected')) await this.io.writeFailed(v, [from, ...targets], [{ status: 'fulfilled', value: undefined }, ...results], at)
    } finally {
      if (drl && dr) drl.endWrite(dr[0], dr[1])
    }
  }

  /**
   * Reads extent `at` of the volume from plexes accepted by `allow`, region by region.
   * `utility` reads (resync, verify) report errors without applying the exception policies.
   */
  async readFrom(v: VRecord, at: Extent, allow: (p: PlRecord) => boolean, utility: boolean, into?: Buffer): Promise<Buffer> {
    const { offset: s, length: n } = at
    const rt = this.ctx.runtime(v)
    const plexes = this.ctx.map().plexesOf(v.v_rid).filter(allow)
    // every byte is filled by exactly one plex read below
    let out: Buffer = into ?? Buffer.allocUnsafe(sectorsToBytes(n))
    let pos = s
    let first = true
    while (pos < s + n) {
      const regionEnd = (Math.floor(pos / REGION_SECTORS) + 1) * REGION_SECTORS
      let len = Math.min(regionEnd, s + n) - pos
      const candidates = plexes.filter((p) => this.canRead(p, pos, len))
      const ordered = first ? orderForRead(v, candidates, { plex: rt.lastReadPlex, end: rt.lastReadEnd }, pos) : preferSame(candidates, rt.lastReadPlex)
      // Extend the run while the chosen plex can keep serving the following regions.
      const chosen = ordered[0]
      if (chosen) {
        while (pos + len < s + n) {
          const nextLen = Math.min(REGION_SECTORS, s + n - pos - len)
          if (!this.canRead(chosen, pos + len, nextLen)) break
          len += nextLen
        }
      }
      const failed: PlRecord[] = []
      let lastErr: unknown
      let good: PlRecord | undefined
      for (const p of ordered) {
        if (failed.length && !this.ctx.plexIo.covers(p, pos, len)) continue
        try {
          if (!into && pos === s && len === n) out = await this.ctx.plexIo.read(p, pos, len) // one plex served all of it: its buffer
          else await this.ctx.plexIo.read(p, pos, len, out.subarray(sectorsToBytes(pos - s), sectorsToBytes(pos - s + len)))
          rt.lastReadPlex = p.pl_rid
          good = p
          break
        } catch (e) {
          lastErr = e
          failed.push(p)
          this.io.ioError(v, p, 'read', extent(pos, len), e)
        }
      }
      if (failed.length && !utility) await this.readFailed(v, ordered, failed, good, extent(pos, len), out.subarray(sectorsToBytes(pos - s), sectorsToBytes(pos - s + len)))
      if (!good) throw new EngineError('VM_IO', `no plex of ${v.v_name} could serve sectors ${pos}+${len}`, lastErr === undefined ? undefined : { cause: lastErr })
      first = false
      pos += len
    }
    rt.lastReadEnd = s + n
    return out
  }

  /** After failed reads: write the good data back (WRITEBACK), else apply the read policies. */
  private async readFailed(v: VRecord, tried: PlRecord[], failed: PlRecord[], good: PlRecord | undefined, at: Extent, data: Buffer): Promise<void> {
    let stillFailed = failed
    if (good && v.v_pflag & V_PFLAG.WRITEBACK) {
      const rt = this.ctx.runtime(v)
      const region = Math.floor(at.offset / REGION_SECTORS)
      await rt.lock.lockExclusive(region)
      try {
        // Re-read under the lock so a concurrent write is never overwritten with older data.
        const fresh = await this.ctx.plexIo.read(good, at.offset, at.length).catch(() => data)
        const ok = await Promise.all(failed.map((p) => this.ctx.plexIo.write(p, at.offset, fresh).then(() => true, () => false)))
        stillFailed = failed.filter((_, i) => !ok[i])
      } finally {
        rt.lock.unlockExclusive(region)
      }
    }
    if (stillFailed.length === 0) return
    const failedSet = new Set(stillFailed.map((p) => p.pl_rid))
    const decision = this.ctx.failures.decide(v, 'read', tried, failedSet)
    await this.ctx.failures.record(v, [...failedSet], decision, regionsOf(at))
    if (decision.failIo && good) throw new EngineError('VM_IO', `read of ${v.v_name} at ${extentBytes(at).offset} failed on a plex`)
  }
}
