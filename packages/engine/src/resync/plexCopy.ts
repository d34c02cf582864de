import type { PlRecord, VRecord } from '../records/types.ts'
import { SECTOR_SIZE } from '../units.ts'
import { REGION_SECTORS, type SyncContext, regionSpan } from './regionCopy.ts'
import { runRegionLoop } from './regionLoop.ts'

/**
 * vxplex cp's copy: the whole of a stopped volume's `source` plex into the unassociated `target`,
 * region by region, then a flush of the target. The volume is stopped, so no region lock is
 * needed; the task stops at an abort between regions (it takes no pause or throttle).
 */
export async function runPlexCopy(ctx: SyncContext, v: VRecord, source: PlRecord, target: PlRecord, onTask?: (taskId: string) => void): Promise<void> {
  const task = ctx.tasks.start('copy', v.v_name, v.v_len * SECTOR_SIZE)
  onTask?.(task.id)
  try {
    await runRegionLoop<{ s: number; n: number; data: Buffer }>({
      count: Math.ceil(v.v_len / REGION_SECTORS),
      gate: async () => task.throwIfAborted(),
      prepare: async (g) => {
        const { s, n } = regionSpan(v.v_len, g)
        return { s, n, data: await ctx.readPlex(source, s, n) }
      },
      apply: (r) => ctx.writePlex(target, r.s, r.data),
      release: () => {},
      after: (r) => ctx.tasks.progress(task, r.n * SECTOR_SIZE),
    })
    await ctx.flushPlex(target)
    ctx.tasks.finish(task, 'ok')
  } catch (e) {
    // a copy ends 'failed' whatever stopped it (an abort's code says VM_ABORTED)
    ctx.tasks.finish(task, 'failed', e)
    throw e
  }
}
