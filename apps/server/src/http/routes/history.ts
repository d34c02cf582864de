import { EngineError } from '@plexa/engine'
import type { Handlers } from '../handler.ts'
import { ok } from '../handler.ts'

/** What happened: finished tasks and their results, the event history, alerts and their acknowledgement. */
export const historyRoutes = {
  async 'GET /api/tasks/history'(s, ctx) {
    const { limit, before } = paging(ctx.query, 50)
    return ok({ tasks: s.history.tasks.page(limit, before === undefined ? undefined : (t) => t.id < before) })
  },
  async 'GET /api/history'(s, ctx) {
    const { limit, before } = paging(ctx.query, 200)
    return ok({ events: s.history.events.page(limit, before === undefined ? undefined : (e) => e.id < before) })
  },
  async 'GET /api/alerts'(s) {
    return ok({ alerts: s.history.alerts.all() })
  },
  async 'POST /api/alerts/:alert/ack'(s, ctx) {
    const id = Number(ctx.params.alert)
    const alert = Number.isSafeInteger(id) ? s.history.alerts.ack(id, ctx.who!.name) : undefined
    if (!alert) throw new EngineError('VM_NOT_FOUND', `no alert ${ctx.params.alert}`)
    s.hub.publish({ type: 'alert.acked', alert })
    return ok(alert)
  },
  async 'POST /api/alerts/ack'(s, ctx) {
    const acked = s.history.alerts.ackMany(ctx.body.ids, ctx.who!.name)
    if (!acked) throw new EngineError('VM_NOT_FOUND', 'some of these alerts do not exist')
    for (const alert of acked) s.hub.publish({ type: 'alert.acked', alert })
    return ok({ alerts: acked })
  },
  async 'GET /api/tasks/:task/result'(s, ctx) {
    const r = s.history.result(ctx.params.task!)
    if (!r) throw new EngineError('VM_NOT_FOUND', `no finished task ${ctx.params.task}`)
    return ok(r)
  },
} satisfies Partial<Handlers>

/** `?limit=N&before=ID` of a history page (validated by the route's query schema). */
function paging(q: { limit?: string | undefined; before?: string | undefined }, fallback: number): { limit: number; before: number | undefined } {
  return { limit: pageLimit(q.limit, fallback), before: q.before === undefined ? undefined : Number(q.before) }
}

/** `?limit=N`: at most 1000. */
export function pageLimit(limit: string | undefined, fallback: number): number {
  return Math.min(1000, limit === undefined ? fallback : Number(limit))
}
