import { type BlockDevice, type WriteOptions, readInto } from '../device/blockDevice.ts'
import { fail } from '../errors.ts'
import { type PlexPiece, mapPlan } from '../layout/plexMap.ts'
import { type PlRecord, SD_PFLAG, type SdRecord } from '../records/types.ts'
import { bytesToSectors, sectorsToBytes } from '../units.ts'
import type { IoMap } from './ioMap.ts'

const OVERLAP: WriteOptions = { overlap: true }

/** Per-plex I/O counters since the group was imported. */
export interface IoStats {
  reads: number
  writes: number
  readBytes: number
  writeBytes: number
}

/**
 * Plex I/O in one place: a plex's sectors mapped onto its subdisks' devices (holes read as zeros,
 * writes into holes and to IGNORE_WRITES subdisks dropped), its flush, and its counters. It
 * looks everything up in the current I/O map; it applies no policy (that is the volume I/O's and
 * the exception policy's).
 */
/** A new place of part of a moving subdisk: sectors [from, from+len) of the subdisk go to disk `dm` from device sector `devOffset`. */
export interface ShadowPlace {
  dm: number
  devOffset: number
  from: number
  len: number
}

export class PlexIo {
  private readonly counters = new Map<number, IoStats>()
  private readonly map: () => IoMap
  /**
   * Subdisks being moved (ops/subdiskMove.ts, vxsd mv): every write to the subdisk also goes to
   * its new places until the move commits, so the copy never falls behind the writes.
   */
  private readonly shadows = new Map<number, readonly ShadowPlace[]>()

  constructor(map: () => IoMap) {
    this.map = map
  }

  /** The pieces of plex `p` for sectors [s, s+n). */
  pieces(p: PlRecord, s: number, n: number): PlexPiece[] {
    return mapPlan(this.map().plan(p), s, n)
  }

  /** Does plex `p` back every sector of [s, s+n)? */
  covers(p: PlRecord, s: number, n: number): boolean {
    if (p.pl_contig_len >= s + n) return true
    return this.pieces(p, s, n).every((x) => x.sd)
  }

  /** Reads sectors [s, s+n) of plex `p` (into `into` when given); holes read as zeros. */
  async read(p: PlRecord, s: number, n: number, into?: Buffer): Promise<Buffer> {
    const pieces = this.pieces(p, s, n)
    this.count(p, 'read', sectorsToBytes(n))
    if (!into && pieces.length === 1 && pieces[0]!.sd) {
      const x = pieces[0]!
      return this.device(x.sd!).read(sectorsToBytes(x.sd!.sd_dev_offset + x.sdOffset), sectorsToBytes(n))
    }
    // the pieces cover the range exactly: each is read (or zeroed, for a hole) in place
    const out = into ?? Buffer.allocUnsafe(sectorsToBytes(n))
    await Promise.all(
      pieces.map(async (x) => {
        const part = out.subarray(sectorsToBytes(x.plexOffset - s), sectorsToBytes(x.plexOffset - s + x.length))
        if (!x.sd) return void part.fill(0)
        await readInto(this.device(x.sd), sectorsToBytes(x.sd.sd_dev_offset + x.sdOffset), part)
      }),
    )
    return out
  }

  /** Writes `data` at sector `s` of plex `p`; pieces falling into holes are dropped. */
  write(p: PlRecord, s: number, data: Uint8Array, opts?: WriteOptions): Promise<void> {
    let pieces: PlexPiece[]
    try {
      pieces = this.pieces(p, s, bytesToSectors(data.length))
    } catch (e) {
      return Promise.reject(e)
    }
    this.count(p, 'write', data.length)
    // one piece (a concat plex's subdisk, a write inside one stripe unit): no array of promises
    if (pieces.length === 1) return this.writePiece(pieces[0]!, s, data, opts)
    return Promise.all(pieces.map((x) => this.writePiece(x, s, data, opts))).then(() => {})
  }

  /**
   * Writes `data` at sector `s` of every plex of `targets` at once (a mirrored write, rules 176
   * and 565), one promise each, in `targets`' order. Every plex but the first is asked to overlap
   * and issued first: an image file takes the threadpool for it where that pays (rule 210: its
   * writes of that size have been slower on the calling thread than half a round trip through the
   * threadpool); then the first plex is written as a one-plex write is (on the calling thread while
   * its device is fast), beside the others' threads instead of a threadpool round trip of its own.
   * A 4 KiB write into the page cache stays on the calling thread for every plex. Callers order
   * what must come before the data (kernel log, stale map, DRL bit) before they call this.
   */
  writeEach(targets: readonly PlRecord[], s: number, data: Uint8Array): Promise<void>[] {
    const n = targets.length
    if (n === 1) return [this.write(targets[0]!, s, data)]
    const out = new Array<Promise<void>>(n)
    for (let i = 1; i < n; i++) out[i] = this.write(targets[i]!, s, data, OVERLAP)
    if (n > 0) out[0] = this.write(targets[0]!, s, data)
    return out
  }

  /** Rule 400: writes to subdisk `sdRid` go to its new places `to` too. */
  shadow(sdRid: number, to: readonly ShadowPlace[]): void {
    this.shadows.set(sdRid, to)
  }

  /** Ends `shadow`. */
  unshadow(sdRid: number): void {
    this.shadows.delete(sdRid)
  }

