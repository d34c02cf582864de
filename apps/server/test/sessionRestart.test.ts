import { readFile, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { type Clock, createManualClock } from '@plexa/engine'
import { adminPasswordOf, call, login, smallData, startOn } from './harness.ts'

const HOUR = 3600 * 1000

const start = (dataDir: string, clock: Clock, log: (l: string) => void = () => {}) => startOn(dataDir, { lab: false, clock, sessionTtlMs: HOUR, log })

describe('sessions survive a restart (rule 112)', () => {
  it('I112 a session cookie still works on a new server over the same data directory, only a hash of it is kept, and it still expires', async () => {
    const data = await smallData()
    const clock = createManualClock(1_000_000)
    try {
      let srv = await start(data.dir, clock)
      const cookie = await login(srv.url, 'admin', await adminPasswordOf(data.dir))
      const early = await login(srv.url, 'admin', await adminPasswordOf(data.dir))
      const out = await login(srv.url, 'admin', await adminPasswordOf(data.dir))
      expect((await call(srv.url, 'DELETE', '/api/session', { auth: out })).status).toBe(200)
      await srv.close()

      const file = join(data.dir, 'sessions.json')
      expect((await stat(file)).mode & 0o777).toBe(0o600)
      const text = await readFile(file, 'utf8')
      for (const c of [cookie, early, out]) expect(text).not.toContain(c.split('=')[1]!)
      expect(Object.keys(JSON.parse(text).sessions)).toHaveLength(2)

      clock.advance(HOUR / 2)
      srv = await start(data.dir, clock)
      try {
        expect((await call(srv.url, 'GET', '/api/session', { auth: cookie })).body).toEqual({ user: 'admin', role: 'admin' })
        expect((await call(srv.url, 'GET', '/api/session', { auth: out })).body.error.code).toBe('VM_UNAUTHORIZED')
      } finally {
        await srv.close()
      }

      clock.advance(HOUR / 2)
      srv = await start(data.dir, clock)
      try {
        expect((await call(srv.url, 'GET', '/api/session', { auth: early })).body.error.code).toBe('VM_UNAUTHORIZED')
      } finally {
        await srv.close()
      }
    } finally {
      await data.remove()
    }
  })

  it('I112 a corrupt session file is ignored with a warning and the server starts', async () => {
    const data = await smallData()
    try {
      await writeFile(join(data.dir, 'sessions.json'), '{"sessions": {"ab')
      const lines: string[] = []
      const srv = await start(data.dir, createManualClock(1_000_000), (l) => lines.push(l))
      try {
        expect(lines.filter((l) => l.startsWith('warning:') && l.includes('sessions.json'))).toHaveLength(1)
        const cookie = await login(srv.url, 'admin', await adminPasswordOf(data.dir))
        expect((await call(srv.url, 'GET', '/api/session', { auth: cookie })).status).toBe(200)
      } finally {
        await srv.close()
      }
    } finally {
      await data.remove()
    }
  })
})
