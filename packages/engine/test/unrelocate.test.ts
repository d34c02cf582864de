import { describe, expect, it } from 'vitest'
import type { FaultyDevice } from '../src/device/faultyDevice.ts'
import { type MemoryDevice } from '../src/device/memoryDevice.ts'
import { decodeConfigPayload, encodeConfigPayload, readConfigSlots, writeConfigSlot } from '../src/disk/privateRegion.ts'
import { DiskGroup } from '../src/diskGroup.ts'
import type { EngineEvent } from '../src/events.ts'
import { expectCode, faultyMemoryGroup, pattern, plexImage, rec, recordEvents } from './harness.ts'
import { BYTES, LEN, crashRig, disksOfVolume, everyCut } from './opsHarness.ts'

type Sd = ReturnType<DiskGroup['config']>['subdisks'][number]

/** The subdisks of plex `plex`, in plex order. */
function sdsOf(dg: DiskGroup, plex: string): Sd[] {
  const c = dg.config()
  const pl = c.plexes.find((p) => p.pl_name === plex)!
  return c.subdisks.filter((s) => s.sd_plex_rid === pl.pl_rid).sort((a, b) => a.sd_pl_offset - b.sd_pl_offset)
}

/** The original place a subdisk records: [orig_dmname, orig_dmoffset]. */
const orig = (sd: Sd) => [sd.sd_orig_dmname, sd.sd_orig_dmoffset]

/**
 * A 4-disk group on faulty devices with a started, flushed 2-way mirror `v1` on disk01 and disk02
 * (v1-02's subdisk at `at` on disk02, something else before it), disk04 a spare (`disks`: 4 or more); disk02 fails, v1-02 is relocated
 * to disk04, then disk02 is repaired (its faults cleared, failing=off).
 */
async function relocatedMirror(o: { repair?: boolean; disks?: number } = {}) {
  const { dg, faulty, mems } = await faultyMemoryGroup(o.disks ?? 4, 16 << 20)
  await dg.makeSubdisk({ name: 'pad2', disk: 'disk02', len: 512 })
  await dg.assistMake({ name: 'v1', len: LEN, layout: 'mirror', disks: ['disk01', 'disk02'] })
  const at = sdsOf(dg, 'v1-02')[0]!.sd_dm_offset
  await dg.set('disk04', { spare: 'on' })
  const data = pattern(BYTES, 17)
  await dg.write('v1', 0, data)
  await dg.flush('v1')
  faulty[1]!.addFault({})
  await dg.write('v1', 0, data.subarray(0, 4096))
  const r = await dg.relocateDisk('disk02')
  expect(r.relocated).toHaveLength(1)
  if (o.repair ?? true) {
    faulty[1]!.clearFaults()
    await dg.set('disk02', { failing: 'off' })
  }
  return { dg, faulty: faulty as FaultyDevice[], mems, data, at }
}

describe('hot relocation records where a subdisk was (sd_orig_dmname, sd_orig_dmoffset)', () => {
  it('rule 500: each relocated subdisk records its original disk and offset, kept when it is relocated again or evacuated, and through a restart', async () => {
    // five disks: the second failure leaves a majority of the configuration copies
    const { dg, faulty, mems, at } = await relocatedMirror({ disks: 5 })
    const [moved] = sdsOf(dg, 'v1-02')
    expect(moved!.sd_dm_name).toBe('disk04')
    expect(orig(moved!)).toEqual(['disk02', at])
    // a subdisk never relocated records nothing
    expect(orig(sdsOf(dg, 'v1-01')[0]!)).toEqual(['', 0])
    // evacuated elsewhere, it still knows its original place
    await dg.set('disk04', { spare: 'off' })
    await dg.evacuateDisk('disk04', { to: ['disk03'] })
    expect(sdsOf(dg, 'v1-02').map((s) => [s.sd_dm_name, ...orig(s)])).toEqual([['disk03', 'disk02', at]])
    // relocated a second time (to the spare again): still its first place, not the disk it failed on since
    await dg.set('disk04', { spare: 'on' })
    faulty[2]!.addFault({})
    await dg.write('v1', 0, Buffer.alloc(4096, 1))
    await dg.relocateDisk('disk03')
    expect(sdsOf(dg, 'v1-02').map((s) => [s.sd_dm_name, ...orig(s)])).toEqual([['disk04', 'disk02', at]])
    await dg.close()
    const again = await DiskGroup.import({ devices: mems.map((m) => m.reopen()) })
    expect(sdsOf(again, 'v1-02').map(orig)).toEqual([['disk02', at]])
    await again.close()
  })

  it('rule 500: a configuration copy written before subdisks had the fields imports, every subdisk recording no original disk', async () => {
    const { dg, mems } = await faultyMemoryGroup(3, 16 << 20)
    await dg.assistMake({ name: 'v1', len: LEN, layout: 'mirror' })
    const privLen = dg.config().disks[0]!.dm_priv_len
    await dg.close()
    // every copy rewritten as an older engine wrote it: subdisk records without the two fields
    for (const m of mems) {
      const { copies } = await readConfigSlots(m, privLen)
      for (const copy of copies) {
        const json = decodeConfigPayload(copy.payload) as { subdisks: Array<Record<string, unknown>> }
        for (const sd of json.subdisks) {
          delete sd.sd_orig_dmname
          delete sd.sd_orig_dmoffset
        }
        await writeConfigSlot(m, privLen, copy.slot, copy.tid, encodeConfigPayload(json))
      }
    }
    const again = await DiskGroup.import({ devices: mems.map((m) => m.reopen()) })
    expect(again.config().subdisks.length).toBeGreaterThan(0)
    for (const sd of again.config().subdisks) expect(orig(sd), sd.sd_name).toEqual(['', 0])
    await again.start('v1')
    await again.close()
  })
})

