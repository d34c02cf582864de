import { DG_PFLAG } from '@plexa/engine'
import type { Handlers } from '../handler.ts'
import { dgOf, ok, tx } from '../handler.ts'
import { groupView } from '../../services.ts'

/** Disk groups and their records: make, assist, set fields, rename, remove, mend. */
export const recordRoutes = {
  async 'GET /api/dgs'(s) {
    return ok({ groups: [...s.storage.groups.values()].map((g) => ({ name: g.dg.name, tid: g.dg.tid, forcedOffline: g.dg.forcedOffline, disks: g.dg.config().disks.length, hotreloc: !(g.dg.config().dg.dg_pflag & DG_PFLAG.NORELOC) })) })
  },
  async 'GET /api/dgs/:dg'(s, ctx) {
    return ok(groupView(dgOf(s, ctx)))
  },
  async 'POST /api/dgs/:dg/records'(s, ctx) {
    const { records, dryRun } = ctx.body
    return tx(await dgOf(s, ctx).makeRecords(records, { dryRun: dryRun ?? false }))
  },
  async 'POST /api/dgs/:dg/assist'(s, ctx) {
    const { dryRun, ...spec } = ctx.body
    return tx(await dgOf(s, ctx).assistMake(spec, { dryRun: dryRun ?? false }))
  },
  async 'PATCH /api/dgs/:dg/records/:name'(s, ctx) {
    return tx(await dgOf(s, ctx).set(ctx.params.name!, ctx.body.fields, { dryRun: ctx.body.dryRun ?? false }))
  },
  async 'POST /api/dgs/:dg/records/:name/rename'(s, ctx) {
    return tx(await dgOf(s, ctx).rename(ctx.params.name!, ctx.body.newName, { dryRun: ctx.body.dryRun ?? false }))
  },
  async 'POST /api/dgs/:dg/records/:name/remove'(s, ctx) {
    return tx(await dgOf(s, ctx).remove(ctx.params.name!, { recursive: ctx.body.recursive ?? false, dryRun: ctx.body.dryRun ?? false }))
  },
  async 'POST /api/dgs/:dg/mend'(s, ctx) {
    return tx(await dgOf(s, ctx).mend(ctx.body.op, ctx.body.name, ctx.body.arg, { dryRun: ctx.body.dryRun ?? false, force: ctx.body.force ?? false }))
  },
} satisfies Partial<Handlers>
