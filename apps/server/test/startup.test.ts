import { type ChildProcess, spawn } from 'node:child_process'
import { copyFile, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { DiskGroup, createImageFile, openDevicePath } from '@plexa/engine'
import { killAfterEach } from './children.ts'
import { adminTokenOf, call, smallData, startOn } from './harness.ts'
import { until } from './until.ts'

const MAIN = fileURLToPath(new URL('../src/main.ts', import.meta.url))
const MiB = 1 << 20
const track = killAfterEach()

const start = (dataDir: string, demo: boolean, log: (l: string) => void = () => {}) => startOn(dataDir, { demo, lab: demo, log })

/** A request with the data directory's admin token. */
async function fetchAs(srv: Awaited<ReturnType<typeof start>>, method: string, path: string, body?: unknown) {
  return call(srv.url, method, path, { auth: await adminTokenOf(srv.services.storage.dataDir), ...(body !== undefined ? { body } : {}) })
}

/** One image of a three-disk group `other`: too few copies for a quorum anywhere it lands. */
async function strayImage(into: string): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'plexa-stray-'))
  try {
    const paths = [1, 2, 3].map((i) => join(dir, `other-disk0${i}.img`))
    for (const p of paths) await createImageFile(p, 16 * MiB)
    const dg = await DiskGroup.create({ name: 'other', disks: await Promise.all(paths.map(async (p, i) => ({ name: `d${i}`, device: await openDevicePath(p) }))) })
    await dg.close()
    await copyFile(paths[2]!, into)
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

describe('273: a removed disk\'s image is a free disk, not a warning', () => {
  it('273: after vxdg rmdisk its image is listed free (now and at the next start, which logs what it is), and adding it again by path imports it at the start after', async () => {
    const data = await smallData()
    const image = join(data.dir, 'disks', 'tdg-spare1.img')
    try {
      let srv = await start(data.dir, false)
      const s = srv.services.storage
      const dg = s.group('tdg').dg
      const before = (await readdir(join(data.dir, 'disks'))).length
      const r = await fetchAs(srv, 'POST', '/api/dgs/tdg/disks', { name: 'spare1', sizeBytes: 32 * MiB })
      expect(r.status).toBe(200)
      expect(await s.freeImages()).toEqual([])
      expect((await fetchAs(srv, 'POST', '/api/dgs/tdg/disks/spare1/remove', {})).status).toBe(200)
      // the image stays (removing it is no side effect) and is free at once
      expect((await readdir(join(data.dir, 'disks'))).length).toBe(before + 1)
      expect((await fetchAs(srv, 'GET', '/api/disks/free')).body).toEqual({ disks: [{ path: image, sizeBytes: 32 * MiB }] })
      expect(dg.config().disks.map((d) => d.dm_name)).not.toContain('spare1')
      await srv.close()
      const lines: string[] = []
      srv = await start(data.dir, false, (l) => lines.push(l))
      try {
        expect(srv.services.storage.problems).toEqual([])
        expect(lines.filter((l) => l.startsWith('warning:'))).toEqual([])
        expect(lines.filter((l) => l.includes(image))).toEqual([expect.stringMatching(/^free disk .*: uninitialised, in no disk group/)])
        expect(srv.services.storage.free).toEqual([{ path: image, sizeBytes: 32 * MiB }])
        // added again by its path: no force needed (blank), and it is no external disk
        expect((await fetchAs(srv, 'POST', '/api/dgs/tdg/disks', { name: 'spare1', path: image })).status).toBe(200)
        expect((await fetchAs(srv, 'GET', '/api/disks/free')).body).toEqual({ disks: [] })
        expect(await srv.services.storage.externalDisks()).toEqual([])
      } finally {
        await srv.close()
      }
      srv = await start(data.dir, false)
      try {
        expect(srv.services.storage.problems).toEqual([])
        expect(srv.services.storage.group('tdg').dg.config().disks.map((d) => d.dm_name)).toContain('spare1')
      } finally {
        await srv.close()
      }
    } finally {
      await data.remove()
    }
  })
})

describe('starting on odd data directories (rule 83)', () => {
  it('I83 a stray image of another group is skipped with a warning and the healthy group is served', async () => {
    const data = await smallData()
    try {
      await strayImage(join(data.dir, 'disks', 'aaa-stray.img'))
      const lines: string[] = []
      const srv = await start(data.dir, false, (l) => lines.push(l))
      try {
        expect([...srv.services.storage.groups.keys()]).toEqual(['tdg'])
        expect(srv.services.storage.problems).toEqual([expect.objectContaining({ disk: join(data.dir, 'disks', 'aaa-stray.img'), code: 'VM_NOQUORUM' })])
        expect(lines.filter((l) => l.startsWith('warning:'))).toHaveLength(1)
      } finally {
        await srv.close()
      }
    } finally {
      await data.remove()
    }
  })

  it('I83 --demo over images none of which can be read says which disks and why, and creates nothing', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'plexa-srv-'))
    try {
      await mkdir(join(dir, 'disks'))
      // what a first start killed while it created the demo's files left (before rule 83)
      await createImageFile(join(dir, 'disks', 'demodg-disk01.img'), MiB)
      await writeFile(join(dir, 'disks', 'demodg-disk02.img'), Buffer.alloc(1000, 0x5a))
      const err = (await start(dir, true).then(
        () => undefined,
        (e: unknown) => e,
      )) as { code?: string; problems?: Array<{ disk: string; code: string }>; free?: Array<{ path: string }> }
      expect(err?.code).toBe('VM_CONFIG_CORRUPT')
      expect(err.problems?.map((p) => [p.disk, p.code])).toEqual([
        [join(dir, 'disks', 'demodg-disk02.img'), 'VM_DALVOPN'], // shorter than a header
      ])
      // a blank image is a free disk (rule 273), and no demo is made over it either
      expect(err.free?.map((f) => f.path)).toEqual([join(dir, 'disks', 'demodg-disk01.img')])
      expect((await readdir(join(dir, 'disks'))).sort()).toEqual(['demodg-disk01.img', 'demodg-disk02.img'])
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })

  it.each([1, 6])('I83 a first --demo start killed once %i file(s) exist leaves a directory the next start brings up', async (files) => {
    const dir = await mkdtemp(join(tmpdir(), 'plexa-srv-'))
    let child: ChildProcess | undefined
    try {
      child = track(spawn(process.execPath, ['--import', 'tsx', MAIN, 'serve', '--data', dir, '--port', '0', '--nbd-port', '0', '--demo'], { stdio: 'ignore', detached: true }))
      const exited = new Promise((r) => child!.once('exit', r))
      const images = async () => {
        let n = 0
        for (const sub of ['disks', 'disks.demo-build']) n += (await readdir(join(dir, sub)).catch(() => [])).filter((f) => f.endsWith('.img')).length
        return n
      }
      await until(`${files} image file(s)`, async () => (await images()) >= files, { every: 1 })
      child.kill('SIGKILL')
      await exited
      const srv = await start(dir, true)
      try {
        const dg = srv.services.storage.group('demodg').dg
        await until('the demo volumes started', () => dg.config().volumes.length === 4 && dg.config().volumes.every((v) => v.v_kstate === 'ENABLED'))
        expect(srv.services.storage.problems).toEqual([])
        expect((await dg.read('catvol', 0, 512)).toString()).toMatch(/^Plexa demo volume catvol, megabyte 0/)
      } finally {
        await srv.close()
      }
    } finally {
      child?.kill('SIGKILL')
      await rm(dir, { recursive: true, force: true })
    }
  }, 60_000)
})

