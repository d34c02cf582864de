// The configuration-copy alert end to end at the server (rule 235): a disk that fails writes loses
// its configuration copy (VM_MAPFRDWR alert, DM_TFLAG CONFIG_DISABLED in its record); once the
// disk is restored, its resync enables and rewrites the copy and the record says so.
import { describe, expect, it } from 'vitest'
import { DM_TFLAG } from '@plexa/engine'
import type { Alert, FinishedTask } from '@plexa/protocol'
import { call, testServers } from './harness.ts'
import { until } from './until.ts'

describe('configuration copy alert (rule 235)', () => {
  const testServer = testServers()

  it('a disabled copy is in the disk record with its alert, and the resync of the restored disk enables it again', async () => {
    const t = await testServer()
    const s = t
    const get = async (path: string) => (await call(s.url, 'GET', path, { auth: s.adminToken })).body
    const post = async (path: string, body: unknown = {}) => call(s.url, 'POST', path, { auth: s.adminToken, body })
    const disk03 = async () => ((await get('/api/dgs/tdg')).config.disks as Array<{ dm_name: string; dm_tflag: number }>).find((d) => d.dm_name === 'disk03')!
    expect((await post('/api/lab/dgs/tdg/disks/disk03/fail', { mode: 'write' })).status).toBe(200)
    expect((await post('/api/dgs/tdg/records/cat/rename', { newName: 'cat2' })).status).toBe(200)
    let alert: Alert | undefined
    await until('the configuration copy alert', async () => !!(alert = ((await get('/api/alerts')).alerts as Alert[]).find((a) => a.code === 'VM_MAPFRDWR' && a.object === 'disk03')))
    expect((await disk03()).dm_tflag & DM_TFLAG.CONFIG_DISABLED).toBe(DM_TFLAG.CONFIG_DISABLED)
    // restored: still disabled until the engine writes it again
    expect((await post('/api/lab/dgs/tdg/disks/disk03/restore')).status).toBe(200)
    expect((await disk03()).dm_tflag & DM_TFLAG.CONFIG_DISABLED).toBe(DM_TFLAG.CONFIG_DISABLED)
    const r = await post('/api/dgs/tdg/disks/disk03/resync', { force: false })
    expect(r.status).toBe(202)
    const id = (r.body as { taskId: string }).taskId
    await until('the disk resync in the history', async () => ((await get('/api/tasks/history')).tasks as FinishedTask[]).some((x) => x.taskId === id))
    expect((await disk03()).dm_tflag & DM_TFLAG.CONFIG_DISABLED).toBe(0)
    // the alert stays until acknowledged; the record is what says it is over (the web's predicate)
    expect(((await get('/api/alerts')).alerts as Alert[]).find((a) => a.id === alert!.id)!.acked).toBeUndefined()
  })

  it('rule 478: the copy alert of a failed disk is resolved once the disk is replaced by a new device (its copy enabled and written on it)', async () => {
    const s = await testServer()
    const get = async (path: string) => (await call(s.url, 'GET', path, { auth: s.adminToken })).body
    const post = async (path: string, body: unknown = {}) => call(s.url, 'POST', path, { auth: s.adminToken, body })
    const find = async () => ((await get('/api/alerts')).alerts as Alert[]).find((a) => a.code === 'VM_MAPFRDWR' && a.object === 'disk02')
    expect((await post('/api/lab/dgs/tdg/disks/disk02/fail', { mode: 'both' })).status).toBe(200)
    expect((await post('/api/dgs/tdg/records/cat/rename', { newName: 'cat2' })).status).toBe(200)
    await until('the configuration copy alert', async () => !!(await find()))
    expect((await find())!.resolved).toBeUndefined()
    expect((await post('/api/dgs/tdg/disks/disk02/replace', { sizeBytes: 64 << 20 })).status).toBe(200)
    await until('the copy alert resolved', async () => !!(await find())?.resolved)
  })
})
