import { createHash, randomBytes } from 'node:crypto'
import { readFile, rename, writeFile } from 'node:fs/promises'
import type { Clock } from '@plexa/engine'
import type { Principal } from './users.ts'

interface Stored {
  who: Principal
  expires: number
}

function sha256(s: string): string {
  return createHash('sha256').update(s).digest('hex')
}

function isStored(v: unknown): v is Stored {
  const s = v as Stored
  return typeof s === 'object' && s !== null && typeof s.expires === 'number' && typeof s.who?.name === 'string' && (s.who.role === 'admin' || s.who.role === 'viewer')
}

/** Why a one-time login token was refused. */
export type RedeemRefusal = 'VM_UNAUTHORIZED' | 'VM_TOKEN_USED' | 'VM_TOKEN_EXPIRED'

/**
 * Browser sessions: random ids in an HttpOnly, SameSite=Strict cookie, expiring after `ttlMs`.
 * With a `file`, they survive a restart: only the sha256 of each id is kept there (mode 0600,
 * written to a temporary file and renamed at every change). One-time login tokens (the demo's
 * one-click URL) live only in memory.
 */
export class Sessions {
  /** sha256 of the session id -> its session. */
  private readonly map = new Map<string, Stored>()
  /** sha256 of a one-time token -> who it logs in, until when, and whether it was used. */
  private readonly oneTime = new Map<string, Stored & { used: boolean }>()
  private readonly clock: Clock
  private readonly ttlMs: number
  private readonly file: string | undefined
  private saving: Promise<void> = Promise.resolve()
  static readonly COOKIE = 'plexa_session'

  constructor(clock: Clock, ttlMs = 8 * 3600 * 1000, file?: string) {
    this.clock = clock
    this.ttlMs = ttlMs
    this.file = file
  }

  /** Reads the kept sessions; a missing file is none, a corrupt one is ignored (the warning says why). */
  async load(warn: (line: string) => void = () => {}): Promise<void> {
    if (!this.file) return
    let text: string
    try {
      text = await readFile(this.file, 'utf8')
    } catch {
      return
    }
    try {
      const parsed = JSON.parse(text) as { sessions?: unknown }
      if (typeof parsed !== 'object' || parsed === null || typeof parsed.sessions !== 'object' || parsed.sessions === null) throw new Error('no sessions object')
      const now = this.clock.now()
      for (const [hash, s] of Object.entries(parsed.sessions as Record<string, unknown>)) {
        if (/^[0-9a-f]{64}$/.test(hash) && isStored(s) && s.expires > now) this.map.set(hash, { who: { name: s.who.name, role: s.who.role }, expires: s.expires })
      }
    } catch (e) {
      warn(`warning: ignoring the unreadable session file ${this.file} (${e instanceof Error ? e.message : String(e)}): everyone logs in again`)
    }
  }

  /** Resolves once every change so far is on disk. */
  written(): Promise<void> {
    return this.saving
  }

  private save(): void {
    const file = this.file
    if (!file) return
    this.saving = this.saving.then(async () => {
      const now = this.clock.now()
      const sessions: Record<string, Stored> = {}
      for (const [h, s] of this.map) if (s.expires > now) sessions[h] = s
      const tmp = `${file}.tmp`
      await writeFile(tmp, JSON.stringify({ sessions }), { mode: 0o600 })
      await rename(tmp, file)
    }).catch(() => {})
  }

  create(who: Principal): { id: string; cookie: string } {
    const id = randomBytes(24).toString('base64url')
    this.map.set(sha256(id), { who, expires: this.clock.now() + this.ttlMs })
    this.save()
    return { id, cookie: `${Sessions.COOKIE}=${id}; HttpOnly; SameSite=Strict; Path=/; Max-Age=${Math.floor(this.ttlMs / 1000)}` }
  }

  get(id: string): Principal | undefined {
    const h = sha256(id)
    const s = this.map.get(h)
    if (!s) return undefined
    if (s.expires <= this.clock.now()) {
      this.map.delete(h)
      return undefined
    }
    return s.who
  }

  destroy(id: string): string {
    if (this.map.delete(sha256(id))) this.save()
    return `${Sessions.COOKIE}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0`
  }

  /** A token that `redeem` exchanges for a session once, within `ttlMs`. */
  oneTimeToken(who: Principal, ttlMs = 10 * 60 * 1000): string {
    const token = randomBytes(24).toString('base64url')
    this.oneTime.set(sha256(token), { who, expires: this.clock.now() + ttlMs, used: false })
    return token
  }

  /** Exchanges a one-time token for a new session, or says why not. */
  redeem(token: string): { ok: true; cookie: string; who: Principal } | { ok: false; code: RedeemRefusal } {
    const t = this.oneTime.get(sha256(token))
    if (!t) return { ok: false, code: 'VM_UNAUTHORIZED' }
    if (t.used) return { ok: false, code: 'VM_TOKEN_USED' }
    if (t.expires <= this.clock.now()) return { ok: false, code: 'VM_TOKEN_EXPIRED' }
    t.used = true
    return { ok: true, cookie: this.create(t.who).cookie, who: t.who }
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
