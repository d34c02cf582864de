import { type ChildProcess, spawn } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import type { FinishedTask, TaskView } from '@plexa/protocol'
import { type RunningServer, startServer } from '../src/server.ts'
import { killAfterEach } from './children.ts'
import { call, smallData } from './harness.ts'
import { until } from './until.ts'

const MAIN = fileURLToPath(new URL('../src/main.ts', import.meta.url))
const track = killAfterEach()

/** `plexa serve` in a process of its own (so it can be killed -9), with its URL once it listens. */
function serve(dir: string): Promise<{ child: ChildProcess; url: string }> {
  const child = track(spawn(process.execPath, ['--import', 'tsx', MAIN, 'serve', '--data', dir, '--port', '0', '--nbd-port', '0', '--lab'], { stdio: ['ignore', 'pipe', 'pipe'], detached: true }))
  let out = ''
  child.stderr!.on('data', (d) => (out += d))
  return new Promise((resolve, reject) => {
    const onData = (d: Buffer) => {
      out += d
      const m = /listening on (http:\/\/\S+)/.exec(out)
      if (m) {
        child.stdout!.off('data', onData)
        resolve({ child, url: m[1]! })
      }
    }
    child.stdout!.on('data', onData)
    child.once('exit', (code) => reject(new Error(`server exited ${code}: ${out}`)))
  })
}

/**
 * A forced resync of `mir` throttled to 256 KiB/s (16 MiB: a minute), seen copying (its kernel-log
 * entry is written before its first region), through `api`; its task id.
 */
async function slowResync(api: (method: string, path: string, body?: unknown) => Promise<{ status: number; body: any }>): Promise<string> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const r = await api('POST', '/api/dgs/tdg/volumes/mir/resync', { force: true, throttle: 262144 })
  expect(r.status).toBe(202)
  const taskId = r.body.taskId as string
  await until('the resync copying', async () => ((await api('GET', '/api/tasks')).body.tasks as TaskView[]).some((t) => t.taskId === taskId && t.doneBytes > 0))
  return taskId
}

/** After a restart: the old task's entry is interrupted and names the new resync, which names it back (rule 425). */
async function expectLinked(api: (method: string, path: string, body?: unknown) => Promise<{ status: number; body: any }>, before: string): Promise<string> { // eslint-disable-line @typescript-eslint/no-explicit-any
  let old: FinishedTask | undefined
  await until('the interrupted entry', async () => !!(old = ((await api('GET', '/api/tasks/history')).body.tasks as FinishedTask[]).find((t) => t.taskId === before)))
  expect(old).toMatchObject({ outcome: 'interrupted', code: 'VM_CLOSED', kind: 'resync', target: 'volume mir', volumes: ['mir'] })
  const next = old!.continuedAs!
  expect(next).toMatch(/^task-\d+$/)
  expect(next).not.toBe(before)
  const running = ((await api('GET', '/api/tasks')).body.tasks as TaskView[]).find((t) => t.taskId === next)
  expect(running).toMatchObject({ continues: before, target: 'volume mir' })
  // the continuing resync runs to its end and its entry names the one it continued
  expect((await api('POST', `/api/tasks/${next}/throttle`, { bytesPerSecond: 0 })).status).toBe(200)
  let done: FinishedTask | undefined
  await until('the continuing resync ends', async () => !!(done = ((await api('GET', '/api/tasks/history')).body.tasks as FinishedTask[]).find((t) => t.taskId === next)))
  expect(done).toMatchObject({ outcome: 'ok', continues: before, startedBy: 'restart' })
  // the old id answers as a finished task (`plexa task show`, a script waiting on it)
  const result = await api('GET', `/api/tasks/${before}/result`)
  expect(result.status).toBe(200)
  expect(result.body).toMatchObject({ ok: false, code: 'VM_CLOSED' })
  return next
}

describe('425: a task a server stop or crash interrupts keeps its history entry', () => {
  let srv: RunningServer | undefined
  let remove: (() => Promise<void>) | undefined
  afterEach(async () => {
    await srv?.close()
    srv = undefined
    await remove?.()
    remove = undefined
  })

  it('I425 a resync running when the server stops is recorded interrupted (VM_CLOSED) by that stop, once, not as aborted by anyone', async () => {
    const data = await smallData()
    remove = data.remove
    const start = async () => {
      srv = await startServer({ dataDir: data.dir, host: '127.0.0.1', port: 0, nbdPort: 0, demo: false, lab: true, labRemote: false, log: () => {} })
      return srv
    }
    const s1 = await start()
    const token = /token: (\S+)/.exec(await readFile(join(data.dir, 'admin-credential.txt'), 'utf8'))![1]!
    const api = (method: string, path: string, body?: unknown) => call(srv!.url, method, path, { auth: token, ...(body !== undefined ? { body } : {}) })
    await until('volumes started', async () => (await api('GET', '/api/dgs/tdg')).body.config.volumes.every((v: { v_kstate: string }) => v.v_kstate === 'ENABLED'))
    const before = await slowResync(api)
    // a stop aborts every task and stops every volume: nothing continues the resync
    await s1.close()
    await start()
    const entries = ((await api('GET', '/api/tasks/history')).body.tasks as FinishedTask[]).filter((t) => t.taskId === before)
    expect(entries).toHaveLength(1)
    expect(entries[0]).toMatchObject({ outcome: 'interrupted', code: 'VM_CLOSED', kind: 'resync', target: 'volume mir' })
    expect(entries[0]!.continuedAs).toBeUndefined()
    expect(((await api('GET', '/api/tasks')).body.tasks as TaskView[]).filter((t) => t.continues)).toEqual([])
    expect((await api('GET', `/api/tasks/${before}/result`)).body).toMatchObject({ ok: false, code: 'VM_CLOSED' })
  })

  it('I425 after kill -9 in the middle of a resync, the restart records it interrupted and continued as the resumed resync', async () => {
    const data = await smallData()
    remove = data.remove
    let s = await serve(data.dir)
    const token = /token: (\S+)/.exec(await readFile(join(data.dir, 'admin-credential.txt'), 'utf8'))![1]!
    const api = (method: string, path: string, body?: unknown) => call(s.url, method, path, { auth: token, ...(body !== undefined ? { body } : {}) })
    await until('volumes started', async () => {
      const g = await api('GET', '/api/dgs/tdg')
      return g.status === 200 && g.body.config.volumes.every((v: { v_kstate: string }) => v.v_kstate === 'ENABLED')
    })
    const before = await slowResync(api)
    const exited = new Promise((r) => s.child.once('exit', r))
    s.child.kill('SIGKILL')
    await exited
    s = await serve(data.dir)
    await expectLinked(api, before)
  })
})
