import { execFile } from 'node:child_process'
import { type Socket, connect } from 'node:net'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { nbdProtocol } from '@plexa/engine'
import { parseExportPolicy } from '../src/nbd/exportPolicy.ts'
import { OptionsError, parseServeOptions } from '../src/options.ts'
import { type TestServer, testServer } from './harness.ts'
import { goBytes, rawClient, request } from './nbdClient.ts'
import { until } from './until.ts'

const { CMD, ERR, REP } = nbdProtocol
const run = promisify(execFile)
const MiB = 1 << 20

/** A socket that connects (from `from`) and counts what it receives; `closed` once the server closes it. */
function idle(port: number, from = '127.0.0.1') {
  const sock = connect({ host: '127.0.0.1', port, localAddress: from })
  const s = { sock, bytes: 0, closed: false }
  sock.on('data', (d: Buffer) => (s.bytes += d.length))
  sock.on('close', () => (s.closed = true))
  sock.on('error', () => {})
  return s
}

/** The option reply type a GO for `name` gets. */
async function goReply(port: number, name: string): Promise<number> {
  const sock = connect({ host: '127.0.0.1', port })
  let got = Buffer.alloc(0)
  return new Promise((resolve) => {
    sock.on('data', (d: Buffer) => {
      got = Buffer.concat([got, d])
      if (got.length >= 38) {
        sock.destroy()
        resolve(got.readUInt32BE(30))
      }
    })
    sock.write(goBytes(name))
  })
}

describe('exported volumes and read-only exports (rule 101)', () => {
  let t: TestServer
  beforeAll(async () => {
    t = await testServer({ nbdExports: 'tdg/mir:ro' })
  })
  afterAll(async () => {
    await t.close()
  })

  it('I101 only the listed volumes are exported', async () => {
    const r = await run('nbdinfo', ['--list', '--json', `nbd://127.0.0.1:${t.srv.nbdPort}`])
    const names = (JSON.parse(r.stdout) as { exports: Array<{ 'export-name': string; is_read_only: boolean }> }).exports.map((e) => [e['export-name'], e.is_read_only])
    expect(names.sort()).toEqual([
      ['mir', true],
      ['tdg/mir', true],
    ])
    expect(await goReply(t.srv.nbdPort, 'cat')).toBe(REP.ERR_UNKNOWN)
  })

  it('I101 a read-only export answers writes, zeroes and trims EPERM and changes nothing', async () => {
    const dg = t.srv.services.storage.group('tdg').dg
    const before = await dg.read('mir', 0, 64 << 10)
    const c = await rawClient(t.srv.nbdPort, 'mir')
    expect((await c.call(CMD.WRITE, 0, 4096, { payload: Buffer.alloc(4096, 0xee) })).err).toBe(ERR.EPERM)
    expect((await c.call(CMD.WRITE_ZEROES, 0, 64 << 10)).err).toBe(ERR.EPERM)
    expect((await c.call(CMD.TRIM, 0, 4096)).err).toBe(ERR.EPERM)
    const read = await c.call(CMD.READ, 0, 64 << 10)
    expect(read.err).toBe(0)
    expect(read.data!.equals(before)).toBe(true)
    expect((await dg.read('mir', 0, 64 << 10)).equals(before)).toBe(true)
    c.sock.destroy()
    const q = await run('qemu-io', ['-f', 'raw', '-c', 'write -P 0x11 0 4k', `nbd://127.0.0.1:${t.srv.nbdPort}/mir`]).then(
      (r) => r.stdout + r.stderr,
      (e: { stdout: string; stderr: string }) => e.stdout + e.stderr,
    )
    expect(q).toMatch(/read-only|Permission denied|Operation not permitted/i)
  })

  it('I101 export lists are parsed strictly', () => {
    expect(parseExportPolicy('none').lookup('tdg', 'mir')).toBeUndefined()
    expect(parseExportPolicy(undefined).lookup('tdg', 'mir')).toEqual({ readOnly: false })
    expect(parseExportPolicy('all:ro,cat:rw').lookup('tdg', 'cat')).toEqual({ readOnly: false })
    expect(parseExportPolicy('all:ro,cat:rw').lookup('tdg', 'mir')).toEqual({ readOnly: true })
    expect(() => parseExportPolicy('mir:rx')).toThrow()
    expect(() => parseExportPolicy('a/b/c')).toThrow()
    expect(() => parseServeOptions(['--nbd-exports', 'mir:rx'], {})).toThrow(OptionsError)
    expect(() => parseServeOptions([], { PLEXA_NBD_TLS: 'maybe' })).toThrow(OptionsError)
    expect(parseServeOptions(['--nbd-exports', 'tdg/mir:ro', '--nbd-tls', 'require'], {})).toMatchObject({ nbdExports: 'tdg/mir:ro', nbdTls: 'require' })
  })
})

