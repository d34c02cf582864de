import { truncate } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { createImageFile, openDevicePath } from '../src/device/fileDevice.ts'
import { DiskGroup } from '../src/diskGroup.ts'
import { pattern, rec, recordEvents } from './harness.ts'
import { tempDir } from './tmp.ts'

/**
 * A started 2-way mirror v1 on image files (v1-01 on disk01, v1-02 on disk02) whose devices check
 * the file size on every write, so that a truncation is seen by the very next write.
 */
async function fileMirror() {
  const t = await tempDir()
  const paths = [1, 2].map((i) => join(t.dir, `disk${i}.img`))
  for (const p of paths) await createImageFile(p, 16 << 20)
  const devices = await Promise.all(paths.map((p) => openDevicePath(p, { sizeCheckMs: 0 })))
  const dg = await DiskGroup.create({ name: 'filedg', disks: devices.map((device, i) => ({ name: `disk0${i + 1}`, device })) })
  await dg.assistMake({ name: 'v1', len: 8192, layout: 'mirror', disks: ['disk01', 'disk02'] })
  await dg.start('v1')
  return { dg, paths, remove: t.remove }
}

describe('a device that shrinks (I77)', () => {
  it('I77: reads of a truncated disk are I/O errors of its plex: served from the other plex, the plex kernel-detached', async () => {
    const g = await fileMirror()
    try {
      const { dg } = g
      await dg.write('v1', 0, pattern(8192 * 512, 1))
      await dg.flush('v1')
      await dg.set('v1', { read_pol: 'PREFER', pref_name: 'v1-02' })
      const log = recordEvents(dg)
      // disk02 keeps its private region and loses the public region, where v1-02 lives
      const pub = rec(dg, 'disk02').dm_pub_offset as number
      await truncate(g.paths[1]!, pub * 512 + 4096)
      const got = await dg.read('v1', 1 << 20, 64 << 10)
      expect(got.equals(pattern(8192 * 512, 1).subarray(1 << 20, (1 << 20) + (64 << 10)))).toBe(true)
      expect([rec(dg, 'v1-02').pl_kstate, rec(dg, 'v1-02').pl_state]).toEqual(['DETACHED', 'IOFAIL'])
      expect(log.events.some((e) => e.type === 'io.error' && e.plex === 'v1-02' && e.op === 'read' && e.code === 'VM_IO')).toBe(true)
      expect(log.events.some((e) => e.type === 'alert' && e.object === 'v1-02')).toBe(true)
      // every later read is right, from v1-01
      expect((await dg.read('v1', 0, 8192 * 512)).equals(pattern(8192 * 512, 1))).toBe(true)
      await dg.stop('v1')
      await dg.close()
    } finally {
      await g.remove()
    }
  })

  it('I77: a write to a truncated disk is an I/O error of its plex (the image does not grow back over a hole)', async () => {
    const g = await fileMirror()
    try {
      const { dg } = g
      const pub = rec(dg, 'disk02').dm_pub_offset as number
      await truncate(g.paths[1]!, pub * 512 + 4096)
      await dg.write('v1', 2 << 20, pattern(4096, 2))
      expect([rec(dg, 'v1-02').pl_kstate, rec(dg, 'v1-02').pl_state]).toEqual(['DETACHED', 'IOFAIL'])
      expect((await dg.read('v1', 2 << 20, 4096)).equals(pattern(4096, 2))).toBe(true)
      await dg.close()
    } finally {
      await g.remove()
    }
  })
})
