// A lab failure outlives a restart of the server (rule 385): the failed disk stays failed, the
// start's recovery does not copy onto it, and only a restore ends it. Each server is loaded as a
// new process loads it (fresh modules), on the same data directory.
import { afterEach, describe, expect, it } from 'vitest'
import { type Restartable, restartable } from './harness.ts'
import { until } from './until.ts'

describe('lab failures across a restart (rule 385)', () => {
  let r: Restartable | undefined
  afterEach(async () => {
    await r?.close()
    r = undefined
  })
  const group = () => r!.srv.services.storage.group('tdg').dg
  /** mir's plex with a subdisk on disk01, as the configuration has it. */
  const plexOnDisk01 = () => {
    const c = group().config()
    const sd = c.subdisks.find((x) => x.sd_dm_name === 'disk01' && c.plexes.some((p) => p.pl_name === x.sd_pl_name && p.pl_v_name === 'mir'))!
    return c.plexes.find((p) => p.pl_name === sd.sd_pl_name)!
  }

  it('a disk the lab failed is still failed after a restart, its plex not recovered onto it, until restored', async () => {
    r = await restartable({ fresh: true })
    await r.start()
    const fail = await r.post('/api/lab/dgs/tdg/disks/disk01/fail', { mode: 'both' })
    expect(fail.status).toBe(200)
    const failedAt = (fail.body.disks as Array<{ disk: string; failedAt?: number }>).find((d) => d.disk === 'disk01')!.failedAt
    // a write meets the failure: mir's plex on disk01 is kernel-detached, mir degraded
    await group().write('mir', 0, Buffer.alloc(65536, 7))
    const healthy = () => plexOnDisk01().pl_kstate === 'ENABLED' && plexOnDisk01().pl_state === 'ACTIVE'
    await until('the plex on disk01 detached', () => !healthy())
    await r.restart()
    // the lab page says what it said before the restart
    expect((await r.get('/api/lab')).disks).toContainEqual(expect.objectContaining({ dg: 'tdg', disk: 'disk01', failed: 'both', failedAt }))
    // the start's recovery met the failure and copied nothing onto the failed disk: mir stays degraded
    await until('the start\'s recovery over', () => group().listTasks().length === 0)
    expect(healthy()).toBe(false)
    // a restore ends it, and that outlives the next restart too
    expect((await r.post('/api/lab/dgs/tdg/disks/disk01/restore')).status).toBe(200)
    await r.restart()
    expect((await r.get('/api/lab')).disks).not.toContainEqual(expect.objectContaining({ disk: 'disk01', failed: 'both' }))
  })

  it('a server started without lab mode drops the lab failures and says so', async () => {
    r = await restartable({ fresh: true })
    await r.start()
    await r.post('/api/lab/dgs/tdg/disks/disk02/fail', { mode: 'write' })
    const lines: string[] = []
    await r.restart({ lab: false, log: (l) => lines.push(l) })
    expect(lines.some((l) => l.includes('tdg/disk02'))).toBe(true)
    expect((await r.get('/api/lab')).disks).toEqual([])
  })
})
