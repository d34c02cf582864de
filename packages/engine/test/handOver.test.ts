import { describe, expect, it } from 'vitest'
import type { BlockDevice } from '../src/device/blockDevice.ts'
import { createMemoryDevice, type MemoryDevice } from '../src/device/memoryDevice.ts'
import { CFG_OFFSET, DEFAULT_PRIV_LEN, MAP_LEN, MAP_OFFSET } from '../src/disk/privateRegion.ts'
import { createFaultyDevice } from '../src/device/faultyDevice.ts'
import { DiskGroup, REGION_SECTORS } from '../src/diskGroup.ts'
import { plexImage } from './harness.ts'
import { createRandom } from './random.ts'

const REGIONS = 8
const LEN = REGIONS * REGION_SECTORS
const BYTES = LEN * 512

/**
 * A device that runs `hook` before each configuration-commit write reaches it (a write into the
 * configuration slots of the private region), and waits for it: a foreground write scheduled
 * there lands exactly between a transaction's decision and its commit.
 */
function onCommit(dev: MemoryDevice, hook: () => Promise<void>): BlockDevice {
  return {
    ...dev,
    async write(offset, data) {
      if (offset >= CFG_OFFSET * 512 && offset < DEFAULT_PRIV_LEN * 512) await hook()
      return dev.write(offset, data)
    },
  }
}

/** A 3-disk group whose commits can carry foreground writes; the model is what was flushed. */
function rig(seed: number) {
  let mems = [0, 1, 2].map(() => createMemoryDevice(32 << 20))
  const rnd = createRandom(seed)
  const model = Buffer.alloc(BYTES)
  let dg: DiskGroup | undefined
  let armed = false
  let busy = false
  let injected = 0
  /** One small write and a flush, as an NBD client does after each batch. */
  const writeAndFlush = async () => {
    const n = rnd.int(1, 16)
    const off = rnd.int(0, LEN - n) * 512
    const buf = rnd.bytes(n * 512)
    await dg!.write('v1', off, buf)
    await dg!.flush('v1')
    buf.copy(model, off)
  }
  const hook = async () => {
    if (!armed || busy || !dg) return
    busy = true
    try {
      injected++
      await writeAndFlush()
    } finally {
      busy = false
    }
  }
  // only disk01's copy carries the hook: one foreground write per commit
  const devices = (ms: MemoryDevice[]) => ms.map((m, i) => (i === 0 ? onCommit(m, hook) : m))
  return {
    /** The open handles of the disks. */
    get mems() {
      return mems
    },
    model,
    get injected() {
      return injected
    },
    arm(on: boolean) {
      armed = on
    },
    writeAndFlush,
    async create() {
      dg = await DiskGroup.create({ name: 'ho', disks: devices(mems).map((device, i) => ({ name: `disk0${i + 1}`, device })) })
      return dg
    },
    async reimport() {
      await dg?.close()
      mems = mems.map((m) => m.reopen())
      dg = await DiskGroup.import({ devices: devices(mems) })
      return dg
    },
  }
}

/** Every flushed write is on every ENABLED ACTIVE plex, and verify finds no mismatch. */
async function assertIntact(dg: DiskGroup, mems: MemoryDevice[], model: Buffer) {
  const plexes = dg.config().plexes.filter((p) => p.pl_v_name === 'v1' && p.pl_kstate === 'ENABLED' && p.pl_state === 'ACTIVE')
  expect(plexes.map((p) => p.pl_name).sort()).toEqual(['v1-01', 'v1-02', 'v1-03'])
  for (const p of plexes) {
    const img = await plexImage(dg, mems, p.pl_name)
    const bad: number[] = []
    for (let g = 0; g < REGIONS; g++) {
      const r = g * REGION_SECTORS * 512
      if (!img.subarray(r, r + REGION_SECTORS * 512).equals(model.subarray(r, r + REGION_SECTORS * 512))) bad.push(g)
    }
    expect({ plex: p.pl_name, staleRegions: bad }).toEqual({ plex: p.pl_name, staleRegions: [] })
  }
  expect((await (await dg.verify('v1')).done).mismatches).toEqual([])
}

type Path = 'attach' | 'resync' | 'resync --force' | 'resync disk' | 'resync disk --force' | 'repair' | 'recovery'

async function handBack(path: Path, seed: number) {
  const r = rig(seed)
  const dg = await r.create()
  await dg.assistMake({ init: 'none', name: 'v1', len: LEN, layout: 'mirror', nmirror: 3, log: 'drl', disks: ['disk01', 'disk02', 'disk03'] })
  await dg.start('v1')
  for (let i = 0; i < 20; i++) await r.writeAndFlush()
  await dg.detachPlex('v1-02')
  for (let i = 0; i < 20; i++) await r.writeAndFlush()
  const disk = dg.config().subdisks.find((s) => s.sd_pl_name === 'v1-02')!.sd_dm_name
  let live = dg
  r.arm(true)
  switch (path) {
    case 'attach':
      await dg.attachPlex('v1', 'v1-02')
      break
    case 'resync':
    case 'resync --force':
      await (await dg.resyncVolume('v1', path === 'resync --force')).done
      break
    case 'resync disk':
    case 'resync disk --force':
      await (await dg.resyncDisk(disk, path === 'resync disk --force')).done
      break
    case 'repair':
      await (await dg.repair('v1', 'v1-01')).done
      break
    case 'recovery':
      // a crash with v1-02 detached: start recovers v1-01/v1-03 from the log and attaches v1-02
      r.arm(false)
      live = await r.reimport()
      r.arm(true)
      await live.start('v1')
      break
  }
  r.arm(false)
  // writes after the hand-over reach the plex too
  for (let i = 0; i < 5; i++) await r.writeAndFlush()
  expect(r.injected).toBeGreaterThan(0)
  await assertIntact(live, r.mems, r.model)
  await live.close()
}

