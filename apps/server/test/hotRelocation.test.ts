// Hot relocation (vxrelocd): a plex whose I/O fails on a disk is relocated by the server, the
// alert says where (rule 336); a group with hotreloc=off keeps it where it is, and a volume
// that is not redundant is left alone with an alert saying why (rule 337).
import { afterEach, describe, expect, it } from 'vitest'
import type { Alert, FinishedTask } from '@plexa/protocol'
import { type TestServer, call, testServer } from './harness.ts'
import { until } from './until.ts'

interface Config {
  disks: Array<{ dm_name: string; dm_rid: number }>
  plexes: Array<{ pl_name: string; pl_rid: number; pl_kstate: string; pl_state: string }>
  subdisks: Array<{ sd_plex_rid: number; sd_dm_name: string }>
}

describe('hot relocation (rules 336, 337)', () => {
  let t: TestServer | undefined
  afterEach(async () => {
    await t?.close()
    t = undefined
  })

  const setup = async () => {
    t = await testServer()
    const s = t
    const alerts = async () => (await call(s.url, 'GET', '/api/alerts', { auth: s.adminToken })).body.alerts as Alert[]
    const post = async (path: string, body: unknown = {}) => call(s.url, 'POST', path, { auth: s.adminToken, body })
    const config = async () => (await call(s.url, 'GET', '/api/dgs/tdg', { auth: s.adminToken })).body.config as Config
    const plex = async (name: string) => {
      const c = await config()
      const p = c.plexes.find((x) => x.pl_name === name)!
      return { ...p, disks: c.subdisks.filter((sd) => sd.sd_plex_rid === p.pl_rid).map((sd) => sd.sd_dm_name) }
    }
    const dg = s.srv.services.storage.groups.get('tdg')!.dg
    const write = async (volume: string) => dg.write(volume, 0, new Uint8Array(4096)).then(() => 'ok', (e: { code?: string }) => e.code)
    // the harness's group has it off; on is what a group is made with
    const hotreloc = async (v: 'on' | 'off') => expect((await call(s.url, 'PATCH', '/api/dgs/tdg/records/tdg', { auth: s.adminToken, body: { fields: { hotreloc: v } } })).status).toBe(200)
    await hotreloc('on')
    return { s, alerts, post, plex, write, dg, hotreloc }
  }

  it('336: a disk failure that detaches a mirror\'s plex relocates it to free space on a disk holding no other plex of the volume, copies it, and a critical alert says where', async () => {
    const { s, alerts, post, plex, write } = await setup()
    expect((await post('/api/lab/dgs/tdg/disks/disk02/fail', { mode: 'both' })).status).toBe(200)
    expect(await write('mir')).toBe('ok')
    // disk01 holds mir-01: only disk03 (beside mir's log and cat) may take mir-02
    await until('mir-02 relocated and copied', async () => {
      const p = await plex('mir-02')
      return p.disks.every((d) => d === 'disk03') && p.pl_kstate === 'ENABLED' && p.pl_state === 'ACTIVE'
    })
    await s.srv.hotRelocation.idle()
    const said = (await alerts()).filter((a) => a.object === 'mir' && a.message.includes('relocated'))
    expect(said).toHaveLength(1)
    expect(said[0]).toMatchObject({ severity: 'critical', dg: 'tdg' })
    expect(said[0]!.message).toContain('disk02')
    expect(said[0]!.message).toContain('on disk03')
    const tasks = (await call(s.url, 'GET', '/api/tasks/history', { auth: s.adminToken })).body.tasks as FinishedTask[]
    expect(tasks.filter((x) => x.kind === 'relocate')).toMatchObject([{ outcome: 'ok', volumes: ['mir'], startedBy: 'automatic' }])
  })

  it('337: with hotreloc=off the failed plex stays detached where it is', async () => {
    const { s, alerts, post, plex, write, hotreloc } = await setup()
    await hotreloc('off')
    expect((await post('/api/lab/dgs/tdg/disks/disk02/fail', { mode: 'both' })).status).toBe(200)
    expect(await write('mir')).toBe('ok')
    await until('mir-02 detached', async () => (await plex('mir-02')).pl_kstate === 'DETACHED')
    await s.srv.hotRelocation.idle()
    expect((await plex('mir-02')).disks).toEqual(['disk02'])
    expect((await alerts()).some((a) => a.message.includes('relocated'))).toBe(false)
  })

  it('337: a volume that is not redundant is not relocated: its only plex fails on its disk, is kept (the last copy), and a VM_LAST_PLEX alert says why', async () => {
    const { s, alerts, post, plex, write } = await setup()
    expect((await post('/api/lab/dgs/tdg/disks/disk03/fail', { mode: 'both' })).status).toBe(200)
    expect(await write('cat')).toBe('VM_IO')
    const refused = await until('the not-relocated alert', async () => (await alerts()).find((a) => a.object === 'cat' && a.code === 'VM_LAST_PLEX'))
    expect(refused).toMatchObject({ severity: 'critical' })
    expect(refused.message).toContain('cat-01')
    await s.srv.hotRelocation.idle()
    expect((await plex('cat-01')).disks).toEqual(['disk03'])
  })
})
