import { spawn } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { connect } from 'node:net'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { nbdProtocol } from '@plexa/engine'
import { killAfterEach, runTool } from './children.ts'
import { type TestServer, call, startOn, testServer } from './harness.ts'
import { CLIENT_FLAGS, goBytes, option, rawClient, request } from './nbdClient.ts'
import { until } from './until.ts'

const track = killAfterEach()

describe('NBD export proven with real clients', () => {
  let t: TestServer
  let nbd: string
  beforeAll(async () => {
    t = await testServer()
    nbd = `nbd://127.0.0.1:${t.srv.nbdPort}`
  })
  afterAll(async () => {
    await t.close()
  })
  const api = (method: string, path: string, body?: unknown) => call(t.url, method, path, { auth: t.adminToken, ...(body !== undefined ? { body } : {}) })
  const plexState = async (p: string) => (await api('GET', '/api/dgs/tdg')).body.config.plexes.find((x: { pl_name: string }) => x.pl_name === p).pl_state as string

  it('nbdinfo lists one export per started volume', async () => {
    const r = await runTool('nbdinfo', ['--list', '--json', nbd])
    expect(r.code).toBe(0)
    const names = (JSON.parse(r.out) as { exports: Array<{ 'export-name': string; 'export-size': number }> }).exports.map((e) => [e['export-name'], e['export-size']])
    expect(names).toEqual(expect.arrayContaining([['mir', 16 << 20], ['cat', 8 << 20], ['tdg/mir', 16 << 20]]))
  })

  it('qemu-io writes and reads patterns; a wrong pattern is caught', async () => {
    const w = await runTool('qemu-io', ['-f', 'raw', '-c', 'write -P 0xab 0 1M', '-c', 'write -P 0x5c 3M 512k', '-c', 'read -P 0xab 0 1M', '-c', 'read -P 0x5c 3M 512k', `${nbd}/mir`])
    expect(w.code).toBe(0)
    expect(w.out).not.toMatch(/fail/i)
    const bad = await runTool('qemu-io', ['-f', 'raw', '-c', 'read -P 0xcd 0 4k', `${nbd}/mir`])
    expect(bad.out).toMatch(/Pattern verification failed/)
  })

  it('nbdcopy in and out is byte-identical, and qemu-img compare agrees', async () => {
    const img = join(t.dir, 'rand.raw')
    const back = join(t.dir, 'back.raw')
    const data = randomBytes(8 << 20)
    await writeFile(img, data)
    expect((await runTool('nbdcopy', [img, `${nbd}/cat`])).code).toBe(0)
    expect((await runTool('nbdcopy', [`${nbd}/cat`, back])).code).toBe(0)
    expect((await readFile(back)).equals(data)).toBe(true)
    const cmp = await runTool('qemu-img', ['compare', '-f', 'raw', '-F', 'raw', img, `${nbd}/cat`])
    expect(cmp.code).toBe(0)
    expect(cmp.out).toMatch(/Images are identical/)
  })

  it('fio with crc32c verify on a mirror while a plex is detached and reattached: zero verify errors', async () => {
    const fio = runTool('fio', ['--name=verify', '--ioengine=nbd', `--uri=${nbd}/mir`, '--rw=randwrite', '--bs=4k', '--size=12M', '--iodepth=8', '--verify=crc32c', '--verify_fatal=1', '--do_verify=1', '--loops=3', '--verify_state_save=0', '--output-format=json'], { cwd: t.dir })
    // Detach once fio's writes reach the mirror, and attach once more have landed on mir-01 alone.
    const writes = () => t.srv.services.storage.groups.get('tdg')!.dg.ioStats('mir-01').writes
    const before = writes()
    await until('fio writing', () => writes() >= before + 64, { every: 5 })
    expect((await api('POST', '/api/dgs/tdg/plexes/mir-02/det', {})).status).toBe(200)
    const detached = writes()
    await until('writes while mir-02 is detached', () => writes() >= detached + 256, { every: 5 })
    expect((await api('POST', '/api/dgs/tdg/plexes/mir-02/att', { volume: 'mir' })).status).toBeLessThan(300)
    const r = await fio
    expect(r.code).toBe(0)
    const job = (JSON.parse(r.out.slice(r.out.indexOf('{'))) as { jobs: Array<{ error: number; write: { io_bytes: number }; read: { io_bytes: number } }> }).jobs[0]!
    expect(job.error).toBe(0)
    expect(job.write.io_bytes).toBeGreaterThan(0)
    expect(job.read.io_bytes).toBeGreaterThan(0) // the verify pass read everything back
    await until('mir-02 ACTIVE', async () => (await plexState('mir-02')) === 'ACTIVE')
    const v = await api('POST', '/api/dgs/tdg/volumes/mir/verify', {})
    await until('verify result', async () => (await api('GET', `/api/tasks/${v.body.taskId}/result`)).status === 200)
    expect((await api('GET', `/api/tasks/${v.body.taskId}/result`)).body.report.mismatches).toEqual([])
  }, 180_000)

  it('ext4 through nbdfuse and a loop device on the mirror survives a detach and reattach: e2fsck clean, files identical', async () => {
    const fuse = join(t.dir, 'fuse')
    const mnt = join(t.dir, 'mnt')
    await mkdir(fuse)
    await mkdir(mnt)
    const file = join(fuse, 'disk')
    const nf = track(spawn('nbdfuse', [file, `${nbd}/mir`], { stdio: 'ignore', detached: true }))
    let loop = ''
    try {
      await until('nbdfuse', async () => existsSync(file))
      expect((await runTool('mkfs.ext4', ['-F', '-q', file])).code).toBe(0)
      loop = (await runTool('losetup', ['-f', '--show', file])).out.trim()
      expect((await runTool('mount', ['-t', 'ext4', loop, mnt])).code).toBe(0)
      const files = [randomBytes(3 << 20), randomBytes(1 << 20), randomBytes(200_000)]
      const sums = files.map((f) => createHash('sha256').update(f).digest('hex'))
      for (const [i, f] of files.entries()) await writeFile(join(mnt, `f${i}`), f)
      await runTool('sync', [])
      await api('POST', '/api/dgs/tdg/plexes/mir-01/det', {})
      await writeFile(join(mnt, 'f3'), files[2]!)
      sums.push(sums[2]!)
      await runTool('sync', [])
      await api('POST', '/api/dgs/tdg/plexes/mir-01/att', { volume: 'mir' })
      await until('mir-01 ACTIVE', async () => (await plexState('mir-01')) === 'ACTIVE')
      expect((await runTool('umount', [mnt])).code).toBe(0)
      const fsck = await runTool('e2fsck', ['-fn', loop])
      expect(fsck.code, fsck.out).toBe(0)
      expect((await runTool('mount', ['-t', 'ext4', loop, mnt])).code).toBe(0)
      for (let i = 0; i < 4; i++) expect(createHash('sha256').update(await readFile(join(mnt, `f${i}`))).digest('hex')).toBe(sums[i])
      expect((await runTool('umount', [mnt])).code).toBe(0)
    } finally {
      await runTool('umount', [mnt])
      if (loop) await runTool('losetup', ['-d', loop])
      await runTool('fusermount3', ['-u', fuse])
      nf.kill()
    }
  }, 180_000)

  it('malformed handshakes, unknown options and bad requests get NBD errors; the server stays up', async () => {
    const raw = (bytes: Buffer) =>
      new Promise<Buffer>((resolve) => {
        const s = connect({ host: '127.0.0.1', port: t.srv.nbdPort })
        const got: Buffer[] = []
        s.on('data', (d) => got.push(d))
        s.on('close', () => resolve(Buffer.concat(got)))
        s.on('error', () => {})
        s.write(bytes) // every case below ends in something the server closes the connection on
      })
    const { OPT, CMD } = nbdProtocol
    // garbage instead of an option: the connection is closed
    const g = await raw(Buffer.concat([CLIENT_FLAGS, Buffer.from('hello there, not nbd at all')]))
    expect(g.subarray(0, 8).toString('latin1')).toBe('NBDMAGIC')
    // an unknown option gets NBD_REP_ERR_UNSUP, then ABORT is acknowledged
    const u = await raw(Buffer.concat([CLIENT_FLAGS, option(999), option(OPT.ABORT)]))
    expect(u.readUInt32BE(18 + 12)).toBe(0x80000001)
    // GO on an unknown export gets NBD_REP_ERR_UNKNOWN
    const n = await raw(Buffer.concat([goBytes('nosuchvolume'), option(OPT.ABORT)]))
    expect(n.readUInt32BE(18 + 12)).toBe(0x80000006)
    // out-of-range and unaligned reads get EINVAL, a real one succeeds on the same connection
    const tx = await raw(Buffer.concat([goBytes('mir'), request(CMD.READ, 1, 100 << 20, 4096), request(CMD.READ, 2, 100, 512), request(CMD.READ, 3, 0, 512), request(CMD.DISC, 4, 0, 0)]))
    const replies: Array<[number, number]> = []
    let at = tx.indexOf(Buffer.from([0x67, 0x44, 0x66, 0x98]))
    while (at >= 0 && at + 16 <= tx.length) {
      const handle = Number(tx.readBigUInt64BE(at + 8))
      const err = tx.readUInt32BE(at + 4)
      replies.push([handle, err])
      at = tx.indexOf(Buffer.from([0x67, 0x44, 0x66, 0x98]), at + 16 + (err === 0 ? 512 : 0))
    }
    expect(replies.sort()).toEqual([[1, 22], [2, 22], [3, 0]])
    expect((await runTool('nbdinfo', ['--size', `${nbd}/cat`])).out.trim()).toBe(String(8 << 20))
  })

  it('stopping a volume ends its NBD connections', async () => {
    const c = await rawClient(t.srv.nbdPort, 'cat') // resolves once the export is chosen
    const closed = new Promise<void>((r) => c.sock.on('close', () => r()))
    c.sock.on('error', () => {})
    expect((await api('POST', '/api/dgs/tdg/volumes/cat/stop', {})).status).toBe(200)
    await closed
    const info = await runTool('nbdinfo', ['--size', `${nbd}/cat`])
    expect(info.code).not.toBe(0)
    await api('POST', '/api/dgs/tdg/volumes/cat/start', {})
  })
})

