/**
 * The one region loop behind every data copy and check of a volume: resync, recovery, the
 * attach copy, repair, verify and `plex cp`. For each of `count` regions in order it waits at the
 * gate (abort, pause, throttle), `prepare`s the region (takes its lock and reads what it needs),
 * `apply`s it (writes or compares) and `release`s it (drops the lock), then runs `after`
 * (progress, checkpoints). Double buffering: region i + 1 is prepared, its lock taken and its
 * source read, while region i is applied.
 *
 * A prepared unit may take several regions in a row (`size`, 1 by default): the copy takes
 * larger units while no foreground I/O waits; `apply`, `release` and `after` see the unit's first
 * index, and the next unit starts after its last.
 *
 * `prepare` releases its own region when it fails; when the loop fails, a region prepared ahead
 * is released before the failure goes back to the caller.
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
}

export async function runRegionLoop<P>(steps: RegionSteps<P>): Promise<void> {
  const prepareAt = async (i: number): Promise<P> => {
    await steps.gate(i)
    return steps.prepare(i)
  }
  let next: Promise<P> | undefined
  try {
    if (steps.count > 0) next = prepareAt(0)
    for (let i = 0; i < steps.count; ) {
      const cur = await next!
      next = undefined
      const end = i + Math.max(1, steps.size?.(cur) ?? 1)
      try {
        if (end < steps.count) {
          next = prepareAt(end)
          // awaited at the next turn, or released in the catch below: its failure is not lost
          next.catch(awaitedLater)
        }
        await steps.apply(cur, i)
      } finally {
        steps.release(cur)
      }
      await steps.after?.(cur, i)
      i = end
    }
  } catch (e) {
    if (next) await next.then((p) => steps.release(p), releasedByPrepare)
    throw e
  }
}

function awaitedLater(): void {}

/** A prepare that failed has released its region itself; the loop's own failure is what is reported. */
function releasedByPrepare(): void {}
