import { isLogPlexRec } from '../records/plexState.ts'
import type { VRecord } from '../records/types.ts'
import type { TaskHandle } from '../tasks/taskRegistry.ts'
import { deliveredToCaller } from '../failures.ts'
import { SECTOR_SIZE } from '../units.ts'
import { REGION_SECTORS, type SyncContext, regionSpan } from './regionCopy.ts'
import { runRegionLoop } from './regionLoop.ts'

export interface VerifyReport {
  volume: string
  regionSectors: number
  regionsChecked: number
  mismatches: Array<{ region: number; offset: number; length: number; groups: string[][] }>
}

interface ReadRegion {
  g: number
  s: number
  n: number
  release: () => void
  groups: Array<{ data: Buffer; plexes: string[] }>
}

/**
 * Compares every plex of a started volume region by region without changing anything and
 * reports the regions where they differ (offset, length, which plexes agree with which). Each
 * region is read from every current plex that backs it under the region's exclusive lock.
 */
export function runVerify(ctx: SyncContext, v: VRecord): TaskHandle<VerifyReport> {
  const n = Math.ceil(v.v_len / REGION_SECTORS)
  const task = ctx.tasks.start('verify', v.v_name, v.v_len * SECTOR_SIZE)
  const done = (async (): Promise<VerifyReport> => {
    const mismatches: VerifyReport['mismatches'] = []
    try {
      await runRegionLoop<ReadRegion>({
        count: n,
        // a throttled verify reads one region a unit, charged before it is read (rule 162)
        gate: (g) => task.gate(task.throttle > 0 ? regionSpan(v.v_len, g).n * SECTOR_SIZE : 0),
        prepare: async (g) => {
          const { s, n: len } = regionSpan(v.v_len, g)
          const rt = ctx.runtime(v)
          await rt.lock.lockExclusive(g)
          const region: ReadRegion = { g, s, n: len, release: () => rt.lock.unlockExclusive(g), groups: [] }
          try {
            const cfg = ctx.cfg()
            const plexes = ctx.plexesOf(v.v_rid).filter((p) => !isLogPlexRec(cfg, p) && p.pl_state !== 'OFFLINE' && !ctx.stale.isStale(p.pl_rid, g) && p.pl_state !== 'STALE' && ctx.covers(p, s, len))
            for (const p of plexes) {
              const data = await ctx.readPlex(p, s, len).catch(takesNoPart)
              if (!data) continue
              const same = region.groups.find((x) => x.data.equals(data))
              if (same) same.plexes.push(p.pl_name)
              else region.groups.push({ data, plexes: [p.pl_name] })
            }
            return region
          } catch (e) {
            region.release()
            throw e
          }
        },
        apply: async (r) => {
          if (r.groups.length > 1) mismatches.push({ region: r.g, offset: r.s * SECTOR_SIZE, length: r.n * SECTOR_SIZE, groups: r.groups.map((x) => x.plexes) })
        },
        release: (r) => r.release(),
        after: (r) => ctx.tasks.progress(task, r.n * SECTOR_SIZE),
      })
      ctx.tasks.finish(task, 'ok')
      return { volume: v.v_name, regionSectors: REGION_SECTORS, regionsChecked: n, mismatches }
    } catch (e) {
      ctx.tasks.fail(task, e)
      throw e
    }
  })()
  deliveredToCaller(done)
  return { id: task.id, done }
}

/** A plex that cannot be read in a region takes no part in that region's comparison. */
function takesNoPart(): undefined {
  return undefined
}
