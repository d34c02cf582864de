import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'

/**
 * Device cookies (OWASP's answer to lockout by a flood): a browser that logged in as a user gets a
 * signed cookie naming that user and a random device id; its later attempts are limited under that
 * id rather than under its address, which it may share with every other local process.
 */
export class DeviceCookies {
  static readonly COOKIE = 'plexa_device'
  private readonly key = randomBytes(32)

  private mac(user: string, id: string): string {
    return createHmac('sha256', this.key).update(`${user}\u0000${id}`).digest('base64url')
  }

  /** A new cookie for `user`, valid for a year. */
  issue(user: string): string {
    const id = randomBytes(12).toString('base64url')
    const value = `${Buffer.from(user).toString('base64url')}.${id}.${this.mac(user, id)}`
    return `${DeviceCookies.COOKIE}=${value}; HttpOnly; SameSite=Strict; Path=/api/session; Max-Age=${365 * 24 * 3600}`
  }

  /** The device id of a cookie value issued to `user`, or undefined. */
  deviceOf(value: string | undefined, user: string): string | undefined {
    const [u, id, mac] = (value ?? '').split('.')
    if (!u || !id || !mac || Buffer.from(u, 'base64url').toString() !== user) return undefined
    const want = Buffer.from(this.mac(user, id))
    const got = Buffer.from(mac)
    return got.length === want.length && timingSafeEqual(got, want) ? id : undefined
  }
}
