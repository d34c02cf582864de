import { spawn } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { killAfterEach } from './children.ts'
import { adminTokenOf, call, smallData, startOn } from './harness.ts'

const MAIN = fileURLToPath(new URL('../src/main.ts', import.meta.url))
const track = killAfterEach()

const start = (dataDir: string) => startOn(dataDir, { lab: false })

describe('one server per data directory (rule 80)', () => {
  it('I80 a second server with its own TMPDIR and PLEXA_LOCK_DIR refuses to start on its disks, and the first one keeps its changes', async () => {
    const data = await smallData()
    const other = await mkdtemp(join(tmpdir(), 'plexa-other-tmp-'))
    try {
      const first = await start(data.dir)
      let firstOpen = true
      try {
        const env = { ...process.env, TMPDIR: other, PLEXA_LOCK_DIR: join(other, 'locks') }
        // should it start after all, it is killed after the test (rule 180)
        const second = track(spawn(process.execPath, ['--import', 'tsx', MAIN, 'serve', '--data', data.dir, '--port', '0', '--nbd-port', '0'], { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true }))
        let out = ''
        second.stdout!.on('data', (d) => (out += d))
        second.stderr!.on('data', (d) => (out += d))
        const code = await new Promise((resolve) => second.once('exit', resolve))
        // it refuses to start: the disks are the first server's
        expect(code, out).not.toBe(0)
        expect(out).toMatch(/VM_BUSY/)
        expect(out).not.toMatch(/listening on/)
        const token = await adminTokenOf(data.dir)
        const r = await call(first.url, 'POST', '/api/dgs/tdg/records/cat/rename', { auth: token, body: { newName: 'cat2' } })
        expect(r.status, JSON.stringify(r.body)).toBe(200)
        await first.close()
        firstOpen = false
        const again = await start(data.dir)
        try {
          expect(again.services.storage.group('tdg').dg.config().volumes.map((v) => v.v_name).sort()).toEqual(['cat2', 'mir'])
        } finally {
          await again.close()
        }
      } finally {
        if (firstOpen) await first.close()
      }
    } finally {
      await rm(other, { recursive: true, force: true })
      await data.remove()
    }
  }, 60_000)
})
