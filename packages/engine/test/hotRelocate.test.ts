import { describe, expect, it } from 'vitest'
import type { DiskGroup } from '../src/diskGroup.ts'
import type { FaultyDevice } from '../src/device/faultyDevice.ts'
import type { EngineEvent } from '../src/events.ts'
import { DG_PFLAG, DM_PFLAG } from '../src/records/types.ts'
import { expectCode, faultyMemoryGroup, memoryGroup, pattern, plexImage, rec, recordEvents } from './harness.ts'
import type { MemoryDevice } from '../src/device/memoryDevice.ts'
import { BYTES, LEN, crashRig, crashRun, disksOfVolume, everyCut } from './opsHarness.ts'
import { DiskGroup as Group } from '../src/diskGroup.ts'
import { DurableModel } from './durableModel.ts'
import { createRandom } from './random.ts'

/** The disks holding the subdisks of plex `plex`. */
function disksOf(dg: DiskGroup, plex: string): string[] {
  const c = dg.config()
  const pl = c.plexes.find((p) => p.pl_name === plex)!
  return c.subdisks.filter((s) => s.sd_plex_rid === pl.pl_rid).map((s) => s.sd_dm_name).sort()
}

const pflag = (dg: DiskGroup, disk: string) => rec(dg, disk).dm_pflag as number

/**
 * A 4-disk group on faulty devices with a started, flushed 2-way mirror `v1` on disk01 and disk02;
 * `fail(disk)` makes every I/O of the disk fail and writes `v1` until the engine has detached the
 * plex there (the kernel detach of an I/O error).
 */
async function failingMirror(n = 4) {
  const { dg, faulty } = await faultyMemoryGroup(n, 16 << 20)
  await dg.assistMake({ name: 'v1', len: LEN, layout: 'mirror', disks: ['disk01', 'disk02'] })
  const data = pattern(BYTES, 11)
  await dg.write('v1', 0, data)
  await dg.flush('v1')
  const fail = async (disk: string) => {
    faulty[Number(disk.slice(4)) - 1]!.addFault({})
    // the same bytes again: the write reaches the surviving plex and fails on the disk
    await dg.write('v1', 0, data.subarray(0, 4096))
  }
  return { dg, faulty: faulty as FaultyDevice[], data, fail }
}

