import { execFile } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runTool } from './children.ts'
import { type TestServer, call, testServer } from './harness.ts'
import { until } from './until.ts'

const run = promisify(execFile)
const BLOCK = 4096
const VOLUME = 16 << 20
const ITERATIONS = 40
/** Rounds of item 1's other loop: a lab write failure, a restore and a disk resync. */
const LAB_ROUNDS = 5
/** Each iteration writes in its own blocks, so a later one never hides an earlier lost write. */
const AREA = Math.floor(VOLUME / BLOCK / ITERATIONS)

/** One qemu-io run of `commands` against `uri`: a client connection that runs them in order. */
const qemuIo = (uri: string, commands: string[]) => runTool('qemu-io', ['-f', 'raw', ...commands.flatMap((c) => ['-c', c]), uri], { timeout: 60_000 })

describe('NBD: detach and resync under a client that writes and flushes (I73)', () => {
  let t: TestServer
  let nbd: string
  beforeAll(async () => {
    t = await testServer()
    nbd = `nbd://127.0.0.1:${t.srv.nbdPort}/mir`
  })
  afterAll(async () => {
    await t.close()
  })
  const api = (method: string, path: string, body?: unknown) => call(t.url, method, path, { auth: t.adminToken, ...(body !== undefined ? { body } : {}) })
  const plexState = async (p: string) => (await api('GET', '/api/dgs/tdg')).body.config.plexes.find((x: { pl_name: string }) => x.pl_name === p).pl_state as string
  const result = (id: string) => until(`task ${id} result`, async () => {
    const r = await api('GET', `/api/tasks/${id}/result`)
    return r.status === 200 && (r.body as { ok: boolean; code?: string })
  })
  /** The whole volume as a client reads it now. */
  const image = async (name: string) => {
    const file = join(t.dir, `${name}.img`)
    await run('nbdcopy', [nbd, file])
    return readFile(file)
  }

  /** Each block's last flushed contents: the byte qemu-io wrote all over it. */
  const model = new Map<number, number>()
  let byte = 0
  let writes = 0
  /** Eight small writes in block area `area`, then a flush: all acknowledged and flushed. */
  const batch = async (area: number) => {
    const cmds: string[] = []
    const wrote: Array<[number, number]> = []
    for (let i = 0; i < 8; i++) {
      const b = area * AREA + ((writes * 7 + i * 13) % AREA)
      byte = (byte % 255) + 1
      cmds.push(`write -P ${byte} ${b * BLOCK} ${BLOCK}`)
      wrote.push([b, byte])
      writes++
    }
    cmds.push('flush')
    const { code, out } = await qemuIo(nbd, cmds)
    expect({ code, out: out.match(/.*(failed|error).*/gi) }).toEqual({ code: 0, out: null })
    expect(out.match(/wrote 4096\/4096 bytes/g)?.length).toBe(8)
    for (const [b, x] of wrote) model.set(b, x)
  }
  /** Runs a task started by `start` (a resync) while the client keeps writing in `area`; its result. */
  const whileWriting = async (area: number, start: () => Promise<{ status: number; body: { taskId: string } }>) => {
    const r = await start()
    expect(r.status).toBe(202)
    const task: { result?: { ok: boolean; code?: string } } = {}
    const settled = result(r.body.taskId).then((x) => (task.result = x))
    while (!task.result) await batch(area)
    await settled
    return task.result
  }
  /** Every flushed write reads back through NBD, from the volume and from each plex alone; verify finds no mismatch. */
  const checkAll = async () => {
    const dg = t.srv.services.storage.groups.get('tdg')!.dg
    const check = (img: Buffer, via: string) => {
      const lost = [...model].filter(([b, x]) => img.subarray(b * BLOCK, (b + 1) * BLOCK).some((v) => v !== x)).map(([b]) => b)
      expect({ via, lost }).toEqual({ via, lost: [] })
    }
    check(await image('volume'), 'volume')
    for (const plex of ['mir-01', 'mir-02']) {
      await dg.set('mir', { read_pol: 'PREFER', pref_name: plex })
      const before = dg.ioStats(plex).reads
      check(await image(plex), plex)
      expect(dg.ioStats(plex).reads).toBeGreaterThan(before)
    }
    await dg.set('mir', { read_pol: 'ROUND' })
    const v = await api('POST', '/api/dgs/tdg/volumes/mir/verify', {})
    const verified = await until('verify result', async () => {
      const x = await api('GET', `/api/tasks/${v.body.taskId}/result`)
      return x.status === 200 && x.body
    })
    expect(verified.report.mismatches).toEqual([])
  }

  it(`I73: ${ITERATIONS} rounds of plex det + resync volume while qemu-io writes small blocks and flushes: no flushed write is lost, the plexes agree`, async () => {
    const failedResyncs: Array<{ round: number; code: string | undefined }> = []
    for (let round = 0; round < ITERATIONS; round++) {
      await batch(round)
      expect((await api('POST', '/api/dgs/tdg/plexes/mir-02/det', {})).status).toBe(200)
      await batch(round)
      // every fourth round forces the resync (read-writeback of everything, state SYNC); the
      // client keeps writing and flushing while it copies and hands mir-02 back. A resync that
      // fails is run again, as an administrator would, and counted.
      for (let attempt = 0; ; attempt++) {
        const r = await whileWriting(round, () => api('POST', '/api/dgs/tdg/volumes/mir/resync', { force: round % 4 === 3 }))
        if (r.ok) break
        failedResyncs.push({ round, code: r.code })
        if (attempt === 5) break
      }
      await batch(round)
      expect({ round, mir02: await plexState('mir-02') }).toEqual({ round, mir02: 'ACTIVE' })
    }
    expect(writes).toBeGreaterThan(ITERATIONS * 8 * 3)
    await checkAll()
    // and each resync succeeded the first time, making mir-02 ACTIVE
    expect(failedResyncs).toEqual([])
  }, 300_000)

  it(`I73: ${LAB_ROUNDS} rounds of a lab write failure on disk02, a restore and resync disk disk02 while qemu-io writes and flushes: no flushed write is lost, the plexes agree`, async () => {
    for (let round = 0; round < LAB_ROUNDS; round++) {
      // areas of their own: this test's blocks come after the first test's
      const area = round % ITERATIONS
      await batch(area)
      expect((await api('POST', '/api/lab/dgs/tdg/disks/disk02/fail', { mode: 'write' })).status).toBe(200)
      // the client's next writes fail on mir-02: it is kernel-detached, the writes acknowledged from mir-01
      while ((await plexState('mir-02')) !== 'IOFAIL') await batch(area)
      await batch(area)
      expect((await api('POST', '/api/lab/dgs/tdg/disks/disk02/restore')).status).toBe(200)
      const r = await whileWriting(area, () => api('POST', '/api/dgs/tdg/disks/disk02/resync', { force: false }))
      expect({ round, result: r }).toEqual({ round, result: { ok: true, report: expect.anything() } })
      await batch(area)
      expect({ round, mir02: await plexState('mir-02') }).toEqual({ round, mir02: 'ACTIVE' })
    }
    await checkAll()
  }, 300_000)
})
