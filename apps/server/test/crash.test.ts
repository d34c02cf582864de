import { readFile, readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { DiskGroup, openDevicePath } from '@plexa/engine'
import { loadBlock } from '../src/lab.ts'
import { killAfterEach, serveProcess } from './children.ts'
import { call, smallData } from './harness.ts'
import { until } from './until.ts'

const track = killAfterEach()

const serve = (dir: string) => serveProcess(track, dir)

describe('crash and restart', () => {
  it('kill -9 during a resync under lab write load: restart recovers, no acknowledged write lost, plexes identical', async () => {
    const data = await smallData()
    try {
      let s = await serve(data.dir)
      const token = /token: (\S+)/.exec(await readFile(join(data.dir, 'admin-credential.txt'), 'utf8'))![1]!
      const api = (method: string, path: string, body?: unknown) => call(s.url, method, path, { auth: token, ...(body !== undefined ? { body } : {}) })
      const volumesUp = async () => {
        const g = await api('GET', '/api/dgs/tdg')
        return g.status === 200 && g.body.config.volumes.every((v: { v_kstate: string }) => v.v_kstate === 'ENABLED') ? g.body : undefined
      }
      await until('volumes started', volumesUp)
      expect((await api('POST', '/api/lab/load', { dg: 'tdg', volume: 'mir', writesPerSecond: 400 })).status).toBe(201)
      await until('load running', async () => (await api('GET', '/api/lab')).body.loads[0]?.writes > 100)
      await api('POST', '/api/dgs/tdg/plexes/mir-02/det', {})
      await until('missed writes', async () => (await api('GET', '/api/lab')).body.loads[0]?.writes > 300)
      await api('POST', '/api/lab/dgs/tdg/disks/disk02/latency', { ms: 3 })
      const att = await api('POST', '/api/dgs/tdg/plexes/mir-02/att', { volume: 'mir' })
      expect(att.status).toBe(202)
      await until('resync under way', async () => {
        const t = (await api('GET', '/api/tasks')).body.tasks.find((x: { taskId: string }) => x.taskId === att.body.taskId)
        return t?.doneBytes > 0
      })
      s.child.kill('SIGKILL')
      await new Promise((r) => s.child.once('exit', r))

      // restart: recovery runs by itself
      s = await serve(data.dir)
      const g = await until('recovered', async () => {
        const v = await volumesUp()
        if (!v) return undefined
        const tasks = (await api('GET', '/api/tasks')).body.tasks
        const states = v.config.plexes.filter((p: { pl_v_name: string }) => p.pl_v_name === 'mir').map((p: { pl_state: string }) => p.pl_state)
        return tasks.length === 0 && states.every((x: string) => x === 'ACTIVE' || x === 'LOG') ? v : undefined
      })
      expect(g.config.volumes.find((v: { v_name: string }) => v.v_name === 'mir').v_state).toBe('ACTIVE')
      s.child.kill('SIGTERM')
      expect(await new Promise((r) => s.child.once('exit', r))).toBe(0)

      // check the disks themselves
      const disks = join(data.dir, 'disks')
      const files = (await readdir(disks)).filter((f) => f.endsWith('.img'))
      const dg = await DiskGroup.import({ devices: await Promise.all(files.map((f) => openDevicePath(join(disks, f)))) })
      expect(dg.config().volumes.every((v) => v.v_state === 'CLEAN')).toBe(true) // SIGTERM stopped them cleanly
      await dg.start('mir')
      const journal = (await readFile(join(data.dir, 'lab', 'load-tdg-mir.jsonl'), 'utf8')).split('\n')
      const head = JSON.parse(journal[0]!) as { seed: number; blockBytes: number }
      const last = new Map<number, number>()
      for (const line of journal.slice(1)) {
        try {
          const e = JSON.parse(line) as { b: number; g: number }
          last.set(e.b, Math.max(last.get(e.b) ?? 0, e.g))
        } catch {
          // a line torn by the kill
        }
      }
      expect(last.size).toBeGreaterThan(200)
      let lost = 0
      for (const [block, gen] of last) {
        const got = await dg.read('mir', block * head.blockBytes, head.blockBytes)
        // the write after the last journaled one may have landed before the kill
        if (!got.equals(loadBlock(head.seed, block, gen, head.blockBytes)) && !got.equals(loadBlock(head.seed, block, gen + 1, head.blockBytes))) lost++
      }
      expect(lost).toBe(0)
      expect((await (await dg.verify('mir')).done).mismatches).toEqual([])
      await dg.stop('mir')
      await dg.close()
    } finally {
      await data.remove()
    }
  }, 120_000)
})
