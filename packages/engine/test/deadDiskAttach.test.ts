import { rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { openDevicePath } from '../src/device/fileDevice.ts'
import { DiskGroup, REGION_SECTORS } from '../src/diskGroup.ts'
import type { EngineEvent } from '../src/events.ts'
import { expectCode, faultyMemoryGroup, memoryGroup, pattern, plexImage, publicRegion, rec } from './harness.ts'
import { startNbdkit } from './nbdkit.ts'
import { tempDir } from './tmp.ts'
import { type TracedCall, traceDevices } from './traceDevice.ts'

const LEN = 8 * REGION_SECTORS

/** The state an attach leaves a plex in, for the comparison "nothing changed". */
const state = (dg: DiskGroup, plex: string) => [rec(dg, plex).pl_kstate, rec(dg, plex).pl_state, rec(dg, plex).pl_tutil]

/** Records what the group announces: no commit, no task may follow a refusal. */
function watch(dg: DiskGroup) {
  const events: EngineEvent[] = []
  dg.subscribe((e) => void events.push(e))
  return () => events.filter((e) => e.type === 'config.committed' || e.type === 'task.progress' || e.type === 'task.finished')
}

/** Makes a started 2-way mirror v1 (disk01, disk02) of `dg` holding pattern `seed`, then detaches its plex v1-02 by hand; returns the pattern. */
async function detachedMirror(dg: DiskGroup, seed: number): Promise<Buffer> {
  await dg.assistMake({ init: 'none', name: 'v1', len: LEN, layout: 'mirror', disks: ['disk01', 'disk02'] })
  await dg.start('v1')
  const model = pattern(LEN * 512, seed)
  await dg.write('v1', 0, model)
  await dg.flush('v1')
  await dg.detachPlex('v1-02')
  return model
}

describe('an attach of a plex whose disk fails every I/O without knowing it (rule 455)', () => {
  it('rule 455: a hand-detached plex with nothing to copy, on a disk failing every data I/O its device does not report as failing, is refused VM_DISK_FAILED (its dry run too), changing nothing; once the disk works it attaches ACTIVE with the volume data', async () => {
    const g = await faultyMemoryGroup(3, 32 << 20)
    const model = await detachedMirror(g.dg, 1)
    // every read, write and flush of disk02's public region fails; the device does not say it fails
    const restore = g.faulty[1]!.addFault({ range: publicRegion(g.dg, 'disk02') })
    expect(g.faulty[1]!.failing!('write')).toBe(false)
    const before = g.dg.config()
    const announced = watch(g.dg)
    await expectCode(g.dg.attachPlex('v1', 'v1-02', { dryRun: true }), 'VM_DISK_FAILED')
    await expectCode(g.dg.attachPlex('v1', 'v1-02'), 'VM_DISK_FAILED')
    expect(g.dg.config()).toEqual(before)
    expect(state(g.dg, 'v1-02')).toEqual(['DETACHED', 'STALE', ['', '', '']])
    expect(announced()).toEqual([])
    expect(g.dg.listTasks()).toEqual([])
    restore()
    await g.dg.attachPlex('v1', 'v1-02')
    expect(state(g.dg, 'v1-02')).toEqual(['ENABLED', 'ACTIVE', ['', '', '']])
    expect((await plexImage(g.dg, g.faulty, 'v1-02')).equals(model)).toBe(true)
    await g.dg.close()
  })

  it('rule 455: a disk failing only writes, unknown to its device, is refused the same way; the probe put back the bytes it read', async () => {
    const g = await faultyMemoryGroup(3, 32 << 20)
    const model = await detachedMirror(g.dg, 3)
    const restore = g.faulty[1]!.addFault({ ops: ['write'], range: publicRegion(g.dg, 'disk02') })
    await expectCode(g.dg.attachPlex('v1', 'v1-02'), 'VM_DISK_FAILED')
    expect(state(g.dg, 'v1-02')).toEqual(['DETACHED', 'STALE', ['', '', '']])
    restore()
    await g.dg.attachPlex('v1', 'v1-02')
    expect((await plexImage(g.dg, g.faulty, 'v1-02')).equals(model)).toBe(true)
    await g.dg.close()
  })

  it('rule 455: a hand-detached plex on an NBD disk whose server fails every request (nbdkit error filter) is refused VM_DISK_FAILED and stays DETACHED; once the server answers again it attaches ACTIVE', async () => {
    const t = await tempDir()
    const trigger = join(t.dir, 'fail-disk02')
    const kits = [
      await startNbdkit(['memory', '32M']),
      await startNbdkit(['--filter=error', 'memory', '32M', 'error-rate=100%', `error-file=${trigger}`]),
      await startNbdkit(['memory', '32M']),
    ]
    try {
      const devices = await Promise.all(kits.map((k) => openDevicePath(k.url)))
      const dg = await DiskGroup.create({ name: 'remote', disks: devices.map((device, i) => ({ name: `disk0${i + 1}`, device })) })
      const model = await detachedMirror(dg, 5)
      await writeFile(trigger, '') // nbdkit now fails every request on disk02; the connection stays up
      expect(devices[1]!.failing!('write')).toBe(false)
      await expectCode(dg.attachPlex('v1', 'v1-02'), 'VM_DISK_FAILED')
      expect(state(dg, 'v1-02')).toEqual(['DETACHED', 'STALE', ['', '', '']])
      await rm(trigger)
      await dg.attachPlex('v1', 'v1-02')
      expect(state(dg, 'v1-02')).toEqual(['ENABLED', 'ACTIVE', ['', '', '']])
      expect((await plexImage(dg, devices, 'v1-02')).equals(model)).toBe(true)
      await dg.close()
    } finally {
      for (const k of kits) await k.stop()
      await t.remove()
    }
  })

  it('rule 530: the dry run of an attach probes the disks read-only: no write, no flush reaches any disk, the plex stays DETACHED STALE; the real attach then probes and attaches ACTIVE', async () => {
    const trace: TracedCall[] = []
    const { dg, devices } = await memoryGroup(3, 32 << 20, { wrap: traceDevices(trace) })
    const model = await detachedMirror(dg, 7)
    const before = dg.config()
    trace.length = 0
    await dg.attachPlex('v1', 'v1-02', { dryRun: true })
    expect(trace).toEqual([])
    expect(dg.config()).toEqual(before)
    expect(state(dg, 'v1-02')).toEqual(['DETACHED', 'STALE', ['', '', '']])
    await dg.attachPlex('v1', 'v1-02')
    expect(trace.some((t) => t.dev === 1 && t.op === 'write')).toBe(true)
    expect(state(dg, 'v1-02')).toEqual(['ENABLED', 'ACTIVE', ['', '', '']])
    expect((await plexImage(dg, devices, 'v1-02')).equals(model)).toBe(true)
    await dg.close()
  })
})
