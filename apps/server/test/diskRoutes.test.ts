import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdir, open, readFile, readdir, readlink, writeFile } from 'node:fs/promises'
import { type Server, createServer } from 'node:net'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createImageFile, openDevicePath } from '@plexa/engine'
import { ROUTES, type RouteKey } from '@plexa/protocol'
import { type TestServer, call, testServer } from './harness.ts'

const MiB = 1 << 20
const dgPath = '/api/dgs/tdg'

/** Scratch files outside the data directory, made once for every case. */
interface Scratch {
  dir: string
  blank: string
  data: string
  locked: string
  /** An nbd:// URL whose server does not speak NBD (rule 133). */
  junk: string
}

type Failing = (t: TestServer, x: Scratch) => { path: string; body: unknown }

/** One failing request per error code each disk route lists in the route table (I82). */
const FAILURES: Partial<Record<RouteKey, Record<string, Failing>>> = {
  'POST /api/dgs/:dg/disks': {
    VM_INVALID_PARAM: (_t, x) => ({ path: `${dgPath}/disks`, body: { name: 'disk04', path: x.blank.slice(1) } }),
    VM_NOT_FOUND: () => ({ path: '/api/dgs/nodg/disks', body: { name: 'disk04', sizeBytes: 32 * MiB } }),
    VM_EXISTS: () => ({ path: `${dgPath}/disks`, body: { name: 'cat', sizeBytes: 32 * MiB } }),
    VM_NO_SPACE: () => ({ path: `${dgPath}/disks`, body: { name: 'disk04', sizeBytes: MiB } }),
    VM_NOTCHARDEV: () => ({ path: `${dgPath}/disks`, body: { name: 'disk04', path: '/dev/null' } }),
    VM_HAS_DATA: (_t, x) => ({ path: `${dgPath}/disks`, body: { name: 'disk04', path: x.data } }),
    VM_BUSY: (_t, x) => ({ path: `${dgPath}/disks`, body: { name: 'disk04', path: x.locked } }),
    VM_NBD_PROTOCOL: (_t, x) => ({ path: `${dgPath}/disks`, body: { name: 'disk04', path: x.junk } }),
    VM_INVALID_NAME: () => ({ path: `${dgPath}/disks`, body: { name: 'a-name-too-long-for-classic', sizeBytes: 32 * MiB } }),
  },
  'POST /api/dgs/:dg/disks/:disk/replace': {
    VM_INVALID_PARAM: () => ({ path: `${dgPath}/disks/disk02/replace`, body: {} }),
    VM_NOT_FOUND: () => ({ path: `${dgPath}/disks/disk09/replace`, body: { sizeBytes: 64 * MiB } }),
    VM_EXISTS: (t) => ({ path: `${dgPath}/disks/disk02/replace`, body: { path: join(t.dir, 'disks', 'tdg-disk01.img') } }),
    VM_NO_SPACE: () => ({ path: `${dgPath}/disks/disk02/replace`, body: { sizeBytes: MiB } }),
    VM_NOTCHARDEV: (_t, x) => ({ path: `${dgPath}/disks/disk02/replace`, body: { path: x.dir } }),
    VM_HAS_DATA: (_t, x) => ({ path: `${dgPath}/disks/disk02/replace`, body: { path: x.data } }),
    VM_BUSY: (_t, x) => ({ path: `${dgPath}/disks/disk02/replace`, body: { path: x.locked } }),
    VM_NBD_PROTOCOL: (_t, x) => ({ path: `${dgPath}/disks/disk02/replace`, body: { path: x.junk } }),
    VM_LAST_PLEX: () => ({ path: `${dgPath}/disks/disk03/replace`, body: { sizeBytes: 64 * MiB } }),
  },
  'POST /api/dgs/:dg/disks/:disk/remove': {
    VM_INVALID_PARAM: () => ({ path: `${dgPath}/disks/disk01/remove`, body: { bogus: 1 } }),
    VM_NOT_FOUND: () => ({ path: `${dgPath}/disks/disk09/remove`, body: {} }),
    VM_BUSY_ASSOC: () => ({ path: `${dgPath}/disks/disk01/remove`, body: {} }),
  },
}

