// A lab failure outlives a restart of the server (rule 385): the failed disk stays failed, the
// start's recovery does not copy onto it, and only a restore ends it. Each server is loaded as a
// new process loads it (fresh modules), on the same data directory.
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, describe, expect, it, vi } from 'vitest'
import type { RunningServer } from '../src/server.ts'
import { call, smallData } from './harness.ts'
import { until } from './until.ts'

async function freshServer(dir: string, lab = true, log: (l: string) => void = () => {}): Promise<RunningServer> {
  vi.resetModules()
  const { startServer } = await import('../src/server.ts')
  return startServer({ dataDir: dir, host: '127.0.0.1', port: 0, nbdPort: 0, demo: false, lab, labRemote: false, log })
}

describe('lab failures across a restart (rule 385)', () => {
  let data: Awaited<ReturnType<typeof smallData>> | undefined
  let srv: RunningServer | undefined
  afterEach(async () => {
    await srv?.close()
    srv = undefined
    await data?.remove()
    data = undefined
  })
  const token = async () => /token: (\S+)/.exec(await readFile(join(data!.dir, 'admin-credential.txt'), 'utf8'))![1]!
  const get = async (path: string) => (await call(srv!.url, 'GET', path, { auth: await token() })).body
  /** mir's plex with a subdisk on disk01, as the configuration has it. */
  const plexOnDisk01 = () => {
    const c = srv!.services.storage.group('tdg').dg.config()
    const sd = c.subdisks.find((x) => x.sd_dm_name === 'disk01' && c.plexes.some((p) => p.pl_name === x.sd_pl_name && p.pl_v_name === 'mir'))!
    return c.plexes.find((p) => p.pl_name === sd.sd_pl_name)!
  }
  const volumesStarted = () => until('every volume started', () => srv!.services.storage.group('tdg').dg.config().volumes.every((v) => v.v_kstate === 'ENABLED'))

  it('a disk the lab failed is still failed after a restart, its plex not recovered onto it, until restored', async () => {
    data = await smallData()
    srv = await freshServer(data.dir)
    await volumesStarted()
    const fail = await call(srv.url, 'POST', '/api/lab/dgs/tdg/disks/disk01/fail', { auth: await token(), body: { mode: 'both' } })
    expect(fail.status).toBe(200)
    const failedAt = (fail.body.disks as Array<{ disk: string; failedAt?: number }>).find((d) => d.disk === 'disk01')!.failedAt
    // a write meets the failure: mir's plex on disk01 is kernel-detached, mir degraded
    await srv.services.storage.group('tdg').dg.write('mir', 0, Buffer.alloc(65536, 7))
    const healthy = () => plexOnDisk01().pl_kstate === 'ENABLED' && plexOnDisk01().pl_state === 'ACTIVE'
    await until('the plex on disk01 detached', () => !healthy())
    await srv.close()
    srv = await freshServer(data.dir)
    await volumesStarted()
    // the lab page says what it said before the restart
    expect((await get('/api/lab')).disks).toContainEqual(expect.objectContaining({ dg: 'tdg', disk: 'disk01', failed: 'both', failedAt }))
    // the start's recovery met the failure and copied nothing onto the failed disk: mir stays degraded
    await until('the start\'s recovery over', () => srv!.services.storage.group('tdg').dg.listTasks().length === 0)
    expect(healthy()).toBe(false)
    // a restore ends it, and that outlives the next restart too
    expect((await call(srv.url, 'POST', '/api/lab/dgs/tdg/disks/disk01/restore', { auth: await token(), body: {} })).status).toBe(200)
    await srv.close()
    srv = await freshServer(data.dir)
    await volumesStarted()
    expect((await get('/api/lab')).disks).not.toContainEqual(expect.objectContaining({ disk: 'disk01', failed: 'both' }))
  })

  it('a server started without lab mode drops the lab failures and says so', async () => {
    data = await smallData()
    srv = await freshServer(data.dir)
    await volumesStarted()
    await call(srv.url, 'POST', '/api/lab/dgs/tdg/disks/disk02/fail', { auth: await token(), body: { mode: 'write' } })
    await srv.close()
    const lines: string[] = []
    srv = await freshServer(data.dir, false, (l) => lines.push(l))
    await volumesStarted()
    expect(lines.some((l) => l.includes('tdg/disk02'))).toBe(true)
    expect((await get('/api/lab')).disks).toEqual([])
  })
})
