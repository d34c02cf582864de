import type { Handlers } from '../handler.ts'
import { ok } from '../handler.ts'
import { pageLimit } from './history.ts'
import { snapshot } from '../../services.ts'
import { openApiDocument } from '../openapi.ts'

/** Health, the API document, the whole snapshot and the audit log. */
export const systemRoutes = {
  async 'GET /api/health'(s) {
    return ok({ status: 'ok', version: s.version, groups: s.storage.groups.size, clients: s.hub.clientCount, seq: s.hub.currentSeq, lab: s.lab.enabled })
  },
  async 'GET /api/openapi.json'(s) {
    return ok(openApiDocument(s.version))
  },
  async 'GET /api/snapshot'(s) {
    return ok(snapshot(s))
  },
  async 'GET /api/audit'(s, ctx) {
    return ok({ entries: s.audit.tail(pageLimit(ctx.query.limit, 100)) })
  },
} satisfies Partial<Handlers>
