import { describe, expect, it, vi } from 'vitest'
import type { BlockDevice } from '../src/device/blockDevice.ts'
import { createMemoryDevice, type MemoryDevice } from '../src/device/memoryDevice.ts'
import { decodeDrl } from '../src/drl/drlFormat.ts'
import { DiskGroup, REGION_SECTORS } from '../src/diskGroup.ts'
import { createManualClock } from '../src/clock.ts'
import { memoryGroup, pattern, rec, recordEvents } from './harness.ts'
import { type TracedCall, traceDevices, writeArea } from './traceDevice.ts'

const REGION = REGION_SECTORS * 512

/** Wraps devices so every write is recorded, in issue order, in one shared list. */
function traced(log: Array<{ dev: number; offset: number; length: number; phase: 'start' | 'end' }>, gate?: { hold: Set<number>; waiting: Array<() => void> }) {
  return (d: BlockDevice, i: number): BlockDevice => ({
    ...d,
    kind: d.kind,
    size: d.size,
    location: d.location,
    lockKey: d.lockKey,
    read: (o, l) => d.read(o, l),
    flush: () => d.flush(),
    close: () => d.close(),
    async write(offset, data) {
      log.push({ dev: i, offset, length: data.length, phase: 'start' })
      if (gate?.hold.has(i) && offset >= 4096 * 512) await new Promise<void>((r) => gate.waiting.push(r))
      await d.write(offset, data)
      log.push({ dev: i, offset, length: data.length, phase: 'end' })
    },
  })
}

async function logged(opts: { drlMaxDirty?: number; wrap?: (d: BlockDevice, i: number) => BlockDevice } = {}) {
  const mems = [0, 1, 2].map(() => createMemoryDevice(64 << 20))
  const devices = mems.map((m, i) => (opts.wrap ? opts.wrap(m, i) : m))
  const dg = await DiskGroup.create({ name: 'drldg', disks: devices.map((device, i) => ({ name: `disk0${i + 1}`, device })), ...(opts.drlMaxDirty ? { drlMaxDirty: opts.drlMaxDirty } : {}) })
  await dg.assistMake({ init: 'none', name: 'v1', len: 16 * REGION_SECTORS, layout: 'mirror', log: 'drl', disks: ['disk01', 'disk02', 'disk03'] })
  await dg.start('v1')
  const logSd = dg.config().subdisks.find((s) => s.sd_is_log)!
  return { dg, mems, logSd }
}

