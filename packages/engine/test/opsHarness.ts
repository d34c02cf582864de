import { createFaultyDevice, createPowerRail } from '../src/device/faultyDevice.ts'
import { createMemoryDevice } from '../src/device/memoryDevice.ts'
import { DiskGroup, REGION_SECTORS } from '../src/diskGroup.ts'
import { memoryGroup, pattern } from './harness.ts'

/** The volume the everyday-operation tests work on: 4 regions. */
export const LEN = 4 * REGION_SECTORS
export const BYTES = LEN * 512

/** A started 2-way mirror `v1` (with a DRL log on disk03 with `log`) on disk01 and disk02 of a 4-disk group, holding a flushed pattern. */
export async function startedMirror(opts: { log?: boolean; seed?: number } = {}) {
  const g = await memoryGroup(4, 16 << 20)
  await g.dg.assistMake({ name: 'v1', len: LEN, layout: 'mirror', disks: ['disk01', 'disk02', ...(opts.log ? ['disk03'] : [])], ...(opts.log ? { log: 'drl' as const } : {}) })
  const data = pattern(BYTES, opts.seed ?? 7)
  await g.dg.write('v1', 0, data)
  await g.dg.flush('v1')
  return { ...g, data }
}

/**
 * A crash rig: a group `cp` on three memory disks behind faulty devices with volatile caches on one
 * power rail, a started 2-way mirror `v1` on disk01 and disk02 holding a flushed pattern; `reopen`
 * imports the disks again as a restart would see them.
 */
export async function crashRig(seed: number) {
  const mems = [1, 2, 3].map(() => createMemoryDevice(8 << 20))
  const rail = createPowerRail()
  const immediate = () => new Promise<void>((r) => setImmediate(r))
  const devs = mems.map((m) => createFaultyDevice(m, { volatileCache: true, rail, sleep: immediate }))
  const opts = { sleep: immediate }
  const dg = await DiskGroup.create({ name: 'cp', disks: devs.map((device, i) => ({ name: `disk0${i + 1}`, device })), ...opts })
  await dg.assistMake({ name: 'v1', len: LEN, layout: 'mirror', disks: ['disk01', 'disk02'] })
  const data = pattern(BYTES, seed)
  return {
    dg,
    mems,
    rail,
    data,
    async reopen() {
      const devices = mems.map((m) => m.reopen())
      return { devices, dg: await DiskGroup.import({ devices, ...opts }) }
    },
  }
}
