import { spawn } from 'node:child_process'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { nbdProtocol } from '@plexa/engine'
import { type TestServer, call, testServer, viewer } from './harness.ts'
import { rawClient } from './nbdClient.ts'

const { CMD } = nbdProtocol

/** `promtool check metrics` (Debian's prometheus package): Prometheus' own parser and linter. */
function promtool(text: string): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    const p = spawn('promtool', ['check', 'metrics'], { stdio: ['pipe', 'pipe', 'pipe'] })
    let out = ''
    p.stdout.on('data', (d) => (out += d))
    p.stderr.on('data', (d) => (out += d))
    p.on('close', (code) => resolve({ code: code ?? 1, out }))
    p.stdin.end(text)
  })
}

type Samples = Array<{ name: string; labels: Record<string, string>; value: number }> & { types: Map<string, string> }

/** Scrapes /metrics, has promtool check it, and reads its samples. */
async function scrape(t: TestServer, token: string): Promise<Samples> {
  const res = await fetch(`${t.url}/metrics`, { headers: { authorization: `Bearer ${token}` } })
  expect(res.status).toBe(200)
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/)
  const text = await res.text()
  const check = await promtool(text)
  expect(check, check.out).toEqual({ code: 0, out: '' })
  const types = new Map([...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => [m[1]!, m[2]!]))
  const samples = text
    .split('\n')
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => {
      const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(l)!
      const labels = Object.fromEntries([...(m[2] ?? '').matchAll(/([a-zA-Z_]+)="((?:[^"\\]|\\.)*)"/g)].map((x) => [x[1]!, x[2]!]))
      return { name: m[1]!, labels, value: Number(m[3]) }
    })
  return Object.assign(samples, { types })
}

/** The value of the first sample of `name` with these labels (0 when there is none). */
function sample(samples: Samples, name: string, labels: Record<string, string>): number {
  if (!samples.types.has(name.replace(/_(count|sum|bucket)$/, ''))) throw new Error(`no metric ${name}`)
  return samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value ?? 0
}

