import { DeviceCookies } from '../../auth/deviceCookies.ts'
import type { Principal } from '../../auth/users.ts'
import type { Handlers } from '../handler.ts'
import { ok } from '../handler.ts'
import { ApiError } from '../respond.ts'

/** Log in and out, users and API tokens. */
export const sessionRoutes = {
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
} satisfies Partial<Handlers>
