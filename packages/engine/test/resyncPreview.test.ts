// A resync's dry run says everything the task then does: every plex it writes, by volume, and
// every plex it hands back to its volume (rules 233, 234); each test runs the task after its
// dry run and compares the lists.
import { describe, expect, it } from 'vitest'
import { REGION_SECTORS } from '../src/diskGroup.ts'
import type { DiskGroup } from '../src/diskGroup.ts'
import { memoryGroup, pattern } from './harness.ts'

const REGION = REGION_SECTORS * 512

/** The plexes of `dg` whose kernel state and state are now ENABLED ACTIVE and were not in `before`. */
function enabledSince(dg: DiskGroup, before: ReturnType<DiskGroup['config']>): string[] {
  const was = new Map(before.plexes.map((p) => [p.pl_name, `${p.pl_kstate} ${p.pl_state}`]))
  return dg.config().plexes.filter((p) => `${p.pl_kstate} ${p.pl_state}` === 'ENABLED ACTIVE' && was.get(p.pl_name) !== 'ENABLED ACTIVE').map((p) => p.pl_name)
}

describe('resync dry runs (rules 233, 234)', () => {
  it('233: a volume resync that reattaches a detached plex lists that state change, with nothing to copy or with stale regions', async () => {
    const { dg } = await memoryGroup(2, 32 << 20)
    await dg.assistMake({ init: 'none', name: 'mirvol', len: 8 * REGION_SECTORS, layout: 'mirror', disks: ['disk01', 'disk02'] })
    await dg.start('mirvol')
    await dg.write('mirvol', 0, pattern(8 * REGION, 1))
    await dg.detachPlex('mirvol-02')
    // nothing was written since: nothing to copy, but the plex comes back
    const plan = dg.planResyncVolume('mirvol', false)
    expect(plan).toMatchObject({ regions: 0, bytes: 0, writes: [] })
    expect(plan.handBack).toEqual([{ plex: 'mirvol-02', volume: 'mirvol', from: { kstate: 'DETACHED', state: 'STALE' }, to: { kstate: 'ENABLED', state: 'ACTIVE' } }])
    let before = dg.config()
    let report = await (await dg.resyncVolume('mirvol', false)).done
    expect(enabledSince(dg, before)).toEqual(plan.handBack.map((h) => h.plex))
    expect(report.written).toEqual(plan.writes)
    // detached again, two regions written meanwhile: their copy and the state change
    await dg.detachPlex('mirvol-02')
    await dg.write('mirvol', 2 * REGION, pattern(2 * REGION, 2))
    const second = dg.planResyncVolume('mirvol', false)
    expect(second).toMatchObject({ regions: 2, bytes: 2 * REGION, writes: [{ volume: 'mirvol', plexes: ['mirvol-02'] }] })
    expect(second.handBack.map((h) => `${h.plex}: ${h.from.kstate} ${h.from.state} -> ${h.to.kstate} ${h.to.state}`)).toEqual(['mirvol-02: DETACHED STALE -> ENABLED ACTIVE'])
    before = dg.config()
    report = await (await dg.resyncVolume('mirvol', false)).done
    expect(report.written).toEqual(second.writes)
    expect(enabledSince(dg, before)).toEqual(second.handBack.map((h) => h.plex))
    // a volume with every copy current: nothing to copy, nothing handed back
    expect(dg.planResyncVolume('mirvol', false)).toMatchObject({ regions: 0, writes: [], handBack: [] })
  })

  it('234: a forced disk resync lists every volume and plex it writes, and the task writes exactly those', async () => {
    const { dg } = await memoryGroup(3, 32 << 20)
    await dg.assistMake({ init: 'none', name: 'mirvol', len: 4 * REGION_SECTORS, layout: 'mirror', disks: ['disk01', 'disk02'] })
    await dg.assistMake({ init: 'none', name: 'msvol', len: 4 * REGION_SECTORS, layout: 'mirror', disks: ['disk01', 'disk03'] })
    for (const v of ['mirvol', 'msvol']) {
      await dg.start(v)
      await dg.write(v, 0, pattern(4 * REGION, 3))
    }
    const plan = dg.planResyncDisk('disk01', true)
    expect(plan.regions).toBe(8)
    expect(plan.writes.map((w) => w.volume).sort()).toEqual(['mirvol', 'msvol'])
    for (const w of plan.writes) expect(w.plexes).toHaveLength(1)
    expect(plan.handBack).toEqual([])
    const before = dg.config()
    const report = await (await dg.resyncDisk('disk01', true)).done
    expect(report.written).toEqual(plan.writes)
    expect(enabledSince(dg, before)).toEqual([])
    // unforced, with one plex detached and written past: only its copy, and its return
    await dg.detachPlex('msvol-02')
    await dg.write('msvol', 0, pattern(REGION, 4))
    const onDisk = dg.config().subdisks.find((s) => s.sd_pl_name === 'msvol-02')!.sd_dm_name
    const unforced = dg.planResyncDisk(onDisk, false)
    expect(unforced).toMatchObject({ regions: 1, writes: [{ volume: 'msvol', plexes: ['msvol-02'] }] })
    expect(unforced.handBack.map((h) => h.plex)).toEqual(['msvol-02'])
    const b2 = dg.config()
    const r2 = await (await dg.resyncDisk(onDisk, false)).done
    expect(r2.written).toEqual(unforced.writes)
    expect(enabledSince(dg, b2)).toEqual(['msvol-02'])
  })
})
