/**
 * The one region loop behind every data copy and check of a volume: resync, recovery, the
 * attach copy, repair, verify and `plex cp`. For each of `count` regions in order it waits at the
 * gate (abort, pause, throttle), `prepare`s the region (takes its lock and reads what it needs),
 * `apply`s it (writes or compares) and `release`s it (drops the lock), then runs `after`
 * (progress, checkpoints). Double buffering: region i + 1 is prepared, its lock taken and its
 * source read, while region i is applied (or more units ahead, `ahead`).
 *
 * A prepared unit may take several regions in a row (`size`, 1 by default): the copy takes
 * larger units while no foreground I/O waits; `apply`, `release` and `after` see the unit's first
 * index, and the next unit starts after its last.
 *
 * `prepare` releases its own region when it fails; when the loop fails, a region prepared ahead
 * is released before the failure goes back to the caller.
 *
 * A unit may be read apart from its preparing (`load`, rule 387): `prepare` then only takes the
 * unit's locks and decides its size, and the next unit is prepared at once, so the reads of
 * every unit ahead are under way together, queued behind one another on the device (the copy
 * worker never waits for the event loop to hand it the next read). A unit is applied once its
 * load ends; one whose load shrank it (a read of several regions failed: it is its first region
 * alone) has the units prepared after it released and prepared again from its new end.
 */
export interface RegionSteps<P> {
  count: number
  /** Waits before unit `i` is prepared (abort, pause, throttle). */
  gate(i: number): Promise<void>
  prepare(i: number): Promise<P>
  apply(p: P, i: number): Promise<void>
  release(p: P): void
  /** How many regions (from its index) the prepared unit took. */
  size?(p: P): number
  after?(p: P, i: number): Promise<void> | void
  /**
   * Units prepared ahead of the one being applied (1 by default: double buffering). With 2, the
   * read of the unit after next is issued as soon as the next one is prepared (with `load`) or
   * read (without), so a device that runs one call after another (a copy worker) has it queued
   * and never waits for the event loop between units.
   */
  ahead?: number
  /**
   * Reads what a prepared unit needs (rule 387): started as soon as `prepare` returned, without
   * waiting for the unit before it to be read; `apply` runs once it ends. It may shrink the unit
   * (`size` after it is smaller than before); it releases nothing itself.
   */
  load?(p: P): Promise<void>
}

interface Prepared<P> {
  p: P
  i: number
  /** The index after the unit's last region, as prepared. */
  end: number
  /** The unit's load (none without `load`). */
  loaded: Promise<void> | undefined
}

export async function runRegionLoop<P>(steps: RegionSteps<P>): Promise<void> {
  const depth = Math.max(1, steps.ahead ?? 1)
  const sizeOf = (p: P) => Math.max(1, steps.size?.(p) ?? 1)
  let stopped = false
  const prepareAt = async (i: number): Promise<Prepared<P>> => {
    await steps.gate(i)
    const p = await steps.prepare(i)
    const loaded = steps.load?.(p)
    // awaited before the unit is applied or released: its failure is not lost
    loaded?.catch(awaitedLater)
    return { p, i, end: i + sizeOf(p), loaded }
  }
  /** The one after `s`, once `s` is prepared (each unit starts where the one before it ended). */
  const after = (s: Prepared<P> | undefined) => (s && !stopped && s.end < steps.count ? prepareAt(s.end) : undefined)
  /** Releases a unit prepared ahead once its read (if any) is over: nothing reads into what it gives back. */
  const drop = (next: Promise<Prepared<P> | undefined>) =>
    next.then(async (s) => {
      if (!s) return
      await s.loaded?.catch(awaitedLater)
      steps.release(s.p)
    }, releasedByPrepare)
  // units prepared (or being prepared) ahead, in order
  const ahead: Array<Promise<Prepared<P> | undefined>> = []
  try {
    if (steps.count > 0) ahead.push(prepareAt(0))
    for (;;) {
      const cur = await ahead.shift()
      if (!cur) break
      try {
        let last: Promise<Prepared<P> | undefined> | undefined = ahead[ahead.length - 1]
        while (ahead.length < depth) {
          // the one right after the current unit starts now, before it is applied
          const next = last ? last.then(after) : (after(cur) ?? Promise.resolve(undefined))
          // awaited at a later turn, or released in the catch below: its failure is not lost
          next.catch(awaitedLater)
          ahead.push(next)
          last = next
        }
        if (cur.loaded) await cur.loaded
        const end = cur.i + sizeOf(cur.p)
        if (end !== cur.end) {
          // it shrank as it was read: what was prepared after it starts past regions it no longer holds
          for (const next of ahead.splice(0)) await drop(next)
          cur.end = end
          const again = after(cur)
          if (again) {
            again.catch(awaitedLater)
            ahead.push(again)
          }
        }
        await steps.apply(cur.p, cur.i)
      } finally {
        steps.release(cur.p)
      }
      await steps.after?.(cur.p, cur.i)
    }
  } catch (e) {
    stopped = true
    for (const next of ahead) await drop(next)
    throw e
  }
}

function awaitedLater(): void {}

/** A prepare that failed has released its region itself; the loop's own failure is what is reported. */
function releasedByPrepare(): void {}
