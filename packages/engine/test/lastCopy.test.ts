import { describe, expect, it } from 'vitest'
import type { BlockDevice } from '../src/device/blockDevice.ts'
import { createFaultyDevice, type FaultyDevice } from '../src/device/faultyDevice.ts'
import { CFG_OFFSET, KLOG_OFFSET } from '../src/disk/privateRegion.ts'
import { DiskGroup, REGION_SECTORS } from '../src/diskGroup.ts'
import { createMemoryDevice } from '../src/device/memoryDevice.ts'
import { EXCEPTION_POLICY, PL_PFLAG } from '../src/records/types.ts'
import { CONFIG_SLOTS, expectCode, memoryGroup, pattern, plexImage, publicRegion, rec, recordEvents } from './harness.ts'
import { heldWrite } from './heldWrite.ts'

const LEN = 8 * REGION_SECTORS
const REGION = REGION_SECTORS * 512

/** A started 2-way mirror v1 (v1-01 on disk01, v1-02 on disk02, faulty) and a holdable disk03. */
async function rig() {
  let hold: ReturnType<typeof heldWrite> | undefined
  const g = await memoryGroup(3, 32 << 20, { wrap: (d, i) => (i < 2 ? createFaultyDevice(d) : (hold = heldWrite(d)).device) })
  const { dg } = g
  await dg.assistMake({ init: 'none', name: 'v1', len: LEN, layout: 'mirror', disks: ['disk01', 'disk02'] })
  await dg.start('v1')
  const base = pattern(LEN * 512, 1)
  await dg.write('v1', 0, base)
  await dg.flush('v1')
  const [d1, d2] = g.devices as FaultyDevice[]
  return { dg, d1: d1!, d2: d2!, hold: hold!, base }
}

/** Fails the next data write of plex `plex` that touches region `g` of its volume. */
function failRegionWrite(dg: DiskGroup, dev: FaultyDevice, plex: string, g: number): void {
  const c = dg.config()
  const pl = c.plexes.find((p) => p.pl_name === plex)!
  const sd = c.subdisks.find((s) => s.sd_plex_rid === pl.pl_rid && !s.sd_is_log)!
  dev.addFault({ ops: ['write'], range: { offset: (sd.sd_dev_offset + g * REGION_SECTORS - sd.sd_pl_offset) * 512, length: REGION }, times: 1 })
}

/** Resolves at the first io.error of `plex`. */
function ioErrorOf(dg: DiskGroup, plex: string): Promise<void> {
  return new Promise((resolve) => {
    const off = dg.subscribe((e) => {
      if (e.type === 'io.error' && e.plex === plex) {
        off()
        resolve()
      }
    })
  })
}

function state(dg: DiskGroup, plex: string) {
  const p = rec(dg, plex)
  return [p.pl_kstate, p.pl_state, ((p.pl_pflag as number) & PL_PFLAG.KDETACH) !== 0]
}

async function settle<T>(p: Promise<T>): Promise<{ ok: true } | { ok: false; code: unknown }> {
  return p.then(
    () => ({ ok: true as const }),
    (e: { code?: unknown }) => ({ ok: false as const, code: e.code }),
  )
}

describe('a write failing while a detach of the other plex commits (I118)', () => {
  it('I118: fails VM_IO and leaves the failing plex, the last current copy, attached and not stale', async () => {
    const { dg, d1, hold, base } = await rig()
    hold.arm(CONFIG_SLOTS)
    const det = dg.detachPlex('v1-02')
    await hold.reached // the detach is writing its configuration: v1-02 is leaving
    failRegionWrite(dg, d1, 'v1-01', 0)
    const failed = ioErrorOf(dg, 'v1-01')
    const w = settle(dg.write('v1', 0, pattern(8192, 9)))
    await failed
    hold.release()
    await det
    expect(await w).toEqual({ ok: false, code: 'VM_IO' })
    expect(state(dg, 'v1-01')).toEqual(['ENABLED', 'ACTIVE', false])
    expect(state(dg, 'v1-02')).toEqual(['DETACHED', 'STALE', false])
    expect(dg.staleRegions('v1-01').regions).toEqual([])
    // the volume still reads, all of it from v1-01 (the failed write never reached it)
    expect((await dg.read('v1', 0, LEN * 512)).equals(base)).toBe(true)
  })
})

