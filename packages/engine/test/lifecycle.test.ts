// The lifecycle layer on its own (lifecycle/): import's choices from the headers and copies it
// read (pure: which group, which configuration, which device serves which disk), the kernel log
// folded into the records, and create's and import's argument checks.
import { describe, expect, it } from 'vitest'
import { toStored } from '../src/config/stored.ts'
import { createMemoryDevice } from '../src/device/memoryDevice.ts'
import { type ConfigCopy, encodeConfigPayload } from '../src/disk/privateRegion.ts'
import { EngineError } from '../src/errors.ts'
import { checkCreateOptions, createGroup } from '../src/lifecycle/create.ts'
import { type FoundDisk, absentDisks, checkImportOptions, chooseImported, foldKernelLog, pickGroup, planImportDisks } from '../src/lifecycle/import.ts'
import { type Config, PL_PFLAG } from '../src/records/types.ts'
import { MiB, expectCode, memoryGroup } from './harness.ts'

/** A group of three memory disks as create opens it: its configuration, and each device with its header. */
async function created(name = 'dg') {
  const devices = [1, 2, 3].map((i) => createMemoryDevice(8 * MiB, `${name}-d${i}`))
  const opened = await createGroup({ name, disks: devices.map((device, i) => ({ name: `disk0${i + 1}`, device })) })
  await opened.release()
  const found: FoundDisk[] = [...opened.disks.values()].map((d) => ({ dev: d.dev!, header: d.header }))
  return { cfg: opened.cfg, found }
}

/** The copy of `c` a disk holds in `slot`, at tid `tid`. */
function copyOf(c: Config, tid: number, slot: 0 | 1 = 0): ConfigCopy {
  const at = { ...structuredClone(c), tid }
  return { slot, tid, payload: encodeConfigPayload(toStored(at)) }
}

