import { describe, expect, it } from 'vitest'
import { createFaultyDevice, createPowerRail } from '../src/device/faultyDevice.ts'
import { createMemoryDevice, type MemoryDevice } from '../src/device/memoryDevice.ts'
import { DiskGroup, REGION_SECTORS } from '../src/diskGroup.ts'
import { createRandom } from './random.ts'
import { DurableModel } from './durableModel.ts'

/**
 * The fault matrix: a read error, a write error, latency, or a power cut on each disk (and of the
 * whole machine), at several steps of a write burst, a plex attach, a disk resync and
 * configuration commits. Afterwards the group imports, no acknowledged write is lost (after a power
 * cut: no flushed write, since a disk's volatile cache loses the rest), and every ENABLED, non-stale plex is byte-identical.
 */
type Op = 'write' | 'attach' | 'resyncDisk' | 'commit'
type Fault = 'readError' | 'writeError' | 'latency' | 'diskPowerCut' | 'systemPowerCut'

const REGIONS = 12
const LEN = REGIONS * REGION_SECTORS
const BYTES = LEN * 512


async function scenario(op: Op, fault: Fault, disk: number, step: number, seed: number) {
  const mems = [0, 1, 2].map(() => createMemoryDevice(48 << 20))
  const system = createPowerRail()
  const rails = [0, 1, 2].map(() => createPowerRail())
  const devs = mems.map((m, i) =>
    createFaultyDevice(m, { volatileCache: true, rail: fault === 'systemPowerCut' ? system : rails[i]!, sleep: () => new Promise((r) => setImmediate(r)) }),
  )
  const dg = await DiskGroup.create({ name: 'fm', disks: devs.map((device, i) => ({ name: `disk0${i + 1}`, device })) })
  await dg.assistMake({ init: 'none', name: 'v1', len: LEN, layout: 'mirror', log: 'drl', disks: ['disk01', 'disk02', 'disk03'] })
  await dg.start('v1')
  const rnd = createRandom(seed)
  const model = new DurableModel(LEN)
  const init = rnd.bytes(BYTES)
  await dg.write('v1', 0, init)
  await dg.flush('v1')
  model.init(init)

  const write = async () => {
    const n = rnd.int(1, 256)
    const off = rnd.int(0, LEN - n) * 512
    const buf = rnd.bytes(n * 512)
    const ok = await dg.write('v1', off, buf).then(() => true, () => false)
    model.apply(off, buf, ok)
  }
  const flush = async () => {
    if (await dg.flush('v1').then(() => true, () => false)) model.durable()
  }
  const burst = async (count: number) => {
    for (let i = 0; i < count; i++) {
      await write()
      if (i % 4 === 3) await flush()
    }
  }

  // Preparation that makes the operation meaningful.
  if (op === 'attach' || op === 'resyncDisk') {
    await dg.detachPlex('v1-02')
    await burst(6)
  }

  // Arm the fault.
  const target = devs[disk]!
  switch (fault) {
    case 'readError':
      target.addFault({ ops: ['read'], after: step })
      break
    case 'writeError':
      target.addFault({ ops: ['write'], after: step })
      break
    case 'latency':
      target.setLatency(1)
      break
    case 'diskPowerCut':
      rails[disk]!.tripAfter(step)
      break
    case 'systemPowerCut':
      system.tripAfter(step)
      break
  }

  // Run the operation, with foreground writes alongside the long ones.
  const running: Promise<unknown>[] = []
  switch (op) {
    case 'write':
      running.push(burst(16))
      break
    case 'attach':
      running.push(dg.attachPlex('v1', 'v1-02').catch(() => {}), burst(8))
      break
    case 'resyncDisk':
      running.push(dg.resyncDisk('disk02', false).then((h) => h.done).catch(() => {}), burst(8))
      break
    case 'commit':
      running.push(
        (async () => {
          for (let i = 0; i < 4; i++) await dg.set('v1', { comment: `c${i}` }).catch(() => {})
          await dg.makePlex({ name: 'extra' }).catch(() => {})
        })(),
        burst(4),
      )
      break
  }
  await Promise.all(running)
  await flush()

  // The disk comes back (or the machine restarts), and the group is imported again.
  for (const d of devs) {
    d.clearFaults()
    d.setLatency(0)
  }
  await dg.close().catch(() => {})
  const again = await DiskGroup.import({ devices: mems.map((m) => (m as MemoryDevice).reopen()) })
  const v = again.config().volumes.find((x) => x.v_name === 'v1')!
  if (v.v_kstate === 'DISABLED') await again.start('v1')
  const got = await again.read('v1', 0, BYTES)
  // A power cut loses what a disk's volatile cache held: only flushed writes are promised then.
  const need = fault === 'systemPowerCut' || fault === 'diskPowerCut' ? 2 : 1
  const lost: number[] = []
  for (let sct = 0; sct < LEN; sct++) {
    if (model.state[sct]! < need) continue
    if (!got.subarray(sct * 512, sct * 512 + 512).equals(model.data.subarray(sct * 512, sct * 512 + 512))) lost.push(sct)
  }
  const report = await (await again.verify('v1')).done
  await again.close()
  return { where: `${op}/${fault}/disk${disk + 1}/step${step}`, lostSectors: lost.length, differingRegions: report.mismatches.map((m) => m.region), checked: model.state.filter((x) => x >= need).length }
}

const ops: Op[] = ['write', 'attach', 'resyncDisk', 'commit']
const faults: Fault[] = ['readError', 'writeError', 'latency', 'diskPowerCut']
const steps: Record<Fault, number[]> = { readError: [0, 2, 6], writeError: [0, 1, 3, 8, 20], latency: [0], diskPowerCut: [0, 2, 5, 11, 23], systemPowerCut: [0, 1, 3, 6, 10, 15, 22, 33, 50] }

describe('fault matrix', () => {
  const rows: Array<[Op, Fault, number]> = []
  for (const op of ops) for (const fault of faults) for (const disk of [0, 1, 2]) rows.push([op, fault, disk])
  it.each(rows)('%s with %s on disk %i: the group imports, no acknowledged write is lost, plexes are identical', async (op, fault, disk) => {
    for (const step of steps[fault]) {
      const r = await scenario(op, fault, disk, step, 1000 * disk + step * 7 + op.length)
      expect(r.checked).toBeGreaterThan(LEN / 2)
      expect(r).toMatchObject({ lostSectors: 0, differingRegions: [] })
    }
  })
  it.each(ops)('%s with a machine-wide power cut at each step: flushed writes survive and plexes are identical', async (op) => {
    for (const step of steps.systemPowerCut) {
      const r = await scenario(op, 'systemPowerCut', 0, step, step * 13 + op.length)
      expect(r.checked).toBeGreaterThan(LEN / 2)
      expect(r).toMatchObject({ lostSectors: 0, differingRegions: [] })
    }
  })
})
