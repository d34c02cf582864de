import { Counter, Histogram, Registry } from 'prom-client'
import { describe, expect, it } from 'vitest'
import { VolumeIoMetrics } from '../src/volumeIoMetrics.ts'

const BOUNDS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10]

/** The metrics as prom-client's own counters and histogram report them, fed each I/O as it comes. */
function promClientTwin(): { registry: Registry; observe(dg: string, volume: string, op: 'read' | 'write', bytes: number, seconds: number): void } {
  const registry = new Registry()
  const registers = [registry]
  const labelNames = ['dg', 'volume', 'op']
  const ops = new Counter({ name: 'plexa_volume_io_total', help: 'volume reads and writes served (NBD clients, lab load)', labelNames, registers })
  const bytes = new Counter({ name: 'plexa_volume_io_bytes_total', help: 'bytes read from and written to volumes', labelNames, registers })
  const seconds = new Histogram({ name: 'plexa_volume_io_seconds', help: 'latency of volume reads and writes', labelNames, buckets: BOUNDS, registers })
  return {
    registry,
    observe(dg, volume, op, n, s) {
      const labels = { dg, volume, op }
      ops.inc(labels)
      bytes.inc(labels, n)
      seconds.observe(labels, s)
    },
  }
}

/** A seeded generator (mulberry32): the same I/Os every run. */
function seeded(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

describe('volume I/O metrics counted in plain numbers (rule 480)', () => {
  it('rule 480: after N reads and writes of several volumes a scrape reads what prom-client fed each I/O reads, line for line', async () => {
    const registry = new Registry()
    const ours = new VolumeIoMetrics(registry, BOUNDS)
    const twin = promClientTwin()
    const rnd = seeded(480)
    const volumes = [
      ['dg1', 'vol01'],
      ['dg1', 'vol02'],
      ['dg2', 'vol01'],
      ['dg2', 'we"ird\\name'],
    ] as const
    const n = 5000
    for (let i = 0; i < n; i++) {
      const [dg, volume] = volumes[Math.floor(rnd() * volumes.length)]!
      const op = rnd() < 0.5 ? 'read' : 'write'
      const bytes = 512 * (1 + Math.floor(rnd() * 2048))
      // latencies on and between every bound, and past the last
      const pick = rnd()
      const seconds = pick < 0.2 ? BOUNDS[Math.floor(rnd() * BOUNDS.length)]! : pick < 0.25 ? 10 + rnd() * 5 : rnd() ** 4 * 3
      ours.observe(dg, volume, op, bytes, seconds)
      twin.observe(dg, volume, op, bytes, seconds)
    }
    const text = await registry.metrics()
    expect(text).toBe(await twin.registry.metrics())
    expect(await registry.getMetricsAsJSON()).toEqual(await twin.registry.getMetricsAsJSON())
    const total = [...text.matchAll(/^plexa_volume_io_total\{.*\} (\d+)$/gm)].reduce((a, m) => a + Number(m[1]), 0)
    expect(total).toBe(n)
  })

  it('rule 480: a latency on a bound counts in that bound\'s bucket; a series appears with its first I/O', async () => {
    const registry = new Registry()
    const ours = new VolumeIoMetrics(registry, BOUNDS)
    expect(await registry.metrics()).not.toMatch(/^plexa_volume_io_seconds_count/m)
    ours.observe('dg', 'v', 'read', 4096, 0.001)
    const text = await registry.metrics()
    expect(text).toMatch(/^plexa_volume_io_seconds_bucket\{le="0\.0005",dg="dg",volume="v",op="read"\} 0$/m)
    expect(text).toMatch(/^plexa_volume_io_seconds_bucket\{le="0\.001",dg="dg",volume="v",op="read"\} 1$/m)
    expect(text).toMatch(/^plexa_volume_io_total\{dg="dg",volume="v",op="read"\} 1$/m)
    expect(text).not.toMatch(/op="write"/)
  })
})