describe('unrelocate (vxunreloc)', () => {
  it('rule 501: moves each relocated subdisk back to its original disk and offset as a subdisk move; the data and every plex agree; the fields are cleared', async () => {
    const { dg, faulty, data, at } = await relocatedMirror()
    const log = recordEvents(dg)
    const r = await dg.unrelocate('disk02')
    expect(r.moved).toEqual([{ volume: 'v1', plex: 'v1-02', subdisk: 'disk04-01', from: 'disk04', to: [{ subdisk: 'disk02-01', disk: 'disk02', offset: at, len: LEN }], original: true }])
    expect(r.copyBytes).toBe(BYTES)
    expect(sdsOf(dg, 'v1-02').map((s) => [s.sd_name, s.sd_dm_name, s.sd_dm_offset, ...orig(s)])).toEqual([['disk02-01', 'disk02', at, '', 0]])
    expect(dg.config().subdisks.some((s) => s.sd_name === 'disk04-01')).toBe(false)
    const commits = log.events.filter((e): e is Extract<EngineEvent, { type: 'config.committed' }> => e.type === 'config.committed')
    expect(commits.map((e) => e.operation)).toEqual(['dm.unreloc', 'dm.unreloc'])
    expect(log.events.find((e) => e.type === 'task.finished')).toMatchObject({ kind: 'move', volume: 'v1', outcome: 'ok' })
    expect(rec(dg, 'v1-02')).toMatchObject({ pl_kstate: 'ENABLED', pl_state: 'ACTIVE' })
    for (const p of ['v1-01', 'v1-02']) expect((await plexImage(dg, faulty, p)).equals(data), p).toBe(true)
    expect((await dg.read('v1', 0, BYTES)).equals(data)).toBe(true)
    // nothing left to move back
    await expectCode(dg.unrelocate('disk02'), 'VM_NOT_RELOCATED')
  })

  it('rule 502: refuses with a stable code, changing nothing: nothing relocated from the disk, no such disk, a disk still failing or marked failing', async () => {
    const { dg, faulty } = await relocatedMirror({ repair: false })
    const before = dg.config()
    await expectCode(dg.unrelocate('disk01'), 'VM_NOT_RELOCATED')
    await expectCode(dg.unrelocate('nodisk'), 'VM_NOT_FOUND')
    await expectCode(dg.unrelocate('disk02', { to: 'nodisk' }), 'VM_NOT_FOUND')
    // its device still fails every I/O
    await expectCode(dg.unrelocate('disk02'), 'VM_DISK_FAILED')
    faulty[1]!.clearFaults()
    // repaired, but still marked failing by the relocation
    await expectCode(dg.unrelocate('disk02', { dryRun: true }), 'VM_DISK_FAILED')
    await expectCode(dg.unrelocate('disk02', { force: 1 as unknown as boolean }), 'VM_INVALID_PARAM')
    expect(dg.config()).toEqual(before)
  })

  it('rule 503: original sectors taken: VM_OVERLAP without force and nothing moves; with force elsewhere on the disk; VM_NO_SPACE when the disk has no room', async () => {
    const { dg, faulty, data, at } = await relocatedMirror()
    await dg.makeSubdisk({ name: 'squat', disk: 'disk02', offset: at + 8, len: 64 })
    const before = dg.config()
    await expectCode(dg.unrelocate('disk02'), 'VM_OVERLAP')
    expect(dg.config()).toEqual(before)
    const r = await dg.unrelocate('disk02', { force: true })
    expect(r.moved).toMatchObject([{ subdisk: 'disk04-01', original: false, to: [{ disk: 'disk02', len: LEN }] }])
    const [back] = sdsOf(dg, 'v1-02')
    expect([back!.sd_dm_name, ...orig(back!)]).toEqual(['disk02', '', 0])
    expect(back!.sd_dm_offset).not.toBe(at)
    for (const p of ['v1-01', 'v1-02']) expect((await plexImage(dg, faulty, p)).equals(data), p).toBe(true)

    const full = await relocatedMirror()
    const pub = rec(full.dg, 'disk02').dm_pub_len as number
    await full.dg.makeSubdisk({ name: 'fill', disk: 'disk02', offset: full.at, len: pub - full.at })
    const held = full.dg.config()
    await expectCode(full.dg.unrelocate('disk02', { force: true }), 'VM_NO_SPACE')
    expect(full.dg.config()).toEqual(held)
  })

  it('rule 503: the dry run says where each subdisk goes and the bytes it copies, and changes nothing; -n moves them to another disk', async () => {
    const { dg, faulty, data, at } = await relocatedMirror()
    const before = dg.config()
    const log = recordEvents(dg)
    const r = await dg.unrelocate('disk02', { dryRun: true })
    expect(r).toMatchObject({ dryRun: true, disk: 'disk02', target: 'disk02', copyBytes: BYTES, moved: [{ subdisk: 'disk04-01', to: [{ disk: 'disk02', offset: at }] }] })
    expect(r.changes.map((ch) => [ch.op, ch.name]).sort()).toEqual([['create', 'disk02-01'], ['delete', 'disk04-01']])
    expect(r.notes).toEqual([expect.stringContaining('new subdisk disk02-01 on disk02'), expect.stringContaining('subdisk disk04-01 on disk04')])
    expect(dg.config()).toEqual(before)
    expect(log.events).toEqual([])
    // -n: the original disk came back under another name (here: disk03)
    const moved = await dg.unrelocate('disk02', { to: 'disk03' })
    expect(moved.target).toBe('disk03')
    expect(sdsOf(dg, 'v1-02').map((s) => [s.sd_dm_name, s.sd_dm_offset, ...orig(s)])).toEqual([['disk03', at, '', 0]])
    for (const p of ['v1-01', 'v1-02']) expect((await plexImage(dg, faulty, p)).equals(data), p).toBe(true)
  })

  it('rule 503: a disk that holds another mirror of the volume now is refused VM_INVALID_PARAM; a running task on the volume VM_BUSY', async () => {
    const { dg } = await relocatedMirror()
    const before = dg.config()
    await expectCode(dg.unrelocate('disk02', { to: 'disk01' }), 'VM_INVALID_PARAM')
    const verify = await dg.verify('v1')
    await expectCode(dg.unrelocate('disk02'), 'VM_BUSY')
    await verify.done
    expect(dg.config()).toEqual(before)
  })
})

