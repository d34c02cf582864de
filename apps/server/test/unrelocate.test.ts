// vxunreloc over HTTP (rules 501, 506) and the notes of `disk relocate`'s 202 (rule 507).
import { describe, expect, it } from 'vitest'
import type { FinishedTask } from '@plexa/protocol'
import { call, groupCalls, testServers } from './harness.ts'
import { until } from './until.ts'

const dg = '/api/dgs/tdg'

describe('POST /api/dgs/:dg/disks/:disk/unrelocate (vxunreloc)', () => {
  const testServer = testServers()

  const setup = async () => {
    const s = await testServer()
    const calls = groupCalls(s)
    const subdisks = async (plex: string) => {
      const c = await calls.config()
      const p = c.plexes.find((x) => x.pl_name === plex)!
      return { plex: p, sds: c.subdisks.filter((sd) => sd.sd_plex_rid === p.pl_rid && !sd.sd_is_log) }
    }
    const set = async (name: string, fields: Record<string, string>) => expect((await call(s.url, 'PATCH', `${dg}/records/${name}`, { auth: s.adminToken, body: { fields } })).status).toBe(200)
    return { s, ...calls, subdisks, set }
  }

  it('rule 507: the 202 of `disk relocate` carries the notes its dry run gives (where each new subdisk goes)', async () => {
    const { post } = await setup()
    expect((await post(`${dg}/plexes/mir-02/det`)).status).toBe(200)
    const dry = await post(`${dg}/disks/disk02/relocate`, { plexes: ['mir-02'], dryRun: true })
    expect(dry.status).toBe(200)
    expect(dry.body.notes).toEqual([expect.stringContaining('on disk03'), expect.stringContaining('disk02-01 on disk02')])
    const r = await post(`${dg}/disks/disk02/relocate`, { plexes: ['mir-02'] })
    expect(r.status).toBe(202)
    expect(r.body).toMatchObject({ accepted: true, taskId: expect.any(String) })
    expect(r.body.notes).toEqual(dry.body.notes)
  })

  it('rule 501: after a lab failure relocated mir-02 and the disk was restored, unrelocate moves it back to its original offset: 202 with notes, a move task, the subdisk back recording no original disk', async () => {
    const { s, post, write, subdisks, set } = await setup()
    const at = (await subdisks('mir-02')).sds[0]!.sd_dm_offset
    expect((await call(s.url, 'PATCH', `${dg}/records/tdg`, { auth: s.adminToken, body: { fields: { hotreloc: 'on' } } })).status).toBe(200)
    expect((await post('/api/lab/dgs/tdg/disks/disk02/fail', { mode: 'both' })).status).toBe(200)
    expect(await write('mir')).toBe('ok')
    await until('mir-02 relocated and copied', async () => {
      const { plex, sds } = await subdisks('mir-02')
      return sds.every((sd) => sd.sd_dm_name === 'disk03') && plex.pl_state === 'ACTIVE' && plex.pl_kstate === 'ENABLED'
    })
    await s.srv.hotRelocation.idle()
    expect((await subdisks('mir-02')).sds.map((sd) => [sd.sd_orig_dmname, sd.sd_orig_dmoffset])).toEqual([['disk02', at]])
    // not yet: the disk still fails, then it is still marked failing
    expect((await post(`${dg}/disks/disk02/unrelocate`, { dryRun: true })).body.error.code).toBe('VM_DISK_FAILED')
    expect((await post('/api/lab/dgs/tdg/disks/disk02/restore')).status).toBe(200)
    expect((await post(`${dg}/disks/disk02/unrelocate`)).body.error.code).toBe('VM_DISK_FAILED')
    await set('disk02', { failing: 'off' })
    const dry = await post(`${dg}/disks/disk02/unrelocate`, { dryRun: true })
    expect(dry.status).toBe(200)
    expect(dry.body).toMatchObject({ dryRun: true, disk: 'disk02', target: 'disk02', moved: [{ volume: 'mir', plex: 'mir-02', from: 'disk03', original: true, to: [{ disk: 'disk02', offset: at }] }] })
    const r = await post(`${dg}/disks/disk02/unrelocate`)
    expect(r.status).toBe(202)
    expect(r.body.notes).toEqual(dry.body.notes)
    await until('mir-02 back on disk02', async () => (await subdisks('mir-02')).sds.every((sd) => sd.sd_dm_name === 'disk02'))
    const { plex, sds } = await subdisks('mir-02')
    expect(sds.map((sd) => [sd.sd_dm_offset, sd.sd_orig_dmname, sd.sd_orig_dmoffset])).toEqual([[at, '', 0]])
    expect(plex).toMatchObject({ pl_state: 'ACTIVE', pl_kstate: 'ENABLED' })
    const done = await until('the unrelocation in the task history', async () => ((await call(s.url, 'GET', '/api/tasks/history', { auth: s.adminToken })).body.tasks as FinishedTask[]).find((x) => x.kind === 'unrelocate'))
    expect(done).toMatchObject({ outcome: 'ok', volumes: ['mir'], target: 'disk disk02' })
    expect((await post(`${dg}/disks/disk02/unrelocate`)).body.error.code).toBe('VM_NOT_RELOCATED')
  })
})
