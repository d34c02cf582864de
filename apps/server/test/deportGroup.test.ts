import { rename } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { type DiskGroup, nbdProtocol, openDevicePath, readDiskHeader } from '@plexa/engine'
import type { ServerMessage } from '@plexa/protocol'
import { type Restartable, call, closeAfterEach, restartable, testServer, wsClient } from './harness.ts'
import { rawClient } from './nbdClient.ts'
import { until } from './until.ts'

const closing = closeAfterEach()
const MiB = 1 << 20
const dg = '/api/dgs/tdg'

/** A megabyte unique to `n`. */
const block = (n: number) => Buffer.alloc(MiB, `plexa deport ${n} `)

/** Started, every volume's and plex's state of tdg, and whether each volume reads back the block written to it. */
async function groupState(srv: { services: { storage: { group(n: string): { dg: DiskGroup } } } }) {
  const g = srv.services.storage.group('tdg').dg
  const reads: string[] = []
  for (const [i, v] of ['mir', 'cat'].entries()) {
    if (g.config().volumes.find((x) => x.v_name === v)!.v_kstate !== 'ENABLED') await g.start(v)
    reads.push((await g.read(v, 0, MiB)).equals(block(i)) ? `${v} intact` : `${v} changed`)
  }
  const c = g.config()
  const states = [...c.volumes.map((v) => [v.v_name, v.v_state]), ...c.plexes.map((p) => [p.pl_name, p.pl_state, p.pl_v_name])]
  return { states, reads }
}

/** Each volume of tdg written a block and flushed; their state then, before both are stopped for a deport. */
async function writtenAndStopped(r: Restartable): Promise<Awaited<ReturnType<typeof groupState>>> {
  const g = r.srv.services.storage.group('tdg').dg
  for (const [i, v] of ['mir', 'cat'].entries()) {
    await g.write(v, 0, block(i))
    await g.flush(v)
  }
  const state = await groupState(r.srv)
  for (const v of ['mir', 'cat']) await r.post(`${dg}/volumes/${v}/stop`)
  return state
}

/** The importer each disk header names (read-only, beside no group). */
async function hostsOf(paths: string[]): Promise<Array<string | undefined>> {
  const out: Array<string | undefined> = []
  for (const p of paths) {
    const dev = await openDevicePath(p, { readOnly: true })
    out.push((await readDiskHeader(dev))?.hostid)
    await dev.close()
  }
  return out
}