describe('spare disks (vxedit set spare=on)', () => {
  it('rule 330: a spare disk is never chosen by ordinary allocation (make, mirror, grow, evacuate) unless named, and says so in its flags', async () => {
    const { dg } = await faultyMemoryGroup(4, 16 << 20)
    await dg.set('disk04', { spare: 'on' })
    expect(pflag(dg, 'disk04') & DM_PFLAG.SPARE).toBe(DM_PFLAG.SPARE)
    // disk04 has the most free space of all once the others hold something: still never chosen
    // disk04 has the most free space of all once the others hold something: still never chosen
    await dg.makeSubdisk({ name: 'f1', disk: 'disk01', len: 1024 })
    await dg.makeSubdisk({ name: 'f2', disk: 'disk02', len: 1024 })
    await dg.makeSubdisk({ name: 'f3', disk: 'disk03', len: 1024 })
    await dg.assistMake({ name: 'c1', len: LEN })
    expect(disksOfVolume(dg, 'c1')).not.toContain('disk04')
    await dg.addMirror('c1')
    await dg.growVolume('c1', 2 * LEN)
    expect(disksOfVolume(dg, 'c1')).not.toContain('disk04')
    await dg.evacuateDisk(disksOf(dg, 'c1-01')[0]!)
    expect(disksOfVolume(dg, 'c1')).not.toContain('disk04')
    expect(disksOfVolume(dg, 'c1')).toHaveLength(2)
    await expectCode(dg.assistMake({ name: 'm4', len: LEN, layout: 'mirror', nmirror: 4 }), 'VM_NO_SPACE')
    // named, it is used
    await dg.assistMake({ name: 'm4', len: LEN, layout: 'mirror', nmirror: 4, disks: ['disk01', 'disk02', 'disk03', 'disk04'] })
    expect(disksOfVolume(dg, 'm4')).toContain('disk04')
    // off again: an ordinary disk
    await dg.set('disk04', { spare: 'off' })
    expect(pflag(dg, 'disk04') & DM_PFLAG.SPARE).toBe(0)
  })

  it('rule 330: spare, nohotuse, reserve and failing take on or off, a spare cannot be nohotuse, and hotreloc turns a group\'s relocation off', async () => {
    const { dg } = await faultyMemoryGroup(3, 16 << 20)
    const tid = dg.tid
    await expectCode(dg.set('disk03', { spare: 'yes' }), 'VM_INVALID_PARAM')
    await dg.set('disk03', { nohotuse: true })
    await expectCode(dg.set('disk03', { spare: 'on' }), 'VM_INVALID_PARAM')
    expect(pflag(dg, 'disk03') & (DM_PFLAG.SPARE | DM_PFLAG.NOHOTUSE)).toBe(DM_PFLAG.NOHOTUSE)
    await dg.set('disk03', { nohotuse: 'off', spare: 'on' })
    expect(pflag(dg, 'disk03') & (DM_PFLAG.SPARE | DM_PFLAG.NOHOTUSE)).toBe(DM_PFLAG.SPARE)
    await expectCode(dg.set('disk03', { pflag: 0x40 }), 'VM_INVALID_PARAM')
    expect(dg.tid).toBe(tid + 2)
    expect(dg.hotRelocation).toBe(true)
    await dg.set('testdg', { hotreloc: 'off' })
    expect(dg.hotRelocation).toBe(false)
    expect(dg.config().dg.dg_pflag & DG_PFLAG.NORELOC).toBe(DG_PFLAG.NORELOC)
    await dg.set('testdg', { hotreloc: 'on' })
    expect(dg.hotRelocation).toBe(true)
  })
})

