import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { OptionsError, type ServeOptions, parseServeOptions } from '../src/options.ts'

const EXAMPLE = fileURLToPath(new URL('../../../deploy/plexa.json', import.meta.url))

function refused(argv: string[], env: NodeJS.ProcessEnv = {}): OptionsError {
  try {
    parseServeOptions(argv, env)
  } catch (e) {
    if (e instanceof OptionsError) return e
    throw e
  }
  throw new Error('expected an OptionsError')
}

describe('plexa serve options: flags, environment and --config FILE are one validated config (rule 99)', () => {
  let dir: string
  let file: string
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'plexa-options-'))
    file = join(dir, 'plexa.json')
    await writeFile(file, JSON.stringify({ data: 'state', host: '127.0.0.2', port: 9000, nbdPort: 10900, allowedHosts: ['plexa.lan'], lab: true }))
  })
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it('reads every option from the file; a relative data directory is relative to the file', () => {
    expect(parseServeOptions(['--config', file], {})).toEqual({ dataDir: join(dir, 'state'), host: '127.0.0.2', port: 9000, nbdPort: 10900, demo: false, lab: true, labRemote: false, allowedHosts: ['plexa.lan'] } satisfies ServeOptions)
    expect((parseServeOptions([], { PLEXA_CONFIG: file }) as ServeOptions).port).toBe(9000)
  })

  it('flags override the environment, which overrides the file, which overrides the defaults', () => {
    const o = parseServeOptions(['--config', file, '--port', '9100'], { PLEXA_PORT: '9200', PLEXA_NBD_PORT: '10901' }) as ServeOptions
    expect([o.port, o.nbdPort, o.host]).toEqual([9100, 10901, '127.0.0.2'])
    const d = parseServeOptions([], {}) as ServeOptions
    expect([d.port, d.nbdPort, d.host, d.lab, d.allowedHosts]).toEqual([8080, 10809, '127.0.0.1', false, []])
  })

  it('a bad value is refused naming the flag, the variable or the file key it came from', async () => {
    expect(refused(['--port', '99999']).source).toBe('--port')
    expect(refused([], { PLEXA_NBD_PORT: 'ten' }).source).toBe('PLEXA_NBD_PORT')
    const bad = join(dir, 'bad.json')
    await writeFile(bad, JSON.stringify({ port: '8080x' }))
    expect(refused(['--config', bad]).source).toBe(`${bad}: "port"`)
    await writeFile(bad, JSON.stringify({ lab: 'yes' }))
    expect(refused(['--config', bad]).source).toBe(`${bad}: "lab"`)
    await writeFile(bad, JSON.stringify({ prot: 8080 }))
    expect(refused(['--config', bad]).source).toBe(`${bad}: "prot"`)
    await writeFile(bad, '{"port": 80')
    expect(refused(['--config', bad]).source).toBe(bad)
    expect(refused(['--config', join(dir, 'missing.json')]).source).toBe(join(dir, 'missing.json'))
    expect(refused(['--prot', '1']).source).toBe('--prot')
    expect(refused(['--config']).source).toBe('--config')
  })

  it('the example config of the systemd unit (deploy/plexa.json) is valid', () => {
    expect(parseServeOptions(['--config', EXAMPLE], {})).toMatchObject({ dataDir: '/var/lib/plexa', host: '127.0.0.1', port: 8080, nbdPort: 10809 })
  })
})
