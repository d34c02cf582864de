import { readFileSync } from 'node:fs'
import { hostname } from 'node:os'
import type { BlockDevice } from './device/blockDevice.ts'
import { type DiskHeader, readHeader } from './disk/privateRegion.ts'
import { fail, isEngineError } from './errors.ts'

/** The devices locked in this process, by lock key, with what releases each (once). */
const heldHere = new Map<string, () => void>()

/**
 * Takes the one-manager lock on each device (AIX's exclusive mapped file, I80): the device's own
 * lock where it has one (an OFD lock on an image file or block device, and the kernel's exclusive
 * claim on a block device: `device/deviceLock.ts`), and a mark in this process for every device
 * (memory and NBD devices have nothing else; across processes and hosts the importing host and
 * process recorded in the disk headers guard them). Fails VM_BUSY, taking nothing, when any device
 * is managed elsewhere.
 */
export async function acquireDeviceLocks(devices: readonly BlockDevice[]): Promise<() => Promise<void>> {
  const taken: Array<() => void> = []
  const release = async () => {
    for (const r of taken.splice(0).reverse()) r()
  }
  try {
    for (const dev of devices) taken.push(acquireOne(dev))
  } catch (e) {
    await release()
    throw e
  }
  return release
}

function acquireOne(dev: BlockDevice): () => void {
  const key = dev.lockKey
  if (heldHere.has(key)) fail('VM_BUSY', `device ${dev.location} is already managed by a disk group in this process`)
  const own = dev.lock?.()
  let held = true
  const release = () => {
    if (!held) return
    held = false
    heldHere.delete(key)
    own?.()
  }
  heldHere.set(key, release)
  return release
}

/**
 * Releases the lock on one device now (a disk the group removed or replaced, its device closed),
 * so that it may be added again; the release of the locks it was taken with skips it then.
 */
export function releaseDeviceLock(dev: BlockDevice): void {
  heldHere.get(dev.lockKey)?.()
}

/**
 * Whether process `pid` of this host runs (EPERM: someone else's, running); a killed process its
 * parent has not reaped yet (a zombie) is dead.
 */
export function isAlive(pid: number): boolean {
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

/** The manager a disk header records as having the group imported. */
export interface Importer {
  hostid: string
  pid: number
}

/**
 * This process as an importer. The host is `host`, else `$PLEXA_HOST_ID` (a name that outlives the
 * machine's host name: a container's changes with every new container), else the host name.
 */
export function thisImporter(host?: string): Importer {
  return { hostid: (host || process.env.PLEXA_HOST_ID || hostname()).slice(0, 64), pid: process.pid }
}

/**
 * Who else has imported the group a disk header belongs to, or undefined when `me` may take it:
 * another host always holds it (until its import is cleared, vxdg -C); on this host a process other
 * than this one holds it while it lives, unless the device has its own lock, which `me` holds now
 * and which therefore proves that process gone (or its pid reused).
 */
export function otherImporter(h: DiskHeader, dev: BlockDevice, me: Importer): string | undefined {
  if (!h.hostid) return undefined
  if (h.hostid !== me.hostid) return `host ${h.hostid}`
  if (!h.pid || h.pid === me.pid || dev.lock) return undefined
  return isAlive(h.pid) ? `process ${h.pid} of this host` : undefined
}

/** A disk header with the importer recorded, or (undefined) cleared. */
export function withImporter(h: DiskHeader, who: Importer | undefined): DiskHeader {
  const { hostid: _h, pid: _p, ...rest } = h
  return who ? { ...rest, hostid: who.hostid, pid: who.pid } : rest
}

/**
 * acquireDeviceLocks for an import: while a device's lock is still held and its header names a
 * manager of this host that is dead, waits for that manager to finish dying (a killed process
 * keeps its open files, and so its locks, until its last thread is gone, which can be after its
 * main thread already shows as a zombie), up to `patienceMs` in steps of 20 ms.
 */
export async function acquireForImport(devices: readonly BlockDevice[], me: Importer, sleep: (ms: number) => Promise<void>, patienceMs = 5000): Promise<() => Promise<void>> {
  for (let waited = 0; ; waited += 20) {
    try {
      return await acquireDeviceLocks(devices)
    } catch (e) {
      if (!isEngineError(e, 'VM_BUSY') || waited >= patienceMs || !(await heldByDeadManager(devices, me))) throw e
    }
    await sleep(20)
  }
}

async function heldByDeadManager(devices: readonly BlockDevice[], me: Importer): Promise<boolean> {
  for (const dev of devices) {
    const h = await readHeader(dev).catch(() => undefined)
    if (h?.hostid === me.hostid && h.pid && h.pid !== me.pid && !isAlive(h.pid)) return true
  }
  return false
}
