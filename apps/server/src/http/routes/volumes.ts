import type { ReplyOf } from '@plexa/protocol'
import { taskMeta } from '../../services.ts'
import type { Handlers, Reply } from '../handler.ts'
import { dgOf, ok, taskStarted, tx } from '../handler.ts'

/** Volumes: start (answering once started when recovery goes on), stop, resync, verify, repair. */
export const volumeRoutes = {
  async 'POST /api/dgs/:dg/volumes/:volume/start'(s, ctx) {
    const dg = dgOf(s, ctx)
    if (ctx.body.dryRun) return tx(await dg.start(ctx.params.volume!, { dryRun: true }))
    return new Promise<Reply<ReplyOf<'POST /api/dgs/:dg/volumes/:volume/start'>>>((resolve, reject) => {
      let answered = false
      dg.start(ctx.params.volume!, {
        delayRecover: ctx.body.delayRecover ?? false,
        onStarted: (r) => {
          answered = true
          resolve(ok({ ...r, recovering: true as const }))
        },
      }).then(
        (r) => !answered && resolve(ok(r)),
        (e) => !answered && reject(e),
      )
    })
  },
  async 'POST /api/dgs/:dg/volumes/:volume/init'(s, ctx) {
    return tx(await dgOf(s, ctx).initVolume(ctx.params.volume!, ctx.body.type, ctx.body.plex, { dryRun: ctx.body.dryRun ?? false }))
  },
  async 'POST /api/dgs/:dg/volumes/:volume/stop'(s, ctx) {
    return tx(await dgOf(s, ctx).stop(ctx.params.volume!, { force: ctx.body.force ?? false, dryRun: ctx.body.dryRun ?? false }))
  },
  async 'POST /api/dgs/:dg/volumes/:volume/resync'(s, ctx) {
    const dg = dgOf(s, ctx)
    if (ctx.body.dryRun) return ok(dg.planResyncVolume(ctx.params.volume!, ctx.body.force))
    return taskStarted(s, dg, 'resync', taskMeta(dg, { volume: ctx.params.volume! }), () => dg.resyncVolume(ctx.params.volume!, ctx.body.force, ctx.body.throttle !== undefined ? { throttle: ctx.body.throttle } : {}))
  },
  async 'POST /api/dgs/:dg/volumes/:volume/verify'(s, ctx) {
    const dg = dgOf(s, ctx)
    if (ctx.body.dryRun) return ok({ dryRun: true, bytes: dg.volumeSize(ctx.params.volume!) })
    return taskStarted(s, dg, 'verify', taskMeta(dg, { volume: ctx.params.volume! }), () => dg.verify(ctx.params.volume!))
  },
  async 'POST /api/dgs/:dg/volumes/:volume/repair'(s, ctx) {
    const dg = dgOf(s, ctx)
    return taskStarted(s, dg, 'repair', taskMeta(dg, { volume: ctx.params.volume! }), () => dg.repair(ctx.params.volume!, ctx.body.source, ctx.body.regions))
  },
  async 'GET /api/dgs/:dg/volumes/:volume/dirty'(s, ctx) {
    return ok(dgOf(s, ctx).dirtyRegions(ctx.params.volume!))
  },
} satisfies Partial<Handlers>