describe('unrelocate of a stopped volume', () => {
  it('rule 501: a stopped volume\'s relocated subdisk is moved back too (copied from itself, the volume locked meanwhile); its start finds every plex current', async () => {
    const { dg, faulty, data, at } = await relocatedMirror()
    await dg.stop('v1')
    const r = await dg.unrelocate('disk02')
    expect(r.moved).toMatchObject([{ plex: 'v1-02', original: true }])
    expect(sdsOf(dg, 'v1-02').map((s) => [s.sd_dm_name, s.sd_dm_offset, ...orig(s)])).toEqual([['disk02', at, '', 0]])
    expect(rec(dg, 'v1').v_tutil).toEqual(['', '', ''])
    await dg.start('v1')
    expect(rec(dg, 'v1-02')).toMatchObject({ pl_kstate: 'ENABLED', pl_state: 'ACTIVE' })
    for (const p of ['v1-01', 'v1-02']) expect((await plexImage(dg, faulty, p)).equals(data), p).toBe(true)
  })
})

describe('unrelocate crash points', () => {
  /** The crash rig's v1-02 relocated from disk02 to disk03 (its only room), disk02 repaired; then `disk unrelocate disk02` with the power cut after `cut` device writes. */
  async function run(cut: number | undefined): Promise<{ writes: number; problems: string[]; seen: string }> {
    const rig = await crashRig(31)
    rig.devs[1]!.addFault({})
    await rig.dg.write('v1', 0, rig.data.subarray(0, 4096))
    const r = await rig.dg.relocateDisk('disk02')
    if (r.relocated.length !== 1) return { writes: 0, problems: ['the relocation did not run'], seen: '' }
    rig.devs[1]!.clearFaults()
    await rig.dg.set('disk02', { failing: 'off' })
    const writes = await rig.cutDuring(cut, (dg) => dg.unrelocate('disk02'))
    // where v1-02's subdisk is, and what it records: relocated (disk03, orig disk02) or back (disk02, none)
    const { problems, seen } = await rig.restart(() => rig.data, (dg) => {
      const [sd] = sdsOf(dg, 'v1-02')
      return `${disksOfVolume(dg, 'v1').join('+')} orig=${sd?.sd_orig_dmname || '-'}`
    })
    return { writes, problems, seen }
  }

  it('rule 505: a crash at any device write of the move back imports consistent: the subdisk relocated (still recording its place, its temporary plex removed) or back (recording none), the data intact and every ENABLED ACTIVE plex identical', async () => {
    const { whole, seen } = await everyCut(run, 24, 2)
    expect(whole).toBe('disk01+disk02 orig=-')
    // still relocated, or its new subdisk made in the temporary plex (which the start removes), or back
    expect([...seen].filter((x) => !['disk01+disk03 orig=disk02', 'disk01+disk02+disk03 orig=disk02', 'disk01+disk02 orig=-'].includes(x))).toEqual([])
    expect(seen.has('disk01+disk03 orig=disk02') && seen.has('disk01+disk02+disk03 orig=disk02')).toBe(true)
  }, 90_000)
})
