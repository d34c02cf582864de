// Hot relocation (vxrelocd): a plex whose I/O fails on a disk is relocated by the server, the
// alert says where (rule 336); a group with hotreloc=off keeps it where it is, and a volume
// that is not redundant is left alone with an alert saying why (rule 337).
import { describe, expect, it } from 'vitest'
import type { FinishedTask } from '@plexa/protocol'
import { call, groupCalls, testServers } from './harness.ts'
import { until } from './until.ts'

describe('hot relocation (rules 336, 337)', () => {
  const testServer = testServers()

  const setup = async () => {
    const t = await testServer()
    const s = t
    const calls = groupCalls(s)
    const plex = async (name: string) => {
      const c = await calls.config()
      const p = c.plexes.find((x) => x.pl_name === name)!
      return { ...p, disks: c.subdisks.filter((sd) => sd.sd_plex_rid === p.pl_rid).map((sd) => sd.sd_dm_name) }
    }
    // the harness's group has it off; on is what a group is made with
    const hotreloc = async (v: 'on' | 'off') => expect((await call(s.url, 'PATCH', '/api/dgs/tdg/records/tdg', { auth: s.adminToken, body: { fields: { hotreloc: v } } })).status).toBe(200)
    await hotreloc('on')
    return { s, ...calls, plex, hotreloc }
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

  it('rule 457: a disk failure under mir\'s DRL log (BADLOG, its log plex IOFAIL) relocates the log plex off the disk, the log is in use again and BADLOG cleared, and a critical alert says where', async () => {
    const { s, alerts, post, write, config } = await setup()
    const logOf = async () => {
      const c = await config()
      const pl = c.plexes.find((p) => p.pl_v_name === 'mir' && p.pl_log_sd !== '')!
      const v = c.volumes.find((x) => x.v_name === 'mir')!
      return { pl, disk: c.subdisks.find((x) => x.sd_name === pl.pl_log_sd)?.sd_dm_name, badlog: (v.v_pflag & 0x100) !== 0 }
    }
    expect((await logOf()).disk).toBe('disk03')
    expect((await post('/api/lab/dgs/tdg/disks/disk03/fail', { mode: 'both' })).status).toBe(200)
    expect(await write('mir')).toBe('ok')
    await until('mir\'s log relocated off disk03 and in use', async () => {
      const l = await logOf()
      return l.disk !== 'disk03' && l.pl.pl_kstate === 'ENABLED' && l.pl.pl_state === 'LOG' && !l.badlog
    })
    await s.srv.hotRelocation.idle()
    const said = (await alerts()).filter((a) => a.object === 'mir' && a.message.includes('relocated log plex'))
    expect(said).toHaveLength(1)
    expect(said[0]).toMatchObject({ severity: 'critical', dg: 'tdg' })
    expect(said[0]!.message).toContain(`on ${(await logOf()).disk}`)
  })
})
