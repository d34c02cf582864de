import { describe, expect, it } from 'vitest'
import { KernelLog } from '../src/config/kernelLog.ts'
import { createMemoryDevice } from '../src/device/memoryDevice.ts'
import { KernelDetach } from '../src/io/kernelDetach.ts'
import type { Config } from '../src/records/types.ts'
import { StaleMaps } from '../src/staleMaps.ts'
import { Draft } from '../src/txn.ts'
import { memoryGroup } from './harness.ts'

/**
 * A kernel detach over a started 2-way mirror's configuration, with a real kernel log on a memory
 * device; `between` changes the configuration after the detach is logged and before its commit
 * runs, and `commitFails` makes that commit fail.
 */
async function detachWith(opts: { between?: (c: Config) => void; commitFails?: boolean }) {
  const { dg } = await memoryGroup(2, 32 << 20)
  await dg.assistMake({ init: 'none', name: 'v1', len: 2048, layout: 'mirror' })
  await dg.start('v1')
  let cfg = structuredClone(dg.config())
  await dg.close()
  const dev = createMemoryDevice(8 << 20)
  const klog = new KernelLog({ dirty: [], detached: [] }, 0, () => [dev])
  const kd = new KernelDetach({
    cfg: () => cfg,
    committing: () => undefined,
    plexesOf: (vrid) => cfg.plexes.filter((p) => p.pl_vol_rid === vrid),
    canRead: () => true,
    enabledAt: new Map(),
    stale: new StaleMaps(async () => {}),
    klog,
    unflushed: () => [],
    transact: async (_op, fn) => {
      opts.between?.(cfg)
      if (opts.commitFails) throw Object.assign(new Error('lost quorum'), { code: 'VM_FORCEOFF' })
      const d = new Draft(structuredClone(cfg))
      fn(d)
      cfg = d.c
    },
    alert: () => {},
  })
  const v = cfg.volumes[0]!
  const [keep, failing] = cfg.plexes.filter((p) => p.pl_vol_rid === v.v_rid)
  const decision = kd.decide(v, 'write', [keep!, failing!], new Set([failing!.pl_rid]))
  expect(decision.detachPlexes).toEqual([failing!.pl_rid])
  const recorded = await kd.record(v, [failing!.pl_rid], decision, [0]).then(() => 'ok', (e: { code?: string }) => e.code)
  const plex = () => cfg.plexes.find((p) => p.pl_rid === failing!.pl_rid)!
  const onDisk = await KernelLog.read([dev])
  return { recorded, plex, klog, writes: onDisk.seq, onDisk: onDisk.image.detached }
}

describe('the kernel log lists only the detaches the configuration committed (rule 266)', () => {
  it('266 a detach committed stays in the kernel log', async () => {
    const r = await detachWith({})
    expect(r.recorded).toBe('ok')
    expect(r.plex()).toMatchObject({ pl_state: 'IOFAIL', pl_kstate: 'DETACHED' })
    expect(r.onDisk.map((k) => k.plexRid)).toEqual([r.plex().pl_rid])
    expect(r.writes).toBe(1)
  })

  it('266 a plex stopped between the detach logged and its commit is not detached, and the kernel log takes its entry back', async () => {
    const r = await detachWith({
      between: (c) => {
        for (const p of c.plexes) p.pl_kstate = 'DISABLED'
      },
    })
    expect(r.recorded).toBe('ok')
    expect(r.plex().pl_state).toBe('ACTIVE')
    // logged first (a crash before the commit keeps it), taken back after: a second write
    expect(r.writes).toBe(2)
    expect(r.klog.detached).toEqual([])
    expect(r.onDisk).toEqual([])
  })

  it('266 a detach whose commit fails is taken back from the kernel log, and the I/O error stays the commit\'s', async () => {
    const r = await detachWith({ commitFails: true })
    expect(r.recorded).toBe('VM_FORCEOFF')
    expect(r.writes).toBe(2)
    expect(r.onDisk).toEqual([])
  })
})
