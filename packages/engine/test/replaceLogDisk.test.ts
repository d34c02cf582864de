import { describe, expect, it } from 'vitest'
import { createMemoryDevice } from '../src/device/memoryDevice.ts'
import { decodeDrl } from '../src/drl/drlFormat.ts'
import { DiskGroup, REGION_SECTORS } from '../src/diskGroup.ts'
import { PL_PFLAG } from '../src/records/types.ts'
import type { StaleMaps } from '../src/staleMaps.ts'
import { rec } from './harness.ts'

const REGION = REGION_SECTORS * 512

/** A started mirror v1 (data plexes on disk01 and disk02) with its DRL log plex on disk03. */
async function loggedMirror() {
  const mems = [0, 1, 2].map(() => createMemoryDevice(64 << 20))
  const dg = await DiskGroup.create({ name: 'repldg', disks: mems.map((device, i) => ({ name: `disk0${i + 1}`, device })) })
  await dg.assistMake({ init: 'none', name: 'v1', len: 16 * REGION_SECTORS, layout: 'mirror', log: 'drl', disks: ['disk01', 'disk02', 'disk03'] })
  await dg.start('v1')
  const logSd = dg.config().subdisks.find((s) => s.sd_is_log)!
  const data = dg.config().plexes.filter((p) => p.pl_name !== logSd.sd_pl_name && p.pl_name.startsWith('v1-')).map((p) => p.pl_name)
  return { dg, logSd, logPlex: logSd.sd_pl_name, data }
}

describe('replacing the disk of a DRL log plex (rule 236)', () => {
  it('236 the log plex stays ENABLED LOG and is not stale; a resync of the disk has nothing to copy; the data plexes stay current', async () => {
    const { dg, logSd, logPlex, data } = await loggedMirror()
    expect(logSd.sd_dm_name).toBe('disk03')
    await dg.write('v1', 2 * REGION, Buffer.alloc(4096, 7))
    const fresh = createMemoryDevice(64 << 20)
    await dg.replaceDisk('disk03', fresh)
    const pl = dg.config().plexes.find((p) => p.pl_name === logPlex)!
    expect({ state: pl.pl_state, kstate: pl.pl_kstate, stalePflag: pl.pl_pflag & PL_PFLAG.STALE }).toEqual({ state: 'LOG', kstate: 'ENABLED', stalePflag: 0 })
    expect(dg.staleRegions(logPlex)).toMatchObject({ full: false, regions: [] })
    const plan = dg.planResyncDisk('disk03', false)
    expect({ regions: plan.regions, bytes: plan.bytes }).toEqual({ regions: 0, bytes: 0 })
    for (const p of data) {
      expect(rec(dg, p).pl_state).toBe('ACTIVE')
      expect(dg.staleRegions(p)).toMatchObject({ full: false, regions: [] })
    }
  })

  it('236 the next log write re-initialises the log on the new device: it holds the dirty regions', async () => {
    const { dg, logSd } = await loggedMirror()
    await dg.write('v1', 2 * REGION, Buffer.alloc(4096, 7))
    const fresh = createMemoryDevice(64 << 20)
    await dg.replaceDisk('disk03', fresh)
    await dg.write('v1', 5 * REGION, Buffer.alloc(4096, 8))
    const img = decodeDrl(await fresh.read(logSd.sd_dev_offset * 512, logSd.sd_len * 512))
    expect(img).toBeDefined()
    expect(dg.dirtyRegions('v1').regions).toEqual([2, 5])
    expect([...img!.dirty].length).toBeGreaterThanOrEqual(2)
  })

  it('236 a disk resync drops stale regions left tracked on a log plex of the disk (as a replace before rule 236 left them): nothing is copied to it', async () => {
    const { dg, logSd, logPlex } = await loggedMirror()
    await dg.replaceDisk('disk03', createMemoryDevice(64 << 20))
    // the state an earlier replace left in the stale maps (the log plex entirely stale)
    ;(dg as unknown as { p: { stale: StaleMaps } }).p.stale.setFull(logSd.sd_plex_rid)
    expect(dg.staleRegions(logPlex).full).toBe(true)
    const h = await dg.resyncDisk('disk03', false)
    const report = await h.done
    expect(report.regionsCopied).toBe(0)
    expect(dg.staleRegions(logPlex)).toMatchObject({ full: false, regions: [] })
    expect(rec(dg, logPlex)).toMatchObject({ pl_state: 'LOG', pl_kstate: 'ENABLED' })
  })
})