describe('lifecycle: import planning (pure)', () => {
  it('I79/130: each disk gets the device holding its disk id and the slot of its copy of the chosen tid; a disk without one is missing', async () => {
    const { cfg, found } = await created()
    const [d1, d2, d3] = cfg.disks
    const copies = new Map([[d1!.dm_diskid, [copyOf(cfg, 0, 1)]], [d2!.dm_diskid, [copyOf(cfg, 0, 0)]]])
    const plan = planImportDisks(cfg, found.slice(0, 2), copies)
    expect(plan.map((p) => [p.dm.dm_name, p.found?.dev.location, p.slot, p.short])).toEqual([
      ['disk01', 'dg-d1', 1, false],
      ['disk02', 'dg-d2', 0, false],
      ['disk03', undefined, -1, false],
    ])
    expect(absentDisks(plan)).toEqual([{ disk: d3!.dm_name, reason: 'missing' }])
    expect(absentDisks(planImportDisks(cfg, found, copies))).toEqual([])
  })

  it('I77: a device shorter than its disk\'s public region is short, named with its device', async () => {
    const { cfg, found } = await created()
    const shorter = createMemoryDevice(4 * MiB, 'small')
    const plan = planImportDisks(cfg, [found[0]!, { dev: shorter, header: found[1]!.header }, found[2]!], new Map())
    expect(plan.map((p) => p.short)).toEqual([false, true, false])
    expect(absentDisks(plan)).toEqual([{ disk: 'disk02', reason: 'short', device: 'small' }])
  })

  it('H71/132/265: the newest configuration, when a majority of its copies are read; none read is VM_MAPFOPN, no majority VM_NOQUORUM, either VM_MAPFRDWR when reads failed', async () => {
    const { cfg } = await created()
    const [d1, d2, d3] = cfg.disks.map((d) => d.dm_diskid)
    const dgid = cfg.dg.dg_dgid
    const failed = [new EngineError('VM_MAPFRDWR', 'read failed')]
    const majority = new Map([[d1!, [copyOf(cfg, 4), copyOf(cfg, 5, 1)]], [d2!, [copyOf(cfg, 4)]], [d3!, [copyOf(cfg, 4)]]])
    // d2 and d3 missed tid 5 (rule 265): their copies still count, and tid 5 is the newest
    expect(chooseImported('dg', dgid, majority, []).cfg.tid).toBe(5)
    expect(chooseImported('dg', dgid, majority, failed).cfg.tid).toBe(5)
    const minority = new Map([[d1!, [copyOf(cfg, 5)]], [d2!, []], [d3!, []]])
    await expectCode(() => chooseImported('dg', dgid, minority, []), 'VM_NOQUORUM')
    await expectCode(() => chooseImported('dg', dgid, minority, failed), 'VM_MAPFRDWR')
    const none = new Map([[d1!, []], [d2!, []]])
    await expectCode(() => chooseImported('dg', dgid, none, []), 'VM_MAPFOPN')
    await expectCode(() => chooseImported('dg', dgid, none, failed), 'VM_MAPFRDWR')
  })

  it('I83: the group is the one named (else the first device\'s); a device of another group is VM_INV_DEVENT, none of the group VM_NOT_FOUND, no header read VM_DALVOPN', async () => {
    const a = await created('dga')
    const b = await created('dgb')
    const picked = pickGroup(a.found, [], undefined)
    expect(picked).toMatchObject({ wanted: 'dga', dgid: a.cfg.dg.dg_dgid })
    expect(picked.mine.map((m) => m.dev.location)).toEqual(['dga-d1', 'dga-d2', 'dga-d3'])
    await expectCode(() => pickGroup([...a.found, ...b.found], [], 'dga'), 'VM_INV_DEVENT')
    await expectCode(() => pickGroup(a.found, [], 'dgb'), 'VM_NOT_FOUND')
    await expectCode(() => pickGroup([], [{ dev: a.found[0]!.dev, error: new EngineError('VM_DALVOPN', 'unreadable') }], undefined), 'VM_DALVOPN')
  })

  it('I50: a plex the kernel log says detached is KDETACH and STALE, IOFAIL if it was current, and keeps an earlier detach tid', async () => {
    const { dg } = await memoryGroup(3, 32 * MiB)
    await dg.assistMake({ init: 'none', name: 'mir', len: 8192, layout: 'mirror', nmirror: 3 })
    const c = dg.config()
    const [p1, p2, p3] = c.plexes
    p1!.pl_state = 'ACTIVE'
    p2!.pl_state = 'STALE'
    p2!.pl_detach_tid = 3
    foldKernelLog(c, { dirty: [], detached: [{ plexRid: p1!.pl_rid, tid: 7 }, { plexRid: p2!.pl_rid, tid: 8 }, { plexRid: 999, tid: 9 }] })
    const kdetached = PL_PFLAG.KDETACH | PL_PFLAG.STALE
    expect([p1!.pl_pflag & kdetached, p1!.pl_state, p1!.pl_detach_tid]).toEqual([kdetached, 'IOFAIL', 7])
    expect([p2!.pl_pflag & kdetached, p2!.pl_state, p2!.pl_detach_tid]).toEqual([kdetached, 'STALE', 3])
    expect(p3).toEqual(dg.config().plexes[2])
    await dg.close()
  })
})

describe('lifecycle: arguments checked before any device is touched', () => {
  it('I1: create needs a valid profile, a valid group name and disks with unique valid names', async () => {
    const device = createMemoryDevice(8 * MiB)
    await expectCode(() => checkCreateOptions({ name: 'dg', disks: [] }), 'VM_INVALID_PARAM')
    await expectCode(() => checkCreateOptions({ name: 'dg', disks: [{ name: 'disk01', device }], profile: 'nope' as 'classic' }), 'VM_INVALID_PARAM')
    await expectCode(() => checkCreateOptions({ name: 'dg', disks: [{ name: 'disk01', device }, { name: 'disk01', device }] }), 'VM_EXISTS')
    await expectCode(() => checkCreateOptions({ name: 'dg', disks: [{ name: 'dg', device }] }), 'VM_EXISTS')
    expect(() => checkCreateOptions({ name: 'dg', disks: [{ name: 'disk01', device }] })).not.toThrow()
  })

  it('I57 (a boolean is a boolean, as resync\'s Force): import needs devices and boolean force and clearImport', async () => {
    const device = createMemoryDevice(8 * MiB)
    await expectCode(() => checkImportOptions({ devices: [] }), 'VM_INVALID_PARAM')
    await expectCode(() => checkImportOptions({ devices: [device], force: 'yes' as unknown as boolean }), 'VM_INVALID_PARAM')
    await expectCode(() => checkImportOptions({ devices: [device], clearImport: 1 as unknown as boolean }), 'VM_INVALID_PARAM')
    expect(() => checkImportOptions({ devices: [device], force: true, clearImport: false })).not.toThrow()
  })
})
