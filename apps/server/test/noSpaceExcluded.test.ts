import { afterEach, describe, expect, it } from 'vitest'
import type { Alert, ServerEvent } from '@plexa/protocol'
import { failingMarks } from '../src/history/failingMarks.ts'
import { type TestServer, call, testServer } from './harness.ts'
import { until } from './until.ts'

describe('428, 429: what allocation passes over, and a disk left FAILING', () => {
  let t: TestServer | undefined
  afterEach(async () => {
    await t?.close()
    t = undefined
  })
  const api = (method: string, path: string, body?: unknown) => call(t!.url, method, path, { auth: t!.adminToken, ...(body !== undefined ? { body } : {}) })

  it('I428 a VM_NO_SPACE names every disk allocation passed over, why and the fix (details.excluded), and changes nothing; with disks named it does not', async () => {
    t = await testServer()
    expect((await api('PATCH', '/api/dgs/tdg/records/disk03', { fields: { spare: 'on' } })).status).toBe(200)
    expect((await api('PATCH', '/api/dgs/tdg/records/disk02', { fields: { failing: 'on' } })).status).toBe(200)
    const tid = (await api('GET', '/api/dgs/tdg')).body.config.tid
    const r = await api('POST', '/api/dgs/tdg/assist', { name: 'x1', len: 2048, layout: 'stripe', ncol: 3, dryRun: true })
    expect(r.status).toBe(507)
    expect(r.body.error.code).toBe('VM_NO_SPACE')
    expect(r.body.error.details).toMatchObject({ disksNeeded: 3, disksUsable: 1 })
    expect(r.body.error.details.excluded).toEqual([
      { disk: 'disk02', reason: 'failing', fix: expect.stringContaining('plexa disk set disk02 failing=off') },
      { disk: 'disk03', reason: 'spare', fix: expect.stringContaining('spare=off') },
    ])
    // the real run says the same
    const real = await api('POST', '/api/dgs/tdg/assist', { name: 'x1', len: 2048, layout: 'stripe', ncol: 3 })
    expect(real.body.error.details.excluded.map((e: { disk: string }) => e.disk)).toEqual(['disk02', 'disk03'])
    expect((await api('GET', '/api/dgs/tdg')).body.config.tid).toBe(tid)
    // disks named: allocation takes only those, nothing passed over to report
    const named = await api('POST', '/api/dgs/tdg/assist', { name: 'x1', len: 2048, layout: 'stripe', ncol: 3, disks: ['disk01', 'disk02'], dryRun: true })
    expect(named.body.error?.details?.excluded).toBeUndefined()
  })

  it('I429 a disk marked FAILING raises one warning alert naming it and the fix; clearing the mark resolves it', async () => {
    t = await testServer()
    expect((await api('PATCH', '/api/dgs/tdg/records/disk03', { fields: { failing: 'on' } })).status).toBe(200)
    let alert: Alert | undefined
    await until('the FAILING alert', async () => !!(alert = ((await api('GET', '/api/alerts')).body.alerts as Alert[]).find((a) => a.object === 'disk03' && a.code === 'VM_DISK_FAILED')))
    expect(alert).toMatchObject({ severity: 'warning', dg: 'tdg' })
    expect(alert!.resolved).toBeUndefined()
    expect((await api('PATCH', '/api/dgs/tdg/records/disk03', { fields: { failing: 'off' } })).status).toBe(200)
    await until('the alert resolved', async () => !!((await api('GET', '/api/alerts')).body.alerts as Alert[]).find((a) => a.id === alert!.id)?.resolved)
  })

  it('I429 hot relocation\'s dm.reloc commit marking a disk FAILING raises the alert; another change of a disk does not', () => {
    const raised: Array<{ disk: string }> = []
    const follow = failingMarks((a) => raised.push(a))
    const commit = (operation: string, pflag: number, fields = ['dm_pflag']) => ({ type: 'config.committed', dg: 'demodg', tid: 9, operation, changes: [{ kind: 'dm', rid: 6, name: 'disk06', op: 'update', fields, after: { dm_pflag: pflag } }], seq: 1, at: 0 }) as ServerEvent
    follow(commit('dm.reloc', 0x8))
    follow(commit('set', 0x2))
    follow(commit('set', 0x8, ['dm_comment']))
    expect(raised.map((a) => a.disk)).toEqual(['disk06'])
  })
})
