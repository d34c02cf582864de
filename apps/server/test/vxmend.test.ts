import { describe, expect, it } from 'vitest'
import { call, testServers } from './harness.ts'

const testServer = testServers()

const dg = '/api/dgs/tdg'

describe('POST /api/dgs/:dg/mend (volmend(8), issue 17 item 5)', () => {
  it('151: fix empty of a volume with an ACTIVE plex is VM_HAS_DATA (409) without force and done with it', async () => {
    const t = await testServer()
    const post = (path: string, body: unknown = {}) => call(t!.url, 'POST', path, { auth: t!.adminToken, body })
    expect((await post(`${dg}/volumes/mir/stop`)).status).toBe(200)
    expect((await call(t.url, 'PATCH', `${dg}/records/mir-01`, { auth: t.adminToken, body: { fields: { state: 'ACTIVE' } } })).status).toBe(200)
    const refused = await post(`${dg}/mend`, { op: 'fix', name: 'mir', arg: 'empty' })
    expect([refused.status, refused.body.error.code]).toEqual([409, 'VM_HAS_DATA'])
    const done = await post(`${dg}/mend`, { op: 'fix', name: 'mir', arg: 'empty', force: true })
    expect(done.status).toBe(200)
    const c = (await call(t.url, 'GET', dg, { auth: t.adminToken })).body.config
    expect(c.volumes.find((v: { v_name: string }) => v.v_name === 'mir').v_state).toBe('EMPTY')
  })
})