describe('dirty region logging (checklist F, D 31-32)', () => {
  it('F51: the first write to a clean region writes the log before the data and sets the bit', async () => {
    const trace: Parameters<typeof traced>[0] = []
    const { dg, logSd } = await logged({ wrap: traced(trace) })
    expect(logSd.sd_dm_name).toBe('disk03')
    trace.length = 0
    await dg.write('v1', 3 * REGION, Buffer.alloc(4096, 1))
    const logEnd = trace.findIndex((t) => t.dev === 2 && t.offset === logSd.sd_dev_offset * 512 && t.phase === 'end')
    const firstData = trace.findIndex((t) => t.dev !== 2 && t.offset >= 4096 * 512 && t.phase === 'start')
    expect(logEnd).toBeGreaterThanOrEqual(0)
    expect(firstData).toBeGreaterThan(logEnd)
    expect(dg.dirtyRegions('v1').regions).toEqual([3])
  })

  it('F52: a second write to an already-dirty region issues no log write', async () => {
    const { dg } = await logged()
    await dg.write('v1', 5 * REGION, Buffer.alloc(4096, 1))
    const n = dg.dirtyRegions('v1').logWrites
    await dg.write('v1', 5 * REGION + 8192, Buffer.alloc(4096, 2))
    await dg.write('v1', 5 * REGION, Buffer.alloc(REGION, 3))
    expect(dg.dirtyRegions('v1').logWrites).toBe(n)
  })

  it('F53: after a crash with R1 and R2 dirty, start copies exactly R1 and R2 from one plex to the other', async () => {
    const { dg, mems } = await logged()
    await dg.write('v1', 0, pattern(16 * REGION, 1)) // all regions dirty ...
    await dg.cleanDirtyRegions('v1') // ... then cleaned while idle
    await dg.write('v1', 2 * REGION, pattern(4096, 2))
    await dg.write('v1', 9 * REGION + 4096, pattern(8192, 3))
    expect(dg.dirtyRegions('v1').regions).toEqual([2, 9])
    expect(dg.dirtyRegions('v1').recoveryBytes).toBe(2 * REGION)
    await dg.close() // crash
    const again = await DiskGroup.import({ devices: mems.map((m) => m.reopen()) })
    const log = recordEvents(again)
    await again.start('v1')
    const writes = ['v1-01', 'v1-02'].map((p) => again.ioStats(p).writeBytes).sort((a, b) => a - b)
    expect(writes).toEqual([0, 2 * REGION])
    const rec0 = log.events.find((e) => e.type === 'task.progress' && e.kind === 'recovery')
    expect(rec0 && rec0.type === 'task.progress' && rec0.totalBytes).toBe(2 * REGION)
  })

  it('F54: DRL is inactive on a single-plex volume and without a log subdisk; a 3-sector log uses 2 sectors', async () => {
    const { dg } = await memoryGroup(3)
    await dg.assistMake({ init: 'none', name: 'one', len: 8192, layout: 'concat' })
    await dg.assistMake({ init: 'none', name: 'nolog', len: 8192, layout: 'mirror' })
    await dg.start('one')
    await dg.start('nolog')
    await dg.write('one', 0, Buffer.alloc(4096))
    await dg.write('nolog', 0, Buffer.alloc(4096))
    expect(dg.dirtyRegions('one')).toMatchObject({ regions: [], logWrites: 0 })
    expect(dg.dirtyRegions('nolog')).toMatchObject({ regions: [], logWrites: 0 })

    const trace: Parameters<typeof traced>[0] = []
    const mems = [0, 1, 2].map(() => createMemoryDevice(64 << 20))
    const g = await DiskGroup.create({ name: 'odd', disks: mems.map((m, i) => ({ name: `disk0${i + 1}`, device: traced(trace)(m, i) })) })
    await g.makeRecords([
      { type: 'sd', name: 'a', disk: 'disk01', len: 8192 },
      { type: 'sd', name: 'b', disk: 'disk02', len: 8192 },
      { type: 'sd', name: 'lg', disk: 'disk03', len: 3 },
      { type: 'plex', name: 'pa', sd: ['a'] },
      { type: 'plex', name: 'pb', sd: ['b'] },
      { type: 'plex', name: 'plog', log_sd: 'lg' },
      { type: 'vol', name: 'v', len: 8192, plex: ['pa', 'pb', 'plog'] },
    ])
    await g.start('v')
    await g.write('v', 0, Buffer.alloc(4096, 1))
    const lg = g.config().subdisks.find((s) => s.sd_name === 'lg')!
    const logWrites = trace.filter((t) => t.dev === 2 && t.phase === 'start' && t.offset >= lg.sd_dev_offset * 512 && t.offset < (lg.sd_dev_offset + 3) * 512)
    expect(logWrites.length).toBeGreaterThan(0)
    for (const w of logWrites) expect(w.offset + w.length).toBeLessThanOrEqual((lg.sd_dev_offset + 2) * 512)
  })

  it('F55: at the dirty-region limit a write to a new region waits until an older region is cleaned', async () => {
    const gate = { hold: new Set<number>(), waiting: [] as Array<() => void> }
    const trace: Parameters<typeof traced>[0] = []
    const { dg } = await logged({ drlMaxDirty: 2, wrap: traced(trace, gate) })
    gate.hold.add(0) // data writes to disk01 block until released
    const w1 = dg.write('v1', 0, Buffer.alloc(4096, 1))
    const w2 = dg.write('v1', REGION, Buffer.alloc(4096, 2))
    while (gate.waiting.length < 2) await new Promise((r) => setImmediate(r))
    expect(dg.dirtyRegions('v1').regions).toEqual([0, 1])
    let w3done = false
    const w3 = dg.write('v1', 2 * REGION, Buffer.alloc(4096, 3)).then(() => (w3done = true))
    for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r))
    expect(w3done).toBe(false)
    expect(dg.dirtyRegions('v1').regions).toEqual([0, 1])
    gate.hold.clear()
    for (const release of gate.waiting.splice(0)) release()
    await Promise.all([w1, w2, w3])
    expect(dg.dirtyRegions('v1').regions).toHaveLength(2)
    expect(dg.dirtyRegions('v1').regions).toContain(2)
  })

  it('lazily cleans regions idle for longer than the clean age with the next log write', async () => {
    const clock = createManualClock(1000)
    const mems = [0, 1, 2].map(() => createMemoryDevice(64 << 20))
    const dg = await DiskGroup.create({ name: 'lazy', clock, drlCleanAgeMs: 5000, disks: mems.map((device, i) => ({ name: `disk0${i + 1}`, device })) })
    await dg.assistMake({ init: 'none', name: 'v1', len: 16 * REGION_SECTORS, layout: 'mirror', log: 'drl' })
    await dg.start('v1')
    await dg.write('v1', 0, Buffer.alloc(512))
    clock.advance(6000)
    await dg.write('v1', 4 * REGION, Buffer.alloc(512))
    expect(dg.dirtyRegions('v1').regions).toEqual([4])
  })

  it('a clean stop marks the log clean', async () => {
    const { dg, mems, logSd } = await logged()
    await dg.write('v1', 7 * REGION, Buffer.alloc(4096, 1))
    await dg.stop('v1')
    const raw = await mems[2]!.read(logSd.sd_dev_offset * 512, 2 * 512)
    const img = decodeDrl(raw)
    expect(img).toBeDefined()
    expect(img!.dirty.size).toBe(0)
  })

  it('D31: after a crash while dirty without a log, start read-writebacks the whole volume in state SYNC and ends ACTIVE with identical plexes', async () => {
    const { dg, devices } = await memoryGroup(3)
    await dg.assistMake({ init: 'none', name: 'v1', len: 8 * REGION_SECTORS, layout: 'mirror' })
    await dg.start('v1')
    await dg.write('v1', 0, pattern(8 * REGION, 4))
    // make the plexes differ behind the engine's back, as a torn write would
    const sd = dg.config().subdisks.find((s) => s.sd_pl_name === 'v1-02')!
    const d2 = devices[Number(sd.sd_dm_name.slice(-1)) - 1] as MemoryDevice
    await d2.write((sd.sd_dev_offset + 3000) * 512, Buffer.alloc(512, 0xee))
    await dg.close()
    const again = await DiskGroup.import({ devices: devices.map((d) => (d as MemoryDevice).reopen()) })
    expect([rec(again, 'v1').v_kstate, rec(again, 'v1').v_state]).toEqual(['DISABLED', 'ACTIVE'])
    expect([rec(again, 'v1-01').pl_kstate, rec(again, 'v1-01').pl_state]).toEqual(['DISABLED', 'ACTIVE'])
    const states: string[] = []
    again.subscribe((e) => {
      if (e.type === 'config.committed') for (const c of e.changes) if (c.name === 'v1' && c.after) states.push(c.after.v_state as string)
    })
    await again.start('v1')
    expect(states[0]).toBe('SYNC')
    expect(rec(again, 'v1')).toMatchObject({ v_state: 'ACTIVE', v_rwback_offset: 8 * REGION_SECTORS })
    const v = await again.verify('v1')
    expect((await v.done).mismatches).toEqual([])
  })

  it('D32: a crash while ENABLED but never written since start needs no resync', async () => {
    const { dg, devices } = await memoryGroup(3)
    await dg.assistMake({ init: 'none', name: 'v1', len: 8 * REGION_SECTORS, layout: 'mirror' })
    await dg.start('v1')
    await dg.write('v1', 0, Buffer.alloc(512, 1))
    await dg.stop('v1')
    await dg.start('v1') // started, never written
    await dg.close()
    const again = await DiskGroup.import({ devices: devices.map((d) => (d as MemoryDevice).reopen()) })
    const log = recordEvents(again)
    await again.start('v1')
    expect(log.types()).not.toContain('task.progress')
    expect(again.ioStats('v1-01').writes + again.ioStats('v1-02').writes).toBe(0)
  })
})

