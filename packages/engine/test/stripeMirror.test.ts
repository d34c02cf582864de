import { describe, expect, it } from 'vitest'
import { expectCode, plexImage, rec } from './harness.ts'
import { LEN, stripedVolume } from './opsHarness.ts'

/** A started 3-column striped volume v1 (stripe unit 64 sectors) on disk01-disk03 of a 7-disk group, holding a flushed pattern. */
const striped = () => stripedVolume({ ncol: 3, stwidth: 64, n: 7, seed: 11 })

/** The disks of each column of a plex, by column. */
function columnDisks(dg: Awaited<ReturnType<typeof striped>>['dg'], plex: string): string[][] {
  const c = dg.config()
  const pl = c.plexes.find((p) => p.pl_name === plex)!
  const out: string[][] = []
  for (const sd of c.subdisks.filter((s) => s.sd_plex_rid === pl.pl_rid)) (out[sd.sd_column] ??= []).push(sd.sd_dm_name)
  return out
}

describe('vxassist mirror of a striped volume (rule 402)', () => {
  it('I402 the new plex is striped with the same columns and stripe unit, each column on a disk holding no plex of the volume, and is copied', async () => {
    const { dg, data, devices } = await striped()
    const dry = await dg.addMirror('v1', { dryRun: true })
    expect(dry.notes?.filter((n) => /^new subdisk \S+ on disk0[4-7] at /.test(n))).toHaveLength(3)
    await dg.addMirror('v1')
    expect(rec(dg, 'v1-02')).toMatchObject({ pl_layout: 'STRIPE', pl_ncol: 3, pl_st_width: 64, pl_state: 'ACTIVE', pl_kstate: 'ENABLED' })
    const cols = columnDisks(dg, 'v1-02').flat()
    expect(new Set(cols).size).toBe(3)
    for (const d of cols) expect(['disk01', 'disk02', 'disk03']).not.toContain(d)
    expect((await plexImage(dg, devices, 'v1-02')).equals(data)).toBe(true)
  })

  it('I402 layout concat overrides it; a stripe asked of a concat volume is VM_INVALID_PARAM; too few disks VM_NO_SPACE, nothing changed', async () => {
    const { dg, data, devices } = await striped()
    const tid = dg.tid
    await expectCode(dg.addMirror('v1', { disks: ['disk04', 'disk05'] }), 'VM_NO_SPACE')
    expect(dg.tid).toBe(tid)
    await dg.addMirror('v1', { layout: 'concat' })
    expect(rec(dg, 'v1-02')).toMatchObject({ pl_layout: 'CONCAT' })
    expect((await plexImage(dg, devices, 'v1-02')).equals(data)).toBe(true)
    await dg.assistMake({ name: 'c1', len: LEN, disks: ['disk07'] })
    await expectCode(dg.addMirror('c1', { layout: 'stripe' }), 'VM_INVALID_PARAM')
  })
})
