import { truncate } from 'node:fs/promises'
import { hostname } from 'node:os'
import { describe, expect, it } from 'vitest'
import { createFaultyDevice } from '../src/device/faultyDevice.ts'
import type { MemoryDevice } from '../src/device/memoryDevice.ts'
import { DiskGroup } from '../src/diskGroup.ts'
import { DM_PFLAG, DM_TFLAG, PL_TFLAG } from '../src/records/types.ts'
import { MiB, expectCode, fileGroup, memoryGroup, pattern, rec } from './harness.ts'

const NODEVICE = PL_TFLAG.REMOVED | PL_TFLAG.NODAREC

/** A group of three memory disks with `mir` (mirrored on disk01 and disk02) holding `pattern(…, 1)`. */
async function mirrorGroup() {
  const g = await memoryGroup(3, 32 * MiB)
  await g.dg.assistMake({ init: 'none', name: 'mir', len: 8192, layout: 'mirror', disks: ['disk01', 'disk02'] })
  await g.dg.start('mir')
  await g.dg.write('mir', 0, pattern(4 * MiB, 1))
  await g.dg.flush('mir')
  await g.dg.stop('mir')
  await g.dg.close()
  const reopen = (...which: number[]) => which.map((i) => (g.devices[i] as MemoryDevice).reopen())
  return { reopen }
}

function expectNoDevice(dg: DiskGroup, disk: string, plex: string): void {
  const dm = rec(dg, disk)
  expect(dm.dm_device).toBe('')
  expect((dm.dm_pflag as number) & DM_PFLAG.REMOVED).toBe(DM_PFLAG.REMOVED)
  expect((dm.dm_tflag as number) & DM_TFLAG.NODAREC).toBe(DM_TFLAG.NODAREC)
  expect((rec(dg, plex).pl_tflag as number) & NODEVICE).toBe(NODEVICE)
}