describe('restart right after kill -9 (rule 104)', () => {
  it('I104 a server killed and not yet reaped leaves its locks to the next start at once', async () => {
    const data = await smallData()
    // the shell execs sleep, which never reaps the server it started: once killed, it stays a zombie;
    // the shell leads its own process group, so that the server goes with it after the test (rule 180)
    const parent = track(spawn('sh', ['-c', `"${process.execPath}" --import tsx "${MAIN}" serve --data "${data.dir}" --port 0 --nbd-port 0 & echo "pid $!"; exec sleep 120`], { stdio: ['ignore', 'pipe', 'ignore'], detached: true }))
    try {
      let out = ''
      parent.stdout!.on('data', (d) => (out += d))
      const pid = Number(await until('the server pid', () => /pid (\d+)/.exec(out)?.[1]))
      await until('the server listening', () => /listening on/.test(out))
      process.kill(pid, 'SIGKILL')
      // the leader thread shows Z while the process's other threads may still be exiting with its
      // descriptors (and their locks): wait until the leader is the only thread left
      await until('the killed server a zombie with no thread left', async () => {
        const { readFile, readdir } = await import('node:fs/promises')
        const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '')
        const threads = await readdir(`/proc/${pid}/task`).catch(() => [])
        return / Z /.test(stat.slice(stat.lastIndexOf(')'))) && threads.length === 1
      })
      const srv = await start(data.dir, false)
      try {
        expect([...srv.services.storage.groups.keys()]).toEqual(['tdg'])
      } finally {
        await srv.close()
      }
    } finally {
      parent.kill('SIGKILL')
      await data.remove()
    }
  }, 60_000)
})
