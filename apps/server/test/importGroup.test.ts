import { rename } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { DM_PFLAG, DiskGroup, openDevicePath } from '@plexa/engine'
import { startServer } from '../src/server.ts'
import { call, smallData } from './harness.ts'

function start(dataDir: string, log: (l: string) => void = () => {}) {
  return startServer({ dataDir, host: '127.0.0.1', port: 0, nbdPort: 0, demo: false, lab: false, labRemote: false, log })
}

const disk = (dir: string, n: number) => join(dir, 'disks', `tdg-disk0${n}.img`)

/** smallData's group deported (its headers name no importer), as a group brought from elsewhere is. */
async function deported(dir: string): Promise<void> {
  const dg = await DiskGroup.import({ devices: await Promise.all([1, 2, 3].map((n) => openDevicePath(disk(dir, n)))) })
  await dg.deport()
}

describe('rule 130: the server starts on a group with a missing disk', () => {
  it('130 a group this host had imported comes back with the missing disk NODEVICE and a warning naming it', async () => {
    const data = await smallData()
    try {
      await rename(disk(data.dir, 2), join(data.dir, 'away.img'))
      const lines: string[] = []
      const srv = await start(data.dir, (l) => lines.push(l))
      try {
        const dg = srv.services.storage.group('tdg').dg
        const dm = dg.config().disks.find((d) => d.dm_name === 'disk02')!
        expect([dm.dm_device, dm.dm_pflag & DM_PFLAG.REMOVED]).toEqual(['', DM_PFLAG.REMOVED])
        expect(srv.services.storage.problems).toEqual([expect.objectContaining({ disk: 'disk02', code: 'VM_MISSING_DISKS' })])
        expect(lines.filter((l) => l.startsWith('warning:') && l.includes('VM_MISSING_DISKS'))).toHaveLength(1)
      } finally {
        await srv.close()
      }
    } finally {
      await data.remove()
    }
  })

  it('130 a deported group with a missing disk is not imported: it waits with the disk named, and the server serves', async () => {
    const data = await smallData()
    try {
      await deported(data.dir)
      await rename(disk(data.dir, 2), join(data.dir, 'away.img'))
      const srv = await start(data.dir)
      try {
        expect(srv.services.storage.groups.size).toBe(0)
        expect(srv.services.storage.pending.get('tdg')).toMatchObject({ code: 'VM_MISSING_DISKS', disks: [{ disk: 'disk02', reason: 'missing' }] })
        expect((await call(srv.url, 'GET', '/api/health')).status).toBe(200)
      } finally {
        await srv.close()
      }
    } finally {
      await data.remove()
    }
  })
})
