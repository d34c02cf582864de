import { describe, expect, it } from 'vitest'
import { createManualClock } from '../src/clock.ts'
import { createFaultyDevice, createPowerRail, type FaultyDevice } from '../src/device/faultyDevice.ts'
import { createMemoryDevice, type MemoryDevice } from '../src/device/memoryDevice.ts'
import { DiskGroup, REGION_SECTORS } from '../src/diskGroup.ts'
import type { EngineEvent } from '../src/events.ts'
import { expectCode, pattern, rec } from './harness.ts'
import { createRandom } from './random.ts'

const REGION = REGION_SECTORS * 512
const MiB = 1 << 20

/** A group whose clock only moves when tasks sleep (throttling), so rates are exact. */
async function timed(regions = 16) {
  const clock = createManualClock(0)
  const mems = [0, 1, 2].map(() => createMemoryDevice(64 << 20))
  const dg = await DiskGroup.create({
    name: 'tdg',
    clock,
    sleep: async (ms) => clock.advance(ms),
    disks: mems.map((device, i) => ({ name: `disk0${i + 1}`, device })),
  })
  await dg.assistMake({ init: 'none', name: 'v1', len: regions * REGION_SECTORS, layout: 'concat', disks: ['disk01'] })
  await dg.makeRecords([{ type: 'sd', name: 'n1', disk: 'disk02', len: regions * REGION_SECTORS }, { type: 'plex', name: 'new', sd: ['n1'] }])
  await dg.start('v1')
  await dg.write('v1', 0, pattern(regions * REGION, 1))
  return { dg, clock, mems }
}

function progressOf(events: EngineEvent[]) {
  return events.flatMap((e) => (e.type === 'task.progress' ? [e] : []))
}