  /** Flushes every device holding a subdisk of plex `p` (and the new place of one being moved). */
  async flush(p: PlRecord): Promise<void> {
    const map = this.map()
    const dms = new Set(map.subdisksOf(p.pl_rid).flatMap((s) => {
      return [s.sd_dm_rid, ...(this.shadows.get(s.sd_rid) ?? []).map((x) => x.dm)]
    }))
    await Promise.all([...dms].map((rid) => map.device(rid)?.flush()))
  }

  /** The disks plex `p` lies on, comma-separated (for events). */
  disksOf(p: PlRecord): string {
    return [...new Set(this.map().subdisksOf(p.pl_rid).map((s) => s.sd_dm_name))].join(',')
  }

  /**
   * The disks under plex `p`'s data subdisks that cannot take an `op` now: without a device, or
   * whose device knows it fails every such operation (`BlockDevice.failing`, rule 341).
   */
  failedDisks(p: PlRecord, op: 'read' | 'write'): string[] {
    const map = this.map()
    const out = new Set<string>()
    for (const sd of map.subdisksOf(p.pl_rid)) {
      const dev = map.device(sd.sd_dm_rid)
      if (!dev || dev.failing?.(op)) out.add(sd.sd_dm_name)
    }
    return [...out]
  }

  /**
   * Rule 455: the disks under plex `p`'s data subdisks that fail a probe now, as a device that does
   * not know it fails (`failing` absent or false: an image file whose I/O errors, an NBD server
   * answering every request with an error) is seen only by trying it: one sector of each disk at
   * the start of its first subdisk of `p` is read and, when `write`, written back with the bytes
   * read and flushed. The plex must get no I/O meanwhile (a detached or unassociated plex): the
   * write-back puts back what the read saw. `logs`: its log subdisks (not in the I/O map), tried the same way (rule 475).
   */
  async probeDisks(p: PlRecord, write: boolean, logs: readonly SdRecord[] = []): Promise<string[]> {
    const map = this.map()
    const seen = new Map<number, SdRecord>()
    for (const sd of [...map.subdisksOf(p.pl_rid), ...logs]) if (!seen.has(sd.sd_dm_rid)) seen.set(sd.sd_dm_rid, sd)
    const failed = await Promise.all([...seen.values()].map(async (sd) => {
      const dev = map.device(sd.sd_dm_rid)
      if (!dev) return sd.sd_dm_name
      const at = sectorsToBytes(sd.sd_dev_offset)
      try {
        const sector = await dev.read(at, sectorsToBytes(1))
        if (write) {
          await dev.write(at, sector)
          await dev.flush()
        }
        return undefined
      } catch (e) {
        if ((e as { code?: string }).code !== 'VM_IO') throw e
        return sd.sd_dm_name
      }
    }))
    return failed.filter((x): x is string => x !== undefined)
  }

  /** The counters of plex `rid` (zeros for a plex that did no I/O). */
  stats(rid: number): IoStats {
    return { ...(this.counters.get(rid) ?? { reads: 0, writes: 0, readBytes: 0, writeBytes: 0 }) }
  }

  private count(p: PlRecord, op: 'read' | 'write', bytes: number): void {
    let st = this.counters.get(p.pl_rid)
    if (!st) this.counters.set(p.pl_rid, (st = { reads: 0, writes: 0, readBytes: 0, writeBytes: 0 }))
    if (op === 'read') {
      st.reads++
      st.readBytes += bytes
    } else {
      st.writes++
      st.writeBytes += bytes
    }
  }

  /** Writes the part of `data` (at plex sector `s`) that piece `x` maps; a hole drops it. */
  private writePiece(x: PlexPiece, s: number, data: Uint8Array, opts: WriteOptions | undefined): Promise<void> {
    if (!x.sd || x.sd.sd_pflag & SD_PFLAG.IGNORE_WRITES) return Promise.resolve()
    const from = sectorsToBytes(x.plexOffset - s)
    const part = from === 0 && x.length === bytesToSectors(data.length) ? data : data.subarray(from, from + sectorsToBytes(x.length))
    try {
      const done = this.device(x.sd).write(sectorsToBytes(x.sd.sd_dev_offset + x.sdOffset), part, opts)
      const to = this.shadows.size ? this.shadows.get(x.sd.sd_rid) : undefined
      if (!to) return done
      return Promise.all([done, ...to.map((t) => this.shadowWrite(t, x.sdOffset, part, opts))]).then(() => {})
    } catch (e) {
      return Promise.reject(e)
    }
  }

  /** The part of a write at `sdOffset` of a moving subdisk that lands in its new place `to` (`shadow`). */
  private async shadowWrite(to: ShadowPlace, sdOffset: number, part: Uint8Array, opts: WriteOptions | undefined): Promise<void> {
    const a = Math.max(sdOffset, to.from)
    const b = Math.min(sdOffset + bytesToSectors(part.length), to.from + to.len)
    if (a >= b) return
    const dev = this.map().device(to.dm) ?? fail('VM_IO', 'the disk a subdisk moves to is not available')
    await dev.write(sectorsToBytes(to.devOffset + (a - to.from)), part.subarray(sectorsToBytes(a - sdOffset), sectorsToBytes(b - sdOffset)), opts)
  }

  private device(sd: SdRecord): BlockDevice {
    return this.map().device(sd.sd_dm_rid) ?? fail('VM_IO', `the disk of ${sd.sd_name} is not available`)
  }
}