/** What a failed request must leave as it was: the configuration, the files, the descriptors. */
async function observable(t: TestServer, x: Scratch) {
  const fds: string[] = []
  for (const fd of await readdir('/proc/self/fd')) {
    const target = await readlink(`/proc/self/fd/${fd}`).catch(() => '')
    // devices only: the server's own journals (audit, history) are opened for a moment at any time
    if (target.startsWith(join(t.dir, 'disks')) || target.startsWith(x.dir)) fds.push(target)
  }
  const digest = async (p: string) => {
    const fh = await open(p, 'r')
    try {
      return createHash('sha256').update((await fh.read(Buffer.alloc(MiB), 0, MiB, 0)).buffer).digest('hex')
    } finally {
      await fh.close()
    }
  }
  const group = (await call(t.url, 'GET', dgPath, { auth: t.adminToken })).body
  return {
    tid: group.config.tid,
    disks: group.config.disks.map((d: { dm_name: string; dm_diskid: string }) => `${d.dm_name}:${d.dm_diskid}`),
    files: (await readdir(join(t.dir, 'disks'))).sort(),
    fds: fds.sort(),
    scratch: [await digest(x.blank), await digest(x.data), await digest(x.locked)],
  }
}

describe('disk routes: a failed add, replace or remove leaves everything as it was', () => {
  let t: TestServer
  let x: Scratch
  let unlock: () => void
  let close: () => Promise<void>
  let junk: Server
  beforeAll(async () => {
    t = await testServer()
    const dir = join(t.dir, '..', `${t.dir.split('/').pop()}-scratch`)
    await mkdir(dir, { recursive: true })
    junk = createServer((s) => s.end(Buffer.alloc(18, 0x41)))
    await new Promise<void>((r) => junk.listen(0, '127.0.0.1', r))
    x = { dir, blank: join(dir, 'blank.img'), data: join(dir, 'data.img'), locked: join(dir, 'locked.img'), junk: `nbd://127.0.0.1:${(junk.address() as { port: number }).port}/x` }
    for (const p of [x.blank, x.data, x.locked]) await createImageFile(p, 64 * MiB)
    await writeFile(x.data, 'precious data that must survive', { flag: 'r+' })
    const holder = await openDevicePath(x.locked) // another manager holding a device
    unlock = holder.lock!()
    close = () => holder.close()
  })
  afterAll(async () => {
    await new Promise((r) => junk.close(r))
    unlock()
    await close()
    await t.close()
    execFileSync('rm', ['-rf', x.dir])
  })

  it('lists one case per error code of every disk route', () => {
    for (const [key, cases] of Object.entries(FAILURES)) expect(Object.keys(cases!).sort(), key).toEqual([...(ROUTES[key as RouteKey].errors ?? [])].sort())
  })

  const all = Object.entries(FAILURES).flatMap(([key, cases]) => Object.entries(cases!).map(([code, make]) => [key, code, make] as const))
  it.each(all)('I82: %s failing %s leaves configuration, files and descriptors unchanged', async (_key, code, make) => {
    const before = await observable(t, x)
    const { path, body } = make(t, x)
    const r = await call(t.url, 'POST', path, { auth: t.adminToken, body })
    expect(r.body?.error?.code, JSON.stringify(r.body)).toBe(code)
    expect(await observable(t, x)).toEqual(before)
  })

  it('I82: after every failure the same add succeeds (no image or descriptor was left to make it VM_EXISTS)', async () => {
    const r = await call(t.url, 'POST', `${dgPath}/disks`, { auth: t.adminToken, body: { name: 'disk04', sizeBytes: 32 * MiB } })
    expect(r.status, JSON.stringify(r.body)).toBe(200)
    expect(await readdir(join(t.dir, 'disks'))).toContain('tdg-disk04.img')
  })

  it('I81: a dry run on a path opens it for reading only (an immutable file passes); force adds a path holding data', async () => {
    execFileSync('chattr', ['+i', x.data])
    try {
      const dry = await call(t.url, 'POST', `${dgPath}/disks`, { auth: t.adminToken, body: { name: 'disk05', path: x.data, force: true, dryRun: true } })
      expect(dry.status, JSON.stringify(dry.body)).toBe(200)
      expect(dry.body.dryRun).toBe(true)
    } finally {
      execFileSync('chattr', ['-i', x.data])
    }
    const r = await call(t.url, 'POST', `${dgPath}/disks`, { auth: t.adminToken, body: { name: 'disk05', path: x.data, force: true } })
    expect(r.status, JSON.stringify(r.body)).toBe(200)
    expect((await readFile(x.data)).subarray(0, 8).toString()).toBe('PLEXAHDR')
  })
})
