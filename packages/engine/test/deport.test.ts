// vxdg deport (rules 449, 450): what refuses it (and leaves the group imported, unchanged), its dry
// run, and a power cut at each of its header writes, after which the group still imports whole.
import { hostname } from 'node:os'
import { describe, expect, it } from 'vitest'
import { type FaultyDevice, createFaultyDevice, createPowerRail } from '../src/device/faultyDevice.ts'
import type { MemoryDevice } from '../src/device/memoryDevice.ts'
import { readHeader } from '../src/disk/privateRegion.ts'
import { DiskGroup } from '../src/diskGroup.ts'
import { isEngineError } from '../src/errors.ts'
import { MiB, expectCode, memoryGroup, pattern } from './harness.ts'

const LEN = 2048

/** A 2-way mirror `mir` and a concat `cat` on three memory disks, each written, then stopped. */
async function stoppedGroup(wrap?: (d: MemoryDevice) => ReturnType<typeof createFaultyDevice>) {
  const mems: MemoryDevice[] = []
  const { dg, devices } = await memoryGroup(3, 32 * MiB, {
    wrap: (d) => {
      mems.push(d as MemoryDevice)
      return wrap ? wrap(d as MemoryDevice) : d
    },
  })
  await dg.assistMake({ init: 'none', name: 'mir', len: LEN, layout: 'mirror', disks: ['disk01', 'disk02'] })
  await dg.assistMake({ init: 'none', name: 'cat', len: LEN, layout: 'concat', disks: ['disk03'] })
  for (const [i, v] of ['mir', 'cat'].entries()) {
    await dg.start(v)
    await dg.write(v, 0, pattern(LEN * 512, 40 + i))
    await dg.stop(v)
  }
  return { dg, devices, mems }
}

/** What an import must give back: every record's state and every volume's bytes. */
async function contents(dg: DiskGroup): Promise<unknown> {
  const c = dg.config()
  const states = [...c.volumes.map((v) => [v.v_name, v.v_state, v.v_kstate]), ...c.plexes.map((p) => [p.pl_name, p.pl_state, p.pl_v_name])]
  const bytes: string[] = []
  for (const v of ['mir', 'cat']) {
    await dg.start(v)
    bytes.push((await dg.read(v, 0, LEN * 512)).equals(pattern(LEN * 512, v === 'mir' ? 40 : 41)) ? `${v} intact` : `${v} changed`)
    await dg.stop(v)
  }
  return { states, bytes }
}

const hostsOf = (devices: MemoryDevice[]) => Promise.all(devices.map(async (d) => (await readHeader(d.reopen()))?.hostid))

describe('rule 449: vxdg deport refuses while the group is in use, and then changes nothing', () => {
  it('449 a started volume refuses VM_VOL_ENABLED naming it; a running task VM_BUSY naming it; the group stays imported, its headers naming this host', async () => {
    // disk03's I/O can be held: a task copying onto it runs until released
    let release = () => {}
    const hold = new Promise<void>((r) => (release = r))
    const { dg, devices, mems } = await stoppedGroup((d) => createFaultyDevice(d, { sleep: () => hold }))
    await dg.makeRecords([{ type: 'sd', name: 'c1', disk: 'disk03', len: LEN }, { type: 'plex', name: 'copy', sd: ['c1'] }])
    await dg.start('mir')
    const tid = dg.tid
    const refused = await dg.deport().catch((e: unknown) => e)
    expect(isEngineError(refused) && [refused.code, refused.details]).toEqual(['VM_VOL_ENABLED', { volumes: ['mir'] }])
    await expectCode(dg.deport({ dryRun: true }), 'VM_VOL_ENABLED')
    await dg.stop('mir')
    // a plex copy of the stopped concat, held by disk03: a task on the group with every volume stopped
    let task = ''
    ;(devices[2] as FaultyDevice).setLatency(1)
    const copied = dg.copyPlex('cat', 'copy', { onTask: (id) => (task = id) })
    while (task === '') await new Promise((r) => setImmediate(r))
    const busy = await dg.deport().catch((e: unknown) => e)
    expect(isEngineError(busy) && [busy.code, busy.details]).toEqual(['VM_BUSY', { tasks: [task] }])
    expect([dg.tid - tid, await hostsOf(mems)]).toEqual([2, [hostname(), hostname(), hostname()]]) // the stop's commits, nothing of the deports
    release()
    await copied
    ;(devices[2] as FaultyDevice).setLatency(0)
    // in use no more: the dry run reports, and changes nothing; the deport clears every header
    expect(await dg.deport({ dryRun: true })).toEqual({ name: 'testdg', dryRun: true, disks: ['disk01', 'disk02', 'disk03'], volumes: ['mir', 'cat'] })
    expect(await hostsOf(mems)).toEqual([hostname(), hostname(), hostname()])
    expect(await dg.deport()).toEqual({ name: 'testdg', dryRun: false, disks: ['disk01', 'disk02', 'disk03'], volumes: ['mir', 'cat'] })
    expect(await hostsOf(mems)).toEqual([undefined, undefined, undefined])
    await expectCode(dg.deport(), 'VM_OFFLINE')
    const back = await DiskGroup.import({ devices: mems.map((m) => m.reopen()) })
    expect(back.config().plexes.map((p) => p.pl_name).sort()).toEqual(['cat-01', 'copy', 'mir-01', 'mir-02'])
    await back.close()
  })
})

describe('rule 450: a power cut at any header write of a deport leaves a group that imports whole', () => {
  it('450 cut after each device write of a deport: the headers written name no importer, the rest this host, and the import gives back every state and byte', async () => {
    const reference = await stoppedGroup()
    const want = await contents(reference.dg)
    await reference.dg.close()
    const run = async (cut: number | undefined) => {
      const rail = createPowerRail()
      const { dg, mems } = await stoppedGroup((d) => createFaultyDevice(d, { rail }))
      const base = rail.writes
      if (cut !== undefined) rail.tripAfter(cut)
      await dg.deport().catch(() => {})
      await dg.close()
      const writes = rail.writes - base
      const hosts = (await hostsOf(mems)).map((h) => (h === undefined ? '-' : 'H')).join('')
      const again = await DiskGroup.import({ devices: mems.map((m) => m.reopen()) })
      expect(await contents(again)).toEqual(want)
      await again.close()
      return { writes, hosts }
    }
    const whole = await run(undefined)
    expect(whole.hosts).toBe('---')
    const seen = new Set<string>()
    for (let cut = 0; cut < whole.writes; cut++) seen.add((await run(cut)).hosts)
    // the cuts landed before, between and after the header writes of each disk
    expect([...seen]).toEqual(['HHH', '-HH', '--H', '---'].slice(0, seen.size))
    expect(seen.size).toBeGreaterThanOrEqual(3)
  })
})