describe('relocateDisk (vxrelocd)', () => {
  it('rule 331: the failed subdisk of a redundant volume is replaced on a spare in one transaction and copied by a relocate task; an alert says what went where', async () => {
    const { dg, faulty, data, fail } = await failingMirror()
    await dg.set('disk04', { spare: 'on' })
    await fail('disk02')
    expect(rec(dg, 'v1-02')).toMatchObject({ pl_kstate: 'DETACHED' })
    const log = recordEvents(dg)
    const r = await dg.relocateDisk('disk02')
    expect(r.notRelocated).toEqual([])
    expect(r.relocated).toEqual([{ volume: 'v1', plex: 'v1-02', subdisks: [{ from: 'disk02-01', to: [{ subdisk: 'disk04-01', disk: 'disk04', offset: 0, len: LEN }] }], taskId: expect.any(String) }])
    // one commit replaces the subdisk and attaches the plex, then the copy enables it
    const commits = log.events.filter((e): e is Extract<EngineEvent, { type: 'config.committed' }> => e.type === 'config.committed')
    const reloc = commits.find((e) => e.operation === 'dm.reloc')!
    expect(reloc.changes.filter((ch) => ch.kind === 'sd').map((ch) => [ch.op, ch.name]).sort()).toEqual([['create', 'disk04-01'], ['delete', 'disk02-01']])
    expect(log.events.find((e) => e.type === 'task.finished')).toMatchObject({ kind: 'relocate', volume: 'v1', outcome: 'ok', taskId: r.relocated[0]!.taskId })
    const alert = log.events.find((e) => e.type === 'alert')
    expect(alert).toMatchObject({ severity: 'critical', object: 'v1' })
    expect(alert && 'message' in alert && alert.message).toContain('disk04-01 on disk04')
    expect(disksOf(dg, 'v1-02')).toEqual(['disk04'])
    expect(rec(dg, 'v1-02')).toMatchObject({ pl_kstate: 'ENABLED', pl_state: 'ACTIVE' })
    expect(rec(dg, 'disk04-01').sd_comment).toBe('relocated from disk02-01')
    for (const p of ['v1-01', 'v1-02']) expect((await plexImage(dg, faulty, p)).equals(data), p).toBe(true)
    expect((await dg.read('v1', 0, BYTES)).equals(data)).toBe(true)
    // the failed disk is marked failing: no allocation uses it until cleared
    expect(pflag(dg, 'disk02') & DM_PFLAG.FAILING).toBe(DM_PFLAG.FAILING)
    expect(dg.staleMaps()).toEqual({})
  })

  it('rule 332: without a spare, free space on a disk holding no other plex of the volume and not nohotuse; with none, VM_NO_SPACE and nothing changes', async () => {
    const { dg, data, faulty, fail } = await failingMirror()
    // disk01 holds v1's other plex (never used); disk03 has no room; disk04 has
    await dg.makeSubdisk({ name: 'fill3', disk: 'disk03', len: (rec(dg, 'disk03').dm_pub_len as number) - 8 })
    await fail('disk02')
    // nohotuse keeps relocation off disk04, the only disk left with room
    await dg.set('disk04', { nohotuse: 'on' })
    expect((await dg.relocateDisk('disk02')).notRelocated).toMatchObject([{ plex: 'v1-02', code: 'VM_NO_SPACE' }])
    await dg.set('disk04', { nohotuse: 'off' })
    const r = await dg.relocateDisk('disk02')
    expect(r.relocated.map((x) => x.subdisks[0]!.to.map((t) => t.disk))).toEqual([['disk04']])
    for (const p of ['v1-01', 'v1-02']) expect((await plexImage(dg, faulty, p)).equals(data), p).toBe(true)

    const again = await failingMirror(3)
    await again.dg.makeSubdisk({ name: 'fill3', disk: 'disk03', len: (rec(again.dg, 'disk03').dm_pub_len as number) - 8 })
    await again.fail('disk02')
    const before = again.dg.config()
    const log = recordEvents(again.dg)
    const none = await again.dg.relocateDisk('disk02')
    expect(none.relocated).toEqual([])
    expect(none.notRelocated).toEqual([{ volume: 'v1', plex: 'v1-02', code: 'VM_NO_SPACE', reason: expect.any(String) }])
    expect(log.events.filter((e) => e.type === 'alert')).toMatchObject([{ severity: 'critical', code: 'VM_NO_SPACE', object: 'v1' }])
    expect(again.dg.config()).toEqual(before)
  })

  it('rule 332: a stripe column is relocated whole to a disk holding neither another plex of the volume nor another column of its plex; the copies agree', async () => {
    const { dg, faulty } = await faultyMemoryGroup(6, 16 << 20)
    await dg.assistMake({ name: 'ms', len: LEN, layout: 'mirror-stripe', nmirror: 2, ncol: 2, stwidth: 128, disks: ['disk01', 'disk02', 'disk03', 'disk04'] })
    const data = pattern(BYTES, 5)
    await dg.write('ms', 0, data)
    await dg.flush('ms')
    const failing = disksOf(dg, 'ms-01')[1]!
    faulty[Number(failing.slice(4)) - 1]!.addFault({})
    await dg.write('ms', 0, data)
    const r = await dg.relocateDisk(failing)
    expect(r.notRelocated).toEqual([])
    const to = r.relocated[0]!.subdisks[0]!.to
    expect(to).toHaveLength(1)
    expect(['disk05', 'disk06']).toContain(to[0]!.disk)
    expect(disksOf(dg, 'ms-01')).toHaveLength(2)
    expect(rec(dg, 'ms-01')).toMatchObject({ pl_kstate: 'ENABLED', pl_state: 'ACTIVE' })
    const report = await (await dg.verify('ms')).done
    expect(report.mismatches).toEqual([])
    expect((await dg.read('ms', 0, BYTES)).equals(data)).toBe(true)
  })

  it('rule 331: a disk without its device at import (NODEVICE) has every plex there relocated; a stopped volume\'s plex is left STALE for its start to copy', async () => {
    const { dg, devices } = await memoryGroup(4, 16 << 20)
    await dg.assistMake({ name: 'v1', len: LEN, layout: 'mirror', disks: ['disk01', 'disk02'] })
    const data = pattern(BYTES, 3)
    await dg.write('v1', 0, data)
    await dg.stop('v1')
    await dg.close()
    const mems = devices as MemoryDevice[]
    const back = [mems[0]!.reopen(), mems[2]!.reopen(), mems[3]!.reopen()]
    const again = await Group.import({ devices: back, force: true })
    const r = await again.relocateDisk('disk02')
    expect(r.notRelocated).toEqual([])
    expect(r.relocated).toMatchObject([{ volume: 'v1', plex: 'v1-02' }])
    expect(r.relocated[0]!.taskId).toBeUndefined()
    expect(rec(again, 'v1-02')).toMatchObject({ pl_state: 'STALE', pl_kstate: 'DISABLED' })
    await again.start('v1')
    expect(rec(again, 'v1-02')).toMatchObject({ pl_state: 'ACTIVE', pl_kstate: 'ENABLED' })
    const byDisk = again.config().disks.map((d) => back[['disk01', 'disk03', 'disk04'].indexOf(d.dm_name)] ?? mems[1]!)
    for (const p of ['v1-01', 'v1-02']) expect((await plexImage(again, byDisk, p)).equals(data), p).toBe(true)
    await again.close()
  })

  it('rule 333: a non-redundant volume on the failed disk is left alone (VM_LAST_PLEX); a plex detached by hand or still serving is not relocated', async () => {
    const { dg, fail } = await failingMirror()
    await dg.assistMake({ name: 'c1', len: LEN, disks: ['disk02'] })
    await dg.assistMake({ name: 'v2', len: LEN, layout: 'mirror', disks: ['disk03', 'disk04'] })
    await dg.detachPlex('v2-02')
    await fail('disk02')
    await dg.write('c1', 0, Buffer.alloc(4096)).catch(() => {})
    // the plexes whose I/O failed there: c1's only plex stays attached, its data has nowhere to come from
    const r = await dg.relocateDisk('disk02', { plexes: ['v1-02', 'c1-01'] })
    expect(r.relocated.map((x) => x.plex)).toEqual(['v1-02'])
    expect(r.notRelocated).toEqual([{ volume: 'c1', plex: 'c1-01', code: 'VM_LAST_PLEX', reason: expect.any(String) }])
    expect(disksOf(dg, 'c1-01')).toEqual(['disk02'])
    // disk04 answers: its hand-detached plex is no failure there
    expect(await dg.relocateDisk('disk04')).toMatchObject({ relocated: [], notRelocated: [] })
    expect(disksOf(dg, 'v2-02')).toEqual(['disk04'])
  })

  it('rule 334: the dry run shows what would go where and the bytes it would copy, and changes nothing; bad input gets a stable code', async () => {
    const { dg, fail } = await failingMirror()
    await dg.set('disk03', { spare: 'on' })
    await fail('disk02')
    const before = dg.config()
    const log = recordEvents(dg)
    const r = await dg.relocateDisk('disk02', { dryRun: true })
    expect(r).toMatchObject({ dryRun: true, copyBytes: BYTES, relocated: [{ volume: 'v1', plex: 'v1-02', subdisks: [{ from: 'disk02-01', to: [{ subdisk: 'disk03-01', disk: 'disk03', len: LEN }] }] }], notRelocated: [] })
    expect(r.changes.map((ch) => [ch.op, ch.name]).sort()).toEqual([['create', 'disk03-01'], ['delete', 'disk02-01'], ['update', 'disk02']])
    expect(dg.config()).toEqual(before)
    expect(log.events).toEqual([])
    await expectCode(dg.relocateDisk('nodisk'), 'VM_NOT_FOUND')
    await expectCode(dg.relocateDisk('disk02', { plexes: ['v1-01'] }), 'VM_INVALID_PARAM')
    await expectCode(dg.relocateDisk('disk02', { plexes: ['nope'] }), 'VM_NOT_FOUND')
    expect(dg.config()).toEqual(before)
  })
})