describe('two plexes failing together (I118)', () => {
  it('I118: two writes failing at once, each on another plex, detach one plex; the other is kept and the write it lost fails VM_IO', async () => {
    const { dg, d1, d2, hold, base } = await rig()
    const model = Buffer.from(base)
    // the first kernel error's map or log write is held until both writes have failed
    hold.arm({ offset: KLOG_OFFSET * 512, length: (CFG_OFFSET - KLOG_OFFSET) * 512 })
    failRegionWrite(dg, d1, 'v1-01', 0)
    failRegionWrite(dg, d2, 'v1-02', 5)
    const both = Promise.all([ioErrorOf(dg, 'v1-01'), ioErrorOf(dg, 'v1-02')])
    const a = pattern(8192, 21)
    const b = pattern(8192, 22)
    const wa = settle(dg.write('v1', 0, a))
    const wb = settle(dg.write('v1', 5 * REGION, b))
    await both
    await hold.reached
    hold.release()
    const [ra, rb] = await Promise.all([wa, wb])
    const states = [state(dg, 'v1-01'), state(dg, 'v1-02')]
    // exactly one plex is kernel-detached; the other stays the volume's copy
    expect(states).toContainEqual(['DETACHED', 'IOFAIL', true])
    expect(states).toContainEqual(['ENABLED', 'ACTIVE', false])
    const keptA = states[0]![0] === 'ENABLED'
    // the write the kept plex failed is failed to the caller; the other one is acknowledged
    expect([ra, rb]).toEqual(keptA ? [{ ok: false, code: 'VM_IO' }, { ok: true }] : [{ ok: true }, { ok: false, code: 'VM_IO' }])
    if (keptA) b.copy(model, 5 * REGION)
    else a.copy(model, 0)
    // the kept plex is current everywhere and the volume reads what was acknowledged
    expect(dg.staleRegions(keptA ? 'v1-01' : 'v1-02').regions).toEqual([])
    expect((await dg.read('v1', 0, LEN * 512)).equals(model)).toBe(true)
    expect(dg.config().volumes.find((v) => v.v_name === 'v1')!.v_kstate).toBe('ENABLED')
  })

  it('I118: a write failing on both plexes under w_all = V_DET_PL detaches one and keeps the last copy attached; the write fails VM_IO', async () => {
    const { dg, d1, d2, base } = await rig()
    await dg.set('v1', { w_all: EXCEPTION_POLICY.V_DET_PL })
    const log = recordEvents(dg)
    failRegionWrite(dg, d1, 'v1-01', 2)
    failRegionWrite(dg, d2, 'v1-02', 2)
    await expectCode(dg.write('v1', 2 * REGION, pattern(4096, 5)), 'VM_IO')
    const states = [state(dg, 'v1-01'), state(dg, 'v1-02')]
    expect(states).toContainEqual(['DETACHED', 'IOFAIL', true])
    expect(states).toContainEqual(['ENABLED', 'ACTIVE', false])
    const kept = states[0]![0] === 'ENABLED' ? 'v1-01' : 'v1-02'
    expect(dg.staleRegions(kept).regions).toEqual([])
    // the engine says what it did: an alert for the plex it kept over an I/O error
    expect(log.events.some((e) => e.type === 'alert' && e.object === kept && e.code === 'VM_IO')).toBe(true)
    expect((await dg.read('v1', 0, LEN * 512)).equals(base)).toBe(true)
  })

  it('I118: a flush failing on both plexes under w_all = V_DET_PL keeps one plex attached and fails VM_IO', async () => {
    const { dg, d1, d2 } = await rig()
    await dg.set('v1', { w_all: EXCEPTION_POLICY.V_DET_PL })
    const data = pattern(4096, 6)
    await dg.write('v1', 0, data)
    d1.addFault({ ops: ['flush'], times: 1 })
    d2.addFault({ ops: ['flush'], times: 1 })
    await expectCode(dg.flush('v1'), 'VM_IO')
    const states = [state(dg, 'v1-01'), state(dg, 'v1-02')]
    expect(states).toContainEqual(['DETACHED', 'IOFAIL', true])
    expect(states).toContainEqual(['ENABLED', 'ACTIVE', false])
    expect((await dg.read('v1', 0, 4096)).equals(data)).toBe(true)
    await dg.flush('v1')
  })
})