describe('resync tasks: progress, pause, resume, abort, throttle', () => {
  it('reports bytes done and total, a moving-average rate, an ETA and the phase', async () => {
    const { dg } = await timed(16)
    const events: EngineEvent[] = []
    dg.subscribe((e) => {
      events.push(e)
      if (e.type === 'task.progress' && e.doneBytes === 0 && e.phase === 'attach') dg.throttleTask(e.taskId, 2 * MiB)
    })
    await dg.attachPlex('v1', 'new')
    const p = progressOf(events)
    expect(p[0]).toMatchObject({ kind: 'attach', phase: 'attach', doneBytes: 0, totalBytes: 16 * REGION, volume: 'v1' })
    const mid = p.find((x) => x.doneBytes >= 12 * REGION && x.doneBytes < 16 * REGION)!
    expect(mid.rate).toBeGreaterThan(1.9 * MiB)
    expect(mid.rate).toBeLessThan(2.1 * MiB)
    expect(mid.etaSeconds).toBe(Math.ceil((mid.totalBytes - mid.doneBytes) / mid.rate))
    expect(mid.throttle).toBe(2 * MiB)
    expect(p[p.length - 1]).toMatchObject({ phase: 'done', doneBytes: 16 * REGION })
    expect(events.find((e) => e.type === 'task.finished')).toMatchObject({ kind: 'attach', outcome: 'ok' })
  })

  it('changes its throttle while it runs', async () => {
    const { dg, clock } = await timed(16)
    let id = ''
    const at: number[] = []
    dg.subscribe((e) => {
      if (e.type !== 'task.progress' || e.phase !== 'attach') return
      id = e.taskId
      if (e.doneBytes === 0) dg.throttleTask(id, 1 * MiB)
      if (e.doneBytes === 8 * REGION) {
        at.push(clock.now())
        dg.throttleTask(id, 4 * MiB)
      }
    })
    const t0 = clock.now()
    await dg.attachPlex('v1', 'new')
    // 4 MiB at 1 MiB/s, then 4 MiB at 4 MiB/s: about 4 s + 1 s of clock time
    expect(at[0]! - t0).toBeGreaterThanOrEqual(3500)
    expect(clock.now() - at[0]!).toBeLessThanOrEqual(1600)
    await expectCode(Promise.resolve().then(() => dg.throttleTask(id, 1)), 'VM_NOT_FOUND')
    await expectCode(Promise.resolve().then(() => dg.throttleTask(id, -1)), 'VM_INVALID_PARAM')
  })

  it('pauses and resumes; a paused task makes no progress', async () => {
    const { dg } = await timed(8)
    let paused: { id: string; done: number } | undefined
    dg.subscribe((e) => {
      if (e.type === 'task.progress' && e.phase === 'attach' && e.doneBytes === 0 && !paused) {
        paused = { id: e.taskId, done: 0 }
        dg.pauseTask(e.taskId)
      }
    })
    const att = dg.attachPlex('v1', 'new')
    while (!paused) await new Promise((r) => setImmediate(r))
    for (let i = 0; i < 50; i++) await new Promise((r) => setImmediate(r))
    const t = dg.listTasks().find((x) => x.taskId === paused!.id)!
    expect(t).toMatchObject({ phase: 'paused', doneBytes: 0 })
    expect(rec(dg, "new").pl_tutil).toEqual(["ATT", "", ""])
    dg.resumeTask(paused.id)
    await att
    expect(rec(dg, 'new').pl_state).toBe('ACTIVE')
  })

  it('aborts: the attach fails VM_ABORTED and the plex is left STALE for a later attach', async () => {
    const { dg } = await timed(8)
    const finished: EngineEvent[] = []
    dg.subscribe((e) => {
      if (e.type === 'task.progress' && e.phase === 'attach' && e.doneBytes === 0) dg.abortTask(e.taskId)
      if (e.type === 'task.finished') finished.push(e)
    })
    await expectCode(dg.attachPlex('v1', 'new'), 'VM_ABORTED')
    expect(rec(dg, 'new')).toMatchObject({ pl_state: 'STALE', pl_kstate: 'DETACHED', pl_tutil: ['', '', ''] })
    expect(finished[0]).toMatchObject({ outcome: 'aborted', code: 'VM_ABORTED' })
    await expectCode(Promise.resolve().then(() => dg.pauseTask('task-none')), 'VM_NOT_FOUND')
  })

  it('a resync cut by a power failure continues from its checkpoint after restart and ends identical', async () => {
    const mems = [0, 1, 2].map(() => createMemoryDevice(64 << 20))
    const rail = createPowerRail()
    // one region per copy step, so the power fails between checkpoints
    const dg = await DiskGroup.create({ name: 'pc', checkpointRegions: 8, copyUnitRegions: 1, disks: mems.map((m, i) => ({ name: `disk0${i + 1}`, device: createFaultyDevice(m, { rail, volatileCache: true }) })) })
    const regions = 64
    await dg.assistMake({ init: 'none', name: 'v1', len: regions * REGION_SECTORS, layout: 'mirror', log: 'drl', disks: ['disk01', 'disk02', 'disk03'] })
    await dg.start('v1')
    await dg.write('v1', 0, pattern(regions * REGION, 1))
    await dg.detachPlex('v1-02')
    const latest = pattern(regions * REGION, 2)
    await dg.write('v1', 0, latest)
    await dg.flush('v1')
    await dg.cleanDirtyRegions('v1') // the writes are done: their regions age out of the log
    expect(dg.staleRegions('v1-02').regions).toHaveLength(regions)
    rail.tripAfter(60)
    const cut = await dg.attachPlex('v1', 'v1-02').then(() => 'completed', (e: { code?: string }) => e.code)
    // a write or the log fails, or every source read does and the copy stops (rule 285)
    expect(['VM_IO', 'VM_WRTDAERR', 'VM_NOTSYNCED']).toContain(cut)
    await dg.close()
    const again = await DiskGroup.import({ devices: mems.map((m) => m.reopen()) })
    const left = again.staleRegions('v1-02').regions.length
    expect(left).toBeGreaterThan(0)
    expect(left).toBeLessThan(regions)
    await again.start('v1')
    expect(again.ioStats('v1-02').writeBytes).toBeLessThan(regions * REGION)
    expect(rec(again, 'v1-02').pl_state).toBe('ACTIVE')
    expect((await (await again.verify('v1')).done).mismatches).toEqual([])
    expect((await again.read('v1', 0, latest.length)).equals(latest)).toBe(true)
  })
})

