import { CoalescedWriter } from './coalescedWriter.ts'
import type { PlRecord } from './records/types.ts'
import { RegionSet } from './regionSet.ts'

/**
 * Per-plex stale regions (SEMANTICS.md 3.2 item 3), the md write-intent-bitmap idea: a plex that
 * stops receiving volume writes (detach, kernel detach, OFFLINE) records every region it misses,
 * so reattaching it copies only those; a plex with no entry, or a `full` one, needs everything.
 * `syncErr` marks regions a resync could not write (AIX PP_SYNCERR).
 */
export interface StaleEntry {
  full: boolean
  regions: RegionSet
  syncErr: RegionSet
}

/** A plex's stale regions: everything (`full`), or the regions it missed, and resync errors. */
export interface StaleView {
  regionSectors: number
  full: boolean
  regions: number[]
  syncErrors: number[]
}

export interface StaleMapsImage {
  plexes: Array<{ rid: number; full: boolean; ranges: Array<[number, number]>; syncErr: Array<[number, number]> }>
}

export class StaleMaps {
  private readonly map = new Map<number, StaleEntry>()
  /**
   * Regions a copy made current in memory whose data the target has not flushed yet: the maps
   * written to disk still call them stale until `settle` (a crash must not trust an unflushed copy).
   */
  private readonly unflushed = new Map<number, RegionSet>()
  private readonly writer: CoalescedWriter
  /** Plexes a transaction under way makes entirely stale: written so before it commits (`persistFull`). */
  private readonly goingFull = new Set<number>()

  constructor(write: (image: StaleMapsImage) => Promise<void>, image?: StaleMapsImage) {
    this.writer = new CoalescedWriter(() => write(this.image()))
    for (const p of image?.plexes ?? []) {
      this.map.set(p.rid, { full: p.full, regions: RegionSet.fromRanges(p.ranges), syncErr: RegionSet.fromRanges(p.syncErr ?? []) })
    }
  }

  get(rid: number): StaleEntry | undefined {
    return this.map.get(rid)
  }

  /**
   * What is stale on plex `pl` (drawn over the address space), in regions of `regionSectors`: a
   * plex without an entry is stale everywhere when its state says so (STALE, IOFAIL, EMPTY).
   */
  view(pl: PlRecord, regionSectors: number): StaleView {
    const e = this.map.get(pl.pl_rid)
    const untracked = !e && (pl.pl_state === 'STALE' || pl.pl_state === 'IOFAIL' || pl.pl_state === 'EMPTY')
    return { regionSectors, full: untracked || !!e?.full, regions: e ? [...e.regions] : [], syncErrors: e ? [...e.syncErr] : [] }
  }

  /** Starts tracking a plex that just stopped receiving writes and was current until now. */
  track(rid: number): void {
    if (!this.map.has(rid)) {
      this.map.set(rid, { full: false, regions: new RegionSet(), syncErr: new RegionSet() })
      this.writer.changed()
    }
  }

  /** Marks a plex entirely stale (new plex, replaced disk, crash without a log). */
  setFull(rid: number): void {
    this.unflushed.delete(rid)
    const e = this.map.get(rid)
    if (e?.full) return
    this.map.set(rid, { full: true, regions: new RegionSet(), syncErr: e?.syncErr ?? new RegionSet() })
    this.writer.changed()
  }

  /**
   * Writes plexes `rids` to disk as entirely stale without changing what is tracked of them, for
   * a transaction that makes them so and commits after (a crash after its commit finds them
   * full): `commitFull` makes them full as it commits; `dropFull` as it fails, and the next write
   * of the maps records what is tracked again (rule 82).
   */
  persistFull(rids: readonly number[]): Promise<void> {
    for (const rid of rids) this.goingFull.add(rid)
    this.writer.changed()
    return this.persist()
  }

  /** The transaction of `persistFull` committed: its plexes are entirely stale. */
  commitFull(rids: readonly number[]): void {
    for (const rid of rids) {
      this.goingFull.delete(rid)
      this.setFull(rid)
    }
  }

  /** The transaction of `persistFull` failed: its plexes are what is tracked of them again. */
  dropFull(rids: readonly number[]): void {
    for (const rid of rids) this.goingFull.delete(rid)
    this.writer.changed()
  }

