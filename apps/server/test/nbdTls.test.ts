import { execFile } from 'node:child_process'
import { copyFile, mkdir, writeFile } from 'node:fs/promises'
import { connect } from 'node:net'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { nbdProtocol } from '@plexa/engine'
import { type TestServer, testServer } from './harness.ts'
import { goBytes } from './nbdClient.ts'
import { makeCertificates } from './x509.ts'

const run = promisify(execFile)

async function tool(cmd: string, args: string[]): Promise<{ code: number; out: string }> {
  try {
    const r = await run(cmd, args, { timeout: 60_000 })
    return { code: 0, out: r.stdout + r.stderr }
  } catch (e) {
    const x = e as { code?: number; stdout?: string; stderr?: string }
    return { code: typeof x.code === 'number' ? x.code : 1, out: (x.stdout ?? '') + (x.stderr ?? '') }
  }
}

/** What a plain client that sends NBD_OPT_GO first gets back: the option reply's type. */
async function plainGoReply(port: number): Promise<number> {
  const sock = connect({ host: '127.0.0.1', port })
  let got = Buffer.alloc(0)
  return new Promise((resolve, reject) => {
    sock.on('data', (d: Buffer) => {
      got = Buffer.concat([got, d])
      if (got.length >= 18 + 20) {
        sock.destroy()
        resolve(got.readUInt32BE(18 + 12))
      }
    })
    sock.on('error', reject)
    sock.write(goBytes('mir'))
  })
}

const ERR_TLS_REQD = 0x80000005

/** qemu-io through a TLS export: `creds` is a qemu --object. */
const qemuIo = (port: number, creds: string, commands: string[]) =>
  tool('qemu-io', ['--object', creds, '--image-opts', `driver=nbd,host=127.0.0.1,port=${port},export=mir,tls-creds=tls0`, ...commands.flatMap((c) => ['-c', c])])

describe('NBD over TLS with a pre-shared key (rule 100)', () => {
  let t: TestServer
  let psk: string
  let qemuDir: string
  beforeAll(async () => {
    t = await testServer({ nbdTls: 'require' })
    psk = join(t.dir, 'nbd-tls.psk') // created because no credentials were given
    qemuDir = join(t.dir, 'qemu-psk')
    await mkdir(qemuDir)
    await copyFile(psk, join(qemuDir, 'keys.psk'))
  })
  afterAll(async () => {
    await t.close()
  })

  it('I100 qemu-io writes and reads through STARTTLS with the key; the connection is TLS', async () => {
    const r = await qemuIo(t.srv.nbdPort, `tls-creds-psk,id=tls0,endpoint=client,dir=${qemuDir},username=plexa`, ['write -P 0x3c 0 1M', 'read -P 0x3c 0 1M'])
    expect(r.code, r.out).toBe(0)
    expect(r.out).not.toMatch(/fail/i)
    expect((await t.srv.services.storage.group('tdg').dg.read('mir', 0, 512)).every((b) => b === 0x3c)).toBe(true)
  })

  it('I100 nbdinfo lists and reads with the key', async () => {
    const r = await tool('nbdinfo', ['--json', `nbds://plexa@127.0.0.1:${t.srv.nbdPort}/mir?tls-psk-file=${psk}`])
    expect(r.code, r.out).toBe(0)
    expect(JSON.parse(r.out.slice(r.out.indexOf('{'))).exports[0]['export-size']).toBe(16 << 20)
  })

  it('I100 a plain client is refused with NBD_REP_ERR_TLS_REQD, and a wrong key gets nothing', async () => {
    expect(await plainGoReply(t.srv.nbdPort)).toBe(ERR_TLS_REQD)
    expect((await tool('nbdinfo', [`nbd://127.0.0.1:${t.srv.nbdPort}/mir`])).code).not.toBe(0)
    expect((await tool('qemu-io', ['-f', 'raw', '-c', 'read 0 4k', `nbd://127.0.0.1:${t.srv.nbdPort}/mir`])).code).not.toBe(0)
    const wrong = join(t.dir, 'wrong.psk')
    await writeFile(wrong, `plexa:${'ab'.repeat(32)}\n`)
    expect((await tool('nbdinfo', [`nbds://plexa@127.0.0.1:${t.srv.nbdPort}/mir?tls-psk-file=${wrong}`])).code).not.toBe(0)
    expect(t.srv.services.storage.groups.size).toBe(1) // the server is up
  })
})

describe('NBD over TLS with x509 certificates (rule 100)', () => {
  let t: TestServer
  let clientDir: string
  beforeAll(async () => {
    const { mkdtemp } = await import('node:fs/promises')
    const { tmpdir } = await import('node:os')
    const certs = await makeCertificates(await mkdtemp(join(tmpdir(), 'plexa-x509-')))
    clientDir = certs.clientDir
    const serverDir = certs.serverDir
    t = await testServer({ nbdTls: 'require', nbdTlsCertificates: serverDir })
  })
  afterAll(async () => {
    await t.close()
  })

  it('I100 qemu-io and nbdinfo verify the server certificate and speak TLS', async () => {
    const r = await qemuIo(t.srv.nbdPort, `tls-creds-x509,id=tls0,endpoint=client,dir=${clientDir}`, ['write -P 0x7e 1M 64k', 'read -P 0x7e 1M 64k'])
    expect(r.code, r.out).toBe(0)
    expect(r.out).not.toMatch(/fail/i)
    const info = await tool('nbdinfo', [`nbds://127.0.0.1:${t.srv.nbdPort}/mir?tls-certificates=${clientDir}`])
    expect(info.code, info.out).toBe(0)
    expect(await plainGoReply(t.srv.nbdPort)).toBe(ERR_TLS_REQD)
  })
})

describe('NBD TLS by default beyond loopback (rule 100)', () => {
  it('I100 a server listening on every address requires TLS and creates a key', async () => {
    const t = await testServer({ host: '0.0.0.0' })
    try {
      expect(await plainGoReply(t.srv.nbdPort)).toBe(ERR_TLS_REQD)
      const r = await tool('nbdinfo', ['--size', `nbds://plexa@127.0.0.1:${t.srv.nbdPort}/cat?tls-psk-file=${join(t.dir, 'nbd-tls.psk')}`])
      expect(r.code, r.out).toBe(0)
      expect(r.out.trim()).toBe(String(8 << 20))
    } finally {
      await t.close()
    }
  })

  it('I100 on loopback without credentials NBD stays plain (STARTTLS is not offered)', async () => {
    const t = await testServer()
    try {
      expect(await plainGoReply(t.srv.nbdPort)).toBe(nbdProtocol.REP.INFO)
    } finally {
      await t.close()
    }
  })
})
