import { type DiskGroup, type TxResult, EngineError } from '@plexa/engine'
import type { BodyOf, ReplyOf, RouteKey } from '@plexa/protocol'
import { DeviceCookies } from '../auth/deviceCookies.ts'
import type { Principal } from '../auth/users.ts'
import { type Services, groupView, runningTasks, snapshot, taskMeta } from '../services.ts'
import { openApiDocument } from './openapi.ts'
import { withDiskDevice } from './diskDevice.ts'
import { ApiError } from './respond.ts'

export interface Ctx<K extends RouteKey> {
  params: Record<string, string>
  body: BodyOf<K>
  who: Principal | undefined
  query: URLSearchParams
  sessionId: string | undefined
  clientKey: string
  cookies: Map<string, string>
}

/** A handler's answer: its body has the shape of the route's response schema (the typecheck says so). */
export interface Reply<B = unknown> {
  status?: number
  body: B
  headers?: Record<string, string | string[]>
}

export type Handlers = { [K in RouteKey]: (s: Services, ctx: Ctx<K>) => Promise<Reply<ReplyOf<K>>> }

const ok = <B>(body: B, status = 200): Reply<B> => ({ status, body })

function dgOf(s: Services, ctx: { params: Record<string, string> }) {
  return s.storage.group(ctx.params.dg!).dg
}

/** A transaction result, or 200 with `dryRun: true` and the planned changes. */
const tx = (r: TxResult): Reply<TxResult> => ok(r)

interface Accepted {
  accepted: true
  taskId: string
}
const accepted = (taskId: string): Accepted => ({ accepted: true, taskId })

/** What a long operation answers when it finished before starting a task. */
type Finished<R> = [R] extends [void] ? { done: true } : R

/**
 * Waits until a long operation has either finished or started its task; returns 202 then. The
 * task's outcome is the operation's (an attach whose copy left regions behind fails), recorded in
 * the task history.
 */
async function untilTask<R>(s: Services, dg: DiskGroup, kind: string, volume: string, run: (onTask: (id: string) => void) => Promise<R>): Promise<Reply<Finished<R> | Accepted>> {
  return new Promise((resolve, reject) => {
    let answered = false
    const done: Promise<R> = run((id) => {
      // claimed once `done` is known (onTask may come before run returns)
      void Promise.resolve().then(() => s.history.claim(dg.name, id, kind, { target: `volume ${volume}`, volumes: [volume] }, done))
      if (!answered) {
        answered = true
        resolve(ok(accepted(id), 202))
      }
    })
    done.then(
      (r) => {
        if (!answered) {
          answered = true
          resolve(ok((r ?? { done: true }) as Finished<R>))
        }
      },
      (e) => {
        if (!answered) {
          answered = true
          reject(e)
        }
      },
    )
  })
}

