import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { mkdir, open, readFile, unlink } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fail } from './errors.ts'

const heldHere = new Set<string>()

export function defaultLockDir(): string {
  return process.env.PLEXA_LOCK_DIR ?? join(tmpdir(), 'plexa-locks')
}

/** True while `pid` runs: a killed process its parent has not reaped yet (a zombie) is dead. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3)
    return state !== 'Z' && state !== 'X'
  } catch {
    return true // no /proc: the signal said it exists
  }
}

/**
 * Takes the one-manager lock on each device (AIX's exclusive mapped file): held by this process
 * in memory and by a pid file in `lockDir` for other processes. A lock whose pid is dead is
 * taken over. Fails VM_BUSY, taking nothing, when any device is managed elsewhere.
 */
export async function acquireDeviceLocks(keys: readonly string[], lockDir = defaultLockDir()): Promise<() => Promise<void>> {
  const taken: Array<() => Promise<void>> = []
  const release = async () => {
    for (const r of taken.splice(0).reverse()) await r()
  }
  try {
    for (const key of keys) taken.push(await acquireOne(key, lockDir))
  } catch (e) {
    await release()
    throw e
  }
  return release
}

async function acquireOne(key: string, lockDir: string): Promise<() => Promise<void>> {
  if (heldHere.has(key)) fail('VM_BUSY', `device ${key} is already managed by a disk group in this process`)
  heldHere.add(key)
  if (key.startsWith('memory:')) return async () => void heldHere.delete(key)
  await mkdir(lockDir, { recursive: true })
  const file = join(lockDir, createHash('sha1').update(key).digest('hex') + '.lock')
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fh = await open(file, 'wx')
      await fh.writeFile(`${process.pid}\n${key}\n`)
      await fh.close()
      return async () => {
        heldHere.delete(key)
        await unlink(file).catch(() => {})
      }
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') {
        heldHere.delete(key)
        throw e
      }
      const pid = Number((await readFile(file, 'utf8').catch(() => '')).split('\n')[0])
      if (pid && pid !== process.pid && alive(pid)) {
        heldHere.delete(key)
        fail('VM_BUSY', `device ${key} is managed by process ${pid}`)
      }
      await unlink(file).catch(() => {})
    }
  }
  heldHere.delete(key)
  fail('VM_BUSY', `cannot take the lock on ${key}`)
}
