import { describe, expect, it } from 'vitest'
import { createFaultyDevice, type FaultyDevice } from '../src/device/faultyDevice.ts'
import { REGION_SECTORS } from '../src/diskGroup.ts'
import type { Config } from '../src/records/types.ts'
import { memoryGroup, rec } from './harness.ts'
import { type TracedCall, traceDevices, writeArea } from './traceDevice.ts'

const REGION = REGION_SECTORS * 512

/**
 * The trace as phases: a run of writes to one area (on the disks listed, `!` where the write
 * failed), `flushed` when every disk written in the run was flushed after its write and before the
 * next run. The order of the disks within a run is not asserted; the order of the runs is.
 */
function phases(c: Config, log: readonly TracedCall[]): string[] {
  const out: Array<{ area: string; disks: Map<number, boolean>; flushed: Set<number> }> = []
  for (const t of log) {
    const cur = out.at(-1)
    if (t.op === 'flush') {
      if (cur?.disks.has(t.dev)) cur.flushed.add(t.dev)
      else out.push({ area: 'flush', disks: new Map([[t.dev, t.failed]]), flushed: new Set() })
      continue
    }
    const area = writeArea(c, t.dev, t.offset)
    if (cur?.area === area && !cur.flushed.has(t.dev)) cur.disks.set(t.dev, (cur.disks.get(t.dev) ?? false) || t.failed)
    else out.push({ area, disks: new Map([[t.dev, t.failed]]), flushed: new Set() })
  }
  return out.map((p) => {
    const disks = [...p.disks].sort(([a], [b]) => a - b).map(([d, failed]) => `${d}${failed ? '!' : ''}`)
    const flushed = p.area !== 'flush' && [...p.disks.keys()].every((d) => p.flushed.has(d))
    return `${p.area} ${disks.join(',')}${flushed ? ' flushed' : ''}`
  })
}

/**
 * A 3-plex mirror with a DRL on 4 traced memory disks (plexes v1-01..03 on disk 0..2, the log
 * subdisk on disk 3), started, v1-03 detached by the administrator.
 */
async function tracedMirror() {
  const log: TracedCall[] = []
  const trace = traceDevices(log)
  const faulty: FaultyDevice[] = []
  const { dg } = await memoryGroup(4, 64 << 20, { wrap: (d, i) => trace((faulty[i] = createFaultyDevice(d)), i) })
  await dg.assistMake({ init: 'none', name: 'v1', len: 16 * REGION_SECTORS, layout: 'mirror', nmirror: 3, log: 'drl', disks: ['disk01', 'disk02', 'disk03', 'disk04'] })
  await dg.start('v1')
  await dg.detachPlex('v1-03', {})
  const logSd = dg.config().subdisks.find((s) => s.sd_is_log)!
  expect(logSd.sd_dm_name).toBe('disk04')
  log.length = 0
  return { dg, log, faulty }
}

// The characterisation of the write path (issue 16): the order in which a volume write and a kernel
// detach reach the disks. A restructuring of the engine must leave it as it is.
describe('device write order', () => {
  it('rules 41, 51: a mirrored write with a DRL and a detached plex writes the kernel log (dirty), the DRL bit, the stale map, then the data', async () => {
    const { dg, log } = await tracedMirror()
    await dg.write('v1', 3 * REGION, Buffer.alloc(4096, 1))
    expect(phases(dg.config(), log)).toEqual([
      'klog 0,1,2,3 flushed', // the volume is dirty before its first write
      'drl 3 flushed', // the region's bit
      'staleMap 0,1,2,3 flushed', // the detached v1-03 misses region 3
      'data 0,1', // the enabled plexes only
    ])
    expect(dg.staleRegions('v1-03').regions).toEqual([3])
    // a second write to the same region touches the data alone
    log.length = 0
    await dg.write('v1', 3 * REGION + 8192, Buffer.alloc(4096, 2))
    expect(phases(dg.config(), log)).toEqual(['data 0,1'])
  })

  it('rules 46, 50: a kernel detach after a failed write marks the failed region stale, then writes the kernel log, then commits the configuration', async () => {
    const { dg, log, faulty } = await tracedMirror()
    await dg.write('v1', 3 * REGION, Buffer.alloc(4096, 1))
    const pub = dg.config().disks[0]!
    faulty[0]!.addFault({ ops: ['write'], range: { offset: pub.dm_pub_offset * 512, length: pub.dm_pub_len * 512 } })
    log.length = 0
    await dg.write('v1', 5 * REGION, Buffer.alloc(4096, 3))
    expect(phases(dg.config(), log)).toEqual([
      'drl 3 flushed', // region 5's bit (the volume is dirty already)
      'staleMap 0,1,2,3 flushed', // the detached v1-03 misses region 5
      'data 0!,1', // v1-01's disk fails the write
      'staleMap 0,1,2,3 flushed', // region 5 stale on v1-01
      'klog 0,1,2,3 flushed', // v1-01 kernel-detached, before any restart could pick it
      'config 0,1,2,3 flushed', // KDETACH, detach_tid, lasterr, IOFAIL
    ])
    expect(rec(dg, 'v1-01')).toMatchObject({ pl_kstate: 'DETACHED', pl_state: 'IOFAIL' })
    expect(dg.staleRegions('v1-01').regions).toContain(5)
  })
})
