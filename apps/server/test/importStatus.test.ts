import { describe, expect, it } from 'vitest'
import { startServer } from '../src/server.ts'
import { call, testServer, wsClient } from './harness.ts'
import { splitBrainData } from './splitBrainData.ts'
import { until } from './until.ts'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'

describe('rule 407: what a split-brain import overruled reaches the alerts', () => {
  it('407 an import choosing a side (selectcp) raises a VM_SPLIT_BRAIN alert naming the other side and what it held', async () => {
    const data = await splitBrainData()
    const srv = await startServer({ dataDir: data.dir, host: '127.0.0.1', port: 0, nbdPort: 0, demo: false, lab: false, labRemote: false, log: () => {} })
    try {
      const auth = /token: (\S+)/.exec(await readFile(join(data.dir, 'admin-credential.txt'), 'utf8'))![1]!
      const pending = await call(srv.url, 'GET', '/api/imports', { auth })
      expect(pending.body.groups).toEqual([expect.objectContaining({ name: 'tdg', code: 'VM_SPLIT_BRAIN', sides: expect.any(Array) })])
      expect((await call(srv.url, 'GET', '/api/alerts', { auth })).body.alerts).toEqual([])
      const r = await call(srv.url, 'POST', '/api/imports/tdg', { auth, body: { selectcp: data.disk03 } })
      expect([r.status, r.body.dropped.map((d: { disks: string[] }) => d.disks)]).toEqual([200, [['disk01', 'disk02']]])
      const alerts = (await call(srv.url, 'GET', '/api/alerts', { auth })).body.alerts as Array<{ code: string; dg: string; message: string }>
      expect(alerts).toEqual([expect.objectContaining({ code: 'VM_SPLIT_BRAIN', dg: 'tdg', severity: 'warning' })])
      expect(alerts[0]!.message).toContain('left')
      expect((await call(srv.url, 'GET', '/api/imports', { auth })).body.groups).toEqual([])
    } finally {
      await srv.close()
      await data.remove()
    }
  })
})

describe('rule 409: the clients learn the disks the engine knows fail', () => {
  it('409 a remote disk whose NBD server goes away is reported failing (dg.failing, GET /api/dgs/:dg) without any lab failure', async () => {
    const { startNbdkit } = await import('../../../packages/engine/test/nbdkit.ts')
    const kit = await startNbdkit(['memory', '64M'])
    const t = await testServer({ lab: false })
    try {
      const api = (method: string, path: string, body?: unknown) => call(t.url, method, path, { auth: t.adminToken, ...(body !== undefined ? { body } : {}) })
      expect((await api('POST', '/api/dgs/tdg/disks', { name: 'remote1', path: kit.url })).status).toBe(200)
      expect((await api('GET', '/api/dgs/tdg')).body.failing).toEqual({})
      const ws = wsClient(t.url, { token: t.adminToken })
      await ws.opened
      // the remote server dies (a graceful nbdkit waits for its client to leave)
      const gone = new Promise((resolve) => kit.child.once('exit', resolve))
      kit.child.kill('SIGKILL')
      await gone
      // nothing reads or writes it: the lost connection alone makes the device fail
      const m = await ws.until((x) => x.type === 'event' && x.event.type === 'dg.failing', 'dg.failing')
      expect(m).toMatchObject({ event: { dg: 'tdg', failing: { remote1: 'both' } } })
      expect((await api('GET', '/api/dgs/tdg')).body.failing).toEqual({ remote1: 'both' })
      await until('the snapshot too', async () => (await api('GET', '/api/snapshot')).body.groups[0].failing.remote1 === 'both')
      ws.ws.close()
    } finally {
      await t.close()
      // a killed nbdkit has no exit code to wait for
      if (kit.child.signalCode === null) await kit.stop()
    }
  })

  it('409 a lab failure is what the engine knows too, and a restore ends it', async () => {
    const t = await testServer()
    try {
      const api = (method: string, path: string, body?: unknown) => call(t.url, method, path, { auth: t.adminToken, ...(body !== undefined ? { body } : {}) })
      const ws = wsClient(t.url, { token: t.adminToken })
      await ws.opened
      await api('POST', '/api/lab/dgs/tdg/disks/disk02/fail', { mode: 'write' })
      await ws.until((x) => x.type === 'event' && x.event.type === 'dg.failing' && x.event.failing.disk02 === 'write', 'disk02 failing writes')
      await api('POST', '/api/lab/dgs/tdg/disks/disk02/restore')
      await ws.until((x) => x.type === 'event' && x.event.type === 'dg.failing' && Object.keys(x.event.failing).length === 0, 'nothing failing')
      ws.ws.close()
    } finally {
      await t.close()
    }
  })
})