describe('foreground writes during every kind of resync', () => {
  type Kind = 'attach' | 'resyncVolume' | 'resyncDiskForce' | 'resyncDisk' | 'recovery' | 'repair'
  const kinds: Kind[] = ['attach', 'resyncVolume', 'resyncDiskForce', 'resyncDisk', 'recovery', 'repair']
  it.each(kinds)('%s: seeded random writes while it runs leave every plex identical to the model', async (kind) => {
    const regions = 24
    const LEN = regions * REGION_SECTORS
    const mems = [0, 1, 2, 3].map(() => createMemoryDevice(64 << 20))
    let dg = await DiskGroup.create({ name: 'fg', disks: mems.map((device, i) => ({ name: `disk0${i + 1}`, device })) })
    await dg.assistMake({ init: 'none', name: 'v1', len: LEN, layout: 'mirror', nmirror: 3, disks: ['disk01', 'disk02', 'disk03'] })
    await dg.start('v1')
    const model = pattern(LEN * 512, 3)
    await dg.write('v1', 0, model)
    const rnd = createRandom(kind.length * 7919)
    let run: () => Promise<unknown>
    switch (kind) {
      case 'attach':
        await dg.dissociatePlex('v1-03')
        run = () => dg.attachPlex('v1', 'v1-03')
        break
      case 'resyncVolume':
        run = async () => (await dg.resyncVolume('v1', true)).done
        break
      case 'resyncDiskForce':
        run = async () => (await dg.resyncDisk('disk02', true)).done
        break
      case 'resyncDisk':
        await dg.detachPlex('v1-02')
        for (let i = 0; i < 10; i++) {
          const off = rnd.int(0, LEN - 64) * 512
          const d = rnd.bytes(32 * 512)
          d.copy(model, off)
          await dg.write('v1', off, d)
        }
        run = async () => (await dg.resyncDisk('disk02', false)).done
        break
      case 'recovery': {
        for (let i = 0; i < 5; i++) await dg.write('v1', i * 3 * REGION, model.subarray(i * 3 * REGION, i * 3 * REGION + 4096))
        await dg.close()
        dg = await DiskGroup.import({ devices: mems.map((m) => m.reopen()) })
        run = () => dg.start('v1')
        break
      }
      case 'repair':
        run = async () => (await dg.repair('v1', 'v1-01')).done
        break
    }
    const writes: Promise<void>[] = []
    let running = true
    const task = run().finally(() => (running = false))
    let n = 0
    while (running || n < 10) {
      await new Promise((r) => setImmediate(r))
      if (dg.config().volumes[0]!.v_kstate !== 'ENABLED') continue
      const len = rnd.int(1, 96) * 512
      const off = rnd.int(0, LEN * 512 / 512 - len / 512) * 512
      const data = rnd.bytes(len)
      data.copy(model, off)
      writes.push(dg.write('v1', off, data))
      n++
      if (n > 400) break
    }
    await task
    await Promise.all(writes)
    expect(n).toBeGreaterThan(5)
    expect((await dg.read('v1', 0, model.length)).equals(model)).toBe(true)
    expect((await (await dg.verify('v1')).done).mismatches).toEqual([])
    expect(dg.config().plexes.filter((p) => p.pl_v_name === 'v1').map((p) => p.pl_state)).toEqual(['ACTIVE', 'ACTIVE', 'ACTIVE'])
  })
})

