import { join } from 'node:path'
import { expect } from 'vitest'
import { DiskGroup, createImageFile, openDevicePath } from '@plexa/engine'
import type { RouteKey } from '@plexa/protocol'
import { type TestServer, call, login } from './harness.ts'
import { until } from './until.ts'

export type Case = {
  /** Prepares state; returns nothing. */
  setup?: (t: TestServer) => Promise<unknown>
  ok: (t: TestServer) => Promise<{ status: number; body: any }> // eslint-disable-line @typescript-eslint/no-explicit-any
  okStatus?: number
  check?: (t: TestServer, body: any) => Promise<void> | void // eslint-disable-line @typescript-eslint/no-explicit-any
  /** Gets the body `ok` answered with, for a failure on the same object. */
  fail: (t: TestServer, okBody: any) => Promise<{ status: number; body: any }> // eslint-disable-line @typescript-eslint/no-explicit-any
  failCode: string
}

const A = (t: TestServer) => t.adminToken
const get = (t: TestServer, path: string) => call(t.url, 'GET', path, { auth: A(t) })
const post = (t: TestServer, path: string, body: unknown = {}) => call(t.url, 'POST', path, { auth: A(t), body })
const dg = '/api/dgs/tdg'

/**
 * A task that is still running when the next request comes, however loaded the machine: a forced
 * resync of mir (16 MiB) throttled to 1 MiB/s runs for 16 s. (An attach of a freshly detached plex
 * has nothing stale to copy since the hand-over copies only what is stale, and could finish first.)
 */
async function startedTask(t: TestServer): Promise<string> {
  const r = await post(t, `${dg}/volumes/mir/resync`, { force: true, throttle: 1 << 20 })
  if (r.status !== 202) throw new Error(`expected a task, got ${r.status} ${JSON.stringify(r.body)}`)
  return r.body.taskId
}

/**
 * A group `odg` in the data directory that host `otherhost` has imported, waiting as `open` leaves
 * such a group (the whole path, from a start, is importGroup.test.ts's).
 */
async function otherHostsGroup(t: TestServer): Promise<void> {
  const paths = [1, 2].map((i) => join(t.dir, 'disks', `odg-disk0${i}.img`))
  for (const p of paths) await createImageFile(p, 16 << 20)
  const g = await DiskGroup.create({ name: 'odg', host: 'otherhost', disks: await Promise.all(paths.map(async (p, i) => ({ name: `d${i}`, device: await openDevicePath(p) }))) })
  await g.close()
  t.srv.services.storage.pending.set('odg', { name: 'odg', code: 'VM_BUSY', reason: 'imported by host otherhost', importedBy: 'otherhost', paths })
}

