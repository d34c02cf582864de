import { open } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { type BlockDevice, DiskGroup, openDevicePath, readDiskHeader } from '@plexa/engine'
import { killAfterEach, serveProcess } from './children.ts'
import { adminTokenOf, call, smallData } from './harness.ts'
import { until } from './until.ts'

const track = killAfterEach()
const MiB = 1 << 20
const block = (n: number) => Buffer.alloc(MiB, `plexa deport kill ${n} `)
const disk = (dir: string, n: number) => join(dir, 'disks', `tdg-disk0${n}.img`)

/** The importer a disk header names, read from the image file as it is now (beside the server holding it). */
async function hostOnFile(path: string): Promise<string | undefined> {
  const fh = await open(path, 'r')
  try {
    const dev = { location: path, size: (await fh.stat()).size, read: async (offset: number, length: number) => {
      const b = Buffer.alloc(length)
      await fh.read(b, 0, length, offset)
      return b
    } } as unknown as BlockDevice
    return (await readDiskHeader(dev))?.hostid
  } finally {
    await fh.close()
  }
}

describe('rule 452: the server killed (SIGKILL) in the middle of a deport', () => {
  it('452 killed once disk01\'s header names no importer and before the others are written: the next start imports the group, every volume starts, and the bytes are there', async () => {
    const data = await smallData()
    try {
      // each volume holds a block of its own, stopped cleanly
      const dg = await DiskGroup.import({ devices: await Promise.all([1, 2, 3].map((n) => openDevicePath(disk(data.dir, n)))) })
      for (const [i, v] of ['mir', 'cat'].entries()) {
        await dg.start(v)
        await dg.write(v, 0, block(i))
        await dg.stop(v)
      }
      await dg.close()
      let s = await serveProcess(track, data.dir)
      const token = await adminTokenOf(data.dir)
      const api = (method: string, path: string, body?: unknown) => call(s.url, method, path, { auth: token, ...(body !== undefined ? { body } : {}) })
      const volumes = async () => ((await api('GET', '/api/dgs/tdg')).body.config?.volumes ?? []) as Array<{ v_name: string; v_kstate: string }>
      await until('volumes started', async () => (await volumes()).length === 2 && (await volumes()).every((v) => v.v_kstate === 'ENABLED'))
      for (const v of ['mir', 'cat']) expect((await api('POST', `/api/dgs/tdg/volumes/${v}/stop`, {})).status).toBe(200)
      // disk02's and disk03's writes wait 2 s each: the deport's header writes there come late
      for (const d of ['disk02', 'disk03']) expect((await api('POST', `/api/lab/dgs/tdg/disks/${d}/latency`, { ms: 2000 })).status).toBe(200)
      const host = await hostOnFile(disk(data.dir, 1))
      expect(host).toBeDefined()
      void api('POST', '/api/dgs/tdg/deport', {}).catch(() => {})
      await until('disk01\'s header cleared', async () => (await hostOnFile(disk(data.dir, 1))) === undefined, { every: 5 })
      s.child.kill('SIGKILL')
      await new Promise((r) => s.child.once('exit', r))
      expect(await Promise.all([1, 2, 3].map((n) => hostOnFile(disk(data.dir, n))))).toEqual([undefined, host, host])

      // the next start imports it (headers still name this host), and starts its volumes
      s = await serveProcess(track, data.dir)
      for (const d of ['disk02', 'disk03']) await api('POST', `/api/lab/dgs/tdg/disks/${d}/latency`, { ms: 0 })
      expect((await api('GET', '/api/imports')).body.groups).toEqual([])
      await until('volumes started again', async () => (await volumes()).length === 2 && (await volumes()).every((v) => v.v_kstate === 'ENABLED'))
      s.child.kill('SIGTERM')
      expect(await new Promise((r) => s.child.once('exit', r))).toBe(0)
      const back = await DiskGroup.import({ devices: await Promise.all([1, 2, 3].map((n) => openDevicePath(disk(data.dir, n)))) })
      expect(back.config().plexes.filter((p) => p.pl_v_name).map((p) => `${p.pl_name} ${p.pl_state}`).sort()).toEqual(['cat-01 CLEAN', 'mir-01 CLEAN', 'mir-02 CLEAN', 'mir-03 LOG'])
      const reads: string[] = []
      for (const [i, v] of ['mir', 'cat'].entries()) {
        await back.start(v)
        reads.push((await back.read(v, 0, MiB)).equals(block(i)) ? `${v} intact` : `${v} changed`)
        await back.stop(v)
      }
      await back.close()
      expect(reads).toEqual(['mir intact', 'cat intact'])
    } finally {
      await data.remove()
    }
  }, 120_000)
})