describe('verify and repair', () => {
  it('verify finds exactly the regions corrupted behind the engine\'s back; repair makes them identical', async () => {
    const mems = [0, 1, 2].map(() => createMemoryDevice(64 << 20))
    const dg = await DiskGroup.create({ name: 'vr', disks: mems.map((device, i) => ({ name: `disk0${i + 1}`, device })) })
    await dg.assistMake({ init: 'none', name: 'v1', len: 32 * REGION_SECTORS, layout: 'mirror', nmirror: 3 })
    await dg.start('v1')
    const data = pattern(32 * REGION, 4)
    await dg.write('v1', 0, data)
    const sdOf = (plex: string) => dg.config().subdisks.find((s) => s.sd_pl_name === plex)!
    const corrupt = async (plex: string, region: number, at: number) => {
      const sd = sdOf(plex)
      const dev = mems[Number(sd.sd_dm_name.slice(-1)) - 1]!
      await dev.write((sd.sd_dev_offset + region * REGION_SECTORS + at) * 512, Buffer.alloc(512, 0xdd))
    }
    await corrupt('v1-02', 3, 0)
    await corrupt('v1-03', 17, 1023)
    await corrupt('v1-02', 30, 500)
    const before = dg.config()
    const report = await (await dg.verify('v1')).done
    expect(report.mismatches.map((m) => m.region)).toEqual([3, 17, 30])
    expect(report.mismatches[0]).toMatchObject({ offset: 3 * REGION, length: REGION, groups: [['v1-01', 'v1-03'], ['v1-02']] })
    expect(report.mismatches[1]!.groups).toEqual([['v1-01', 'v1-02'], ['v1-03']])
    expect(dg.config()).toEqual(before) // verify changes nothing
    const repaired = await (await dg.repair('v1', 'v1-01', report.mismatches.map((m) => m.region))).done
    expect(repaired.regionsCopied).toBe(3)
    expect((await (await dg.verify('v1')).done).mismatches).toEqual([])
    for (const p of ['v1-01', 'v1-02', 'v1-03']) {
      await dg.set('v1', { read_pol: 'PREFER', pref_name: p })
      expect((await dg.read('v1', 0, data.length)).equals(data)).toBe(true)
    }
    await expectCode(dg.repair('v1', 'nope'), 'VM_INVALID_PARAM')
    await expectCode(dg.repair('v1', 'v1-01', [99]), 'VM_INVALID_PARAM')
  })
})

void (null as unknown as FaultyDevice | MemoryDevice)

describe('forced resyncs across a restart', () => {
  it('a forced volume resync cut by a power failure continues from its kernel-log checkpoint', async () => {
    const mems = [0, 1, 2].map(() => createMemoryDevice(64 << 20))
    const rail = createPowerRail()
    const dg = await DiskGroup.create({ name: 'fr', checkpointRegions: 1, copyUnitRegions: 1, disks: mems.map((m, i) => ({ name: `disk0${i + 1}`, device: createFaultyDevice(m, { rail, volatileCache: true }) })) })
    const regions = 48
    await dg.assistMake({ init: 'none', name: 'v1', len: regions * REGION_SECTORS, layout: 'mirror', log: 'drl', disks: ['disk01', 'disk02', 'disk03'] })
    await dg.start('v1')
    const data = pattern(regions * REGION, 5)
    await dg.write('v1', 0, data)
    await dg.flush('v1')
    await dg.cleanDirtyRegions('v1')
    const h = await dg.resyncVolume('v1', true)
    rail.tripAfter(40)
    await h.done.catch(() => {})
    await dg.close()
    const again = await DiskGroup.import({ devices: mems.map((m) => m.reopen()) })
    const [t] = again.interruptedTasks()
    expect(t).toMatchObject({ kind: 'resyncVolume', target: 'v1', force: true })
    expect(t!.done).toBeGreaterThan(0)
    expect(t!.done).toBeLessThan(regions)
    await again.start('v1')
    const before = again.ioStats('v1-01').writeBytes + again.ioStats('v1-02').writeBytes
    const [resumed] = await again.resumeInterrupted()
    const report = await resumed!.done
    expect(report.regionsCopied).toBe(regions - t!.done)
    const copied = again.ioStats('v1-01').writeBytes + again.ioStats('v1-02').writeBytes - before
    expect(copied).toBe((regions - t!.done) * REGION)
    expect(again.interruptedTasks()).toEqual([])
    expect(again.config().volumes[0]!.v_state).toBe('ACTIVE')
    expect((await (await again.verify('v1')).done).mismatches).toEqual([])
    expect((await again.read('v1', 0, data.length)).equals(data)).toBe(true)
    await again.close()
  })
})
