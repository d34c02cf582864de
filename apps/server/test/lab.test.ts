import { describe, expect, it } from 'vitest'
import { call, testServer } from './harness.ts'
import { until } from './until.ts'
import { createManualClock } from '@plexa/engine'

const MiB = 1 << 20

describe('lab mode', () => {
  it('is refused unless the server runs with --lab or --demo', async () => {
    const t = await testServer({ lab: false })
    try {
      const r = await call(t.url, 'POST', '/api/lab/dgs/tdg/disks/disk01/fail', { auth: t.adminToken, body: { mode: 'both' } })
      expect(r.status).toBe(403)
      expect(r.body.error.code).toBe('VM_LAB_DISABLED')
      expect((await call(t.url, 'GET', '/api/lab', { auth: t.adminToken })).body.enabled).toBe(false)
    } finally {
      await t.close()
    }
  })

  it('is refused when the server listens beyond loopback, unless explicitly allowed', async () => {
    for (const [labRemote, code] of [[false, 'VM_LAB_DISABLED'], [true, undefined]] as const) {
      const t = await testServer({ lab: true, host: '0.0.0.0', labRemote })
      try {
        const url = t.url.replace('0.0.0.0', '127.0.0.1')
        const r = await call(url, 'POST', '/api/lab/dgs/tdg/disks/disk01/latency', { auth: t.adminToken, body: { ms: 1 } })
        expect(r.body?.error?.code).toBe(code)
      } finally {
        await t.close()
      }
    }
  })

  it('a failed disk detaches its plex under writes and raises an alert; restore brings it back for a resync', async () => {
    const t = await testServer()
    try {
      const post = (path: string, body: unknown = {}) => call(t.url, 'POST', path, { auth: t.adminToken, body })
      await post('/api/lab/dgs/tdg/disks/disk02/fail', { mode: 'write' })
      await post('/api/lab/load', { dg: 'tdg', volume: 'mir', writesPerSecond: 500 })
      const plexState = async () => (await call(t.url, 'GET', '/api/dgs/tdg', { auth: t.adminToken })).body.config.plexes.find((p: { pl_name: string }) => p.pl_name === 'mir-02')
      await until('mir-02 IOFAIL', async () => (await plexState()).pl_state === 'IOFAIL')
      expect(await plexState()).toMatchObject({ pl_state: 'IOFAIL', pl_kstate: 'DETACHED' })
      // rule 173: the streamed io.error names the disk whose I/O failed
      const events = (await call(t.url, 'GET', '/api/history', { auth: t.adminToken })).body.events as Array<{ event: { type: string; plex?: string; failedDisks?: string[] } }>
      expect(events.find((e) => e.event.type === 'io.error' && e.event.plex === 'mir-02')?.event.failedDisks).toEqual(['disk02'])
      await post('/api/lab/load/stop', { dg: 'tdg', volume: 'mir' })
      await post('/api/lab/dgs/tdg/disks/disk02/restore')
      const r = await post('/api/dgs/tdg/disks/disk02/resync', { force: false })
      // a refusal or a failed resync says which (its code and report), not only that mir-02 never came back
      expect(r.status, JSON.stringify(r.body)).toBe(202)
      const result = await until('the resync result', async () => {
        const x = await call(t.url, 'GET', `/api/tasks/${r.body.taskId}/result`, { auth: t.adminToken })
        return x.status === 200 && x.body
      })
      expect(result, JSON.stringify(result)).toMatchObject({ ok: true })
      expect(await plexState()).toMatchObject({ pl_state: 'ACTIVE', pl_kstate: 'ENABLED' })
      const audit = (await call(t.url, 'GET', '/api/audit?limit=50', { auth: t.adminToken })).body.entries.map((e: { operation: string }) => e.operation)
      expect(audit).toContain('POST /api/lab/dgs/:dg/disks/:disk/fail')
    } finally {
      await t.close()
    }
  })

  it('rule 113: a restored disk stays in the lab view as answering (failed none) with when the lab failed it, in the view and the lab.disk event', async () => {
    const clock = createManualClock(1_700_000_000_000)
    const t = await testServer({ clock })
    try {
      const post = (path: string, body: unknown = {}) => call(t.url, 'POST', path, { auth: t.adminToken, body })
      const disk02 = async () => (await call(t.url, 'GET', '/api/lab', { auth: t.adminToken })).body.disks.find((d: { disk: string }) => d.disk === 'disk02')
      await post('/api/lab/dgs/tdg/disks/disk02/fail', { mode: 'both' })
      expect(await disk02()).toMatchObject({ failed: 'both', failedAt: 1_700_000_000_000 })
      clock.advance(60_000)
      await post('/api/lab/dgs/tdg/disks/disk02/restore')
      expect(await disk02()).toMatchObject({ failed: 'none', failedAt: 1_700_000_000_000 })
      const events = (await call(t.url, 'GET', '/api/history', { auth: t.adminToken })).body.events.map((i: { event: { type: string } }) => i.event).filter((e: { type: string }) => e.type === 'lab.disk')
      expect(events.at(-1)).toMatchObject({ disk: 'disk02', failed: 'none', failedAt: 1_700_000_000_000 })
    } finally {
      await t.close()
    }
  })

  it('rule 236: replacing a lab-failed disk leaves the lab failure with the old device: the lab view and the lab.disk event say the disk answers, and its resync on the new device completes', async () => {
    const t = await testServer()
    try {
      const post = (path: string, body: unknown = {}) => call(t.url, 'POST', path, { auth: t.adminToken, body })
      const lab = async () => (await call(t.url, 'GET', '/api/lab', { auth: t.adminToken })).body.disks as Array<{ disk: string; failed: string }>
      expect((await post('/api/lab/dgs/tdg/disks/disk02/fail', { mode: 'both' })).status).toBe(200)
      expect((await post('/api/lab/dgs/tdg/disks/disk02/latency', { ms: 5 })).status).toBe(200)
      const before = (await call(t.url, 'GET', '/api/dgs/tdg', { auth: t.adminToken })).body.config.disks.find((d: { dm_name: string }) => d.dm_name === 'disk02').dm_diskid
      // a dry run keeps the lab failure: the old device is still the disk's
      expect((await post('/api/dgs/tdg/disks/disk02/replace', { sizeBytes: 64 * MiB, dryRun: true })).status).toBe(200)
      expect((await lab()).find((d) => d.disk === 'disk02')).toMatchObject({ failed: 'both' })
      const r = await post('/api/dgs/tdg/disks/disk02/replace', { sizeBytes: 64 * MiB })
      expect(r.status, JSON.stringify(r.body)).toBe(200)
      const cfg = (await call(t.url, 'GET', '/api/dgs/tdg', { auth: t.adminToken })).body.config
      expect(cfg.disks.find((d: { dm_name: string }) => d.dm_name === 'disk02').dm_diskid).not.toBe(before)
      expect((await lab()).find((d) => d.disk === 'disk02')).toBeUndefined()
      const events = (await call(t.url, 'GET', '/api/history', { auth: t.adminToken })).body.events.map((i: { event: { type: string } }) => i.event).filter((e: { type: string }) => e.type === 'lab.disk')
      expect(events.at(-1)).toEqual(expect.objectContaining({ disk: 'disk02', failed: 'none', latencyMs: 0 }))
      expect(events.at(-1)).not.toHaveProperty('failedAt')
      // the new device answers: the data plex on it is copied back and comes back ACTIVE
      const rs = await post('/api/dgs/tdg/disks/disk02/resync', { force: false })
      expect(rs.status, JSON.stringify(rs.body)).toBe(202)
      const result = await until('the resync result', async () => {
        const x = await call(t.url, 'GET', `/api/tasks/${rs.body.taskId}/result`, { auth: t.adminToken })
        return x.status === 200 && x.body
      })
      expect(result, JSON.stringify(result)).toMatchObject({ ok: true })
      const plexes = (await call(t.url, 'GET', '/api/dgs/tdg', { auth: t.adminToken })).body.config.plexes
      expect(plexes.find((p: { pl_name: string }) => p.pl_name === 'mir-02')).toMatchObject({ pl_state: 'ACTIVE', pl_kstate: 'ENABLED' })
    } finally {
      await t.close()
    }
  })
})
