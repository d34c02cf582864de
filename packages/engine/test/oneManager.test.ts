import { execFile, execFileSync } from 'node:child_process'
import { link, stat } from 'node:fs/promises'
import { hostname } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { createImageFile, openDevicePath } from '../src/device/fileDevice.ts'
import type { MemoryDevice } from '../src/device/memoryDevice.ts'
import { readHeader, writeHeader } from '../src/disk/privateRegion.ts'
import { DiskGroup } from '../src/diskGroup.ts'
import { MiB, expectCode, fileGroup, memoryGroup } from './harness.ts'
import { tempDir } from './tmp.ts'

const CHILD = fileURLToPath(new URL('./fixtures/importChild.ts', import.meta.url))

/** Imports in a second process with its own TMPDIR and PLEXA_LOCK_DIR; its outcome (`ok` or a code). */
async function importElsewhere(paths: string[], env: Record<string, string>): Promise<string> {
  const { stdout } = await promisify(execFile)('npx', ['tsx', CHILD, ...paths], { encoding: 'utf8', env: { ...process.env, ...env } })
  return stdout.trim().split('\n').pop()!
}

describe('one manager per disk group, whatever the environment', () => {
  it('I80: a second manager in this process, or in another with another TMPDIR and PLEXA_LOCK_DIR is refused VM_BUSY; once the first is gone it takes the group over', async () => {
    const g = await fileGroup(2, 32 * MiB)
    const other = await tempDir()
    try {
      await expectCode(async () => DiskGroup.import({ devices: await Promise.all(g.paths.map((p) => openDevicePath(p))) }), 'VM_BUSY')
      const env = { TMPDIR: other.dir, PLEXA_LOCK_DIR: join(other.dir, 'locks') }
      expect(await importElsewhere(g.paths, env)).toBe('VM_BUSY')
      await g.dg.close() // as a killed manager: its headers still name this process
      expect(await importElsewhere(g.paths, env)).toBe('ok')
    } finally {
      await other.remove()
      await g.remove()
    }
  })

  it('I80: the same image files reached through other paths (hard links, as a bind mount gives) are refused VM_BUSY', async () => {
    const g = await fileGroup(2, 32 * MiB)
    try {
      const links = g.paths.map((p) => `${p}.link`)
      for (const [i, p] of g.paths.entries()) await link(p, links[i]!)
      await expectCode(async () => DiskGroup.import({ devices: await Promise.all(links.map((p) => openDevicePath(p))) }), 'VM_BUSY')
      await g.dg.close()
      const again = await DiskGroup.import({ devices: await Promise.all(links.map((p) => openDevicePath(p))) })
      await again.close()
    } finally {
      await g.remove()
    }
  })

  it('I80: the headers record the importing host and process; another host is refused until it clears the import; deport clears it', async () => {
    const g = await memoryGroup(2, 32 * MiB)
    const reopen = () => g.devices.map((d) => (d as MemoryDevice).reopen())
    expect(await readHeader(g.devices[0]!)).toMatchObject({ hostid: hostname(), pid: process.pid })
    await g.dg.close() // this host went down without deporting
    await expectCode(DiskGroup.import({ devices: reopen(), host: 'hostB' }), 'VM_BUSY')
    const b = await DiskGroup.import({ devices: reopen(), host: 'hostB', clearImport: true })
    expect(await readHeader(reopen()[1]!)).toMatchObject({ hostid: 'hostB', pid: process.pid })
    await b.close()
    await expectCode(DiskGroup.import({ devices: reopen() }), 'VM_BUSY')
    const again = await DiskGroup.import({ devices: reopen(), host: 'hostB' }) // its own import
    await again.deport()
    const h = await readHeader(reopen()[0]!)
    expect(h?.hostid).toBeUndefined()
    expect(h?.pid).toBeUndefined()
    const back = await DiskGroup.import({ devices: reopen() })
    await back.close()
    // PLEXA_HOST_ID names this host when no host is given
    process.env.PLEXA_HOST_ID = 'hostB'
    try {
      const named = await DiskGroup.import({ devices: reopen(), clearImport: true })
      expect(await readHeader(reopen()[0]!)).toMatchObject({ hostid: 'hostB' })
      await named.close()
    } finally {
      delete process.env.PLEXA_HOST_ID
    }
  })

  it('I80: on one host, a live process keeps a group whose devices have no lock of their own; a dead process is taken over', async () => {
    const g = await memoryGroup(2, 32 * MiB)
    await g.dg.close()
    const recordPid = async (pid: number) => {
      for (const d of g.devices.map((x) => (x as MemoryDevice).reopen())) await writeHeader(d, { ...(await readHeader(d))!, pid })
    }
    await recordPid(process.ppid) // a live process of this host
    await expectCode(DiskGroup.import({ devices: g.devices.map((d) => (d as MemoryDevice).reopen()) }), 'VM_BUSY')
    const dead = Number(execFileSync(process.execPath, ['-e', 'console.log(process.pid)'], { encoding: 'utf8' }).trim())
    await recordPid(dead)
    const dg = await DiskGroup.import({ devices: g.devices.map((d) => (d as MemoryDevice).reopen()) })
    expect(await readHeader((g.devices[0] as MemoryDevice).reopen())).toMatchObject({ pid: process.pid })
    await dg.close()
  })

  it('I80: releasing the lock of a closed device leaves alone the file that reuses its descriptor number', async () => {
    const t = await tempDir()
    try {
      const [a, b] = [join(t.dir, 'a.img'), join(t.dir, 'b.img')]
      for (const p of [a, b]) await createImageFile(p, MiB)
      const devA = await openDevicePath(a)
      const releaseA = devA.lock!()
      await devA.close()
      const devB = await openDevicePath(b) // most likely gets devA's descriptor number
      const releaseB = devB.lock!()
      releaseA()
      const again = await openDevicePath(b)
      expect(() => again.lock!()).toThrow(expect.objectContaining({ code: 'VM_BUSY' }))
      await again.close()
      releaseB()
      await devB.close()
    } finally {
      await t.remove()
    }
  })

  it('I80: a block device is claimed exclusively: another node of the same device is refused VM_BUSY', async () => {
    const t = await tempDir()
    const img = join(t.dir, 'loop.img')
    await createImageFile(img, 32 * MiB)
    const loop = execFileSync('losetup', ['-f', '--show', img], { encoding: 'utf8' }).trim()
    try {
      const dg = await DiskGroup.create({ name: 'blkdg', disks: [{ name: 'disk01', device: await openDevicePath(loop) }] })
      const alias = join(t.dir, 'alias')
      const rdev = (await stat(loop)).rdev
      execFileSync('mknod', [alias, 'b', String((rdev >> 8) & 0xfff), String((rdev & 0xff) | ((rdev >> 12) & 0xfff00))])
      await expectCode(async () => DiskGroup.import({ devices: [await openDevicePath(alias)] }), 'VM_BUSY')
      await dg.close()
      const again = await DiskGroup.import({ devices: [await openDevicePath(alias)] })
      await again.close()
    } finally {
      execFileSync('losetup', ['-d', loop])
      await t.remove()
    }
  })
})