describe('a stale plex whose stale map a crash lost (rule 110)', () => {
  it('110: a crash between a detach\'s commit and its map\'s write leaves the plex stale everywhere: start copies all of it, not only the dirty regions', async () => {
    // the power rail: once cut, no write reaches any disk
    let cut = false
    const rail = (d: BlockDevice): BlockDevice => ({
      ...d,
      async write(offset, data) {
        if (cut) throw new Error('power lost')
        return d.write(offset, data)
      },
    })
    const { dg, mems } = await logged({ wrap: rail })
    await dg.write('v1', 0, pattern(16 * REGION, 1))
    await dg.cleanDirtyRegions('v1')
    await dg.write('v1', 2 * REGION, pattern(4096, 2))
    await dg.write('v1', 9 * REGION, pattern(4096, 3))
    expect(dg.dirtyRegions('v1').regions).toEqual([2, 9])
    dg.subscribe((e) => {
      if (e.type === 'config.committed' && e.operation === 'pl.det') cut = true
    })
    await dg.detachPlex('v1-02').catch(() => {}) // its stale map never reaches a disk
    expect(cut).toBe(true)
    await dg.close().catch(() => {})
    const again = await DiskGroup.import({ devices: mems.map((m) => m.reopen()) })
    expect(rec(again, 'v1-02').pl_state).toBe('STALE')
    expect(again.staleMaps()['v1-02']?.full).toBe(true)
    await again.start('v1')
    expect(again.ioStats('v1-02').writeBytes).toBe(16 * REGION)
    expect([rec(again, 'v1-02').pl_kstate, rec(again, 'v1-02').pl_state]).toEqual(['ENABLED', 'ACTIVE'])
    expect(again.staleMaps()).toEqual({})
    const v = await again.verify('v1')
    expect((await v.done).mismatches).toEqual([])
  })
})

