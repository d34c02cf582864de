import { describe, expect, it } from 'vitest'
import { openDevicePath, readDiskHeader } from '@plexa/engine'
import { call, closeAfterEach, restartable } from './harness.ts'

const closing = closeAfterEach()
const MiB = 1 << 20
const dg = '/api/dgs/tdg'

/** The header an image holds (read-only, beside no group). */
async function headerOf(path: string) {
  const dev = await openDevicePath(path, { readOnly: true })
  try {
    return await readDiskHeader(dev)
  } finally {
    await dev.close()
  }
}

describe('rule 471: the image a disk replace took a disk from claims nothing', () => {
  it('471 disk02 fails every write and is replaced: its old image keeps its header naming this host, yet the deported group stays deported across a restart; the image is a problem (VM_INV_DEVENT) and listed free as formerly disk02; the import takes the new disk', async () => {
    const r = closing(await restartable())
    await r.start()
    const storage = () => r.srv.services.storage
    const old = storage().group('tdg').dg.config().disks.find((d) => d.dm_name === 'disk02')!.dm_device
    expect((await r.post('/api/lab/dgs/tdg/disks/disk02/fail', { mode: 'both' })).status).toBe(200)
    const replaced = await r.post(`${dg}/disks/disk02/replace`, { sizeBytes: 64 * MiB })
    expect(replaced.status).toBe(200)
    const now = storage().group('tdg').dg.config().disks.find((d) => d.dm_name === 'disk02')!
    expect(now.dm_device).not.toBe(old)
    // the old image could not be written: its header still names this host and the group
    expect(await headerOf(old)).toMatchObject({ dmname: 'disk02', hostid: (await headerOf(now.dm_device))?.hostid })
    const free = await r.fetch('/api/disks/free')
    expect(free.body.disks).toEqual([{ path: old, sizeBytes: 64 * MiB, formerly: { dg: 'tdg', disk: 'disk02' } }])
    for (const v of ['mir', 'cat']) await r.post(`${dg}/volumes/${v}/stop`)
    expect((await r.post(`${dg}/deport`)).status).toBe(200)
    await r.restart()
    expect([storage().groups.has('tdg'), storage().pending.get('tdg')?.deported, storage().pending.get('tdg')?.paths.includes(old)]).toEqual([false, true, false])
    expect(storage().problems).toEqual([expect.objectContaining({ disk: old, code: 'VM_INV_DEVENT' })])
    expect((await r.fetch('/api/disks/free')).body.disks).toEqual([{ path: old, sizeBytes: 64 * MiB, formerly: { dg: 'tdg', disk: 'disk02' } }])
    const imported = await r.post('/api/imports/tdg')
    expect([imported.status, imported.body.unusable]).toEqual([200, []])
    expect(storage().group('tdg').dg.config().disks.find((d) => d.dm_name === 'disk02')!.dm_device).toBe(now.dm_device)
    // the stale image is no member: a start without deport leaves it out as well
    await r.restart()
    expect([storage().groups.has('tdg'), storage().problems.map((p) => [p.disk, p.code])]).toEqual([true, [[old, 'VM_INV_DEVENT']]])
  })

  it('471 a replaced disk whose old image still takes writes: the replace clears its header, so the image is a free disk (no formerly) and a restart finds it free', async () => {
    const r = closing(await restartable())
    await r.start()
    const storage = () => r.srv.services.storage
    const old = storage().group('tdg').dg.config().disks.find((d) => d.dm_name === 'disk02')!.dm_device
    expect((await r.post('/api/lab/dgs/tdg/disks/disk02/fail', { mode: 'read' })).status).toBe(200)
    const replaced = await r.post(`${dg}/disks/disk02/replace`, { sizeBytes: 64 * MiB })
    expect(replaced.status).toBe(200)
    expect(await headerOf(old)).toBeUndefined()
    expect((await call(r.srv.url, 'GET', '/api/disks/free', { auth: await r.token() })).body.disks).toEqual([{ path: old, sizeBytes: 64 * MiB }])
    await r.restart()
    expect([storage().groups.has('tdg'), storage().problems, storage().free]).toEqual([true, [], [{ path: old, sizeBytes: 64 * MiB }]])
  })
})
