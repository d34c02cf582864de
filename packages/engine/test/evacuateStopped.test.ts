import { describe, expect, it } from 'vitest'
import { expectCode, faultyMemoryGroup, pattern, rec } from './harness.ts'
import { BYTES, LEN, crashRun, disksOfVolume, everyCut, expectPlexesHold, startedMirror } from './opsHarness.ts'

describe('evacuateDisk of a stopped volume (rule 344)', () => {
  it('rule 344: moves a stopped mirror\'s plex, a stopped concat and a stopped DRL log offline: the data is copied with the volumes stopped, every plex keeps its state, and they start holding it', async () => {
    const { dg, devices, data } = await startedMirror({ log: true })
    await dg.assistMake({ name: 'c1', len: LEN, disks: ['disk02'] })
    const cdata = pattern(BYTES, 4)
    await dg.write('c1', 0, cdata)
    await dg.stop('v1')
    await dg.stop('c1')
    const states = (v: string) => dg.config().plexes.filter((p) => p.pl_v_name === v && p.pl_vol_rid).map((p) => [p.pl_kstate, p.pl_state]).sort()
    const before = { v1: states('v1'), c1: states('c1') }
    const r = await dg.evacuateDisk('disk02')
    expect(r.dryRun).toBe(false)
    expect(disksOfVolume(dg, 'v1')).not.toContain('disk02')
    expect(disksOfVolume(dg, 'c1')).not.toContain('disk02')
    expect({ v1: states('v1'), c1: states('c1') }).toEqual(before)
    expect([rec(dg, 'v1').v_kstate, rec(dg, 'c1').v_kstate]).toEqual(['DISABLED', 'DISABLED'])
    expect(dg.config().plexes.filter((p) => !p.pl_vol_rid)).toEqual([])
    await expectPlexesHold(dg, devices, 'v1', data)
    // the log disk too, then both start with nothing to recover and read their data
    await dg.evacuateDisk('disk03')
    expect(disksOfVolume(dg, 'v1')).not.toContain('disk03')
    await dg.start('v1')
    await dg.start('c1')
    expect((await dg.read('v1', 0, BYTES)).equals(data)).toBe(true)
    expect((await dg.read('c1', 0, BYTES)).equals(cdata)).toBe(true)
    await dg.write('v1', 0, Buffer.alloc(4096, 1))
    expect(dg.dirtyRegions('v1').regions).toContain(0)
  })

  it('rule 344: the dry run of a stopped volume\'s evacuation lists the changes and the bytes it would copy, and changes nothing', async () => {
    const { dg } = await startedMirror()
    await dg.stop('v1')
    const before = dg.config()
    const r = await dg.evacuateDisk('disk02', { dryRun: true })
    expect(r).toMatchObject({ dryRun: true, copyBytes: BYTES })
    expect(dg.config()).toEqual(before)
  })

  it('rule 344: a stopped concat whose disk fails reads is refused VM_NOTSYNCED before anything changes (its only copy cannot be read)', async () => {
    const g = await faultyMemoryGroup(3, 32 << 20)
    await g.dg.assistMake({ name: 'c1', len: LEN, disks: ['disk02'] })
    await g.dg.write('c1', 0, pattern(BYTES, 6))
    await g.dg.stop('c1')
    g.faulty[1]!.addFault({ ops: ['read'] })
    const before = g.dg.config()
    await expectCode(g.dg.evacuateDisk('disk02'), 'VM_NOTSYNCED')
    await expectCode(g.dg.evacuateDisk('disk02', { dryRun: true }), 'VM_NOTSYNCED')
    expect(g.dg.config()).toEqual(before)
    await g.dg.close().catch(() => {})
  })

  it('rule 344: a stopped CLEAN mirror\'s plex on a disk that fails reads is moved with its twin\'s data', async () => {
    const g = await faultyMemoryGroup(3, 32 << 20)
    await g.dg.assistMake({ name: 'v1', len: LEN, layout: 'mirror', disks: ['disk01', 'disk02'] })
    const data = pattern(BYTES, 8)
    await g.dg.write('v1', 0, data)
    await g.dg.stop('v1')
    g.faulty[1]!.addFault({ ops: ['read'] })
    await g.dg.evacuateDisk('disk02')
    expect(disksOfVolume(g.dg, 'v1')).toEqual(['disk01', 'disk03'])
    await g.dg.start('v1')
    await expectPlexesHold(g.dg, g.faulty, 'v1', data)
    await g.dg.close().catch(() => {})
  })
})

describe('evacuateDisk of a stopped volume: crash points (rule 344)', () => {
  const run = (cut: number | undefined) =>
    crashRun(cut, 23, async (dg) => {
      await dg.stop('v1')
      await dg.evacuateDisk('disk02')
    })

  it('rule 344: a crash at any device write of a stopped volume\'s evacuation imports consistent: the plex still on the disk (its replacement absent or TEMPRMSD, removed by the start) or moved, every plex an ACTIVE copy after the start', async () => {
    const { whole, seen } = await everyCut(run)
    expect(whole).toBe('disk01+disk03')
    // before the replacement's commit, and with the replacement TEMPRMSD beside the old plex
    expect([...seen].sort()).toEqual(['disk01+disk02', 'disk01+disk02+disk03'])
  }, 60_000)
})