describe('remote disks through the server', () => {
  it('adds an nbdkit export as a disk, mirrors onto it, and finds it again after a restart', async () => {
    const { startNbdkit } = await import('../../../packages/engine/test/nbdkit.ts')
    const kit = await startNbdkit(['memory', '64M'])
    let t = await testServer()
    try {
      const api = (method: string, path: string, body?: unknown) => call(t.url, method, path, { auth: t.adminToken, ...(body !== undefined ? { body } : {}) })
      expect((await api('POST', '/api/dgs/tdg/disks', { name: 'remote1', path: kit.url })).status).toBe(200)
      await api('POST', '/api/dgs/tdg/records', { records: [{ type: 'sd', name: 'rsd', disk: 'remote1', len: 32768 }, { type: 'plex', name: 'rpl', sd: ['rsd'] }] })
      const att = await api('POST', '/api/dgs/tdg/plexes/rpl/att', { volume: 'mir' })
      expect(att.status).toBe(202)
      await until('rpl ACTIVE', async () => (await api('GET', '/api/dgs/tdg')).body.config.plexes.find((p: { pl_name: string }) => p.pl_name === 'rpl').pl_state === 'ACTIVE')
      const dir = t.dir
      await t.srv.close()
      const srv = await startOn(dir, { lab: false })
      t = { ...t, srv, url: srv.url, close: async () => { await srv.close(); await (await import('node:fs/promises')).rm(dir, { recursive: true, force: true }) } }
      const g = (await call(srv.url, 'GET', '/api/dgs/tdg', { auth: t.adminToken })).body
      expect(g.config.disks.find((d: { dm_name: string }) => d.dm_name === 'remote1')).toMatchObject({ dm_device: kit.url, dm_pflag: 0 })
    } finally {
      await t.close()
      await kit.stop()
    }
  })
})
