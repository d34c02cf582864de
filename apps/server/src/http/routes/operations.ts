import type { Handlers } from '../handler.ts'
import { dgOf, tx, untilTask } from '../handler.ts'

/** The everyday operations of vxassist (engine ops/): add and remove a mirror. */
export const operationRoutes = {
  async 'POST /api/dgs/:dg/volumes/:volume/mirror'(s, ctx) {
    const dg = dgOf(s, ctx)
    const volume = ctx.params.volume!
    const disks = ctx.body.disks ? { disks: ctx.body.disks } : {}
    if (ctx.body.dryRun) return tx(await dg.addMirror(volume, { ...disks, dryRun: true }))
    return untilTask(s, dg, 'attach', volume, (onTask) => dg.addMirror(volume, { ...disks, onTask }))
  },
  async 'POST /api/dgs/:dg/volumes/:volume/unmirror'(s, ctx) {
    const { plex, force, dryRun } = ctx.body
    return tx(await dgOf(s, ctx).removeMirror(ctx.params.volume!, plex, { force: force ?? false, dryRun: dryRun ?? false }))
  },
} satisfies Partial<Handlers>