describe('disks missing, unreadable or short at import', () => {
  it('I79: a missing disk is NODEVICE; start never enables its plex, which is recovered when the disk returns', async () => {
    const g = await mirrorGroup()
    const without = await DiskGroup.import({ devices: g.reopen(0, 2), force: true })
    expectNoDevice(without, 'disk02', 'mir-02')
    expect(without.unusableDisks()).toEqual([{ disk: 'disk02', reason: 'missing' }])
    await without.start('mir')
    expect(rec(without, 'mir-01')).toMatchObject({ pl_kstate: 'ENABLED', pl_state: 'ACTIVE' })
    expect(rec(without, 'mir-02')).toMatchObject({ pl_kstate: 'DISABLED', pl_state: 'STALE' })
    // Written while disk02 is away: only that region is stale on mir-02.
    await without.write('mir', 0, pattern(MiB / 2, 2))
    await without.flush('mir')
    expect(without.staleRegions('mir-02')).toMatchObject({ full: false, regions: [0] })
    await without.stop('mir')
    await without.close()

    const back = await DiskGroup.import({ devices: g.reopen(0, 1, 2) })
    expect((rec(back, 'disk02').dm_tflag as number) & DM_TFLAG.NODAREC).toBe(0)
    expect((rec(back, 'mir-02').pl_tflag as number) & NODEVICE).toBe(0)
    expect(rec(back, 'mir-02').pl_state).toBe('STALE')
    await back.start('mir')
    expect(rec(back, 'mir-02')).toMatchObject({ pl_kstate: 'ENABLED', pl_state: 'ACTIVE' })
    const report = await (await back.verify('mir')).done
    expect(report.mismatches).toEqual([])
    expect((await back.read('mir', 0, MiB / 2)).equals(pattern(MiB / 2, 2))).toBe(true)
    await back.close()
  })

  it('I79: a volume whose only complete plex is on a missing disk does not start, and its plex is left as it was', async () => {
    const g = await memoryGroup(3, 32 * MiB)
    await g.dg.assistMake({ init: 'none', name: 'cat', len: 4096, layout: 'concat', disks: ['disk02'] })
    await g.dg.start('cat')
    await g.dg.write('cat', 0, pattern(MiB, 3))
    await g.dg.stop('cat')
    await g.dg.close()
    const [a, b, c] = g.devices.map((d) => d as MemoryDevice)
    const without = await DiskGroup.import({ devices: [a!.reopen(), c!.reopen()], force: true })
    await expectCode(without.start('cat'), 'VM_UNSTARTABLE')
    expect(rec(without, 'cat-01')).toMatchObject({ pl_state: 'CLEAN', pl_kstate: 'DISABLED' })
    await without.close()
    const back = await DiskGroup.import({ devices: [a!.reopen(), b!.reopen(), c!.reopen()] })
    await back.start('cat')
    expect((await back.read('cat', 0, MiB)).equals(pattern(MiB, 3))).toBe(true)
    await back.close()
  })

  it('I79: a device whose private region cannot be read leaves its disk NODEVICE instead of failing the import', async () => {
    const g = await mirrorGroup()
    const [a, b, c] = g.reopen(0, 1, 2)
    const failing = createFaultyDevice(b!)
    failing.addFault({ ops: ['read'] })
    const dg = await DiskGroup.import({ devices: [a!, failing, c!], force: true })
    expectNoDevice(dg, 'disk02', 'mir-02')
    expect(dg.unusableDisks()).toEqual([{ disk: 'disk02', reason: 'missing' }, { disk: '', reason: 'unreadable', device: failing.location }])
    await dg.start('mir')
    expect(rec(dg, 'mir-02').pl_kstate).toBe('DISABLED')
    expect((await dg.read('mir', 0, MiB)).equals(pattern(MiB, 1))).toBe(true)
    await dg.close()
  })

  it('I77: a disk shorter than its dm_pub_len at import is NODEVICE and its plex is no source', async () => {
    const g = await fileGroup(3, 32 * MiB)
    try {
      await g.dg.assistMake({ init: 'none', name: 'mir', len: 8192, layout: 'mirror', disks: ['disk01', 'disk02'] })
      await g.dg.start('mir')
      await g.dg.write('mir', 0, pattern(MiB, 4))
      await g.dg.stop('mir')
      await g.dg.close()
      await truncate(g.paths[1]!, 16 * MiB)
      const dg = await g.reopen({ force: true })
      expectNoDevice(dg, 'disk02', 'mir-02')
      expect(dg.unusableDisks()).toEqual([{ disk: 'disk02', reason: 'short', device: g.paths[1] }])
      await dg.start('mir')
      expect(rec(dg, 'mir-02').pl_kstate).toBe('DISABLED')
      expect((await dg.read('mir', 0, MiB)).equals(pattern(MiB, 4))).toBe(true)
      await dg.close()
    } finally {
      await g.remove()
    }
  })

  it('I79: every device unreadable fails VM_DALVOPN', async () => {
    const g = await mirrorGroup()
    const devices = g.reopen(0, 1, 2).map((d) => {
      const f = createFaultyDevice(d)
      f.addFault({ ops: ['read'] })
      return f
    })
    await expectCode(DiskGroup.import({ devices }), 'VM_DALVOPN')
  })
})

