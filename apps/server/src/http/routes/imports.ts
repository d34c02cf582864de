import { pendingView } from '../../services.ts'
import type { Handlers } from '../handler.ts'
import { ok } from '../handler.ts'

/** vxdg import of the groups found on the disks and not imported at start (rules 130, 131). */
export const importRoutes = {
  async 'GET /api/imports'(s) {
    return ok({ groups: [...s.storage.pending.values()].map(pendingView) })
  },
  async 'POST /api/imports/:dg'(s, ctx) {
    const g = await s.storage.importGroup(ctx.params.dg!, { force: ctx.body.force ?? false, clearImport: ctx.body.clearImport ?? false, ...(ctx.body.selectcp ? { selectcp: ctx.body.selectcp } : {}) })
    // clients add the group from a fresh snapshot (the web asks for one on a group it does not know)
    s.hub.publish({ type: 'dg.state', dg: g.dg.name, state: 'imported' })
    return ok({ name: g.dg.name, tid: g.dg.tid, unusable: [...g.dg.unusableDisks()], dropped: [...g.dg.droppedConfigs()] })
  },
} satisfies Partial<Handlers>
