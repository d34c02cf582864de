import { describe, expect, it } from 'vitest'
import { createFaultyDevice, createPowerRail } from '../src/device/faultyDevice.ts'
import { type MemoryDevice, createMemoryDevice } from '../src/device/memoryDevice.ts'
import { DiskGroup, REGION_SECTORS } from '../src/diskGroup.ts'
import { CONFIG_SLOTS, MiB, expectCode, faultyMemoryGroup, pattern } from './harness.ts'

const SIZE = 8 * MiB
const LEN = 2 * REGION_SECTORS
const BYTES = LEN * 512

/** A copy of a disk's image on a device of its own (an array snapshot, a restored backup). */
async function imageCopy(m: MemoryDevice, label: string): Promise<MemoryDevice> {
  const copy = createMemoryDevice(m.size, label)
  const from = m.reopen()
  for (let off = 0; off < m.size; off += MiB) {
    const b = await from.read(off, MiB)
    if (b.some((x) => x !== 0)) await copy.write(off, b)
  }
  await copy.flush()
  await from.close()
  return copy
}

const volumes = (dg: DiskGroup) => dg.config().volumes.map((v) => v.v_name).sort()
const diskid = (dg: DiskGroup, name: string) => dg.config().disks.find((d) => d.dm_name === name)!.dm_diskid

/** Starts `volume`, lets its recovery end and reads it whole; every plex then ENABLED ACTIVE and identical (verify). */
async function readRecovered(dg: DiskGroup, volume: string): Promise<Buffer> {
  await dg.start(volume)
  for (const h of await dg.resumeInterrupted()) await h.done
  expect((await (await dg.verify(volume)).done).mismatches).toEqual([])
  const plexes = dg.config().plexes.filter((p) => p.pl_v_name === volume)
  expect(plexes.map((p) => [p.pl_state, p.pl_kstate])).toEqual(plexes.map(() => ['ACTIVE', 'ENABLED']))
  const data = await dg.read(volume, 0, BYTES)
  await dg.stop(volume)
  return data
}

/** One half imported alone (forced): `volume` made on `disk`, `mirror` written `data`; its last tid. */
async function changeHalf(devices: Parameters<typeof DiskGroup.import>[0]['devices'], volume: string, disk: string, data: Buffer): Promise<number> {
  const half = await DiskGroup.import({ devices, force: true })
  await half.assistMake({ init: 'none', name: volume, len: LEN, layout: 'concat', disks: [disk] })
  await half.start('mirror')
  await half.write('mirror', 0, data)
  await half.stop('mirror')
  const tid = half.tid
  await half.deport()
  return tid
}

/**
 * Two halves of one group changed apart (rule 350): `mirror` mirrored on disk01 and disk03 holds
 * `before`; then disk01 and disk02 are imported without disk03 (forced), `one` is made and
 * `mirror` written `left`; a copy of disk02's image taken before (a restored backup, an array
 * snapshot another host imported) is imported with disk03, `two` made and `mirror` written
 * `right`. Every write is flushed and every commit acknowledged on each side.
 */
async function splitGroup() {
  const { dg, mems } = await faultyMemoryGroup(3, SIZE)
  await dg.assistMake({ init: 'zero', name: 'mirror', len: LEN, layout: 'mirror', nmirror: 2, disks: ['disk01', 'disk03'] })
  const before = pattern(BYTES, 1)
  await dg.write('mirror', 0, before)
  await dg.stop('mirror')
  const ids = { disk01: diskid(dg, 'disk01'), disk02: diskid(dg, 'disk02'), disk03: diskid(dg, 'disk03') }
  await dg.deport()
  const disk02copy = await imageCopy(mems[1]!, 'disk02-copy')

  const left = pattern(BYTES, 2)
  const leftTid = await changeHalf([mems[0]!.reopen(), mems[1]!.reopen()], 'one', 'disk01', left)
  const right = pattern(BYTES, 3)
  const rightTid = await changeHalf([disk02copy.reopen(), mems[2]!.reopen()], 'two', 'disk03', right)
  return { mems, ids, before, left, right, leftTid, rightTid }
}