describe('relocateDisk crash points', () => {
  /** disk02 of the crash rig fails, a write detaches v1-02 there, and the relocation moves it (to disk03, the only room). */
  async function failAndRelocate(rig: Awaited<ReturnType<typeof crashRig>>, dg: DiskGroup, during?: () => Promise<void>): Promise<void> {
    rig.devs[1]!.addFault({})
    await dg.write('v1', 0, rig.data.subarray(0, 4096))
    const relocation = dg.relocateDisk('disk02')
    await during?.()
    await relocation
  }

  const run = (cut: number | undefined) => crashRun(cut, 23, (dg, rig) => failAndRelocate(rig, dg))

  it('rule 335: a crash at any device write of a disk failure and its relocation imports consistent: the plex failed on its disk or relocated, every plex an ACTIVE copy of the data after the start', async () => {
    const { whole, seen } = await everyCut(run)
    expect(whole).toBe('disk01+disk03')
    expect([...seen].sort()).toEqual(['disk01+disk02', 'disk01+disk03'])
  }, 60_000)

  /**
   * The same with a client writing and flushing while the relocation copies: after the crash and
   * the start, every sector a flush made durable reads back, and every ENABLED ACTIVE plex holds
   * the same bytes.
   */
  async function runWithWrites(cut: number | undefined): Promise<{ writes: number; problems: string[]; seen: string }> {
    const rig = await crashRig(29)
    const model = new DurableModel(LEN)
    model.init(rig.data)
    const rnd = createRandom(cut ?? 7)
    const ok = (p: Promise<unknown>) => p.then(() => true, () => false)
    const writes = await rig.cutDuring(cut, (dg) =>
      failAndRelocate(rig, dg, async () => {
        for (let k = 0; k < 6; k++) {
          const off = rnd.int(0, LEN / 8 - 1) * 4096
          const buf = rnd.bytes(4096)
          model.apply(off, buf, await ok(dg.write('v1', off, buf)))
          if (k % 2 === 1 && (await ok(dg.flush('v1')))) model.durable()
        }
      }),
    )
    const devices = rig.mems.map((m) => m.reopen())
    const again = await Group.import({ devices, sleep: () => new Promise<void>((r) => setImmediate(r)) })
    const problems: string[] = []
    const seen = disksOfVolume(again, 'v1').join('+')
    if (again.config().volumes[0]!.v_kstate === 'DISABLED') await again.start('v1')
    for (const h of await again.resumeInterrupted()) await h.done.catch(() => {})
    const got = await again.read('v1', 0, BYTES)
    let lost = 0
    for (let sct = 0; sct < LEN; sct++) if (model.state[sct] === 2 && !got.subarray(sct * 512, sct * 512 + 512).equals(model.data.subarray(sct * 512, sct * 512 + 512))) lost++
    if (lost) problems.push(`${lost} durable sectors lost`)
    const active = again.config().plexes.filter((p) => p.pl_kstate === 'ENABLED' && p.pl_state === 'ACTIVE')
    if (active.length !== 2) problems.push(`${active.length} ENABLED ACTIVE plexes after the start`)
    for (const p of active) if (!(await plexImage(again, devices, p.pl_name)).equals(got)) problems.push(`${p.pl_name} differs from what the volume reads`)
    await again.close()
    return { writes, problems, seen }
  }

  it('rule 335: with a client writing during the relocation, a crash at any device write loses no flushed write and leaves the ENABLED ACTIVE plexes identical', async () => {
    const { whole, seen } = await everyCut(runWithWrites, 24, 2)
    expect(whole).toBe('disk01+disk03')
    expect(seen.has('disk01+disk03')).toBe(true)
  }, 90_000)
})