describe('GET /metrics: Prometheus text format, checked by promtool (rule 98)', () => {
  let t: TestServer
  beforeAll(async () => {
    t = await testServer()
  })
  afterAll(async () => {
    await t.close()
  })

  it('needs a bearer token, of any role', async () => {
    expect((await call(t.url, 'GET', '/metrics')).body).toMatchObject({ error: { code: 'VM_UNAUTHORIZED' } })
    expect((await call(t.url, 'POST', '/metrics', { auth: t.adminToken })).body).toMatchObject({ error: { code: 'VM_METHOD' } })
    await scrape(t, await viewer(t))
  })

  it('a write through NBD moves the volume, plex and latency counters; states, maps and connections are labelled gauges', async () => {
    const before = await scrape(t, t.adminToken)
    for (const name of ['plexa_kernel_state', 'plexa_state', 'plexa_plex_stale_regions', 'plexa_volume_dirty_regions', 'plexa_task_progress_ratio', 'plexa_task_rate_bytes_per_second', 'plexa_resync_bytes_total', 'plexa_nbd_connections', 'plexa_websocket_clients', 'plexa_alerts_total']) {
      expect(before.types.has(name), name).toBe(true)
    }
    expect(sample(before, 'plexa_kernel_state', { dg: 'tdg', kind: 'volume', name: 'mir', state: 'ENABLED' })).toBe(1)
    expect(sample(before, 'plexa_kernel_state', { dg: 'tdg', kind: 'volume', name: 'mir', state: 'DISABLED' })).toBe(0)
    expect(sample(before, 'plexa_state', { dg: 'tdg', kind: 'plex', name: 'mir-01', state: 'ACTIVE' })).toBe(1)
    expect(sample(before, 'plexa_alerts_total', { severity: 'critical' })).toBe(0)

    const client = await rawClient(t.srv.nbdPort, 'mir')
    try {
      const during = await scrape(t, t.adminToken)
      expect(sample(during, 'plexa_nbd_connections', { export: 'mir' })).toBe(1)
      expect((await client.call(CMD.WRITE, 8192, 4096, { payload: Buffer.alloc(4096, 7) })).err).toBe(0)
      expect((await client.call(CMD.READ, 8192, 4096)).err).toBe(0)
    } finally {
      client.sock.destroy()
    }
    const after = await scrape(t, t.adminToken)
    const moved = (name: string, labels: Record<string, string>) => sample(after, name, labels) - sample(before, name, labels)
    const mir = { dg: 'tdg', volume: 'mir' }
    expect(moved('plexa_volume_io_total', { ...mir, op: 'write' })).toBe(1)
    expect(moved('plexa_volume_io_bytes_total', { ...mir, op: 'write' })).toBe(4096)
    expect(moved('plexa_volume_io_total', { ...mir, op: 'read' })).toBe(1)
    expect(moved('plexa_volume_io_seconds_count', { ...mir, op: 'write' })).toBe(1)
    expect(moved('plexa_volume_io_seconds_bucket', { ...mir, op: 'write', le: '+Inf' })).toBe(1)
    expect(after.types.get('plexa_volume_io_seconds')).toBe('histogram')
    // the write reached both data plexes; the read one of them
    expect(moved('plexa_plex_io_bytes_total', { ...mir, plex: 'mir-01', op: 'write' })).toBe(4096)
    expect(moved('plexa_plex_io_bytes_total', { ...mir, plex: 'mir-02', op: 'write' })).toBe(4096)
    expect(moved('plexa_plex_io_total', { ...mir, plex: 'mir-01', op: 'read' }) + moved('plexa_plex_io_total', { ...mir, plex: 'mir-02', op: 'read' })).toBe(1)
  })

  it('rule 480: after N reads and M writes through NBD the volume counters and the latency histogram count N and M', async () => {
    const before = await scrape(t, t.adminToken)
    const reads = 37
    const writes = 23
    const client = await rawClient(t.srv.nbdPort, 'mir')
    try {
      for (let i = 0; i < writes; i++) expect((await client.call(CMD.WRITE, 4096 * i, 4096, { payload: Buffer.alloc(4096, i) })).err).toBe(0)
      for (let i = 0; i < reads; i++) expect((await client.call(CMD.READ, 512 * i, 1024)).err).toBe(0)
    } finally {
      client.sock.destroy()
    }
    const after = await scrape(t, t.adminToken)
    const moved = (name: string, labels: Record<string, string>) => sample(after, name, labels) - sample(before, name, labels)
    const mir = { dg: 'tdg', volume: 'mir' }
    expect(moved('plexa_volume_io_total', { ...mir, op: 'read' })).toBe(reads)
    expect(moved('plexa_volume_io_total', { ...mir, op: 'write' })).toBe(writes)
    expect(moved('plexa_volume_io_bytes_total', { ...mir, op: 'read' })).toBe(reads * 1024)
    expect(moved('plexa_volume_io_bytes_total', { ...mir, op: 'write' })).toBe(writes * 4096)
    expect(moved('plexa_volume_io_seconds_count', { ...mir, op: 'read' })).toBe(reads)
    expect(moved('plexa_volume_io_seconds_bucket', { ...mir, op: 'read', le: '+Inf' })).toBe(reads)
    expect(moved('plexa_volume_io_seconds_bucket', { ...mir, op: 'write', le: '+Inf' })).toBe(writes)
    expect(moved('plexa_volume_io_seconds_sum', { ...mir, op: 'read' })).toBeGreaterThan(0)
  })

  it('a detached plex shows as DETACHED with the regions written since as stale; an attach counts resync bytes', async () => {
    expect((await call(t.url, 'POST', '/api/dgs/tdg/plexes/mir-02/det', { auth: t.adminToken, body: {} })).status).toBe(200)
    // a write while mir-02 is detached makes its region stale
    const client = await rawClient(t.srv.nbdPort, 'mir')
    try {
      expect((await client.call(CMD.WRITE, 0, 4096, { payload: Buffer.alloc(4096, 9) })).err).toBe(0)
    } finally {
      client.sock.destroy()
    }
    const detached = await scrape(t, t.adminToken)
    expect(sample(detached, 'plexa_kernel_state', { dg: 'tdg', kind: 'plex', name: 'mir-02', state: 'DETACHED' })).toBe(1)
    expect(sample(detached, 'plexa_plex_stale_regions', { dg: 'tdg', plex: 'mir-02' })).toBe(1)
    const att = await call(t.url, 'POST', '/api/dgs/tdg/plexes/mir-02/att', { auth: t.adminToken, body: { volume: 'mir' } })
    expect(att.status).toBeLessThan(300)
    const { until } = await import('./until.ts')
    await until('mir-02 enabled again', () => t.srv.services.storage.group('tdg').dg.config().plexes.find((p) => p.pl_name === 'mir-02')!.pl_kstate === 'ENABLED')
    await until('the attach finished', () => t.srv.services.storage.group('tdg').dg.listTasks().length === 0)
    const attached = await scrape(t, t.adminToken)
    expect(sample(attached, 'plexa_resync_bytes_total', { dg: 'tdg', volume: 'mir' })).toBeGreaterThan(0)
    expect(sample(attached, 'plexa_plex_stale_regions', { dg: 'tdg', plex: 'mir-02' })).toBe(0)
  })
})
