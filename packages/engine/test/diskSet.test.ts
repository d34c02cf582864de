// The disk set on its own (disk/diskSet.ts): which disks have a device and what the records then
// show, the importer cleared from the headers at deport, and the close that flushes, closes and
// releases every device lock it holds.
import { describe, expect, it } from 'vitest'
import { createFaultyDevice } from '../src/device/faultyDevice.ts'
import { createMemoryDevice } from '../src/device/memoryDevice.ts'
import { type DiskRuntime, DiskSet } from '../src/disk/diskSet.ts'
import { type DiskHeader, readHeader } from '../src/disk/privateRegion.ts'
import type { EngineErrorCode } from '../src/errors.ts'
import { createGroup } from '../src/lifecycle/create.ts'
import { DiskGroup } from '../src/diskGroup.ts'
import { DM_PFLAG, DM_TFLAG } from '../src/records/types.ts'
import { MiB } from './harness.ts'

/** A new group's configuration and its disks, as create opens them; `released` counts the lock releases. */
async function opened() {
  const devices = [1, 2, 3].map((i) => createMemoryDevice(8 * MiB, `d${i}`))
  const o = await createGroup({ name: 'dg', disks: devices.map((device, i) => ({ name: `disk0${i + 1}`, device })), host: 'here' })
  const released: string[] = []
  const set = new DiskSet(o.disks, async () => {
    released.push('group')
    await o.release()
  })
  return { cfg: o.cfg, set, devices, released, disks: o.disks }
}

function warnings() {
  const seen: Array<{ code: EngineErrorCode; object: string | undefined }> = []
  return { seen, report: (code: EngineErrorCode, _message: string, object?: string) => void seen.push({ code, object }) }
}

describe('disk set', () => {
  it('I79: a disk without a device is REMOVED and NODAREC with no device path; a memory disk is VOLATILE', async () => {
    const { cfg, set, disks } = await opened()
    const [d1, d2] = cfg.disks
    const rt = disks.get(d2!.dm_rid)!
    set.set(d2!.dm_rid, { ...rt, dev: undefined } satisfies DiskRuntime)
    set.refreshState(cfg)
    expect([d1!.dm_device, d1!.dm_pflag & DM_PFLAG.REMOVED, d1!.dm_tflag & (DM_TFLAG.NODAREC | DM_TFLAG.VOLATILE)]).toEqual(['d1', 0, DM_TFLAG.VOLATILE])
    expect([d2!.dm_device, d2!.dm_pflag & DM_PFLAG.REMOVED, d2!.dm_tflag & DM_TFLAG.NODAREC]).toEqual(['', DM_PFLAG.REMOVED, DM_TFLAG.NODAREC])
    expect([...set.devices()].map((d) => d.location)).toEqual(['d1', 'd3'])
    await set.close(warnings().report)
  })

  it('knows the devices it holds by their lock key, not by the handle', async () => {
    const { set, devices } = await opened()
    expect(set.holds(devices[0]!)).toBe(true)
    expect(set.holds(createMemoryDevice(8 * MiB, 'd1'))).toBe(false)
    await set.close(warnings().report)
  })

  it('I80: deport clears the importer from every header; one that fails to write is reported VM_WRTDAERR by its disk', async () => {
    const { set, disks } = await opened()
    const rts = [...disks.values()]
    const faulty = createFaultyDevice(rts[1]!.dev!)
    rts[1]!.dev = faulty
    faulty.addFault({ ops: ['write'] })
    const w = warnings()
    await set.clearImporter(w.report)
    const headers = await Promise.all([rts[0]!, rts[2]!].map((r) => readHeader(r.dev!)))
    expect(headers.map((h) => h?.hostid)).toEqual([undefined, undefined])
    expect(w.seen).toEqual([{ code: 'VM_WRTDAERR', object: 'disk02' }])
    faulty.clearFaults()
    await set.close(w.report)
  })

  it('close flushes and closes every device, then releases the group\'s locks and each kept one, once', async () => {
    const { set, devices, released } = await opened()
    set.keepLock(async () => void released.push('added disk'))
    const w = warnings()
    await set.close(w.report)
    expect(released).toEqual(['group', 'added disk'])
    await expect(devices[0]!.read(0, 512)).rejects.toMatchObject({ code: 'VM_CLOSED' })
    expect(w.seen).toEqual([])
    // the devices are free again: a new group takes them
    const again = await createGroup({ name: 'dg2', disks: devices.map((d, i) => ({ name: `disk0${i + 1}`, device: (d as ReturnType<typeof createMemoryDevice>).reopen() })), force: true })
    await again.release()
  })

  it('after close, deport touches no header (the group is gone)', async () => {
    const { set, disks } = await opened()
    const rt = [...disks.values()][0]!
    const before: DiskHeader = rt.header
    await set.close(warnings().report)
    await set.clearImporter(warnings().report)
    expect(rt.header).toBe(before)
  })

  it('232: dm_last_da_name holds the whole device path, at creation and as an import finds the device (no 32-character cut)', async () => {
    const long = `/srv/plexa/data/disks/${'a-long-directory-name/'.repeat(3)}demodg-disk01.img`
    expect(long.length).toBeGreaterThan(64)
    const dev = createMemoryDevice(16 * MiB, long)
    const other = createMemoryDevice(16 * MiB, `${long}.second`)
    const dg = await DiskGroup.create({ name: 'longdg', disks: [{ name: 'disk01', device: dev }, { name: 'disk02', device: other }] })
    expect(dg.config().disks.map((d) => d.dm_last_da_name)).toEqual([long, `${long}.second`])
    await dg.close()
    // the stored record keeps it whole, and the import's refresh writes it whole again
    const again = await DiskGroup.import({ devices: [dev.reopen(), other.reopen()] })
    expect(again.config().disks.map((d) => [d.dm_last_da_name, d.dm_device])).toEqual([[long, long], [`${long}.second`, `${long}.second`]])
    await again.close()
  })

  it('280: sd_path and sd_da_name hold the whole device path of the subdisk\'s disk (no 32-character cut)', async () => {
    const long = `/srv/plexa/data/disks/${'a-long-directory-name/'.repeat(3)}demodg-disk01.img`
    const dg = await DiskGroup.create({ name: 'longdg', disks: [{ name: 'disk01', device: createMemoryDevice(16 * MiB, long) }] })
    await dg.assistMake({ init: 'none', name: 'vol', len: 2048 })
    expect(dg.config().subdisks.map((sd) => [sd.sd_path, sd.sd_da_name])).toEqual([[long, long]])
    await dg.close()
  })
})
