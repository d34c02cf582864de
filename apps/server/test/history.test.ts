import { readFile, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import type { Alert, FinishedTask, HistoryItem, ServerMessage } from '@plexa/protocol'
import { type Restartable, call, restartable, viewer, wsClient } from './harness.ts'
import { until } from './until.ts'

const detachAlert = { type: 'alert', dg: 'tdg', severity: 'critical', code: 'VM_IO', message: 'plex mir-02 of mir was detached after an I/O error', object: 'mir-02' } as const

describe('server history: events, alerts and finished tasks', () => {
  let r: Restartable | undefined
  afterEach(async () => {
    await r?.close()
    r = undefined
  })

  it('172: a task the engine started on its own is recorded as started automatically, with the bytes its progress counted', async () => {
    r = await restartable()
    const srv = await r.start()
    const progress = (doneBytes: number) => ({ type: 'task.progress', dg: 'tdg', taskId: 'auto-1', kind: 'recovery', volume: 'mir', phase: 'recovery', doneBytes, totalBytes: 3 * 1048576, rate: 0, etaSeconds: null, throttle: 0 }) as const
    srv.services.history.engine('tdg', progress(0))
    srv.services.history.engine('tdg', progress(3 * 1048576))
    srv.services.history.engine('tdg', { type: 'task.finished', dg: 'tdg', taskId: 'auto-1', kind: 'recovery', volume: 'mir', outcome: 'ok' })
    let task: FinishedTask | undefined
    await until('the automatic task in the history', async () => !!(task = ((await r!.get('/api/tasks/history')).tasks as FinishedTask[]).find((t) => t.taskId === 'auto-1')))
    expect(task).toMatchObject({ startedBy: 'automatic', outcome: 'ok', doneBytes: 3 * 1048576, target: 'volume mir' })
  })

  it('413: a task that ends before its starter has claimed it (the start goes on with I/O after the task began) is recorded once, as claimed; one no starter claims is recorded from its end', async () => {
    r = await restartable()
    const srv = await r.start()
    const h = srv.services.history
    const progress = (taskId: string) => ({ type: 'task.progress', dg: 'tdg', taskId, kind: 'resync', volume: 'mir', phase: 'resync', doneBytes: 0, totalBytes: 0, rate: 0, etaSeconds: null, throttle: 0 }) as const
    const end = (taskId: string) => ({ type: 'task.finished', dg: 'tdg', taskId, kind: 'resync', volume: 'mir', outcome: 'ok' }) as const
    const named = (taskId: string) => h.tasks.items().filter((t) => t.taskId === taskId)
    const report = { regionsCopied: 0, bytesCopied: 0, bytesWritten: 0, failedRegions: [] }
    await h.starting(async () => {
      h.engine('tdg', progress('task-900'))
      h.engine('tdg', end('task-900'))
      h.engine('tdg', progress('task-901'))
      h.engine('tdg', end('task-901'))
      // as resumeInterrupted starting the next resync: I/O (many turns of the event loop) before the claim
      await readFile(join(r!.dir, 'admin-credential.txt'))
      await stat(r!.dir)
      expect(named('task-900')).toEqual([])
      h.claim('tdg', 'task-900', 'resync', { target: 'volume mir', volumes: ['mir'], startedBy: 'restart' }, Promise.resolve(report))
    })
    await until('the claimed task recorded', () => named('task-900').length > 0)
    expect(named('task-900')).toMatchObject([{ startedBy: 'restart', outcome: 'ok', sync: { regionsCopied: 0 } }])
    // the task no starter claimed: recorded from its end event once the starter was over
    expect(named('task-901')).toMatchObject([{ startedBy: 'automatic', outcome: 'ok' }])
    // with no starter under way, an end is recorded as it comes
    h.engine('tdg', progress('task-902'))
    h.engine('tdg', end('task-902'))
    expect(named('task-902')).toMatchObject([{ startedBy: 'automatic' }])
    // a claim that comes after its task was recorded changes nothing
    h.claim('tdg', 'task-902', 'resync', { target: 'volume mir', volumes: ['mir'] }, Promise.resolve(report))
    await h.written()
    expect(named('task-902')).toHaveLength(1)
  })

  it('keeps alerts, events and finished tasks across a restart, and gives them to a client on connect (rule 105)', async () => {
    r = await restartable()
    const srv = await r.start()
    srv.services.history.engine('tdg', detachAlert)
    await r.post('/api/dgs/tdg/records/cat/rename', { newName: 'cat2' })
    const v = await r.post('/api/dgs/tdg/volumes/mir/verify')
    await until('the verify in the task history', async () => (await r!.get('/api/tasks/history')).tasks.some((t: FinishedTask) => t.taskId === v.body.taskId))
    const again = await r.restart()
    const alerts = (await r.get('/api/alerts')).alerts as Alert[]
    expect(alerts).toMatchObject([{ id: 1, severity: 'critical', code: 'VM_IO', object: 'mir-02', count: 1 }])
    expect(alerts[0]!.acked).toBeUndefined()
    const events = (await r.get('/api/history')).events as HistoryItem[]
    expect(events.some((e) => e.event.type === 'config.committed' && e.event.operation === 'rename')).toBe(true)
    expect(events.some((e) => e.event.type === 'alert.raised' && e.event.alert.id === 1)).toBe(true)
    // ids go on across the restart; progress is state, not history
    expect(events.map((e) => e.id)).toEqual([...events.map((e) => e.id)].sort((a, b) => a - b))
    expect(new Set(events.map((e) => e.id)).size).toBe(events.length)
    expect(events.some((e) => e.event.type === 'task.progress')).toBe(false)
    const tasks = (await r.get('/api/tasks/history')).tasks as FinishedTask[]
    expect(tasks.find((t) => t.taskId === v.body.taskId)).toMatchObject({ kind: 'verify', outcome: 'ok', target: 'volume mir', verify: { mismatchCount: 0, regionsChecked: 32 } })
    // a window opened now gets all of it in its first message
    const ws = wsClient(again.url, { token: await r.token() })
    const hello = (await ws.until((m) => m.type === 'hello')) as Extract<ServerMessage, { type: 'hello' }>
    expect(hello.snapshot.history.alerts.map((a) => a.id)).toEqual([1])
    expect(hello.snapshot.history.tasks.some((t) => t.taskId === v.body.taskId)).toBe(true)
    expect(hello.snapshot.history.events.some((e) => e.event.type === 'config.committed')).toBe(true)
    expect(hello.snapshot.history.audit.some((a) => a.operation === 'POST /api/dgs/:dg/records/:name/rename')).toBe(true)
    ws.ws.close()
    // older pages
    const newest = events.at(-1)!.id
    const page = (await r.get(`/api/history?before=${newest}&limit=2`)).events as HistoryItem[]
    expect(page.map((e) => e.id)).toEqual(events.filter((e) => e.id < newest).slice(-2).map((e) => e.id))
  })

  it('stays bounded in count and bytes, in memory and on disk, under a flood of events and alerts (rule 105)', async () => {
    const bounds = { events: { maxCount: 100, maxBytes: 64 * 1024 }, alerts: { maxOpen: 20, maxAcked: 5 } }
    r = await restartable({ history: bounds })
    const srv = await r.start()
    const pad = 'x'.repeat(2000)
    // about a plex the group does not have: no problem of it is seen to end (rule 295 resolves
    // an alert about a healthy plex, and a repeat after that is a new alert)
    const flooding = { ...detachAlert, object: 'gone-02', message: 'plex gone-02 of gone was detached after an I/O error' }
    for (let i = 0; i < 3000; i++) {
      srv.services.hub.publish({ type: 'dg.state', dg: `flood-${i}-${pad}`, state: 'imported' })
      srv.services.history.engine('tdg', { ...flooding, message: `alert ${i}`, severity: i % 2 ? 'critical' : 'warning' })
      // the same alert again and again is one alert that counts
      srv.services.history.engine('tdg', flooding)
      if (i % 100 === 0) await new Promise((res) => setImmediate(res))
    }
    const h = srv.services.history
    await h.written()
    expect(h.events.items().length).toBeLessThanOrEqual(100)
    expect(h.events.bytes).toBeLessThanOrEqual(64 * 1024)
    expect((await stat(join(r.dir, 'events.jsonl'))).size).toBeLessThanOrEqual(2 * 64 * 1024)
    const open = h.alerts.all().filter((a) => !a.acked)
    expect(open.length).toBeLessThanOrEqual(20)
    // warnings go before criticals; the repeated alert is one, counted
    expect(open.filter((a) => a.severity === 'warning').length).toBe(0)
    expect(open.find((a) => a.message === flooding.message)).toMatchObject({ count: 3000 })
    await r.restart()
    expect((await r.get('/api/history?limit=1000')).events.length).toBeLessThanOrEqual(100)
    expect((await r.get('/api/alerts')).alerts.length).toBeLessThanOrEqual(20)
  })

  it('acknowledging needs the admin role, is audited, streamed and kept across a restart (rule 106)', async () => {
    r = await restartable()
    const srv = await r.start()
    srv.services.history.engine('tdg', detachAlert)
    const id = ((await r.get('/api/alerts')).alerts as Alert[])[0]!.id
    const viewerToken = await viewer({ srv, url: srv.url, dir: r.dir, adminToken: await r.token(), close: async () => {} })
    const refused = await call(srv.url, 'POST', `/api/alerts/${id}/ack`, { auth: viewerToken, body: {} })
    expect(refused.body.error.code).toBe('VM_FORBIDDEN')
    expect(((await r.get('/api/alerts')).alerts as Alert[])[0]!.acked).toBeUndefined()
    const ws = wsClient(srv.url, { token: await r.token() })
    await ws.until((m) => m.type === 'hello')
    const ok = await r.post(`/api/alerts/${id}/ack`)
    expect(ok.status).toBe(200)
    expect(ok.body).toMatchObject({ id, acked: { by: 'admin' } })
    await ws.until((m) => m.type === 'event' && m.event.type === 'alert.acked' && m.event.alert.id === id)
    ws.ws.close()
    await srv.services.audit.written()
    const audit = (await r.get('/api/audit?limit=50')).entries as Array<{ operation: string; user: string; role: string; result: string; args: Record<string, unknown> }>
    expect(audit.filter((e) => e.operation === 'POST /api/alerts/:alert/ack').map((e) => [e.user, e.result])).toEqual([['vera', 'VM_FORBIDDEN'], ['admin', 'ok']])
    expect((await r.post('/api/alerts/999/ack')).body.error.code).toBe('VM_NOT_FOUND')
    await r.restart()
    expect(((await r.get('/api/alerts')).alerts as Alert[])[0]).toMatchObject({ id, acked: { by: 'admin' } })
  })

  it('rule 141: acknowledging all open alerts (or the listed ones) needs the admin role, each call is audited, each alert streamed, and leaves nothing acknowledged for an unknown id', async () => {
    r = await restartable()
    const srv = await r.start()
    for (const plex of ['mir-01', 'mir-02', 'mir-03']) srv.services.history.engine('tdg', { ...detachAlert, message: `plex ${plex} of mir was detached after an I/O error`, object: plex })
    const ids = ((await r.get('/api/alerts')).alerts as Alert[]).map((a) => a.id)
    expect(ids).toHaveLength(3)
    const viewerToken = await viewer({ srv, url: srv.url, dir: r.dir, adminToken: await r.token(), close: async () => {} })
    expect((await call(srv.url, 'POST', '/api/alerts/ack', { auth: viewerToken, body: {} })).body.error.code).toBe('VM_FORBIDDEN')
    // one unknown id: none is acknowledged
    expect((await r.post('/api/alerts/ack', { ids: [ids[0], 999] })).body.error.code).toBe('VM_NOT_FOUND')
    expect(((await r.get('/api/alerts')).alerts as Alert[]).filter((a) => a.acked)).toEqual([])
    expect((await r.post('/api/alerts/ack', { ids: ['x'] })).body.error.code).toBe('VM_INVALID_PARAM')
    // the listed ones, then all the rest
    const first = await r.post('/api/alerts/ack', { ids: [ids[0]] })
    expect((first.body.alerts as Alert[]).map((a) => a.id)).toEqual([ids[0]])
    const ws = wsClient(srv.url, { token: await r.token() })
    await ws.until((m) => m.type === 'hello')
    const rest = await r.post('/api/alerts/ack', {})
    expect(rest.status).toBe(200)
    expect((rest.body.alerts as Alert[]).map((a) => [a.id, a.acked?.by])).toEqual([[ids[1], 'admin'], [ids[2], 'admin']])
    for (const id of ids.slice(1)) await ws.until((m) => m.type === 'event' && m.event.type === 'alert.acked' && m.event.alert.id === id)
    ws.ws.close()
    // nothing open: acknowledging all again changes nothing
    expect((await r.post('/api/alerts/ack', {})).body.alerts).toEqual([])
    await srv.services.audit.written()
    const audit = (await r.get('/api/audit?limit=50')).entries as Array<{ operation: string; user: string; result: string }>
    expect(audit.filter((e) => e.operation === 'POST /api/alerts/ack').map((e) => [e.user, e.result])).toEqual([['vera', 'VM_FORBIDDEN'], ['admin', 'VM_NOT_FOUND'], ['admin', 'VM_INVALID_PARAM'], ['admin', 'ok'], ['admin', 'ok'], ['admin', 'ok']])
    await r.restart()
    expect(((await r.get('/api/alerts')).alerts as Alert[]).every((a) => a.acked?.by === 'admin')).toBe(true)
  })

  it('272: a finished copy records the bytes it wrote to its target plexes, kept across a restart', async () => {
    r = await restartable()
    await r.start()
    const finished = (taskId: string) => until(`${taskId} in the task history`, async () => ((await r!.get('/api/tasks/history')).tasks as FinishedTask[]).find((t) => t.taskId === taskId))
    // a forced resync of mir (two data plexes of 16 MiB) copies the first over the second: 16 MiB written
    const forced = await r.post('/api/dgs/tdg/volumes/mir/resync', { force: true })
    expect((await finished(forced.body.taskId)).sync).toMatchObject({ bytesCopied: 16 << 20, bytesWritten: 16 << 20 })
    // a verify writes nothing and has no copy report
    const v = await r.post('/api/dgs/tdg/volumes/mir/verify')
    expect((await finished(v.body.taskId)).sync).toBeUndefined()
    await r.restart()
    const kept = ((await r.get('/api/tasks/history')).tasks as FinishedTask[]).find((t) => t.taskId === forced.body.taskId)
    expect(kept?.sync?.bytesWritten).toBe(16 << 20)
  })

  it('records a disk resync that left regions unsynchronised as failed VM_NOTSYNCED, naming every volume on the disk, with an alert (rule 107)', async () => {
    r = await restartable()
    const srv = await r.start()
    const finished = (taskId: string) => until(`${taskId} in the task history`, async () => ((await r!.get('/api/tasks/history')).tasks as FinishedTask[]).find((t) => t.taskId === taskId))
    // disk03 holds the log of mir and all of cat: its resync covers both
    const both = await r.post('/api/dgs/tdg/disks/disk03/resync', { force: true })
    expect(await finished(both.body.taskId)).toMatchObject({ target: 'disk disk03', volumes: ['cat', 'mir'], outcome: 'ok', sync: { volumes: [{ volume: 'cat', synced: true }] } }) // mir has only its log there: no data to resync
    // writes that fail without the device knowing it fails (a bad stretch): a lab-failed disk is refused up front (rule 418)
    srv.services.storage.group('tdg').devices.get('disk02')!.addFault({ ops: ['write', 'flush'], times: 1_000_000 })
    const started = await r.post('/api/dgs/tdg/disks/disk02/resync', { force: true })
    expect(started.status).toBe(202)
    const done = await finished(started.body.taskId)
    expect(done).toMatchObject({ kind: 'resync', target: 'disk disk02', volumes: ['mir'], outcome: 'failed', code: 'VM_NOTSYNCED' })
    expect(done.sync!.failedCount).toBeGreaterThan(0)
    expect(done.sync!.failedRegions[0]).toMatchObject({ reason: 'target write failed' })
    // rule 158: the outcome says, volume by volume, what was not synchronised
    expect(done.sync!.volumes).toEqual([expect.objectContaining({ volume: 'mir', synced: false, reason: 'VM_NOTSYNCED' })])
    const alerts = (await r.get('/api/alerts')).alerts as Alert[]
    expect(alerts.some((a) => a.code === 'VM_NOTSYNCED' && a.object === 'disk02')).toBe(true)
    // the result route and the history agree
    expect((await r.get(`/api/tasks/${started.body.taskId}/result`)).code).toBe('VM_NOTSYNCED')
    // exactly one history entry for the task
    expect(((await r.get('/api/tasks/history')).tasks as FinishedTask[]).filter((t) => t.taskId === started.body.taskId)).toHaveLength(1)
  })

  it('records a verify mismatch with its location and raises a critical alert (rule 107)', async () => {
    r = await restartable()
    const srv = await r.start()
    const g = srv.services.storage.group('tdg')
    const c = g.dg.config()
    const sd = c.subdisks.find((s) => s.sd_pl_name === 'mir-02')!
    const dm = c.disks.find((d) => d.dm_name === sd.sd_dm_name)!
    // silent corruption of region 3 on one plex only, below the volume manager
    const regionBytes = 512 * 1024
    await g.devices.get(dm.dm_name)!.write((dm.dm_pub_offset + sd.sd_dm_offset) * 512 + 3 * regionBytes, Buffer.alloc(4096, 0xee))
    const v = await r.post('/api/dgs/tdg/volumes/mir/verify')
    const done = await until('the verify in the task history', async () => ((await r!.get('/api/tasks/history')).tasks as FinishedTask[]).find((t) => t.taskId === v.body.taskId))
    expect(done.outcome).toBe('ok')
    expect(done.verify).toMatchObject({ mismatchCount: 1, mismatches: [{ region: 3, offset: 3 * regionBytes, groups: [['mir-01'], ['mir-02']] }] })
    expect(((await r.get('/api/alerts')).alerts as Alert[]).find((a) => a.code === 'VM_NOTSYNCED')).toMatchObject({ severity: 'critical', object: 'mir' })
  })
})