describe('the last data plex of a volume with a DRL log fails a write (I192)', () => {
  it('I192: the log plex takes no part in the write policy: the write fails VM_IO (w_all), the volume stays ENABLED and the plex attached; the next write succeeds', async () => {
    const g = await memoryGroup(3, 32 << 20, { wrap: (d, i) => (i === 0 ? createFaultyDevice(d) : d) })
    const { dg } = g
    await dg.assistMake({ init: 'none', name: 'v1', len: LEN, layout: 'mirror', log: 'drl', disks: ['disk01', 'disk02', 'disk03'] })
    await dg.start('v1')
    const base = pattern(LEN * 512, 4)
    await dg.write('v1', 0, base)
    await dg.flush('v1')
    await dg.detachPlex('v1-02')
    const log = dg.config().plexes.find((p) => p.pl_state === 'LOG')!
    expect(log.pl_kstate).toBe('ENABLED')
    const d1 = g.devices[0] as FaultyDevice
    const off = d1.addFault({ ops: ['write'], range: publicRegion(dg, 'disk01'), times: 1 })
    await expectCode(dg.write('v1', 0, Buffer.alloc(4096, 9)), 'VM_IO')
    off()
    expect(rec(dg, 'v1')).toMatchObject({ v_kstate: 'ENABLED' })
    expect(rec(dg, 'v1-01')).toMatchObject({ pl_state: 'ACTIVE', pl_kstate: 'ENABLED' })
    const next = Buffer.alloc(4096, 10)
    await dg.write('v1', REGION, next)
    await dg.flush('v1')
    expect((await dg.read('v1', REGION, 4096)).equals(next)).toBe(true)
    await dg.close()
  })
})

describe('a write failing on the last current plex while another is being attached (I193)', () => {
  it('I193, I194: the plex being attached took the write the kept copy does not hold: it is stale there, so it is never enabled over other bytes; the detached volume keeps its last plex; the next start recovers it', async () => {
    const devices: BlockDevice[] = [createFaultyDevice(createMemoryDevice(32 << 20)), createMemoryDevice(32 << 20), createMemoryDevice(32 << 20)]
    // one region per copy step, so the attach copy pauses after its first region (rule 160)
    const dg = await DiskGroup.create({ name: 'lc', disks: devices.map((device, i) => ({ name: `disk0${i + 1}`, device })), copyUnitRegions: 1 })
    const g = { dg, devices }
    await dg.assistMake({ init: 'none', name: 'v1', len: LEN, layout: 'mirror', disks: ['disk01', 'disk02'] })
    await dg.start('v1')
    await dg.write('v1', 0, pattern(LEN * 512, 5))
    await dg.flush('v1')
    await dg.detachPlex('v1-02')
    // v1-02 misses regions 0 and 1; its attach copies region 0, then pauses
    await dg.write('v1', 0, pattern(2 * REGION, 6))
    await dg.flush('v1')
    const paused = new Promise<string>((resolve) => {
      const off = dg.subscribe((e) => {
        if (e.type === 'task.progress' && e.kind === 'attach' && e.doneBytes > 0) {
          off()
          dg.pauseTask(e.taskId)
          resolve(e.taskId)
        }
      })
    })
    const attached = dg.attachPlex('v1', 'v1-02').then(() => 'ok', (e: { code?: string }) => e.code)
    const task = await paused
    expect(dg.staleRegions('v1-02').regions).toEqual([1])
    // a write to region 0 fails on v1-01, the only current copy; v1-02, a write target, takes it
    const d1 = g.devices[0] as FaultyDevice
    const off = d1.addFault({ ops: ['write'], range: publicRegion(dg, 'disk01'), times: 1 })
    await expectCode(dg.write('v1', 0, Buffer.alloc(4096, 0xee)), 'VM_IO')
    off()
    expect(dg.staleRegions('v1-02').regions).toContain(0)
    // (the failure detached the volume, v1-01 being its only complete plex: that ends the copy)
    if (dg.listTasks().some((t) => t.taskId === task)) dg.resumeTask(task)
    const outcome = await attached
    expect(outcome).toBe('VM_NOTSYNCED')
    expect(rec(dg, 'v1-02').pl_state).not.toBe('ACTIVE')
    // I194: the volume is DETACHED, still started: its last current plex is not taken away
    expect(rec(dg, 'v1').v_kstate).toBe('DETACHED')
    await expectCode(dg.detachPlex('v1-01'), 'VM_LAST_PLEX')
    // the volume is brought back (the failure detached it: v1-01 was its only complete plex) and
    // its start recovers v1-02 from v1-01: both current, the same bytes
    await dg.stop('v1', { force: true }).catch(() => {})
    await dg.start('v1')
    expect(rec(dg, 'v1-02')).toMatchObject({ pl_state: 'ACTIVE', pl_kstate: 'ENABLED' })
    const [a, b] = await Promise.all(['v1-01', 'v1-02'].map((p) => plexImage(dg, g.devices, p)))
    expect(a!.equals(b!)).toBe(true)
    expect((await (await dg.verify('v1')).done).mismatches).toEqual([])
    await dg.close()
  })
})