export const handlers: Handlers = {
  async 'GET /api/health'(s) {
    return ok({ status: 'ok', version: s.version, groups: s.storage.groups.size, clients: s.hub.clientCount, seq: s.hub.currentSeq, lab: s.lab.enabled })
  },

  async 'GET /api/openapi.json'(s) {
    return ok(openApiDocument(s.version))
  },

  async 'POST /api/session'(s, ctx) {
    const device = s.devices.deviceOf(ctx.cookies.get(DeviceCookies.COOKIE), ctx.body.user)
    const slot = s.limiter.attempt(ctx.body.user, device ?? ctx.clientKey, device !== undefined)
    if (!slot.ok) throw new ApiError('VM_RATE_LIMITED', `too many login attempts; try again in ${Math.ceil(slot.retryAfterMs / 1000)} s`)
    let who: Principal | undefined
    try {
      who = await s.users.verify(ctx.body.user, ctx.body.password)
    } finally {
      slot.done(who !== undefined)
    }
    if (!who) throw new ApiError('VM_UNAUTHORIZED', 'wrong user or password')
    const { cookie } = s.sessions.create(who)
    const cookies = device ? [cookie] : [cookie, s.devices.issue(who.name)]
    return { status: 200, body: { user: who.name, role: who.role }, headers: { 'set-cookie': cookies } }
  },
  async 'GET /api/session'(_s, ctx) {
    return ok({ user: ctx.who!.name, role: ctx.who!.role })
  },
  async 'DELETE /api/session'(s, ctx) {
    const cookie = ctx.sessionId ? s.sessions.destroy(ctx.sessionId) : undefined
    return { status: 200, body: { loggedOut: true }, ...(cookie ? { headers: { 'set-cookie': cookie } } : {}) }
  },
  async 'GET /api/users'(s) {
    return ok({ users: s.users.list() })
  },
  async 'POST /api/users'(s, ctx) {
    await s.users.addUser(ctx.body.name, ctx.body.password, ctx.body.role)
    return ok({ name: ctx.body.name, role: ctx.body.role }, 201)
  },
  async 'POST /api/tokens'(s, ctx) {
    const token = await s.users.addToken(ctx.who!.name, ctx.body.label)
    return ok({ token, label: ctx.body.label }, 201)
  },

  async 'GET /api/snapshot'(s) {
    return ok(snapshot(s))
  },
  async 'GET /api/audit'(s, ctx) {
    const limit = Math.min(1000, Math.max(1, Number(ctx.query.get('limit') ?? 100) || 100))
    return ok({ entries: s.audit.tail(limit) })
  },
  async 'GET /api/tasks'(s) {
    return ok({ tasks: runningTasks(s) })
  },
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
  async 'GET /api/tasks/:task/result'(s, ctx) {
    const r = s.history.results.get(ctx.params.task!)
    if (!r) throw new EngineError('VM_NOT_FOUND', `no finished task ${ctx.params.task}`)
    return ok(r)
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
    return taskOp(s, ctx.params.task!, (dg, id) => dg.throttleTask(id, ctx.body.bytesPerSecond))
  },

  async 'GET /api/dgs'(s) {
    return ok({ groups: [...s.storage.groups.values()].map((g) => ({ name: g.dg.name, tid: g.dg.tid, forcedOffline: g.dg.forcedOffline, disks: g.dg.config().disks.length })) })
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
    return tx(await dgOf(s, ctx).mend(ctx.body.op, ctx.body.name, ctx.body.arg, { dryRun: ctx.body.dryRun ?? false }))
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
    return tx(await dgOf(s, ctx).removeDisk(ctx.params.disk!, { dryRun: ctx.body.dryRun ?? false }))
  },
  async 'POST /api/dgs/:dg/disks/:disk/replace'(s, ctx) {
    const dg = dgOf(s, ctx)
    const disk = ctx.params.disk!
    const { force, dryRun } = ctx.body
    const r = await withDiskDevice(s, dg.name, `${disk}-r${Date.now().toString(36)}`, ctx.body, async (device) => {
      const r = await dg.replaceDisk(disk, device, { dryRun: dryRun ?? false, force: force ?? false })
      if (!dryRun) s.storage.group(dg.name).devices.set(disk, device)
      return r
    })
    if (!dryRun && ctx.body.path) await s.storage.rememberExternal(ctx.body.path)
    return tx(r)
  },
  async 'POST /api/dgs/:dg/disks/:disk/resync'(s, ctx) {
    const dg = dgOf(s, ctx)
    if (ctx.body.dryRun) return ok(dg.planResyncDisk(ctx.params.disk!, ctx.body.force))
    const meta = taskMeta(dg, { disk: ctx.params.disk! })
    const h = await dg.resyncDisk(ctx.params.disk!, ctx.body.force, { ...(ctx.body.mode ? { mode: ctx.body.mode } : {}), ...(ctx.body.throttle !== undefined ? { throttle: ctx.body.throttle } : {}) })
    s.history.claim(dg.name, h.id, 'resync', meta, h.done)
    return ok(accepted(h.id), 202)
  },
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
  async 'POST /api/dgs/:dg/volumes/:volume/stop'(s, ctx) {
    return tx(await dgOf(s, ctx).stop(ctx.params.volume!, { force: ctx.body.force ?? false, dryRun: ctx.body.dryRun ?? false }))
  },
  async 'POST /api/dgs/:dg/volumes/:volume/resync'(s, ctx) {
    const dg = dgOf(s, ctx)
    if (ctx.body.dryRun) return ok(dg.planResyncVolume(ctx.params.volume!, ctx.body.force))
    const h = await dg.resyncVolume(ctx.params.volume!, ctx.body.force, ctx.body.throttle !== undefined ? { throttle: ctx.body.throttle } : {})
    s.history.claim(dg.name, h.id, 'resync', taskMeta(dg, { volume: ctx.params.volume! }), h.done)
    return ok(accepted(h.id), 202)
  },
  async 'POST /api/dgs/:dg/volumes/:volume/verify'(s, ctx) {
    const dg = dgOf(s, ctx)
    if (ctx.body.dryRun) return ok({ dryRun: true, bytes: dg.volumeSize(ctx.params.volume!) })
    const h = await dg.verify(ctx.params.volume!)
    s.history.claim(dg.name, h.id, 'verify', taskMeta(dg, { volume: ctx.params.volume! }), h.done)
    return ok(accepted(h.id), 202)
  },
  async 'POST /api/dgs/:dg/volumes/:volume/repair'(s, ctx) {
    const dg = dgOf(s, ctx)
    const h = await dg.repair(ctx.params.volume!, ctx.body.source, ctx.body.regions)
    s.history.claim(dg.name, h.id, 'repair', taskMeta(dg, { volume: ctx.params.volume! }), h.done)
    return ok(accepted(h.id), 202)
  },
  async 'GET /api/dgs/:dg/volumes/:volume/dirty'(s, ctx) {
    return ok(dgOf(s, ctx).dirtyRegions(ctx.params.volume!))
  },

  async 'GET /api/lab'(s) {
    return ok(s.lab.view())
  },
  async 'POST /api/lab/dgs/:dg/disks/:disk/fail'(s, ctx) {
    s.lab.failDisk(ctx.params.dg!, ctx.params.disk!, ctx.body.mode)
    return ok(s.lab.view())
  },
  async 'POST /api/lab/dgs/:dg/disks/:disk/restore'(s, ctx) {
    s.lab.restoreDisk(ctx.params.dg!, ctx.params.disk!)
    return ok(s.lab.view())
  },
  async 'POST /api/lab/dgs/:dg/disks/:disk/latency'(s, ctx) {
    s.lab.setLatency(ctx.params.dg!, ctx.params.disk!, ctx.body.ms)
    return ok(s.lab.view())
  },
  async 'POST /api/lab/load'(s, ctx) {
    const r = await s.lab.startLoad(ctx.body.dg, ctx.body.volume, ctx.body.writesPerSecond, ctx.body.blockBytes)
    return ok({ ...s.lab.view(), journal: r.journal }, 201)
  },
  async 'POST /api/lab/load/stop'(s, ctx) {
    s.lab.stopLoad(ctx.body.dg, ctx.body.volume)
    return ok(s.lab.view())
  },
}

/** `?limit=N&before=ID` of a history page. */
function paging(q: URLSearchParams, fallback: number): { limit: number; before: number | undefined } {
  const limit = Math.min(1000, Math.max(1, Number(q.get('limit') ?? fallback) || fallback))
  const b = q.get('before')
  return { limit, before: b !== null && /^\d+$/.test(b) ? Number(b) : undefined }
}

async function taskOp(s: Services, id: string, op: (dg: import('@plexa/engine').DiskGroup, id: string) => void): Promise<Reply<ReplyOf<'POST /api/tasks/:task/pause'>>> {
  for (const g of s.storage.groups.values()) {
    if (g.dg.listTasks().some((t) => t.taskId === id)) {
      op(g.dg, id)
      return ok(g.dg.listTasks().find((t) => t.taskId === id) ?? { taskId: id, finished: true as const })
    }
  }
  throw new EngineError('VM_NOT_FOUND', `no running task ${id}`)
}