describe('NBD memory for all clients together (rule 102)', () => {
  it('I102 clients that pipeline large reads and never take the replies hold at most the shared budget, and give it all back when they go', async () => {
    const limit = 16 * MiB
    const t = await testServer({ nbd: { maxHeldBytes: limit } })
    const socks: Socket[] = []
    try {
      for (let i = 0; i < 10; i++) {
        const s = connect({ host: '127.0.0.1', port: t.srv.nbdPort })
        s.on('error', () => {})
        s.write(goBytes('mir'))
        const reads = Array.from({ length: 8 }, (_, k) => request(CMD.READ, k + 1, (k % 4) * 4 * MiB, 4 * MiB))
        s.write(Buffer.concat(reads))
        s.pause() // never reads a reply
        socks.push(s)
      }
      const nbd = t.srv.nbd
      await until('every connection held back', () => nbd.connections().length === 10 && nbd.connections().every((c) => c.exportName && c.inflight === 0) && nbd.memory.full)
      expect(nbd.memory.peak).toBeLessThanOrEqual(limit + 4 * MiB)
      for (const s of socks) s.destroy()
      await until('connections gone and their buffers given back', () => nbd.connections().length === 0 && nbd.memory.held === 0)
    } finally {
      for (const s of socks) s.destroy()
      await t.close()
    }
  })
})

describe('NBD handshake timeout and connection limits (rule 103)', () => {
  it('I103 connections past the per-source and total limits are closed at once, and admitted again when others go', async () => {
    const t = await testServer({ nbd: { maxConnections: 5, maxPerSource: 3 } })
    const open: Array<ReturnType<typeof idle>> = []
    try {
      const port = t.srv.nbdPort
      for (let i = 0; i < 3; i++) open.push(idle(port))
      await until('three hellos', () => open.every((s) => s.bytes >= 18))
      const fourth = idle(port)
      await until('the fourth from 127.0.0.1 closed', () => fourth.closed)
      expect(fourth.bytes).toBe(0)
      for (let i = 0; i < 2; i++) open.push(idle(port, '127.0.0.2'))
      await until('five hellos', () => open.every((s) => s.bytes >= 18))
      const sixth = idle(port, '127.0.0.3')
      await until('the sixth closed', () => sixth.closed)
      expect(sixth.bytes).toBe(0)
      open[0]!.sock.destroy()
      await until('a slot free', () => t.srv.nbd.connections().length === 4)
      const again = idle(port, '127.0.0.3')
      open.push(again)
      await until('admitted again', () => again.bytes >= 18)
      expect(t.srv.nbd.refused).toBe(2)
    } finally {
      for (const s of open) s.sock.destroy()
      await t.close()
    }
  })

  it('I103 a handshake that does not finish in time is closed; a finished one stays', async () => {
    const t = await testServer({ nbd: { handshakeMs: 200 } })
    try {
      const c = await rawClient(t.srv.nbdPort, 'cat')
      const s = idle(t.srv.nbdPort)
      await until('the idle handshake closed by the server', () => s.closed)
      expect(s.bytes).toBe(18) // the hello, nothing else
      expect(t.srv.nbd.timedOut).toBe(1)
      expect((await c.call(CMD.READ, 0, 4096)).err).toBe(0)
      c.sock.destroy()
    } finally {
      await t.close()
    }
  })
})
