import type { Handlers } from '../handler.ts'
import { dgOf, ok, tx, untilTask } from '../handler.ts'

/** Subdisks into plexes and plexes into volumes: associate, attach, detach, copy, move. */
export const plexRoutes = {
  async 'POST /api/dgs/:dg/subdisks/:sd/assoc'(s, ctx) {
    const { plex, dryRun, ...at } = ctx.body
    return tx(await dgOf(s, ctx).assocSubdisk(plex, { name: ctx.params.sd!, ...at }, { dryRun: dryRun ?? false }))
  },
  async 'POST /api/dgs/:dg/subdisks/:sd/aslog'(s, ctx) {
    return tx(await dgOf(s, ctx).assocLog(ctx.body.plex, ctx.params.sd!, { dryRun: ctx.body.dryRun ?? false }))
  },
  async 'POST /api/dgs/:dg/subdisks/:sd/dis'(s, ctx) {
    return tx(await dgOf(s, ctx).dissociateSubdisk(ctx.params.sd!, { dryRun: ctx.body.dryRun ?? false }))
  },
  async 'POST /api/dgs/:dg/plexes/:plex/att'(s, ctx) {
    const dg = dgOf(s, ctx)
    if (ctx.body.dryRun) return tx(await dg.attachPlex(ctx.body.volume, ctx.params.plex!, { dryRun: true }))
    return untilTask(s, dg, 'attach', ctx.body.volume, (onTask) => dg.attachPlex(ctx.body.volume, ctx.params.plex!, { onTask }))
  },
  async 'POST /api/dgs/:dg/plexes/:plex/det'(s, ctx) {
    return tx(await dgOf(s, ctx).detachPlex(ctx.params.plex!, { force: ctx.body.force ?? false, dryRun: ctx.body.dryRun ?? false }))
  },
  async 'POST /api/dgs/:dg/plexes/:plex/dis'(s, ctx) {
    return tx(await dgOf(s, ctx).dissociatePlex(ctx.params.plex!, { force: ctx.body.force ?? false, dryRun: ctx.body.dryRun ?? false }))
  },
  async 'POST /api/dgs/:dg/plexes/:plex/cp'(s, ctx) {
    const dg = dgOf(s, ctx)
    return untilTask(s, dg, 'copy', ctx.body.volume, (onTask) => dg.copyPlex(ctx.body.volume, ctx.params.plex!, { onTask }))
  },
  async 'POST /api/dgs/:dg/plexes/:plex/mv'(s, ctx) {
    const dg = dgOf(s, ctx)
    const volume = dg.config().plexes.find((p) => p.pl_name === ctx.params.plex)?.pl_v_name ?? ''
    return untilTask(s, dg, 'move', volume, (onTask) => dg.movePlex(ctx.params.plex!, ctx.body.newPlex, { force: ctx.body.force ?? false, onTask }))
  },
  async 'GET /api/dgs/:dg/plexes/:plex/stale'(s, ctx) {
    return ok(dgOf(s, ctx).staleRegions(ctx.params.plex!))
  },
} satisfies Partial<Handlers>
