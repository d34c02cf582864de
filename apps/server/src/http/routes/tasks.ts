import { type DiskGroup, EngineError } from '@plexa/engine'
import type { ReplyOf } from '@plexa/protocol'
import { type Services, runningTasks } from '../../services.ts'
import type { Handlers, Reply } from '../handler.ts'
import { ok } from '../handler.ts'

/** Running tasks and what can be done to one: pause, resume, abort, throttle. */
export const taskRoutes = {
  async 'GET /api/tasks'(s) {
    return ok({ tasks: runningTasks(s) })
  },
  async 'POST /api/tasks/:task/pause'(s, ctx) {
    return taskOp(s, ctx.params.task!, (dg, id) => dg.pauseTask(id))
  },
  async 'POST /api/tasks/:task/resume'(s, ctx) {
    return taskOp(s, ctx.params.task!, (dg, id) => dg.resumeTask(id))
  },
  async 'POST /api/tasks/:task/abort'(s, ctx) {
    return taskOp(s, ctx.params.task!, (dg, id) => dg.abortTask(id))
  },
  async 'POST /api/tasks/:task/throttle'(s, ctx) {
    return taskOp(s, ctx.params.task!, (dg, id) => dg.throttleTask(id, 'adaptive' in ctx.body ? { adaptive: ctx.body.adaptive.minBytesPerSecond === undefined ? { latencyMs: ctx.body.adaptive.latencyMs } : { latencyMs: ctx.body.adaptive.latencyMs, minBytesPerSecond: ctx.body.adaptive.minBytesPerSecond } } : ctx.body.bytesPerSecond))
  },
} satisfies Partial<Handlers>

async function taskOp(s: Services, id: string, op: (dg: DiskGroup, id: string) => void): Promise<Reply<ReplyOf<'POST /api/tasks/:task/pause'>>> {
  for (const g of s.storage.groups.values()) {
    if (g.dg.listTasks().some((t) => t.taskId === id)) {
      op(g.dg, id)
      return ok(g.dg.listTasks().find((t) => t.taskId === id) ?? { taskId: id, finished: true as const })
    }
  }
  throw new EngineError('VM_NOT_FOUND', `no running task ${id}`)
}
