import { describe, expect, it } from 'vitest'
import { expectCode, pattern, rec } from './harness.ts'
import { BYTES, LEN, crashRun, disksOfVolume, everyCut, expectPlexesHold, startedMirror } from './opsHarness.ts'

describe('evacuateDisk (vxevac)', () => {
  it('rule 306: moves every plex off the disk (a mirror\'s data plex, a concat, a DRL log plex) to disks holding no other plex of its volume; the data stays', async () => {
    const { dg, devices, data } = await startedMirror({ log: true })
    await dg.assistMake({ name: 'c1', len: LEN, disks: ['disk02'] })
    const cdata = pattern(BYTES, 4)
    await dg.write('c1', 0, cdata)
    await dg.evacuateDisk('disk02')
    const c = dg.config()
    const onDisk02 = c.subdisks.filter((s) => s.sd_dm_rid === c.disks.find((d) => d.dm_name === 'disk02')!.dm_rid)
    expect(onDisk02).toEqual([])
    expect((await dg.read('v1', 0, BYTES)).equals(data)).toBe(true)
    expect((await dg.read('c1', 0, BYTES)).equals(cdata)).toBe(true)
    const v1 = c.plexes.filter((p) => p.pl_v_name === 'v1' && p.pl_vol_rid && p.pl_state !== 'LOG')
    expect(v1.map((p) => [p.pl_kstate, p.pl_state])).toEqual([['ENABLED', 'ACTIVE'], ['ENABLED', 'ACTIVE']])
    await expectPlexesHold(dg, devices, 'v1', data)
    expect(disksOfVolume(dg, 'c1')).not.toContain('disk02')
    expect(c.plexes.filter((p) => !p.pl_vol_rid)).toEqual([])
    // then the disk of v1's DRL log: the moved log is v1's DRL, a write marks its region
    await dg.evacuateDisk('disk03')
    expect(dg.config().subdisks.filter((s) => s.sd_dm_rid === rec(dg, 'disk03').dm_rid)).toEqual([])
    expect(dg.config().plexes.find((p) => p.pl_v_name === 'v1' && p.pl_state === 'LOG')).toMatchObject({ pl_kstate: 'ENABLED' })
    expect((await dg.read('v1', 0, BYTES)).equals(data)).toBe(true)
    await dg.cleanDirtyRegions('v1')
    await dg.write('v1', 0, Buffer.alloc(4096, 1))
    expect(dg.dirtyRegions('v1').regions).toEqual([0])
  })

  it('rules 306, 400: the dry run lists the changes (the subdisk on the disk replaced, its plex kept) and the bytes it would copy, and changes nothing', async () => {
    const { dg } = await startedMirror()
    const before = dg.config()
    const r = await dg.evacuateDisk('disk02', { dryRun: true })
    expect(r).toMatchObject({ dryRun: true, copyBytes: BYTES })
    expect(r.changes.filter((ch) => ch.op === 'delete').map((ch) => ch.name).sort()).toEqual(['disk02-01'])
    expect(dg.config()).toEqual(before)
  })

  it('rule 306: bad input gets a stable code and changes nothing', async () => {
    const { dg } = await startedMirror()
    const tid = dg.tid
    await expectCode(dg.evacuateDisk('nodisk'), 'VM_NOT_FOUND')
    await expectCode(dg.evacuateDisk('disk02', { to: ['disk02'] }), 'VM_INVALID_PARAM')
    await expectCode(dg.evacuateDisk('disk02', { to: ['disk01'] }), 'VM_INVALID_PARAM')
    await dg.makeSubdisk({ name: 'fill3', disk: 'disk03', len: (rec(dg, 'disk03').dm_pub_len as number) - 8 })
    await expectCode(dg.evacuateDisk('disk02', { to: ['disk03'] }), 'VM_NO_SPACE')
    expect(dg.tid).toBe(tid + 1)
    // a stopped volume's plexes are moved offline (rule 344, evacuateStopped.test.ts)
  })
})

describe('evacuateDisk crash points', () => {
  const run = (cut: number | undefined) => crashRun(cut, 17, (dg) => dg.evacuateDisk('disk02'))

  it('rule 307: a crash at any device write of an evacuation imports consistent: the plex still on the disk (its replacement absent or attached) or moved, every plex an ACTIVE copy after the start', async () => {
    const { whole, seen } = await everyCut(run)
    expect(whole).toBe('disk01+disk03')
    // before the replacement's commit (disk01+disk02) and with both plexes there (all three disks)
    expect([...seen].sort()).toEqual(['disk01+disk02', 'disk01+disk02+disk03'])
  }, 60_000)
})