describe('serial split brain (rule 350)', () => {
  it('350 two halves changed apart: the import of all the disks is refused VM_SPLIT_BRAIN naming each side and its tid, and changes nothing', async () => {
    const { mems, ids, leftTid, rightTid } = await splitGroup()
    const err = await DiskGroup.import({ devices: mems.map((m) => m.reopen()) }).then(
      () => undefined,
      (e: unknown) => e as { code: string; details?: { sides?: Array<{ disks: string[]; diskids: string[]; tid: number }> } },
    )
    expect(err?.code).toBe('VM_SPLIT_BRAIN')
    const sides = [...(err?.details?.sides ?? [])].sort((a, b) => a.disks[0]!.localeCompare(b.disks[0]!))
    expect(sides).toEqual([
      { disks: ['disk01', 'disk02'], diskids: [ids.disk01, ids.disk02], tid: leftTid },
      { disks: ['disk03'], diskids: [ids.disk03], tid: rightTid },
    ])
    // refused before anything was written: the same import is refused the same way, and each half still imports alone
    await expectCode(DiskGroup.import({ devices: mems.map((m) => m.reopen()) }), 'VM_SPLIT_BRAIN')
    const half = await DiskGroup.import({ devices: [mems[0]!.reopen(), mems[1]!.reopen()], force: true })
    expect(volumes(half)).toEqual(['mirror', 'one'])
    await half.close()
  })

  it('350 disk01 comes back with disk03 alone: refused VM_SPLIT_BRAIN too (the newest copy does not win silently)', async () => {
    const { mems } = await splitGroup()
    await expectCode(DiskGroup.import({ devices: [mems[0]!.reopen(), mems[2]!.reopen()], force: true }), 'VM_SPLIT_BRAIN')
    await expectCode(DiskGroup.import({ devices: [mems[1]!.reopen(), mems[2]!.reopen()], force: true }), 'VM_SPLIT_BRAIN')
  })

  for (const side of ['disk01', 'disk03'] as const) {
    it(`350 selectcp=${side}'s disk id: its side wins whole (records and flushed data), the other side's disks get its configuration, what was dropped is reported`, async () => {
      const { mems, ids, left, right } = await splitGroup()
      const dg = await DiskGroup.import({ devices: mems.map((m) => m.reopen()), selectcp: ids[side] })
      const [mine, theirs, data] = side === 'disk01' ? ['one', 'two', left] : ['two', 'one', right]
      expect(volumes(dg)).toEqual(['mirror', mine])
      const dropped = dg.droppedConfigs()
      expect(dropped.map((d) => d.disks)).toEqual([side === 'disk01' ? ['disk03'] : ['disk01', 'disk02']])
      expect(dropped[0]!.records).toContain(theirs)
      expect((await readRecovered(dg, 'mirror')).equals(data)).toBe(true)
      await dg.deport()
      // every disk holds the chosen configuration now: a plain import of all, and of any two, takes it
      const all = await DiskGroup.import({ devices: mems.map((m) => m.reopen()) })
      expect(volumes(all)).toEqual(['mirror', mine])
      expect(all.droppedConfigs()).toEqual([])
      expect((await readRecovered(all, 'mirror')).equals(data)).toBe(true)
      await all.deport()
      for (const pair of [[0, 1], [1, 2], [0, 2]]) {
        const two = await DiskGroup.import({ devices: pair.map((i) => mems[i]!.reopen()), force: true })
        expect(volumes(two)).toEqual(['mirror', mine])
        await two.close()
      }
    })
  }

  it('350 selectcp names a disk by its disk media name when one device has it; an unknown one is VM_NOT_FOUND, a bad one VM_INVALID_PARAM', async () => {
    const { mems, right } = await splitGroup()
    await expectCode(DiskGroup.import({ devices: mems.map((m) => m.reopen()), selectcp: 'nosuchdisk' }), 'VM_NOT_FOUND')
    await expectCode(DiskGroup.import({ devices: mems.map((m) => m.reopen()), selectcp: '' }), 'VM_INVALID_PARAM')
    const dg = await DiskGroup.import({ devices: mems.map((m) => m.reopen()), selectcp: 'disk03' })
    expect(volumes(dg)).toEqual(['mirror', 'two'])
    expect((await readRecovered(dg, 'mirror')).equals(right)).toBe(true)
    await dg.close()
  })

  it('350 a power cut at each device write of the import that chose disk03: the next import takes disk03\'s side (again with selectcp while no disk got it), every disk ends with it, the flushed data kept and the plexes identical', async () => {
    const { mems, ids, right } = await splitGroup()
    const images = await Promise.all(mems.map((m, i) => imageCopy(m, `split${i}`)))
    const outcomes = { refusedAfter: 0, importedAfter: 0 }
    for (let k = 0; ; k++) {
      const disks = await Promise.all(images.map((m, i) => imageCopy(m, `cut${k}-${i}`)))
      const rail = createPowerRail()
      rail.tripAfter(k)
      const cut = await DiskGroup.import({ devices: disks.map((m) => createFaultyDevice(m.reopen(), { rail, volatileCache: true })), selectcp: ids.disk03 }).catch(() => undefined)
      await cut?.close().catch(() => {})
      const plain = await DiskGroup.import({ devices: disks.map((m) => m.reopen()) }).catch((e: { code?: string }) => {
        expect(e.code).toBe('VM_SPLIT_BRAIN')
        return undefined
      })
      if (plain) outcomes.importedAfter++
      else outcomes.refusedAfter++
      const dg = plain ?? (await DiskGroup.import({ devices: disks.map((m) => m.reopen()), selectcp: ids.disk03 }))
      expect(volumes(dg)).toEqual(['mirror', 'two'])
      expect((await readRecovered(dg, 'mirror')).equals(right)).toBe(true)
      await dg.deport()
      const again = await DiskGroup.import({ devices: disks.map((m) => m.reopen()) })
      expect(volumes(again)).toEqual(['mirror', 'two'])
      await again.close()
      if (!rail.tripped) break
    }
    expect(outcomes.refusedAfter).toBeGreaterThan(0)
    expect(outcomes.importedAfter).toBeGreaterThan(0)
  })
})