export const cases: Record<RouteKey, Case> = {
  'GET /api/health': { ok: (t) => call(t.url, 'GET', '/api/health'), check: (_t, b) => void expect(b.status).toBe('ok'), fail: (t) => call(t.url, 'GET', '/api/healthz'), failCode: 'VM_NO_ROUTE' },
  'GET /api/openapi.json': { ok: (t) => call(t.url, 'GET', '/api/openapi.json'), check: (_t, b) => void expect(b.openapi).toBe('3.1.0'), fail: (t) => call(t.url, 'POST', '/api/openapi.json'), failCode: 'VM_METHOD' },
  'POST /api/session': {
    ok: async (t) => {
      await post(t, '/api/users', { name: 'bob', password: 'bob-password', role: 'viewer' })
      return call(t.url, 'POST', '/api/session', { body: { user: 'bob', password: 'bob-password' } })
    },
    check: (_t, b) => void expect(b).toEqual({ user: 'bob', role: 'viewer' }),
    fail: (t) => call(t.url, 'POST', '/api/session', { body: { user: 'admin', password: 'wrong' } }),
    failCode: 'VM_UNAUTHORIZED',
  },
  'GET /api/session': { ok: (t) => get(t, '/api/session'), check: (_t, b) => void expect(b.role).toBe('admin'), fail: (t) => call(t.url, 'GET', '/api/session'), failCode: 'VM_UNAUTHORIZED' },
  'DELETE /api/session': {
    ok: async (t) => {
      await post(t, '/api/users', { name: 'bob', password: 'bob-password', role: 'viewer' })
      const cookie = await login(t.url, 'bob', 'bob-password')
      const r = await call(t.url, 'DELETE', '/api/session', { auth: cookie })
      expect((await call(t.url, 'GET', '/api/session', { auth: cookie })).status).toBe(401)
      return r
    },
    fail: (t) => call(t.url, 'DELETE', '/api/session'),
    failCode: 'VM_UNAUTHORIZED',
  },
  'GET /api/users': { ok: (t) => get(t, '/api/users'), check: (_t, b) => void expect(b.users).toEqual([{ name: 'admin', role: 'admin' }]), fail: (t) => call(t.url, 'GET', '/api/users'), failCode: 'VM_UNAUTHORIZED' },
  'POST /api/users': { ok: (t) => post(t, '/api/users', { name: 'carol', password: 'carol-password', role: 'admin' }), okStatus: 201, fail: (t) => post(t, '/api/users', { name: 'admin', password: 'whatever-pw', role: 'admin' }), failCode: 'VM_EXISTS' },
  'POST /api/tokens': {
    ok: (t) => post(t, '/api/tokens', { label: 'ci' }),
    okStatus: 201,
    check: async (t, b) => void expect((await call(t.url, 'GET', '/api/session', { auth: b.token })).body.user).toBe('admin'),
    fail: (t) => post(t, '/api/tokens', { label: '' }),
    failCode: 'VM_INVALID_PARAM',
  },
  'GET /api/snapshot': { ok: (t) => get(t, '/api/snapshot'), check: (_t, b) => void expect(b.groups[0].name).toBe('tdg'), fail: (t) => call(t.url, 'GET', '/api/snapshot', { auth: 'plx_bogus' }), failCode: 'VM_TOKEN_REFUSED' },
  'GET /api/audit': {
    setup: (t) => post(t, `${dg}/records/cat/rename`, { newName: 'cat2' }),
    ok: (t) => get(t, '/api/audit?limit=5'),
    check: (_t, b) => void expect(b.entries.at(-1)).toMatchObject({ user: 'admin', operation: 'POST /api/dgs/:dg/records/:name/rename', result: 'ok', args: { dg: 'tdg', name: 'cat', newName: 'cat2' } }),
    fail: (t) => call(t.url, 'GET', '/api/audit'),
    failCode: 'VM_UNAUTHORIZED',
  },
  'GET /api/tasks/history': {
    setup: async (t) => {
      const r = await post(t, `${dg}/volumes/mir/verify`)
      await until('the verify in the task history', async () => (await get(t, '/api/tasks/history')).body.tasks.some((x: { taskId: string }) => x.taskId === r.body.taskId))
    },
    ok: (t) => get(t, '/api/tasks/history?limit=10'),
    check: (_t, b) => void expect(b.tasks.at(-1)).toMatchObject({ kind: 'verify', target: 'volume mir', volumes: ['mir'], outcome: 'ok', verify: { volume: 'mir', mismatchCount: 0 } }),
    fail: (t) => call(t.url, 'GET', '/api/tasks/history'),
    failCode: 'VM_UNAUTHORIZED',
  },
  'GET /api/history': {
    setup: (t) => post(t, `${dg}/records/cat/rename`, { newName: 'cat2' }),
    ok: (t) => get(t, '/api/history?limit=50'),
    check: (_t, b) => void expect(b.events.some((x: { event: { type: string; operation?: string } }) => x.event.type === 'config.committed' && x.event.operation === 'rename')).toBe(true),
    fail: (t) => call(t.url, 'GET', '/api/history'),
    failCode: 'VM_UNAUTHORIZED',
  },
  'GET /api/alerts': {
    setup: async (t) => t.srv.services.history.engine('tdg', { type: 'alert', dg: 'tdg', severity: 'critical', code: 'VM_IO', message: 'plex mir-02 of mir was detached after an I/O error', object: 'mir-02' }),
    ok: (t) => get(t, '/api/alerts'),
    check: (_t, b) => void expect(b.alerts).toMatchObject([{ id: 1, severity: 'critical', code: 'VM_IO', object: 'mir-02', count: 1 }]),
    fail: (t) => call(t.url, 'GET', '/api/alerts'),
    failCode: 'VM_UNAUTHORIZED',
  },
  'POST /api/alerts/:alert/ack': {
    setup: async (t) => t.srv.services.history.engine('tdg', { type: 'alert', dg: 'tdg', severity: 'critical', code: 'VM_IO', message: 'plex mir-02 of mir was detached after an I/O error', object: 'mir-02' }),
    ok: (t) => post(t, '/api/alerts/1/ack'),
    check: (_t, b) => void expect(b).toMatchObject({ id: 1, acked: { by: 'admin' } }),
    fail: (t) => post(t, '/api/alerts/99/ack'),
    failCode: 'VM_NOT_FOUND',
  },
  'POST /api/alerts/ack': {
    setup: async (t) => {
      for (const plex of ['mir-01', 'mir-02']) t.srv.services.history.engine('tdg', { type: 'alert', dg: 'tdg', severity: 'critical', code: 'VM_IO', message: `plex ${plex} of mir was detached after an I/O error`, object: plex })
    },
    ok: (t) => post(t, '/api/alerts/ack', {}),
    check: (_t, b) => void expect(b.alerts.map((a: { id: number; acked?: { by: string } }) => [a.id, a.acked?.by])).toEqual([[1, 'admin'], [2, 'admin']]),
    fail: (t) => post(t, '/api/alerts/ack', { ids: [1, 99] }),
    failCode: 'VM_NOT_FOUND',
  },
  'GET /api/tasks': { ok: (t) => get(t, '/api/tasks'), check: (_t, b) => void expect(b.tasks).toEqual([]), fail: (t) => call(t.url, 'GET', '/api/tasks'), failCode: 'VM_UNAUTHORIZED' },
  'GET /api/tasks/:task/result': {
    ok: async (t) => {
      const r = await post(t, `${dg}/volumes/mir/verify`)
      return until('the verify result', async () => {
        const res = await get(t, `/api/tasks/${r.body.taskId}/result`)
        return res.status === 200 && res
      })
    },
    check: (_t, b) => void expect(b).toMatchObject({ ok: true, report: { volume: 'mir', mismatches: [] } }),
    fail: (t) => get(t, '/api/tasks/task-999999/result'),
    failCode: 'VM_NOT_FOUND',
  },
  'POST /api/tasks/:task/pause': { ok: async (t) => post(t, `/api/tasks/${await startedTask(t)}/pause`), check: (_t, b) => void expect(b.phase).toBe('paused'), fail: (t) => post(t, '/api/tasks/task-0/pause'), failCode: 'VM_NOT_FOUND' },
  'POST /api/tasks/:task/resume': {
    ok: async (t) => {
      const id = await startedTask(t)
      await post(t, `/api/tasks/${id}/pause`)
      return post(t, `/api/tasks/${id}/resume`)
    },
    check: (_t, b) => void expect(b.phase).not.toBe('paused'),
    fail: (t) => post(t, '/api/tasks/task-0/resume'),
    failCode: 'VM_NOT_FOUND',
  },
  'POST /api/tasks/:task/abort': { ok: async (t) => post(t, `/api/tasks/${await startedTask(t)}/abort`), fail: (t) => post(t, '/api/tasks/task-0/abort'), failCode: 'VM_NOT_FOUND' },
  'POST /api/tasks/:task/throttle': {
    ok: async (t) => post(t, `/api/tasks/${await startedTask(t)}/throttle`, { bytesPerSecond: 1 << 20 }),
    check: (_t, b) => void expect(b.throttle).toBe(1 << 20),
    // The same task again (a second attach of mir-02 would race the first): the body is refused
    // before the task is looked up, so the answer does not depend on whether it has finished.
    fail: (t, task) => post(t, `/api/tasks/${task.taskId}/throttle`, { bytesPerSecond: -5 }),
    failCode: 'VM_INVALID_PARAM',
  },
  'GET /api/imports': {
    setup: otherHostsGroup,
    ok: (t) => get(t, '/api/imports'),
    check: (_t, b) => void expect(b.groups).toEqual([expect.objectContaining({ name: 'odg', code: 'VM_BUSY', importedBy: 'otherhost' })]),
    fail: (t) => call(t.url, 'GET', '/api/imports'),
    failCode: 'VM_UNAUTHORIZED',
  },
  'GET /api/disks/free': {
    setup: async (t) => {
      await post(t, `${dg}/disks`, { name: 'spare9', sizeBytes: 32 << 20 })
      await post(t, `${dg}/disks/spare9/remove`, {})
    },
    ok: (t) => get(t, '/api/disks/free'),
    check: (t, b) => void expect(b.disks).toEqual([{ path: join(t.dir, 'disks', 'tdg-spare9.img'), sizeBytes: 32 << 20 }]),
    fail: (t) => call(t.url, 'GET', '/api/disks/free'),
    failCode: 'VM_UNAUTHORIZED',
  },
  'POST /api/imports/:dg': {
    setup: otherHostsGroup,
    ok: (t) => post(t, '/api/imports/odg', { clearImport: true }),
    check: (t, b) => void expect([b.name, [...t.srv.services.storage.groups.keys()].sort()]).toEqual(['odg', ['odg', 'tdg']]),
    fail: (t) => post(t, '/api/imports/odg', {}),
    failCode: 'VM_EXISTS',
  },
  'POST /api/dgs/:dg/deport': {
    setup: async (t) => {
      for (const v of ['mir', 'cat']) await post(t, `${dg}/volumes/${v}/stop`)
    },
    ok: (t) => post(t, `${dg}/deport`),
    check: (t, b) => void expect([b.disks, t.srv.services.storage.groups.size, t.srv.services.storage.pending.get('tdg')?.deported]).toEqual([['disk01', 'disk02', 'disk03'], 0, true]),
    fail: (t) => post(t, `${dg}/deport`),
    failCode: 'VM_OFFLINE',
  },
  'GET /api/dgs': { ok: (t) => get(t, '/api/dgs'), check: (_t, b) => void expect(b.groups.map((g: { name: string }) => g.name)).toEqual(['tdg']), fail: (t) => call(t.url, 'GET', '/api/dgs'), failCode: 'VM_UNAUTHORIZED' },
  'GET /api/dgs/:dg': { ok: (t) => get(t, dg), check: (_t, b) => void expect(b.config.volumes.map((v: { v_name: string }) => v.v_name)).toEqual(['mir', 'cat']), fail: (t) => get(t, '/api/dgs/nodg'), failCode: 'VM_NOT_FOUND' },
  'POST /api/dgs/:dg/records': {
    ok: (t) => post(t, `${dg}/records`, { records: [{ type: 'sd', name: 'sdx', disk: 'disk01', len: 2048 }, { type: 'plex', name: 'plx', sd: ['sdx'] }] }),
    check: (_t, b) => void expect(b.changes.map((c: { name: string }) => c.name).sort()).toEqual(['plx', 'sdx']),
    fail: (t) => post(t, `${dg}/records`, { records: [{ type: 'sd', name: 'sdx', disk: 'disk01', len: 2048 }, { type: 'plex', name: 'mir' }] }),
    failCode: 'VM_EXISTS',
  },
  'POST /api/dgs/:dg/assist': { ok: (t) => post(t, `${dg}/assist`, { name: 'newv', len: 4096, layout: 'mirror' }), fail: (t) => post(t, `${dg}/assist`, { name: 'newv2', len: 4096, layout: 'mirror', nmirror: 4 }), failCode: 'VM_NO_SPACE' },
  'PATCH /api/dgs/:dg/records/:name': {
    ok: (t) => call(t.url, 'PATCH', `${dg}/records/mir-01`, { auth: A(t), body: { fields: { comment: 'left', putil1: 'blue' } } }),
    check: (_t, b) => void expect(b.changes[0].after.pl_comment).toBe('left'),
    fail: (t) => call(t.url, 'PATCH', `${dg}/records/mir-01`, { auth: A(t), body: { fields: { pl_len: 3 } } }),
    failCode: 'VM_READONLY',
  },
  'POST /api/dgs/:dg/records/:name/rename': { ok: (t) => post(t, `${dg}/records/cat/rename`, { newName: 'catnew' }), fail: (t) => post(t, `${dg}/records/mir/rename`, { newName: 'x'.repeat(15) }), failCode: 'VM_INVALID_NAME' },
  'POST /api/dgs/:dg/records/:name/remove': {
    setup: (t) => post(t, `${dg}/volumes/cat/stop`),
    ok: (t) => post(t, `${dg}/records/cat/remove`, { recursive: true }),
    fail: (t) => post(t, `${dg}/records/mir/remove`, { recursive: true }),
    failCode: 'VM_VOL_ENABLED',
  },
  'POST /api/dgs/:dg/mend': {
    ok: (t) => post(t, `${dg}/mend`, { op: 'off', name: 'mir-02' }),
    check: async (t) => void expect((await get(t, dg)).body.config.plexes.find((p: { pl_name: string }) => p.pl_name === 'mir-02').pl_state).toBe('OFFLINE'),
    fail: (t) => post(t, `${dg}/mend`, { op: 'fix', name: 'mir-01', arg: 'clean' }),
    failCode: 'VM_VOL_ENABLED',
  },
  'POST /api/dgs/:dg/disks': { ok: (t) => post(t, `${dg}/disks`, { name: 'disk04', sizeBytes: 32 << 20 }), fail: (t) => post(t, `${dg}/disks`, { name: 'disk01', sizeBytes: 32 << 20 }), failCode: 'VM_EXISTS' },
  'POST /api/dgs/:dg/disks/:disk/remove': {
    setup: (t) => post(t, `${dg}/disks`, { name: 'disk04', sizeBytes: 32 << 20 }),
    ok: (t) => post(t, `${dg}/disks/disk04/remove`),
    fail: (t) => post(t, `${dg}/disks/disk01/remove`),
    failCode: 'VM_BUSY_ASSOC',
  },
  'POST /api/dgs/:dg/disks/:disk/replace': {
    setup: (t) => post(t, `${dg}/plexes/mir-02/det`),
    ok: (t) => post(t, `${dg}/disks/disk02/replace`, { sizeBytes: 64 << 20 }),
    check: async (t) => void expect((await get(t, `${dg}/plexes/mir-02/stale`)).body.full).toBe(true),
    fail: (t) => post(t, `${dg}/disks/disk02/replace`, { sizeBytes: 1 << 20 }),
    failCode: 'VM_NO_SPACE',
  },
  'POST /api/dgs/:dg/disks/:disk/resync': { ok: (t) => post(t, `${dg}/disks/disk01/resync`, { force: true }), okStatus: 202, fail: (t) => post(t, `${dg}/disks/disk01/resync`, { force: 2 }), failCode: 'VM_INVALID_PARAM' },
  'POST /api/dgs/:dg/subdisks/:sd/assoc': {
    setup: (t) => post(t, `${dg}/records`, { records: [{ type: 'sd', name: 'sdx', disk: 'disk01', len: 2048 }, { type: 'plex', name: 'plx' }] }),
    ok: (t) => post(t, `${dg}/subdisks/sdx/assoc`, { plex: 'plx', offset: 0 }),
    fail: (t) => post(t, `${dg}/subdisks/disk01-01/assoc`, { plex: 'plx' }),
    failCode: 'VM_BUSY_ASSOC',
  },
  'POST /api/dgs/:dg/subdisks/:sd/aslog': {
    setup: (t) => post(t, `${dg}/records`, { records: [{ type: 'sd', name: 'lg1', disk: 'disk01', len: 4 }, { type: 'sd', name: 'lg2', disk: 'disk01', len: 4 }, { type: 'plex', name: 'plx' }] }),
    ok: (t) => post(t, `${dg}/subdisks/lg1/aslog`, { plex: 'plx' }),
    fail: async (t) => {
      await post(t, `${dg}/subdisks/lg1/aslog`, { plex: 'plx' })
      return post(t, `${dg}/subdisks/lg2/aslog`, { plex: 'plx' })
    },
    failCode: 'VM_LOG_EXISTS',
  },
  'POST /api/dgs/:dg/subdisks/:sd/dis': {
    setup: (t) => post(t, `${dg}/records`, { records: [{ type: 'sd', name: 'sdx', disk: 'disk01', len: 2048 }, { type: 'plex', name: 'plx', sd: ['sdx'] }] }),
    ok: (t) => post(t, `${dg}/subdisks/sdx/dis`),
    fail: (t) => post(t, `${dg}/subdisks/disk01-01/dis`),
    failCode: 'VM_VOL_ENABLED',
  },
  'POST /api/dgs/:dg/plexes/:plex/att': {
    setup: (t) => post(t, `${dg}/plexes/mir-02/det`),
    ok: (t) => post(t, `${dg}/plexes/mir-02/att`, { volume: 'mir' }),
    okStatus: 202,
    fail: (t) => post(t, `${dg}/plexes/mir-01/att`, { volume: 'cat' }),
    failCode: 'VM_BUSY_ASSOC',
  },
  'POST /api/dgs/:dg/plexes/:plex/det': { ok: (t) => post(t, `${dg}/plexes/mir-02/det`), check: (_t, b) => void expect(b.changes[0].after.pl_kstate).toBe('DETACHED'), fail: (t) => post(t, `${dg}/plexes/cat-01/det`), failCode: 'VM_LAST_PLEX' },
  'POST /api/dgs/:dg/plexes/:plex/dis': { ok: (t) => post(t, `${dg}/plexes/mir-02/dis`), fail: (t) => post(t, `${dg}/plexes/cat-01/dis`), failCode: 'VM_LAST_PLEX' },
  'POST /api/dgs/:dg/plexes/:plex/cp': {
    setup: async (t) => {
      await post(t, `${dg}/records`, { records: [{ type: 'sd', name: 'sdc', disk: 'disk01', len: 16384 }, { type: 'plex', name: 'copy', sd: ['sdc'] }] })
      await post(t, `${dg}/volumes/cat/stop`)
    },
    ok: (t) => post(t, `${dg}/plexes/copy/cp`, { volume: 'cat' }),
    okStatus: 202,
    fail: (t) => post(t, `${dg}/plexes/copy/cp`, { volume: 'mir' }),
    failCode: 'VM_VOL_ENABLED',
  },
  'POST /api/dgs/:dg/plexes/:plex/mv': {
    setup: (t) => post(t, `${dg}/records`, { records: [{ type: 'sd', name: 'sdm', disk: 'disk03', len: 32768 }, { type: 'plex', name: 'neu', sd: ['sdm'] }, { type: 'sd', name: 'sds', disk: 'disk03', len: 16 }, { type: 'plex', name: 'tiny', sd: ['sds'] }] }),
    ok: (t) => post(t, `${dg}/plexes/mir-02/mv`, { newPlex: 'neu' }),
    okStatus: 202,
    fail: (t) => post(t, `${dg}/plexes/mir-02/mv`, { newPlex: 'tiny' }),
    failCode: 'VM_INVALID_PARAM',
  },
  'GET /api/dgs/:dg/plexes/:plex/stale': { ok: (t) => get(t, `${dg}/plexes/mir-01/stale`), check: (_t, b) => void expect(b).toMatchObject({ full: false, regions: [] }), fail: (t) => get(t, `${dg}/plexes/nope/stale`), failCode: 'VM_NOT_FOUND' },
  'POST /api/dgs/:dg/volumes/:volume/start': { setup: (t) => post(t, `${dg}/volumes/cat/stop`), ok: (t) => post(t, `${dg}/volumes/cat/start`), fail: (t) => post(t, `${dg}/volumes/mir/start`), failCode: 'VM_INVALID_PARAM' },
  'POST /api/dgs/:dg/volumes/:volume/init': {
    setup: (t) => post(t, `${dg}/assist`, { name: 'newv', len: 4096, layout: 'mirror', init: 'none' }),
    ok: (t) => post(t, `${dg}/volumes/newv/init`, { type: 'clean', plex: 'newv-01' }),
    check: (_t, b) => void expect(b.changes.find((c: { name: string }) => c.name === 'newv').after.v_state).toBe('CLEAN'),
    fail: (t) => post(t, `${dg}/volumes/mir/init`, { type: 'active' }),
    failCode: 'VM_VOL_ENABLED',
  },
  'POST /api/dgs/:dg/volumes/:volume/stop': { ok: (t) => post(t, `${dg}/volumes/cat/stop`), check: (_t, b) => void expect(b.changes.find((c: { name: string }) => c.name === 'cat').after.v_state).toBe('CLEAN'), fail: (t) => post(t, `${dg}/volumes/nope/stop`), failCode: 'VM_NOT_FOUND' },
  'POST /api/dgs/:dg/volumes/:volume/resync': { ok: (t) => post(t, `${dg}/volumes/mir/resync`, { force: true }), okStatus: 202, fail: (t) => post(t, `${dg}/volumes/mir/resync`, {}), failCode: 'VM_INVALID_PARAM' },
  'POST /api/dgs/:dg/volumes/:volume/verify': { ok: (t) => post(t, `${dg}/volumes/mir/verify`), okStatus: 202, fail: (t) => post(t, `${dg}/volumes/nope/verify`), failCode: 'VM_NOT_FOUND' },
  'POST /api/dgs/:dg/volumes/:volume/repair': { ok: (t) => post(t, `${dg}/volumes/mir/repair`, { source: 'mir-01' }), okStatus: 202, fail: (t) => post(t, `${dg}/volumes/mir/repair`, { source: 'cat-01' }), failCode: 'VM_INVALID_PARAM' },
  'POST /api/dgs/:dg/volumes/:volume/mirror': {
    ok: (t) => post(t, `${dg}/volumes/mir/mirror`),
    okStatus: 202,
    check: async (t) => {
      // the copy's task attaches the new plex: on disk03, beside mir's log, never beside a data plex
      await until('mir-04 attached', async () => (await get(t, dg)).body.config.plexes.some((p: { pl_name: string; pl_state: string }) => p.pl_name === 'mir-04' && p.pl_state === 'ACTIVE'))
    },
    fail: (t) => post(t, `${dg}/volumes/mir/mirror`, { disks: ['disk01'] }),
    failCode: 'VM_INVALID_PARAM',
  },
  'POST /api/dgs/:dg/volumes/:volume/unmirror': {
    ok: (t) => post(t, `${dg}/volumes/mir/unmirror`, { plex: 'mir-02' }),
    check: (_t, b) => void expect(b.changes.filter((c: { op: string }) => c.op === 'delete').map((c: { name: string }) => c.name).sort()).toEqual(['disk02-01', 'mir-02']),
    fail: (t) => post(t, `${dg}/volumes/cat/unmirror`),
    failCode: 'VM_LAST_PLEX',
  },
  'POST /api/dgs/:dg/volumes/:volume/grow': {
    ok: (t) => post(t, `${dg}/volumes/cat/grow`, { by: 2048 }),
    okStatus: 202,
    check: async (t) => {
      await until('cat grown', async () => (await get(t, dg)).body.config.volumes.some((v: { v_name: string; v_len: number }) => v.v_name === 'cat' && v.v_len === 16384 + 2048))
    },
    fail: (t) => post(t, `${dg}/volumes/cat/grow`, { len: 2048 }),
    failCode: 'VM_INVALID_PARAM',
  },
  'POST /api/dgs/:dg/volumes/:volume/shrink': {
    ok: (t) => post(t, `${dg}/volumes/cat/shrink`, { by: 2048, force: true }),
    check: (_t, b) => void expect(b.changes.find((c: { name: string }) => c.name === 'cat').after.v_len).toBe(16384 - 2048),
    fail: (t) => post(t, `${dg}/volumes/cat/shrink`, { by: 2048 }),
    failCode: 'VM_VOL_ENABLED',
  },
  'POST /api/dgs/:dg/disks/:disk/evacuate': {
    ok: (t) => post(t, `${dg}/disks/disk02/evacuate`),
    okStatus: 202,
    check: async (t) => {
      // mir's plex on disk02 moves to disk03 (beside mir's log, never beside its other data plex)
      await until('disk02 empty', async () => {
        const c = (await get(t, dg)).body.config
        const rid = c.disks.find((d: { dm_name: string }) => d.dm_name === 'disk02').dm_rid
        return !c.subdisks.some((s: { sd_dm_rid: number }) => s.sd_dm_rid === rid)
      })
    },
    fail: (t) => post(t, `${dg}/disks/disk02/evacuate`, { to: ['disk02'] }),
    failCode: 'VM_INVALID_PARAM',
  },
  'POST /api/dgs/:dg/disks/:disk/relocate': {
    // mir-02 detached, named as failed: the dry run puts its subdisk on disk03 (never beside mir-01 on disk01)
    setup: (t) => post(t, `${dg}/plexes/mir-02/det`),
    ok: (t) => post(t, `${dg}/disks/disk02/relocate`, { plexes: ['mir-02'], dryRun: true }),
    check: (_t, b) => void expect(b).toMatchObject({ dryRun: true, disk: 'disk02', notRelocated: [], relocated: [{ volume: 'mir', plex: 'mir-02', subdisks: [{ from: 'disk02-01', to: [{ disk: 'disk03' }] }] }] }),
    fail: (t) => post(t, `${dg}/disks/nodisk/relocate`),
    failCode: 'VM_NOT_FOUND',
  },
  'POST /api/dgs/:dg/disks/:disk/unrelocate': {
    // mir-02 detached and relocated to disk03, disk02 then cleared of its failing mark: the dry run moves it back
    setup: async (t) => {
      await post(t, `${dg}/plexes/mir-02/det`)
      await post(t, `${dg}/disks/disk02/relocate`, { plexes: ['mir-02'] })
      await until('mir-02 relocated and copied', async () => {
        const c = (await get(t, dg)).body.config
        const pl = c.plexes.find((p: { pl_name: string }) => p.pl_name === 'mir-02')
        const relocated = pl.pl_state === 'ACTIVE' && c.subdisks.some((s: { sd_plex_rid: number; sd_orig_dmname: string }) => s.sd_plex_rid === pl.pl_rid && s.sd_orig_dmname === 'disk02')
        // the plex reads ACTIVE a moment before its copy task ends; unrelocate refuses VM_BUSY until then
        return relocated && (await get(t, '/api/tasks')).body.tasks.length === 0
      })
      await call(t.url, 'PATCH', `${dg}/records/disk02`, { auth: A(t), body: { fields: { failing: 'off' } } })
      // the volume stays held for the copy's hand-over a moment after its task is gone (rule 373)
      await until('mir free of its copy', async () => (await post(t, `${dg}/disks/disk02/unrelocate`, { dryRun: true })).body.error?.code !== 'VM_BUSY')
    },
    ok: (t) => post(t, `${dg}/disks/disk02/unrelocate`, { dryRun: true }),
    check: (_t, b) => void expect(b).toMatchObject({ dryRun: true, disk: 'disk02', target: 'disk02', moved: [{ volume: 'mir', plex: 'mir-02', from: 'disk03', to: [{ disk: 'disk02' }], original: true }] }),
    fail: (t) => post(t, `${dg}/disks/disk01/unrelocate`),
    failCode: 'VM_NOT_RELOCATED',
  },
  'POST /api/dgs/:dg/volumes/:volume/addlog': {
    ok: (t) => post(t, `${dg}/volumes/mir/addlog`),
    check: (_t, b) => void expect(b.changes.find((c: { kind: string; op: string }) => c.kind === 'pl' && c.op === 'create').after).toMatchObject({ pl_name: 'mir-04', pl_state: 'LOG', pl_kstate: 'ENABLED' }),
    fail: (t) => post(t, `${dg}/volumes/cat/addlog`),
    failCode: 'VM_INVALID_PARAM',
  },
  'POST /api/dgs/:dg/volumes/:volume/rmlog': {
    ok: (t) => post(t, `${dg}/volumes/mir/rmlog`),
    check: (_t, b) => void expect(b.changes.filter((c: { op: string }) => c.op === 'delete').map((c: { name: string }) => c.name).sort()).toEqual(['disk03-01', 'mir-03']),
    fail: (t) => post(t, `${dg}/volumes/mir/rmlog`),
    failCode: 'VM_NOT_FOUND',
  },
  'GET /api/dgs/:dg/volumes/:volume/dirty': { ok: (t) => get(t, `${dg}/volumes/mir/dirty`), check: (_t, b) => void expect(b.regionSectors).toBe(1024), fail: (t) => get(t, `${dg}/volumes/nope/dirty`), failCode: 'VM_NOT_FOUND' },
  'GET /api/lab': { ok: (t) => get(t, '/api/lab'), check: (_t, b) => void expect(b.enabled).toBe(true), fail: (t) => call(t.url, 'GET', '/api/lab'), failCode: 'VM_UNAUTHORIZED' },
  'POST /api/lab/dgs/:dg/disks/:disk/fail': { ok: (t) => post(t, '/api/lab/dgs/tdg/disks/disk02/fail', { mode: 'write' }), check: (_t, b) => void expect(b.disks).toEqual([{ dg: 'tdg', disk: 'disk02', failed: 'write', latencyMs: 0, failedAt: expect.any(Number) }]), fail: (t) => post(t, '/api/lab/dgs/tdg/disks/disk09/fail', { mode: 'write' }), failCode: 'VM_NOT_FOUND' },
  'POST /api/lab/dgs/:dg/disks/:disk/restore': { ok: (t) => post(t, '/api/lab/dgs/tdg/disks/disk02/restore'), fail: (t) => post(t, '/api/lab/dgs/tdg/disks/disk02/restore', { extra: 1 }), failCode: 'VM_INVALID_PARAM' },
  'POST /api/lab/dgs/:dg/disks/:disk/latency': { ok: (t) => post(t, '/api/lab/dgs/tdg/disks/disk01/latency', { ms: 5 }), fail: (t) => post(t, '/api/lab/dgs/tdg/disks/disk01/latency', { ms: 99999 }), failCode: 'VM_INVALID_PARAM' },
  'POST /api/lab/load': { ok: (t) => post(t, '/api/lab/load', { dg: 'tdg', volume: 'mir', writesPerSecond: 50 }), okStatus: 201, fail: (t) => post(t, '/api/lab/load', { dg: 'tdg', volume: 'nope' }), failCode: 'VM_NOT_FOUND' },
  'POST /api/lab/load/stop': {
    setup: (t) => post(t, '/api/lab/load', { dg: 'tdg', volume: 'mir', writesPerSecond: 50 }),
    ok: (t) => post(t, '/api/lab/load/stop', { dg: 'tdg', volume: 'mir' }),
    fail: (t) => post(t, '/api/lab/load/stop', { dg: 'tdg', volume: 'cat' }),
    failCode: 'VM_NOT_FOUND',
  },
}