describe('handing a plex back to its volume (I73)', () => {
  const paths: Path[] = ['attach', 'resync', 'resync --force', 'resync disk', 'resync disk --force', 'repair', 'recovery']
  it.each(paths)('I73: %s under a write and a flush at every commit loses no flushed write', async (path) => {
    for (const seed of [1, 2, 3]) await handBack(path, seed * 101 + path.length)
  })
})

describe('a detach right after a hand-over (I73)', () => {
  it('I73: a detach committed just after the enabling commit finds no stale map and tracks the plex afresh: what it misses is marked, a reattach copies exactly that', async () => {
    const dg = await DiskGroup.create({ name: 'ho', disks: [0, 1, 2].map((i) => ({ name: `disk0${i + 1}`, device: createMemoryDevice(32 << 20) })) })
    await dg.assistMake({ init: 'none', name: 'v1', len: LEN, layout: 'mirror', disks: ['disk01', 'disk02'] })
    await dg.start('v1')
    await dg.write('v1', 0, Buffer.alloc(BYTES, 1))
    await dg.detachPlex('v1-02')
    await dg.write('v1', 3 * REGION_SECTORS * 512, Buffer.alloc(4096, 2))
    let detached: Promise<unknown> | undefined
    const off = dg.subscribe((e) => {
      if (e.type === 'config.committed' && e.operation === 'attach.done') detached = dg.detachPlex('v1-02')
    })
    await dg.attachPlex('v1', 'v1-02')
    off()
    await detached
    expect(dg.config().plexes.find((p) => p.pl_name === 'v1-02')).toMatchObject({ pl_state: 'STALE', pl_kstate: 'DETACHED' })
    await dg.write('v1', 5 * REGION_SECTORS * 512, Buffer.alloc(4096, 3))
    await dg.flush('v1')
    expect(dg.staleMaps()['v1-02']).toMatchObject({ full: false, regions: [5] })
    const before = dg.ioStats('v1-02').writeBytes
    await dg.attachPlex('v1', 'v1-02')
    expect(dg.ioStats('v1-02').writeBytes - before).toBe(REGION_SECTORS * 512)
    const v = await dg.verify('v1')
    expect((await v.done).mismatches).toEqual([])
    await dg.close()
  })
})

/**
 * A device whose writes into the stale-map area wait, once armed, until `release`: the kernel
 * error that is writing its stale marks there then lands after whatever the test does meanwhile.
 */
function holdMapWrite(dev: MemoryDevice) {
  let armed = false
  let reached!: () => void
  let release!: () => void
  const atGate = new Promise<void>((r) => (reached = r))
  const open = new Promise<void>((r) => (release = r))
  const device: BlockDevice = {
    ...dev,
    async write(offset, data) {
      if (armed && offset >= MAP_OFFSET * 512 && offset < (MAP_OFFSET + MAP_LEN) * 512) {
        armed = false
        reached()
        await open
      }
      return dev.write(offset, data)
    },
  }
  return { device, arm: () => void (armed = true), atGate, release }
}

describe('a kernel error that lands after the plex was handed back (rule 73)', () => {
  it('I73: an error decided for the detached incarnation of a plex does not detach it again once attached', async () => {
    const mems = [0, 1, 2].map(() => createMemoryDevice(32 << 20))
    const gate = holdMapWrite(mems[0]!)
    const disk02 = createFaultyDevice(mems[1]!)
    const dg = await DiskGroup.create({ name: 'ho', disks: [gate.device, disk02, mems[2]!].map((device, i) => ({ name: `disk0${i + 1}`, device })) })
    await dg.assistMake({ init: 'none', name: 'v1', len: LEN, layout: 'mirror', log: 'drl', disks: ['disk01', 'disk02', 'disk03'] })
    await dg.start('v1')
    const data = Buffer.alloc(64 * 1024, 7)
    await dg.write('v1', 0, data)
    const plex = () => dg.config().plexes.find((p) => p.pl_name === 'v1-02')!
    // a flush fails on v1-02: its kernel error decides to detach it, then waits writing its stale marks
    const removeFault = disk02.addFault({ ops: ['flush'] })
    gate.arm()
    const flushed = dg.flush('v1').then(() => 'ok', (e: { code?: string }) => e.code)
    await gate.atGate
    // meanwhile the administrator detaches the plex, the disk comes back, and the plex is attached
    const detached = new Promise<void>((r) => dg.subscribe((e) => void (e.type === 'config.committed' && e.operation === 'pl.det' && r())))
    const det = dg.detachPlex('v1-02')
    await detached
    removeFault()
    const attached = new Promise<void>((r) => dg.subscribe((e) => void (e.type === 'config.committed' && e.operation === 'pl.att' && r())))
    const att = dg.attachPlex('v1', 'v1-02').then(() => 'ok', (e: { code?: string }) => e.code)
    await attached
    expect(plex()).toMatchObject({ pl_kstate: 'ENABLED', pl_tutil: expect.arrayContaining(['ATT']) })
    // now the old kernel error lands
    gate.release()
    await det
    expect(await att).toBe('ok')
    expect(await flushed).toBe('ok')
    expect(plex()).toMatchObject({ pl_state: 'ACTIVE', pl_kstate: 'ENABLED' })
    expect((await dg.read('v1', 0, data.length)).equals(data)).toBe(true)
    expect((await (await dg.verify('v1')).done).mismatches).toEqual([])
    await dg.close()
  })
})