describe('a membership change keeps the quorum of the configuration before it (rule 351)', () => {
  it('351 a replace of disk01 that reached disk03 and the new disk alone (disk02\'s copy failed) is refused VM_FORCEOFF and taken back: the import of disk01 with disk02 takes the group as it was, with nothing acknowledged lost', async () => {
    const { dg, faulty: f, mems } = await faultyMemoryGroup(3, SIZE)
    await dg.assistMake({ init: 'none', name: 'v1', len: LEN, layout: 'concat', disks: ['disk02'] })
    const old01 = diskid(dg, 'disk01')
    f[1]!.addFault({ ops: ['write'], range: CONFIG_SLOTS })
    const fresh = createMemoryDevice(SIZE, 'fresh')
    // before, the replace returned (2 of the new membership's 3 copies), and the import below lost it
    await expectCode(dg.replaceDisk('disk01', createFaultyDevice(fresh)), 'VM_FORCEOFF')
    await dg.close()
    const pair = await DiskGroup.import({ devices: [mems[0]!.reopen(), mems[1]!.reopen()], force: true })
    expect(diskid(pair, 'disk01')).toBe(old01)
    expect(volumes(pair)).toEqual(['v1'])
    await pair.close()
    const all = await DiskGroup.import({ devices: mems.map((m) => m.reopen()) })
    expect(diskid(all, 'disk01')).toBe(old01)
    await all.close()
  })

  it('351 a replace that reaches a majority of the membership before it and after it commits as before', async () => {
    const { dg, mems } = await faultyMemoryGroup(3, SIZE)
    const fresh = createMemoryDevice(SIZE, 'fresh')
    await dg.replaceDisk('disk01', createFaultyDevice(fresh))
    const replaced = diskid(dg, 'disk01')
    await dg.close()
    const all = await DiskGroup.import({ devices: [fresh.reopen(), mems[1]!.reopen(), mems[2]!.reopen()] })
    expect(diskid(all, 'disk01')).toBe(replaced)
    await all.close()
  })
})
