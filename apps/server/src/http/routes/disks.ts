import { taskMeta } from '../../services.ts'
import { withDiskDevice } from '../diskDevice.ts'
import type { Handlers } from '../handler.ts'
import { dgOf, ok, taskStarted, tx } from '../handler.ts'

/** Disks of a group: add, remove, replace, resync. */
export const diskRoutes = {
  async 'GET /api/disks/free'(s) {
    return ok({ disks: await s.storage.freeImages() })
  },
  async 'POST /api/dgs/:dg/disks'(s, ctx) {
    const dg = dgOf(s, ctx)
    const { name, force, dryRun } = ctx.body
    const r = await withDiskDevice(s, dg.name, name, ctx.body, async (device) => {
      const r = await dg.addDisk({ name, device }, { dryRun: dryRun ?? false, force: force ?? false })
      if (!dryRun) s.storage.group(dg.name).devices.set(name, device)
      return r
    })
    if (!dryRun && ctx.body.path) await s.storage.rememberExternal(ctx.body.path)
    return tx(r)
  },
  async 'POST /api/dgs/:dg/disks/:disk/remove'(s, ctx) {
    const dg = dgOf(s, ctx)
    const r = await dg.removeDisk(ctx.params.disk!, { dryRun: ctx.body.dryRun ?? false })
    if (!ctx.body.dryRun) s.lab.forgetDevice(dg.name, ctx.params.disk!)
    return tx(r)
  },
  async 'POST /api/dgs/:dg/disks/:disk/replace'(s, ctx) {
    const dg = dgOf(s, ctx)
    const disk = ctx.params.disk!
    const { force, dryRun } = ctx.body
    const r = await withDiskDevice(s, dg.name, `${disk}-r${Date.now().toString(36)}`, ctx.body, async (device) => {
      const r = await dg.replaceDisk(disk, device, { dryRun: dryRun ?? false, force: force ?? false })
      if (!dryRun) {
        s.storage.group(dg.name).devices.set(disk, device)
        s.lab.forgetDevice(dg.name, disk)
      }
      return r
    })
    if (!dryRun && ctx.body.path) await s.storage.rememberExternal(ctx.body.path)
    return tx(r)
  },
  async 'POST /api/dgs/:dg/disks/:disk/resync'(s, ctx) {
    const dg = dgOf(s, ctx)
    if (ctx.body.dryRun) return ok(dg.planResyncDisk(ctx.params.disk!, ctx.body.force))
    const meta = taskMeta(dg, { disk: ctx.params.disk! })
    return taskStarted(s, dg, 'resync', meta, () => dg.resyncDisk(ctx.params.disk!, ctx.body.force, { ...(ctx.body.mode ? { mode: ctx.body.mode } : {}), ...(ctx.body.throttle !== undefined ? { throttle: ctx.body.throttle } : {}) }))
  },
} satisfies Partial<Handlers>