  /**
   * Turns a full (or missing) entry into an explicit set of `n` regions so that progress can be
   * recorded region by region.
   */
  expand(rid: number, n: number): StaleEntry {
    const e = this.map.get(rid)
    if (!e) {
      // untracked: nothing is known about what it missed, so everything is stale
      const ne = { full: false, regions: RegionSet.all(n), syncErr: new RegionSet() }
      this.map.set(rid, ne)
      this.writer.changed()
      return ne
    }
    if (e.full) {
      e.full = false
      e.regions = RegionSet.all(n)
      this.writer.changed()
    }
    return e
  }

  /** Adds missed regions to a tracked plex; returns true when the set grew (must persist). */
  add(rid: number, first: number, last: number): boolean {
    const e = this.map.get(rid)
    if (!e || e.full) return false
    let grew = false
    for (let r = first; r <= last; r++) grew = e.regions.add(r) || grew
    if (grew) this.writer.changed()
    return grew
  }

  /**
   * Rule 459: forgets the regions of plexes `rids` from region `n` on (a volume shrunk to `n`
   * regions: the space beyond is no plex's any more, so no copy will ever make it current);
   * true when something was forgotten (must persist).
   */
  trim(rids: readonly number[], n: number): boolean {
    let changed = false
    for (const rid of rids) {
      const e = this.map.get(rid)
      if (!e) continue
      for (const set of [e.regions, e.syncErr, this.unflushed.get(rid)]) {
        for (const r of set ? [...set].filter((x) => x >= n) : []) changed = set!.delete(r) || changed
      }
    }
    if (changed) this.writer.changed()
    return changed
  }

  /**
   * Clears a region of a plex after it was copied; on disk it stays stale until `settle` says
   * the copy was flushed.
   */
  clear(rid: number, r: number): void {
    const e = this.map.get(rid)
    if (e && !e.full && e.regions.delete(r)) {
      let u = this.unflushed.get(rid)
      if (!u) this.unflushed.set(rid, (u = new RegionSet()))
      u.add(r)
    }
    if (e && e.syncErr.delete(r)) this.writer.changed()
  }

  /** Copied regions not flushed yet, by plex (copies: a flush settles exactly these). */
  unsettled(): Array<[number, RegionSet]> {
    return [...this.unflushed].map(([rid, u]) => [rid, u.clone()])
  }

  /**
   * After a flush of plex `rid` that started once `regions` were copied: they are current on
   * disk too (`flushed`), or, when the flush failed, stale again with a resync error.
   */
  settle(rid: number, regions: RegionSet, flushed: boolean): void {
    const u = this.unflushed.get(rid)
    const e = this.map.get(rid)
    if (!u) return
    for (const r of regions) {
      if (!u.delete(r) || !e) continue
      if (!flushed) {
        e.regions.add(r)
        e.syncErr.add(r)
      }
    }
    if (u.size === 0) this.unflushed.delete(rid)
    this.writer.changed()
  }

  markSyncErr(rid: number, r: number): void {
    const e = this.map.get(rid)
    if (e && e.syncErr.add(r)) this.writer.changed()
  }

  drop(rid: number): void {
    this.unflushed.delete(rid)
    if (this.map.delete(rid)) this.writer.changed()
  }

  /** Is region `r` of plex `rid` stale? Untracked plexes are not stale here (their state says). */
  isStale(rid: number, r: number): boolean {
    const e = this.map.get(rid)
    return !!e && (e.full || e.regions.has(r))
  }

  rids(): number[] {
    return [...this.map.keys()]
  }

  image(): StaleMapsImage {
    const plexes: StaleMapsImage['plexes'] = [...this.map].map(([rid, e]) => {
      const full = e.full || this.goingFull.has(rid)
      return { rid, full, ranges: full ? [] : this.onDisk(rid, e).ranges(), syncErr: e.syncErr.ranges() }
    })
    for (const rid of this.goingFull) if (!this.map.has(rid)) plexes.push({ rid, full: true, ranges: [], syncErr: [] })
    return { plexes }
  }

  /** The stale regions the disk copy of the maps holds: the current ones and the unflushed copies. */
  private onDisk(rid: number, e: StaleEntry): RegionSet {
    const u = this.unflushed.get(rid)
    if (!u) return e.regions
    const all = e.regions.clone()
    for (const r of u) all.add(r)
    return all
  }

  /** True when the maps changed since they were last written. */
  get pending(): boolean {
    return this.writer.pending
  }

  /** Writes the maps if they changed since the last write (coalescing concurrent callers). */
  persist(): Promise<void> {
    return this.writer.persist()
  }
}