describe('corrupt on-disk logs', () => {
  it('a torn DRL log after a crash means a full resync (alert), never a partial one', async () => {
    const { dg, mems, logSd } = await logged()
    await dg.write('v1', 2 * REGION, pattern(4096, 7))
    await dg.close()
    // tear the log: flip a byte of its bitmap behind the engine's back
    const at = (logSd.sd_dev_offset + 1) * 512
    const raw = mems[2]!.reopen()
    const b = await raw.read(at, 512)
    b[0] = b[0]! ^ 0xff
    await raw.write(at, b)
    const again = await DiskGroup.import({ devices: mems.map((m) => m.reopen()) })
    const log = recordEvents(again)
    await again.start('v1')
    const rec0 = log.events.find((e) => e.type === 'task.progress' && e.kind === 'recovery')
    expect(rec0 && rec0.type === 'task.progress' && rec0.totalBytes).toBe(16 * REGION)
    expect(log.events.some((e) => e.type === 'alert' && e.code === 'VM_NOTSYNCED')).toBe(true)
    expect((await (await again.verify('v1')).done).mismatches).toEqual([])
  })
})

describe('the dirty region log cleans itself once writes stop (rule 165)', () => {
  it('165: regions idle for the clean age are cleaned by a scheduled log write, after a data flush; a region with a write in flight stays dirty; a crash then recovers nothing', async () => {
    const clock = createManualClock(1000)
    const trace: TracedCall[] = []
    const gate = { hold: false, waiting: [] as Array<() => void> }
    const mems = [0, 1, 2].map(() => createMemoryDevice(64 << 20))
    const traceOf = traceDevices(trace)
    const devices = mems.map((m, i): BlockDevice => {
      const t = traceOf(m, i)
      return { ...t, async write(offset, data) {
        if (gate.hold && i === 0 && offset >= 4096 * 512) await new Promise<void>((r) => gate.waiting.push(r))
        return t.write(offset, data)
      } }
    })
    const dg = await DiskGroup.create({ name: 'idle', clock, drlCleanAgeMs: 5000, disks: devices.map((device, i) => ({ name: `disk0${i + 1}`, device })) })
    await dg.assistMake({ init: 'none', name: 'v1', len: 16 * REGION_SECTORS, layout: 'mirror', log: 'drl', disks: ['disk01', 'disk02', 'disk03'] })
    await dg.start('v1')
    const logSd = dg.config().subdisks.find((s) => s.sd_is_log)!
    const onDisk = async () => [...decodeDrl(await mems[2]!.read(logSd.sd_dev_offset * 512, 2 * 512))!.dirty].sort((a, b) => a - b)
    const logWrites = () => dg.dirtyRegions('v1').logWrites

    await dg.write('v1', 0, Buffer.alloc(4096, 1))
    await dg.write('v1', 3 * REGION, Buffer.alloc(4096, 2))
    clock.advance(2000)
    gate.hold = true
    const inFlight = dg.write('v1', 7 * REGION, Buffer.alloc(4096, 3)) // held on disk01
    await vi.waitFor(() => expect(gate.waiting).toHaveLength(1))
    expect(await onDisk()).toEqual([0, 3, 7])

    // no further write comes; short of the clean age nothing is cleaned
    const before = logWrites()
    clock.advance(2999)
    expect(logWrites()).toBe(before)
    trace.length = 0
    clock.advance(1) // regions 0 and 3 have been idle 5000 ms
    await vi.waitFor(() => expect(logWrites()).toBe(before + 1))
    await vi.waitFor(async () => expect(await onDisk()).toEqual([7]))
    expect(dg.dirtyRegions('v1').regions).toEqual([7])
    // the data reached the disks before the log forgot its regions
    const logWrite = trace.findIndex((t) => t.op === 'write' && writeArea(dg.config(), t.dev, t.offset) === 'drl')
    expect(logWrite).toBeGreaterThan(0)
    expect(trace.slice(0, logWrite).filter((t) => t.op === 'flush').map((t) => t.dev).sort()).toEqual(expect.arrayContaining([0, 1]))

    // the write in flight keeps its region dirty however long it takes, and ages from its end
    clock.advance(60_000)
    expect(dg.dirtyRegions('v1').regions).toEqual([7])
    gate.hold = false
    gate.waiting.splice(0).forEach((release) => release())
    await inFlight
    clock.advance(4999)
    expect(dg.dirtyRegions('v1').regions).toEqual([7])
    clock.advance(1)
    await vi.waitFor(async () => expect(await onDisk()).toEqual([]))
    expect(dg.dirtyRegions('v1').regions).toEqual([])

    // a crash now: the log is clean, so starting the volume copies nothing
    await dg.close()
    const again = await DiskGroup.import({ devices: mems.map((m) => m.reopen()) })
    const log = recordEvents(again)
    await again.start('v1')
    expect(log.types()).not.toContain('task.progress')
    expect(again.ioStats('v1-01').writes + again.ioStats('v1-02').writes).toBe(0)
  })

  it('165: a stopped volume or a closed group schedules no clean', async () => {
    const clock = createManualClock(0)
    const mems = [0, 1, 2].map(() => createMemoryDevice(64 << 20))
    const dg = await DiskGroup.create({ name: 'idle2', clock, drlCleanAgeMs: 5000, disks: mems.map((device, i) => ({ name: `disk0${i + 1}`, device })) })
    await dg.assistMake({ init: 'none', name: 'v1', len: 16 * REGION_SECTORS, layout: 'mirror', log: 'drl', disks: ['disk01', 'disk02', 'disk03'] })
    await dg.start('v1')
    await dg.write('v1', 0, Buffer.alloc(4096, 1))
    expect(clock.pendingTimers()).toBe(1)
    await dg.stop('v1')
    expect(clock.pendingTimers()).toBe(0)
    await dg.start('v1')
    await dg.write('v1', 2 * REGION, Buffer.alloc(4096, 1))
    expect(clock.pendingTimers()).toBe(1)
    await dg.close() // a crash: region 2 must stay dirty in the log
    expect(clock.pendingTimers()).toBe(0)
    const again = await DiskGroup.import({ devices: mems.map((m) => m.reopen()) })
    await again.start('v1')
    const writes = ['v1-01', 'v1-02'].map((p) => again.ioStats(p).writeBytes).sort((a, b) => a - b)
    expect(writes).toEqual([0, REGION])
  })
})
