import { copyFile, rename, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { DM_PFLAG, DiskGroup, openDevicePath, readDiskHeader } from '@plexa/engine'
import { adminTokenOf, call, closeAfterEach, smallData, startOn } from './harness.ts'

const closing = closeAfterEach()
const start = async (dataDir: string, log: (l: string) => void = () => {}) => closing(await startOn(dataDir, { lab: false, log }))
/** smallData's directory, removed after the test. */
const data = async () => {
  const d = await smallData()
  closing({ close: d.remove })
  return d
}

const disk = (dir: string, n: number) => join(dir, 'disks', `tdg-disk0${n}.img`)
/** disk02's image taken away: the disk is missing at the next start. */
const takeDisk02 = (dir: string) => rename(disk(dir, 2), join(dir, 'away.img'))

/** smallData's group deported (its headers name no importer), as a group brought from elsewhere is. */
async function deported(dir: string): Promise<void> {
  const dg = await DiskGroup.import({ devices: await Promise.all([1, 2, 3].map((n) => openDevicePath(disk(dir, n)))) })
  await dg.deport()
}

describe('rule 130: the server starts on a group with a missing disk', () => {
  it('130 a group this host had imported comes back with the missing disk NODEVICE and a warning naming it', async () => {
    const { dir } = await data()
    await takeDisk02(dir)
    const lines: string[] = []
    const srv = await start(dir, (l) => lines.push(l))
    const dg = srv.services.storage.group('tdg').dg
    const dm = dg.config().disks.find((d) => d.dm_name === 'disk02')!
    expect([dm.dm_device, dm.dm_pflag & DM_PFLAG.REMOVED]).toEqual(['', DM_PFLAG.REMOVED])
    expect(srv.services.storage.problems).toEqual([expect.objectContaining({ disk: 'disk02', code: 'VM_MISSING_DISKS' })])
    expect(lines.filter((l) => l.startsWith('warning:') && l.includes('VM_MISSING_DISKS'))).toHaveLength(1)
  })

  it('130 a deported group with a missing disk is not imported: it waits with the disk named, and the server serves', async () => {
    const { dir } = await data()
    await deported(dir)
    await takeDisk02(dir)
    const srv = await start(dir)
    expect(srv.services.storage.groups.size).toBe(0)
    expect(srv.services.storage.pending.get('tdg')).toMatchObject({ code: 'VM_MISSING_DISKS', disks: [{ disk: 'disk02', reason: 'missing' }] })
    expect((await call(srv.url, 'GET', '/api/health')).status).toBe(200)
  })
})

describe('rules 130-131: importing a waiting group through the API (vxdg -f / -C import), audited', () => {
  it('130 without force the import is refused VM_MISSING_DISKS naming the disk; with force it imports it NODEVICE', async () => {
    const { dir } = await data()
    await deported(dir)
    await takeDisk02(dir)
    const srv = await start(dir)
    const auth = await adminTokenOf(dir)
    const list = await call(srv.url, 'GET', '/api/imports', { auth })
    expect(list.body.groups).toEqual([expect.objectContaining({ name: 'tdg', code: 'VM_MISSING_DISKS', disks: [{ disk: 'disk02', reason: 'missing' }] })])
    const refused = await call(srv.url, 'POST', '/api/imports/tdg', { auth, body: {} })
    expect([refused.status, refused.body.error.code, refused.body.error.details]).toEqual([409, 'VM_MISSING_DISKS', { disks: [{ disk: 'disk02', reason: 'missing' }] }])
    expect(srv.services.storage.groups.size).toBe(0)
    const forced = await call(srv.url, 'POST', '/api/imports/tdg', { auth, body: { force: true } })
    expect([forced.status, forced.body.name, forced.body.unusable]).toEqual([200, 'tdg', [{ disk: 'disk02', reason: 'missing' }]])
    expect((await call(srv.url, 'GET', '/api/imports', { auth })).body.groups).toEqual([])
    const dm = srv.services.storage.group('tdg').dg.config().disks.find((d) => d.dm_name === 'disk02')!
    expect(dm.dm_pflag & DM_PFLAG.REMOVED).toBe(DM_PFLAG.REMOVED)
    const audit = (await call(srv.url, 'GET', '/api/audit', { auth })).body.entries.filter((e: { operation: string }) => e.operation === 'POST /api/imports/:dg')
    expect(audit.map((e: { args: unknown; result: string }) => [e.args, e.result])).toEqual([
      [{ dg: 'tdg' }, 'VM_MISSING_DISKS'],
      [{ dg: 'tdg', force: true }, 'ok'],
    ])
  })

  it('131 a group another host imported does not stop the start; its import is refused VM_BUSY naming the host until cleared', async () => {
    const { dir } = await data()
    // hostB took the group over and went down without deporting it
    const b = await DiskGroup.import({ devices: await Promise.all([1, 2, 3].map((n) => openDevicePath(disk(dir, n)))), host: 'hostB', clearImport: true })
    await b.close()
    const srv = await start(dir)
    const auth = await adminTokenOf(dir)
    expect(srv.services.storage.groups.size).toBe(0)
    expect(srv.services.storage.pending.get('tdg')).toMatchObject({ code: 'VM_BUSY', importedBy: 'hostB' })
    // the web learns of it from the snapshot
    expect((await call(srv.url, 'GET', '/api/snapshot', { auth })).body.imports).toEqual([expect.objectContaining({ name: 'tdg', code: 'VM_BUSY', importedBy: 'hostB' })])
    const refused = await call(srv.url, 'POST', '/api/imports/tdg', { auth, body: { force: true } })
    expect([refused.status, refused.body.error.code, refused.body.error.details]).toEqual([409, 'VM_BUSY', { importedBy: 'hostB' }])
    const viewerless = await call(srv.url, 'POST', '/api/imports/tdg', { body: { clearImport: true } })
    expect(viewerless.body.error.code).toBe('VM_UNAUTHORIZED')
    const cleared = await call(srv.url, 'POST', '/api/imports/tdg', { auth, body: { clearImport: true } })
    expect([cleared.status, cleared.body.name]).toEqual([200, 'tdg'])
    expect((await call(srv.url, 'GET', '/api/snapshot', { auth })).body.imports).toEqual([])
    const dg = srv.services.storage.group('tdg').dg
    expect(dg.config().volumes.map((v) => v.v_name).sort()).toEqual(['cat', 'mir'])
    const h = await readDiskHeader(srv.services.storage.group('tdg').devices.get('disk01')!)
    expect(h?.hostid).not.toBe('hostB')
    const audit = (await call(srv.url, 'GET', '/api/audit', { auth })).body.entries.filter((e: { operation: string }) => e.operation === 'POST /api/imports/:dg')
    expect(audit.map((e: { result: string }) => e.result)).toEqual(['VM_BUSY', 'VM_UNAUTHORIZED', 'ok'])
  })
})

describe('rule 350: a serial split brain through the API (vxdg -o selectcp=DISKID import)', () => {
  it('350 the group waits VM_SPLIT_BRAIN naming each side; the import is refused the same way until selectcp chooses disk03, whose side wins and the other side is reported dropped', async () => {
    const { dir } = await data()
    await deported(dir)
    // disk02's image is copied (a restored backup); disk01 and disk02 are changed without disk03,
    // then the copy with disk03, each side forced
    const copyPath = join(dir, 'disk02-copy.img')
    await copyFile(disk(dir, 2), copyPath)
    const left = await DiskGroup.import({ devices: await Promise.all([1, 2].map((n) => openDevicePath(disk(dir, n)))), force: true })
    await left.assistMake({ init: 'none', name: 'left', len: 2048, layout: 'concat', disks: ['disk01'] })
    await left.deport()
    const right = await DiskGroup.import({ devices: [await openDevicePath(copyPath), await openDevicePath(disk(dir, 3))], force: true })
    await right.assistMake({ init: 'none', name: 'right', len: 2048, layout: 'concat', disks: ['disk03'] })
    const disk03 = right.config().disks.find((d) => d.dm_name === 'disk03')!.dm_diskid
    await right.deport()
    await rm(copyPath)
    const srv = await start(dir)
    const auth = await adminTokenOf(dir)
    const sides = [{ disks: ['disk01', 'disk02'], diskids: expect.any(Array), tid: expect.any(Number) }, { disks: ['disk03'], diskids: [disk03], tid: expect.any(Number) }]
    const byDisks = (s: Array<{ disks: string[] }>) => [...s].sort((a, b) => a.disks[0]!.localeCompare(b.disks[0]!))
    expect(srv.services.storage.pending.get('tdg')).toMatchObject({ code: 'VM_SPLIT_BRAIN' })
    expect(byDisks(srv.services.storage.pending.get('tdg')!.sides!)).toEqual(sides)
    const refused = await call(srv.url, 'POST', '/api/imports/tdg', { auth, body: { force: true } })
    expect([refused.status, refused.body.error.code]).toEqual([409, 'VM_SPLIT_BRAIN'])
    expect(byDisks(refused.body.error.details.sides)).toEqual(sides)
    const chosen = await call(srv.url, 'POST', '/api/imports/tdg', { auth, body: { selectcp: disk03 } })
    expect([chosen.status, chosen.body.name]).toEqual([200, 'tdg'])
    expect(chosen.body.dropped).toEqual([{ disks: ['disk01', 'disk02'], diskids: expect.any(Array), tid: expect.any(Number), records: expect.arrayContaining(['left']) }])
    const dg = srv.services.storage.group('tdg').dg
    expect(dg.config().volumes.map((v) => v.v_name).sort()).toEqual(['cat', 'mir', 'right'])
    expect(srv.services.storage.problems).toEqual(expect.arrayContaining([expect.objectContaining({ code: 'VM_SPLIT_BRAIN' })]))
  })
})
