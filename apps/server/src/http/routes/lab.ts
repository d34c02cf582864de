import type { Handlers } from '../handler.ts'
import { ok } from '../handler.ts'

/** The lab: fail, restore and slow disks, run a write load. */
export const labRoutes = {
  async 'GET /api/lab'(s) {
    return ok(s.lab.view())
  },
  async 'POST /api/lab/dgs/:dg/disks/:disk/fail'(s, ctx) {
    s.lab.failDisk(ctx.params.dg!, ctx.params.disk!, ctx.body.mode)
    return ok(s.lab.view())
  },
  async 'POST /api/lab/dgs/:dg/disks/:disk/restore'(s, ctx) {
    s.lab.restoreDisk(ctx.params.dg!, ctx.params.disk!)
    return ok(s.lab.view())
  },
  async 'POST /api/lab/dgs/:dg/disks/:disk/latency'(s, ctx) {
    s.lab.setLatency(ctx.params.dg!, ctx.params.disk!, ctx.body.ms)
    return ok(s.lab.view())
  },
  async 'POST /api/lab/load'(s, ctx) {
    const r = await s.lab.startLoad(ctx.body.dg, ctx.body.volume, ctx.body.writesPerSecond, ctx.body.blockBytes)
    return ok({ ...s.lab.view(), journal: r.journal }, 201)
  },
  async 'POST /api/lab/load/stop'(s, ctx) {
    s.lab.stopLoad(ctx.body.dg, ctx.body.volume)
    return ok(s.lab.view())
  },
} satisfies Partial<Handlers>
