import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { openDevicePath } from '../src/device/fileDevice.ts'
import { DiskGroup } from '../src/diskGroup.ts'
import { pattern } from './harness.ts'
import { startNbdkit } from './nbdkit.ts'
import { tempDir } from './tmp.ts'

describe('a disk group on remote NBD disks', () => {
  it('with nbdkit injecting I/O errors on one disk: its plex is detached and the volume keeps serving correct data', async () => {
    const t = await tempDir()
    const trigger = join(t.dir, 'fail-disk02')
    const kits = [
      await startNbdkit(['memory', '64M']),
      await startNbdkit(['--filter=error', 'memory', '64M', 'error-rate=100%', `error-file=${trigger}`]),
      await startNbdkit(['memory', '64M']),
    ]
    try {
      const devices = await Promise.all(kits.map((k) => openDevicePath(k.url)))
      expect(devices.map((d) => d.kind)).toEqual(['nbd', 'nbd', 'nbd'])
      const dg = await DiskGroup.create({ name: 'remote', disks: devices.map((device, i) => ({ name: `disk0${i + 1}`, device })) })
      await dg.assistMake({ init: 'none', name: 'v1', len: 8192, layout: 'mirror', log: 'drl', disks: ['disk01', 'disk02', 'disk03'] })
      await dg.start('v1')
      const model = pattern(8192 * 512, 1)
      await dg.write('v1', 0, model)
      await dg.flush('v1')
      await writeFile(trigger, '') // nbdkit's error filter now fails every request on disk02
      const newer = pattern(64 * 1024, 2)
      await dg.write('v1', 1 << 20, newer)
      newer.copy(model, 1 << 20)
      const plex = dg.config().plexes.find((p) => p.pl_name === 'v1-02')!
      expect([plex.pl_kstate, plex.pl_state]).toEqual(['DETACHED', 'IOFAIL'])
      expect((await dg.read('v1', 0, model.length)).equals(model)).toBe(true)
      // the configuration copy on disk02 fails too, and the majority carries on
      await dg.set('v1', { comment: 'still here' })
      expect(dg.forcedOffline).toBe(false)
      await dg.stop('v1')
      await dg.close()
      // a fresh import over the network sees the detach
      const again = await DiskGroup.import({ devices: await Promise.all([kits[0]!, kits[2]!].map((k) => openDevicePath(k.url))), force: true })
      expect(again.config().plexes.find((p) => p.pl_name === 'v1-02')!.pl_state).toBe('IOFAIL')
      await again.start('v1')
      expect((await again.read('v1', 0, model.length)).equals(model)).toBe(true)
      await again.close()
    } finally {
      for (const k of kits) await k.stop()
      await t.remove()
    }
  })

  it('refuses what is not an NBD export with VM_NOTCHARDEV', async () => {
    await expect(openDevicePath('nbd://127.0.0.1:1/none')).rejects.toMatchObject({ code: 'VM_NOTCHARDEV' })
    await expect(openDevicePath('nbd://[bad')).rejects.toMatchObject({ code: 'VM_NOTCHARDEV' })
  })
})