describe('rule 130: import with missing disks needs force (vxdg -f import)', () => {
  /** The headers of the devices as bytes: what an import that is refused must leave as it was. */
  async function headers(devs: MemoryDevice[]): Promise<Buffer[]> {
    return Promise.all(devs.map(async (d) => Buffer.from(await d.read(0, 2 * 512))))
  }

  it('130: a missing disk fails VM_MISSING_DISKS naming it and writes nothing; with force it imports NODEVICE', async () => {
    const g = await mirrorGroup()
    const present = g.reopen(0, 2) as MemoryDevice[]
    const before = await headers(present)
    const refused = await DiskGroup.import({ devices: present }).then(() => undefined, (e: unknown) => e)
    expect(refused).toMatchObject({ code: 'VM_MISSING_DISKS', details: { disks: [{ disk: 'disk02', reason: 'missing' }] } })
    expect(await headers(present)).toEqual(before)
    const forced = await DiskGroup.import({ devices: g.reopen(0, 2), force: true })
    expectNoDevice(forced, 'disk02', 'mir-02')
    await forced.close()
    // every disk present: no force needed
    const whole = await DiskGroup.import({ devices: g.reopen(0, 1, 2) })
    expect(whole.unusableDisks()).toEqual([])
    await whole.close()
  })

  it('130: an unreadable device, a short disk and an unwritable header each need force too; the refusal gives the claimed headers back', async () => {
    const g = await mirrorGroup()
    const [a, b, c] = g.reopen(0, 1, 2) as MemoryDevice[]
    const unreadable = createFaultyDevice(b!)
    unreadable.addFault({ ops: ['read'] })
    const e1 = await DiskGroup.import({ devices: [a!, unreadable, c!] }).then(() => undefined, (e: unknown) => e)
    expect(e1).toMatchObject({ code: 'VM_MISSING_DISKS', details: { disks: [{ disk: 'disk02', reason: 'missing' }, { disk: '', reason: 'unreadable', device: unreadable.location }] } })

    const [a2, b2, c2] = g.reopen(0, 1, 2) as MemoryDevice[]
    const before = await headers([a2!, b2!, c2!])
    const unwritable = createFaultyDevice(b2!)
    unwritable.addFault({ ops: ['write'] })
    const e2 = await DiskGroup.import({ devices: [a2!, unwritable, c2!] }).then(() => undefined, (e: unknown) => e)
    expect(e2).toMatchObject({ code: 'VM_MISSING_DISKS', details: { disks: [{ disk: 'disk02', reason: 'unwritable', device: unwritable.location }] } })
    expect(await headers([a2!, b2!, c2!])).toEqual(before)
    const forced = await DiskGroup.import({ devices: [a2!, unwritable, c2!], force: true })
    expect(forced.unusableDisks()).toEqual([{ disk: 'disk02', reason: 'unwritable', device: unwritable.location }])
    await forced.close()
  })

  it('130: a disk shorter than recorded fails VM_MISSING_DISKS (reason short) without force', async () => {
    const g = await fileGroup(3, 32 * MiB)
    try {
      await g.dg.assistMake({ init: 'none', name: 'mir', len: 8192, layout: 'mirror', disks: ['disk01', 'disk02'] })
      await g.dg.close()
      await truncate(g.paths[1]!, 16 * MiB)
      const e = await g.reopen().then(() => undefined, (x: unknown) => x)
      expect(e).toMatchObject({ code: 'VM_MISSING_DISKS', details: { disks: [{ disk: 'disk02', reason: 'short', device: g.paths[1] }] } })
      const dg = await g.reopen({ force: true })
      expectNoDevice(dg, 'disk02', 'mir-02')
      await dg.close()
    } finally {
      await g.remove()
    }
  })

  it('130: force that is not a boolean fails VM_INVALID_PARAM', async () => {
    const g = await mirrorGroup()
    await expectCode(DiskGroup.import({ devices: g.reopen(0, 1, 2), force: 1 as unknown as boolean }), 'VM_INVALID_PARAM')
  })
})

describe('rule 131: an import held by another host is refused VM_BUSY naming it until cleared (vxdg -C import)', () => {
  it('131: details.importedBy names the other host; clearImport takes the group over', async () => {
    const g = await memoryGroup(2, 32 * MiB)
    const reopen = () => g.devices.map((d) => (d as MemoryDevice).reopen())
    await g.dg.close() // hostA went down without deporting
    const refused = await DiskGroup.import({ devices: reopen(), host: 'hostB' }).then(() => undefined, (e: unknown) => e)
    expect(refused).toMatchObject({ code: 'VM_BUSY', details: { importedBy: hostname() } })
    await expectCode(DiskGroup.import({ devices: reopen(), host: 'hostB', clearImport: 'yes' as unknown as boolean }), 'VM_INVALID_PARAM')
    const taken = await DiskGroup.import({ devices: reopen(), host: 'hostB', clearImport: true })
    expect(taken.name).toBe('testdg')
    await taken.close()
  })
})
