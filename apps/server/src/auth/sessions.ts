import { randomBytes } from 'node:crypto'
import type { Clock } from '@plexa/engine'
import type { Principal } from './users.ts'

/** Browser sessions: random ids in an HttpOnly, SameSite=Strict cookie, expiring after `ttlMs`. */
export class Sessions {
  private readonly map = new Map<string, { who: Principal; expires: number }>()
  private readonly clock: Clock
  private readonly ttlMs: number
  static readonly COOKIE = 'plexa_session'

  constructor(clock: Clock, ttlMs = 8 * 3600 * 1000) {
    this.clock = clock
    this.ttlMs = ttlMs
  }

  create(who: Principal): { id: string; cookie: string } {
    const id = randomBytes(24).toString('base64url')
    this.map.set(id, { who, expires: this.clock.now() + this.ttlMs })
    return { id, cookie: `${Sessions.COOKIE}=${id}; HttpOnly; SameSite=Strict; Path=/; Max-Age=${Math.floor(this.ttlMs / 1000)}` }
  }

  get(id: string): Principal | undefined {
    const s = this.map.get(id)
    if (!s) return undefined
    if (s.expires <= this.clock.now()) {
      this.map.delete(id)
      return undefined
    }
    return s.who
  }

  destroy(id: string): string {
    this.map.delete(id)
    return `${Sessions.COOKIE}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0`
  }
}

export function parseCookies(header: string | undefined): Map<string, string> {
  const out = new Map<string, string>()
  for (const part of (header ?? '').split(';')) {
    const i = part.indexOf('=')
    if (i > 0) out.set(part.slice(0, i).trim(), part.slice(i + 1).trim())
  }
  return out
}
