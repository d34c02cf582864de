import { pendingView } from '../../services.ts'
import { overruledWords } from '../../storage.ts'
import type { Handlers } from '../handler.ts'
import { ok } from '../handler.ts'

/** vxdg import of the groups found on the disks and not imported at start (rules 130, 131), and vxdg deport (rule 451). */
export const importRoutes = {
  async 'GET /api/imports'(s) {
    return ok({ groups: [...s.storage.pending.values()].map(pendingView) })
  },
  async 'POST /api/imports/:dg'(s, ctx) {
    const g = await s.storage.importGroup(ctx.params.dg!, { force: ctx.body.force ?? false, clearImport: ctx.body.clearImport ?? false, ...(ctx.body.selectcp ? { selectcp: ctx.body.selectcp } : {}) })
    // clients add the group from a fresh snapshot (the web asks for one on a group it does not know)
    s.hub.publish({ type: 'dg.state', dg: g.dg.name, state: 'imported' })
    // the engine's alert for each side overruled is raised during its import, before the server
    // listens to the group: raised here (rule 407), so the alert list says what was dropped
    for (const side of g.dg.droppedConfigs()) s.history.engine(g.dg.name, { type: 'alert', dg: g.dg.name, severity: 'warning', code: 'VM_SPLIT_BRAIN', message: `split brain: ${overruledWords(g.dg.name, side)}` })
    return ok({ name: g.dg.name, tid: g.dg.tid, unusable: [...g.dg.unusableDisks()], dropped: [...g.dg.droppedConfigs()] })
  },
  async 'POST /api/dgs/:dg/deport'(s, ctx) {
    const r = await s.storage.deportGroup(ctx.params.dg!, { dryRun: ctx.body.dryRun ?? false })
    if (!r.dryRun) for (const disk of r.disks) s.lab.forgetDevice(r.name, disk)
    return ok(r)
  },
} satisfies Partial<Handlers>