describe('rule 451: vxdg deport through the API, and the import back', () => {
  it('451 a started (NBD-exported) volume refuses VM_VOL_ENABLED naming it, a running task VM_BUSY naming it, a group not imported VM_OFFLINE or VM_NOT_FOUND; each refusal leaves the group imported and unchanged', async () => {
    const t = closing(await testServer())
    const post = (path: string, body: unknown = {}) => call(t.url, 'POST', path, { auth: t.adminToken, body })
    const g = () => t.srv.services.storage.group('tdg')
    await post(`${dg}/volumes/cat/stop`)
    // mir is started and exported over NBD (the default policy: all), a client reading it
    const client = await rawClient(t.srv.nbdPort, 'mir')
    expect((await client.call(nbdProtocol.CMD.READ, 0, 4096)).err).toBe(0)
    expect(t.srv.nbd.connections().map((c) => c.exportName)).toEqual(['mir'])
    let tid = g().dg.tid
    const started = await post(`${dg}/deport`)
    expect([started.status, started.body.error.code, started.body.error.details]).toEqual([409, 'VM_VOL_ENABLED', { volumes: ['mir'] }])
    const dry = await post(`${dg}/deport`, { dryRun: true })
    expect([dry.status, dry.body.error.code, g().dg.tid - tid]).toEqual([409, 'VM_VOL_ENABLED', 0])
    await post(`${dg}/volumes/mir/stop`)
    client.sock.destroy()
    // a plex copy of the stopped concat, slowed by disk03's latency: a task with every volume stopped
    await post('/api/lab/dgs/tdg/disks/disk03/latency', { ms: 1000 })
    await post(`${dg}/records`, { records: [{ type: 'sd', name: 'sdc', disk: 'disk01', len: 16384 }, { type: 'plex', name: 'copy', sd: ['sdc'] }] })
    const copy = await post(`${dg}/plexes/copy/cp`, { volume: 'cat' })
    expect(copy.status).toBe(202)
    tid = g().dg.tid
    const busy = await post(`${dg}/deport`)
    expect([busy.status, busy.body.error.code, busy.body.error.details, g().dg.tid - tid]).toEqual([409, 'VM_BUSY', { tasks: [copy.body.taskId] }, 0])
    await post(`/api/tasks/${copy.body.taskId}/abort`)
    await until('the copy task ends', () => g().dg.listTasks().length === 0)
    await post('/api/lab/dgs/tdg/disks/disk03/latency', { ms: 0 })
    // nothing of the refusals changed the group: imported, the same configuration, headers naming this host
    expect([t.srv.services.storage.groups.has('tdg'), t.srv.services.storage.pending.size]).toEqual([true, 0])
    expect((await readDiskHeader(g().devices.get('disk01')!))?.hostid).toBeDefined()
    const unknown = await post('/api/dgs/nodg/deport')
    expect([unknown.status, unknown.body.error.code]).toEqual([404, 'VM_NOT_FOUND'])
    const done = await post(`${dg}/deport`)
    expect([done.status, done.body]).toEqual([200, { name: 'tdg', dryRun: false, disks: ['disk01', 'disk02', 'disk03'], volumes: ['mir', 'cat'] }])
    const again = await post(`${dg}/deport`)
    expect([again.status, again.body.error.code]).toEqual([409, 'VM_OFFLINE'])
  })

  it('451 deport: the group is listed deported, its headers name no importer, open pages see it go and come back; the import restores every volume, plex state and byte; both are audited and in the history; a restart leaves it deported', async () => {
    const r = closing(await restartable())
    await r.start()
    const auth = await r.token()
    const storage = () => r.srv.services.storage
    const before = await writtenAndStopped(r)
    const paths = storage().group('tdg').dg.config().disks.map((d) => d.dm_device)
    const page = wsClient(r.srv.url, { token: auth })
    await page.opened
    const preview = await r.post(`${dg}/deport`, { dryRun: true })
    expect([preview.status, preview.body.dryRun, storage().groups.has('tdg')]).toEqual([200, true, true])
    const deported = await r.post(`${dg}/deport`)
    expect([deported.status, deported.body.disks]).toEqual([200, ['disk01', 'disk02', 'disk03']])
    const isState = (state: string) => (m: ServerMessage) => m.type === 'event' && m.event.type === 'dg.state' && m.event.dg === 'tdg' && m.event.state === state
    await page.until(isState('deported'), 'dg.state deported')
    expect(storage().groups.has('tdg')).toBe(false)
    const list = await r.fetch('/api/imports')
    expect(list.body.groups).toEqual([expect.objectContaining({ name: 'tdg', code: 'VM_OFFLINE', deported: true, devices: paths })])
    expect((await r.get('/api/snapshot')).imports).toEqual([expect.objectContaining({ name: 'tdg', deported: true })])
    expect(await hostsOf(paths)).toEqual([undefined, undefined, undefined])
    // a restart leaves it deported (not auto-imported), as vxconfigd does
    await r.restart()
    expect([storage().groups.has('tdg'), storage().pending.get('tdg')?.deported]).toEqual([false, true])
    const page2 = wsClient(r.srv.url, { token: auth })
    await page2.opened
    const imported = await r.post('/api/imports/tdg')
    expect([imported.status, imported.body.name]).toEqual([200, 'tdg'])
    await page2.until(isState('imported'), 'dg.state imported')
    expect(await groupState(r.srv)).toEqual(before)
    expect((await r.fetch('/api/imports')).body.groups).toEqual([])
    // imported again, it is imported at the next start too
    await r.restart()
    expect([storage().groups.has('tdg'), storage().pending.size]).toEqual([true, 0])
    const audit = (await r.get('/api/audit')).entries.filter((e: { operation: string }) => e.operation === 'POST /api/dgs/:dg/deport' || e.operation === 'POST /api/imports/:dg')
    expect(audit.map((e: { operation: string; args: unknown; result: string }) => [e.operation, e.args, e.result])).toEqual([
      ['POST /api/dgs/:dg/deport', { dg: 'tdg' }, 'ok'],
      ['POST /api/imports/:dg', { dg: 'tdg' }, 'ok'],
    ])
    const history = (await r.get('/api/history?limit=500')).events.filter((h: { event?: { type: string; dg: string } }) => h.event?.type === 'dg.state' && h.event.dg === 'tdg')
    expect(history.map((h: { event: { state: string } }) => h.event.state)).toEqual(['deported', 'imported'])
    page.ws.close()
    page2.ws.close()
  })
})

describe('rule 451: a deported group whose disk is taken away', () => {
  it('451 its import is refused VM_MISSING_DISKS naming the disk, and it then waits as any group with a disk missing (not deported); a forced import brings it up without it', async () => {
    const r = closing(await restartable())
    await r.start()
    const storage = () => r.srv.services.storage
    for (const v of ['mir', 'cat']) await r.post(`${dg}/volumes/${v}/stop`)
    const paths = storage().group('tdg').dg.config().disks.map((d) => d.dm_device)
    expect((await r.post(`${dg}/deport`)).status).toBe(200)
    await rename(paths[1]!, join(r.dir, 'away.img'))
    const refused = await r.post('/api/imports/tdg')
    expect([refused.status, refused.body.error.code, refused.body.error.details]).toEqual([409, 'VM_MISSING_DISKS', { disks: [expect.objectContaining({ disk: 'disk02' })] }])
    expect(storage().pending.get('tdg')).toMatchObject({ code: 'VM_MISSING_DISKS' })
    expect(storage().pending.get('tdg')?.deported).toBeUndefined()
    const forced = await r.post('/api/imports/tdg', { force: true })
    expect([forced.status, forced.body.unusable.map((u: { disk: string }) => u.disk)]).toEqual([200, ['disk02']])
  })
})

describe('rule 452: a server that dies mid-deport leaves a group that imports whole', () => {
  it('452 disk02 and disk03 lose power as the deport writes the headers (disk01 cleared): the next start imports the group with every volume, plex state and byte', async () => {
    const r = closing(await restartable())
    await r.start()
    const storage = () => r.srv.services.storage
    const before = await writtenAndStopped(r)
    const g = storage().group('tdg')
    const paths = g.dg.config().disks.map((d) => d.dm_device)
    // the power of disk02 and disk03 goes once disk01's header is written: every later write fails
    for (const d of ['disk02', 'disk03']) g.devices.get(d)!.addFault({ ops: ['write'] })
    const res = await r.post(`${dg}/deport`)
    expect(res.status).toBe(200)
    expect((await hostsOf(paths)).map((h) => h === undefined)).toEqual([true, false, false])
    // the server dies (no deport recorded as done beyond the headers), and starts again
    await r.restart()
    expect([storage().groups.has('tdg'), storage().pending.size]).toEqual([true, 0])
    expect(await groupState(r.srv)).toEqual(before)
  })
})
