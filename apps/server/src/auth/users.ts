import { EngineError } from '@plexa/engine'
import { createHash, randomBytes, scrypt, timingSafeEqual } from 'node:crypto'
import { readFile, rename, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import type { Role } from '@plexa/protocol'

const scryptAsync = promisify(scrypt) as (password: string, salt: Buffer, keylen: number, opts: object) => Promise<Buffer>
const SCRYPT = { N: 16384, r: 8, p: 1, maxmem: 64 * 1024 * 1024 }

interface StoredUser {
  name: string
  role: Role
  salt: string
  hash: string
}
interface StoredToken {
  id: string
  label: string
  user: string
  /** sha256 of the token: tokens are long random strings, so a fast hash suffices. */
  hash: string
}
interface UsersFile {
  users: StoredUser[]
  tokens: StoredToken[]
}

export interface Principal {
  name: string
  role: Role
}

function sha256(s: string): string {
  return createHash('sha256').update(s).digest('hex')
}

/** Users with scrypt-hashed passwords and bearer tokens, kept in `DIR/users.json`. */
export class Users {
  private data: UsersFile = { users: [], tokens: [] }
  private readonly file: string

  constructor(dataDir: string) {
    this.file = join(dataDir, 'users.json')
  }

  async load(): Promise<void> {
    try {
      this.data = JSON.parse(await readFile(this.file, 'utf8')) as UsersFile
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e
    }
  }

  get empty(): boolean {
    return this.data.users.length === 0
  }

  private async save(): Promise<void> {
    const tmp = `${this.file}.tmp`
    await writeFile(tmp, JSON.stringify(this.data, null, 2), { mode: 0o600 })
    await rename(tmp, this.file)
  }

  async addUser(name: string, password: string, role: Role): Promise<void> {
    if (this.data.users.some((u) => u.name === name)) throw new EngineError('VM_EXISTS', `user ${name} exists`)
    const salt = randomBytes(16)
    const hash = await scryptAsync(password, salt, 32, SCRYPT)
    this.data.users.push({ name, role, salt: salt.toString('hex'), hash: hash.toString('hex') })
    await this.save()
  }

  /** Checks a password; undefined when the user or the password is wrong (same time either way). */
  async verify(name: string, password: string): Promise<Principal | undefined> {
    const u = this.data.users.find((x) => x.name === name)
    const salt = u ? Buffer.from(u.salt, 'hex') : randomBytes(16)
    const got = await scryptAsync(password, salt, 32, SCRYPT)
    if (!u) return undefined
    return timingSafeEqual(got, Buffer.from(u.hash, 'hex')) ? { name: u.name, role: u.role } : undefined
  }

  /** Creates a bearer token for a user; the token itself is returned once and never stored. */
  async addToken(user: string, label: string): Promise<string> {
    if (!this.data.users.some((u) => u.name === user)) throw new EngineError('VM_NOT_FOUND', `no user ${user}`)
    const token = `plx_${randomBytes(24).toString('base64url')}`
    this.data.tokens.push({ id: randomBytes(6).toString('hex'), label, user, hash: sha256(token) })
    await this.save()
    return token
  }

  byToken(token: string): Principal | undefined {
    const h = sha256(token)
    const t = this.data.tokens.find((x) => timingSafeEqual(Buffer.from(x.hash), Buffer.from(h)))
    const u = t && this.data.users.find((x) => x.name === t.user)
    return u ? { name: u.name, role: u.role } : undefined
  }

  list(): Array<{ name: string; role: Role }> {
    return this.data.users.map((u) => ({ name: u.name, role: u.role }))
  }
}
