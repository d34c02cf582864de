import { type ChildProcess, execFile, spawn } from 'node:child_process'
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DiskGroup, openDevicePath } from '@plexa/engine'
import { killAfterEach } from '../../server/test/children.ts'
import { type TestServer, smallData, testServer } from '../../server/test/harness.ts'

const ROOT = fileURLToPath(new URL('../../..', import.meta.url))
const UNIT = join(ROOT, 'deploy/plexa.service')
const track = killAfterEach()

function run(cmd: string, args: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { cwd, timeout: 180_000, maxBuffer: 16 << 20 }, (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }))
  })
}

/**
 * The packed `plexa` (npm pack of @plexa/cli) installed with `npm install -g` into a prefix of its
 * own, run from a directory outside the repository with plain node.
 */
describe('the packed plexa tarball, installed globally, outside the repository (rule 108)', () => {
  let dir: string
  let plexa: string
  let t: TestServer
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'plexa-pack-'))
    const pack = await run('npm', ['pack', '--pack-destination', dir, '-w', '@plexa/cli', '--silent'], ROOT)
    expect(pack.code, pack.stderr).toBe(0)
    const tgz = (await readdir(dir)).find((f) => f.endsWith('.tgz'))!
    const install = await run('npm', ['install', '-g', '--prefix', join(dir, 'prefix'), '--offline', '--no-audit', '--no-fund', join(dir, tgz)], dir)
    expect(install.code, install.stderr).toBe(0)
    plexa = join(dir, 'prefix', 'bin', 'plexa')
    t = await testServer()
  }, 240_000)
  afterAll(async () => {
    await t?.close()
    await rm(dir, { recursive: true, force: true })
  })

  it('carries compiled JavaScript and the web app, no TypeScript, and brings its one native addon along (nothing fetched)', async () => {
    const pkg = join(dir, 'prefix', 'lib', 'node_modules', '@plexa', 'cli')
    const manifest = JSON.parse(await readFile(join(pkg, 'package.json'), 'utf8')) as { dependencies?: object; bundleDependencies?: string[] }
    // the only dependency is the device-lock addon, bundled in the tarball (installed --offline above)
    expect(Object.keys(manifest.dependencies ?? {})).toEqual(manifest.bundleDependencies)
    const files = await readdir(pkg, { recursive: true })
    expect(files.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts') && !f.startsWith('node_modules'))).toEqual([])
    expect(files).toContain(join('web', 'index.html'))
    expect(files).toContain(join('dist', 'plexa.js'))
  })

  it('talks to a running server from outside the repository', async () => {
    const print = await run(plexa, ['--url', t.url, '--token', t.adminToken, 'print'], dir)
    expect(print.code, print.stderr).toBe(0)
    expect(print.stdout).toContain('v  mir          fsgen        ENABLED  ACTIVE   32768    SELECT    -')
    const tasks = await run(plexa, ['--url', t.url, '--token', t.adminToken, '--json', 'task', 'list'], dir)
    expect(JSON.parse(tasks.stdout)).toEqual({ tasks: [] })
    expect((await run(plexa, ['--url', t.url, '--token', 'wrong', 'print'], dir)).code).toBe(3)
  })

  it("runs the systemd unit's ExecStart (plexa serve --config FILE): serves the API and the web app, and SIGTERM stops the volumes cleanly (rule 99)", async () => {
    const exec = /^ExecStart=(\S+) (.*)$/m.exec(await readFile(UNIT, 'utf8'))!
    expect(exec[1]).toBe('/usr/local/bin/plexa') // where npm install -g puts it
    const data = await smallData()
    const config = join(dir, 'plexa.json')
    await writeFile(config, JSON.stringify({ data: data.dir, host: '127.0.0.1', port: 0, nbdPort: 0 }))
    const args = exec[2]!.split(' ').map((a) => (a === '/etc/plexa/plexa.json' ? config : a))
    expect(args).toEqual(['serve', '--config', config])
    let child: ChildProcess | undefined
    try {
      child = track(spawn(plexa, args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], detached: true }))
      let out = ''
      child.stderr!.on('data', (d) => (out += d))
      const url = await new Promise<string>((resolve, reject) => {
        child!.stdout!.on('data', (d) => {
          out += d
          const m = /listening on (http:\/\/\S+)/.exec(out)
          if (m) resolve(m[1]!)
        })
        child!.once('exit', (code) => reject(new Error(`plexa serve exited ${code}: ${out}`)))
      })
      expect((await (await fetch(`${url}/api/health`)).json()).status).toBe('ok')
      expect(await (await fetch(`${url}/`)).text()).toContain('<div id="root"')
      const token = /token: (\S+)/.exec(await readFile(join(data.dir, 'admin-credential.txt'), 'utf8'))![1]!
      const { until } = await import('../../server/test/until.ts')
      await until('the volumes started', async () => {
        const g = (await (await fetch(`${url}/api/dgs/tdg`, { headers: { authorization: `Bearer ${token}` } })).json()) as { config: { volumes: Array<{ v_kstate: string }> } }
        return g.config.volumes.every((v) => v.v_kstate === 'ENABLED')
      })
      const exited = new Promise<number | null>((r) => child!.once('exit', (code) => r(code)))
      child.kill('SIGTERM')
      expect(await exited).toBe(0)
      child = undefined
      const disks = join(data.dir, 'disks')
      const dg = await DiskGroup.import({ devices: await Promise.all((await readdir(disks)).filter((f) => f.endsWith('.img')).map((f) => openDevicePath(join(disks, f)))) })
      expect(dg.config().volumes.map((v) => v.v_state)).toEqual(['CLEAN', 'CLEAN'])
      await dg.close()
    } finally {
      child?.kill('SIGKILL')
      await data.remove()
    }
  })
})
