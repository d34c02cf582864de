import { describe, expect, it } from 'vitest'
import { toStored } from '../src/config/stored.ts'
import { createFaultyDevice, createPowerRail } from '../src/device/faultyDevice.ts'
import { createMemoryDevice, type MemoryDevice } from '../src/device/memoryDevice.ts'
import { CFG_OFFSET, slotLength } from '../src/disk/privateRegion.ts'
import { DiskGroup } from '../src/diskGroup.ts'
import type { Config } from '../src/records/types.ts'
import { expectCode, fileGroup, memoryGroup, rec } from './harness.ts'

/** The stored records without where the disks were found this time. */
function persistent(c: Config) {
  const s = toStored(c) as { disks: Array<Record<string, unknown>> }
  for (const d of s.disks) delete d.dm_last_da_name
  return s
}

describe('configuration database on the disks', () => {
  it('survives close and reopen with identical records', async () => {
    const g = await fileGroup(4, 64 << 20)
    try {
      await g.dg.assistMake({ init: 'none', name: 'mir', len: 20000, layout: 'mirror', log: 'drl' })
      await g.dg.assistMake({ init: 'none', name: 'str', len: 30000, layout: 'stripe', ncol: 3 })
      await g.dg.assistMake({ init: 'none', name: 'ms', len: 10000, layout: 'mirror-stripe', ncol: 2 })
      await g.dg.set('mir-01', { comment: 'first mirror', putil2: 'blue' })
      await g.dg.rename('str', 'stripe1')
      const before = g.dg.config()
      await g.dg.close()
      const again = await g.reopen()
      expect(again.tid).toBe(before.tid)
      expect(persistent(again.config())).toEqual(persistent(before))
      expect(rec(again, 'mir-01').pl_comment).toBe('first mirror')
      await again.close()
    } finally {
      await g.remove()
    }
  })

  it('a power cut at each single write of a commit leaves the old or the new configuration, never neither', async () => {
    type Step = (dg: DiskGroup, spare: MemoryDevice) => Promise<unknown>
    const steps: Array<[string, Step, (c: Config) => boolean]> = [
      ['make a volume', (dg) => dg.assistMake({ init: 'none', name: 'v2', len: 4096, layout: 'mirror' }), (c) => c.volumes.some((v) => v.v_name === 'v2')],
      ['add a disk', (dg, spare) => dg.addDisk({ name: 'disk04', device: createFaultyDevice(spare) }), (c) => c.disks.length === 4],
      ['rename', (dg) => dg.rename('v1', 'v1new'), (c) => c.volumes.some((v) => v.v_name === 'v1new')],
    ]
    for (const [what, step, isNew] of steps) {
      let outcomes = { old: 0, new: 0 }
      for (let k = 0; ; k++) {
        const mems = [0, 1, 2].map(() => createMemoryDevice(32 << 20))
        const spare = createMemoryDevice(32 << 20)
        const rail = createPowerRail()
        const dg = await DiskGroup.create({ name: 'pc', disks: mems.map((m, i) => ({ name: `disk0${i + 1}`, device: createFaultyDevice(m, { rail, volatileCache: true }) })) })
        await dg.assistMake({ init: 'none', name: 'v1', len: 4096, layout: 'mirror' })
        const oldTid = dg.tid
        const start = rail.writes
        rail.tripAfter(k)
        let ok = true
        await step(dg, spare).catch(() => (ok = false))
        const used = rail.writes - start
        await dg.close().catch(() => {})
        const again = await DiskGroup.import({ devices: [...mems.map((m) => m.reopen()), spare.reopen()] }).catch(async (e) => {
          // a device never initialised (the spare) is not part of any group
          if ((e as { code?: string }).code !== 'VM_INV_DEVENT') throw e
          return DiskGroup.import({ devices: mems.map((m) => m.reopen()) })
        })
        const c = again.config()
        const fresh = isNew(c)
        expect(c.tid).toBe(fresh ? oldTid + 1 : oldTid)
        if (ok) expect(fresh).toBe(true)
        outcomes = fresh ? { ...outcomes, new: outcomes.new + 1 } : { ...outcomes, old: outcomes.old + 1 }
        await again.close()
        if (!rail.tripped || used < k) break
      }
      // both outcomes occurred for every kind of commit
      expect(outcomes.old, what).toBeGreaterThan(0)
      expect(outcomes.new, what).toBeGreaterThan(0)
    }
  })

  it('imports the previous copy when the newest one is corrupt on every disk', async () => {
    const { dg, devices } = await memoryGroup(3)
    await dg.makePlex({ name: 'p1' })
    const tid = dg.tid
    await dg.makePlex({ name: 'p2' })
    const privLen = rec(dg, 'disk01').dm_priv_len as number
    await dg.close()
    const reopened = devices.map((d) => (d as MemoryDevice).reopen())
    for (const d of reopened) {
      // Corrupt whichever slot holds the newest tid: flip a payload byte in both slots' newest.
      for (const slot of [0, 1]) {
        const at = (CFG_OFFSET + slot * slotLength(privLen)) * 512
        const b = await d.read(at, 512)
        if (Number(b.readBigUInt64LE(8)) === tid + 1) {
          b[40] = b[40]! ^ 0xff
          await d.write(at, b)
        }
      }
    }
    const again = await DiskGroup.import({ devices: reopened })
    expect(again.tid).toBe(tid)
    expect(again.config().plexes.map((p) => p.pl_name)).toEqual(['p1'])
  })

  it('import needs a majority of the copies: 1 of 3 fails VM_NOQUORUM, 2 of 3 imports with the missing disk REMOVED', async () => {
    const { dg, devices } = await memoryGroup(3)
    await dg.close()
    const [a, b] = devices.map((d) => (d as MemoryDevice).reopen())
    await expectCode(DiskGroup.import({ devices: [a!] }), 'VM_NOQUORUM')
    const two = await DiskGroup.import({ devices: [a!.reopen(), b!], force: true })
    expect((rec(two, 'disk03').dm_pflag as number) & 0x100).toBe(0x100)
    await two.close()
  })

  it('refuses devices that are blank or belong to another group with VM_INV_DEVENT', async () => {
    const one = await memoryGroup(2)
    const other = await memoryGroup(2)
    await one.dg.close()
    await other.dg.close()
    const mine = one.devices.map((d) => (d as MemoryDevice).reopen())
    const theirs = (other.devices[0] as MemoryDevice).reopen()
    await expectCode(DiskGroup.import({ devices: [...mine, createMemoryDevice(32 << 20)] }), 'VM_INV_DEVENT')
    // both groups are called testdg; the first device decides, the stranger is refused
    await expectCode(DiskGroup.import({ devices: [...mine.map((m) => m.reopen()), theirs] }), 'VM_INV_DEVENT')
  })
})
