import { describe, expect, it } from 'vitest'
import { DiskGroup, REGION_SECTORS } from '../src/diskGroup.ts'
import { expectCode, memoryGroup, pattern, plexImage, rec } from './harness.ts'
import { BYTES, LEN, crashRig, everyCut, growCrashRun, startedMirror } from './opsHarness.ts'


/** The disks (by name) of each data plex of `volume`. */
function plexDisks(dg: DiskGroup, volume: string): Map<string, Set<string>> {
  const c = dg.config()
  const out = new Map<string, Set<string>>()
  for (const pl of c.plexes.filter((p) => p.pl_v_name === volume && p.pl_state !== 'LOG')) {
    out.set(pl.pl_name, new Set(c.subdisks.filter((s) => s.sd_plex_rid === pl.pl_rid).map((s) => c.disks.find((d) => d.dm_rid === s.sd_dm_rid)!.dm_name)))
  }
  return out
}


describe('growVolume (vxassist growto)', () => {
  it('rule 303: grows a started mirror online: each plex\'s last subdisk grows in place, the new space reads zeros in every plex, the data stays', async () => {
    const { dg, devices, data } = await startedMirror()
    const r = await dg.growVolume('v1', 2 * LEN)
    expect(r.dryRun).toBe(false)
    expect(rec(dg, 'v1')).toMatchObject({ v_len: 2 * LEN, v_kstate: 'ENABLED' })
    expect(dg.config().subdisks.map((s) => s.sd_len)).toEqual([2 * LEN, 2 * LEN])
    const whole = Buffer.concat([data, Buffer.alloc(BYTES)])
    expect((await dg.read('v1', 0, 2 * BYTES)).equals(whole)).toBe(true)
    for (const pl of ['v1-01', 'v1-02']) expect((await plexImage(dg, devices, pl)).equals(whole), pl).toBe(true)
    await dg.write('v1', BYTES, pattern(BYTES, 9))
    expect((await dg.read('v1', BYTES, BYTES)).equals(pattern(BYTES, 9))).toBe(true)
  })

  it('rule 303: new subdisks go on disks holding no other plex of the volume when a subdisk cannot grow in place', async () => {
    const { dg } = await startedMirror()
    // a subdisk right after each plex's: neither can grow in place
    await dg.makeSubdisk({ name: 'wall1', disk: 'disk01', offset: LEN, len: 8 })
    await dg.makeSubdisk({ name: 'wall2', disk: 'disk02', offset: LEN, len: 8 })
    await dg.growVolume('v1', 3 * LEN)
    const disks = plexDisks(dg, 'v1')
    const [a, b] = [disks.get('v1-01')!, disks.get('v1-02')!]
    expect([...a].filter((x) => b.has(x))).toEqual([])
    expect(a.size + b.size).toBeGreaterThan(2)
    expect(rec(dg, 'v1-01')).toMatchObject({ pl_len: 3 * LEN, pl_contig_len: 3 * LEN })
  })

  it('rule 303: the dry run lists the changes and the zeros it would write, and changes nothing', async () => {
    const { dg } = await startedMirror()
    const before = dg.config()
    const r = await dg.growVolume('v1', 2 * LEN, { dryRun: true })
    expect(r.dryRun).toBe(true)
    expect(r.copyBytes).toBe(2 * BYTES)
    expect(r.changes.map((c) => `${c.kind} ${c.name} ${c.fields.join(',')}`).sort()).toEqual(['pl v1-01 pl_len,pl_contig_len', 'pl v1-02 pl_len,pl_contig_len', 'sd disk01-01 sd_len', 'sd disk02-01 sd_len', 'v v1 v_len'])
    expect(dg.config()).toEqual(before)
  })

  it('rule 303: a started volume with a DRL grows within its log, and writes to the new space are logged', async () => {
    const { dg } = await startedMirror({ log: true })
    await dg.growVolume('v1', 2 * LEN)
    await dg.write('v1', (2 * LEN - 8) * 512, Buffer.alloc(4096, 1))
    expect(dg.dirtyRegions('v1').regions).toContain(2 * LEN / REGION_SECTORS - 1)
  })

  it('rule 303: bad input gets a stable code and changes nothing', async () => {
    const { dg } = await startedMirror()
    const tid = dg.tid
    await expectCode(dg.growVolume('v1', LEN), 'VM_INVALID_PARAM')
    await expectCode(dg.growVolume('v1', -1), 'VM_INVALID_PARAM')
    await expectCode(dg.growVolume('nosuch', 2 * LEN), 'VM_NOT_FOUND')
    await expectCode(dg.growVolume('v1', 200 * LEN), 'VM_NO_SPACE')
    expect(dg.tid).toBe(tid)
    expect(rec(dg, 'v1').v_len).toBe(LEN)
  })
})

describe('growVolume crash points', () => {
  const run = (cut: number | undefined) => growCrashRun(cut, 13)

  it('rule 304: a crash at any device write of a grow imports the old length (plexes extended or not) or the new one, every plex identical, the new space zeros', async () => {
    // spread over the run, and each of its last writes (the commit of the new length is among them)
    const { whole, seen } = await everyCut(run, 24, 6)
    expect(whole).toBe('grown')
    // cuts land before the plexes' extension commits, and after it while the zeros are written (a
    // cut drops every write not flushed: the commit of the new length is the run's last flush)
    expect([...seen].filter((x) => x !== 'grown').sort()).toEqual(['allocated', 'old'])
  }, 60_000)
})

describe('shrinkVolume (vxassist shrinkto)', () => {
  it('rule 305: shrinks a stopped volume in one transaction: subdisks beyond the end removed, the one across it cut, the data before it kept', async () => {
    const g = await memoryGroup(4, 16 << 20)
    await g.dg.makeRecords([
      { type: 'sd', name: 'a1', disk: 'disk01', len: LEN },
      { type: 'sd', name: 'a2', disk: 'disk02', len: LEN },
      { type: 'plex', name: 'v1-01', sd: ['a1', 'a2'] },
      { type: 'sd', name: 'b1', disk: 'disk03', len: 2 * LEN },
      { type: 'plex', name: 'v1-02', sd: ['b1'] },
      { type: 'vol', name: 'v1', len: 2 * LEN, plex: ['v1-01', 'v1-02'] },
    ])
    await g.dg.start('v1')
    const data = pattern(2 * BYTES, 2)
    await g.dg.write('v1', 0, data)
    await g.dg.stop('v1')
    const tid = g.dg.tid
    const r = await g.dg.shrinkVolume('v1', LEN / 2)
    expect(r.tid).toBe(tid + 1)
    expect(r.changes.filter((c) => c.op === 'delete').map((c) => c.name)).toEqual(['a2'])
    const c = g.dg.config()
    expect(c.subdisks.map((s) => [s.sd_name, s.sd_len])).toEqual([['a1', LEN / 2], ['b1', LEN / 2]])
    expect(rec(g.dg, 'v1').v_len).toBe(LEN / 2)
    await g.dg.start('v1')
    expect((await g.dg.read('v1', 0, BYTES / 2)).equals(data.subarray(0, BYTES / 2))).toBe(true)
    await expectCode(g.dg.read('v1', BYTES / 2, 512), 'VM_OUT_OF_RANGE')
  })

  it('rule 305: a started volume is refused VM_VOL_ENABLED unless forced; a length that does not shrink VM_INVALID_PARAM; the dry run changes nothing', async () => {
    const { dg, data } = await startedMirror()
    const before = dg.config()
    await expectCode(dg.shrinkVolume('v1', LEN / 2), 'VM_VOL_ENABLED')
    await expectCode(dg.shrinkVolume('v1', LEN, { force: true }), 'VM_INVALID_PARAM')
    await expectCode(dg.shrinkVolume('v1', 0, { force: true }), 'VM_INVALID_PARAM')
    const dry = await dg.shrinkVolume('v1', LEN / 2, { force: true, dryRun: true })
    expect(dry).toMatchObject({ dryRun: true, copyBytes: 0 })
    expect(dg.config()).toEqual(before)
    await dg.shrinkVolume('v1', LEN / 2, { force: true })
    expect(rec(dg, 'v1')).toMatchObject({ v_len: LEN / 2, v_kstate: 'ENABLED' })
    expect((await dg.read('v1', 0, BYTES / 2)).equals(data.subarray(0, BYTES / 2))).toBe(true)
  })
})

describe('shrinkVolume crash points', () => {
  async function run(cut: number | undefined): Promise<{ writes: number; problems: string[]; seen: string }> {
    const rig = await crashRig(19)
    // the same data written and flushed after it: cuts land after the commit too (its copies are
    // written in parallel and flushed after, so a cut among them drops them all)
    const writes = await rig.cutDuring(cut, async (dg) => {
      await dg.shrinkVolume('v1', LEN / 2, { force: true })
      await dg.write('v1', 0, rig.data.subarray(0, BYTES / 2))
      await dg.flush('v1')
    })
    const { problems, seen } = await rig.restart(
      (dg) => (rec(dg, 'v1').v_len === LEN / 2 ? rig.data.subarray(0, BYTES / 2) : rig.data),
      (dg) => {
        const c = dg.config()
        const len = rec(dg, 'v1').v_len as number
        // every data plex holds exactly the volume's length: the plexes and the length are cut in one commit
        const plexLens = c.plexes.filter((p) => p.pl_v_name === 'v1').map((p) => c.subdisks.filter((s) => s.sd_plex_rid === p.pl_rid).reduce((n, s) => n + s.sd_len, 0))
        const whole = plexLens.every((n) => n === len)
        return len === LEN / 2 && whole ? 'shrunk' : len === LEN && whole ? 'old' : `half (v_len ${len}, plexes ${plexLens.join(', ')})`
      },
    )
    return { writes, problems, seen }
  }

  it('rule 352: a crash at any device write of a shrink (forced, started) imports the old length with whole plexes or the new one with cut plexes, the flushed data kept and every plex identical', async () => {
    const { whole, seen } = await everyCut(run, 24, 6)
    expect(whole).toBe('shrunk')
    expect([...seen].sort()).toEqual(['old', 'shrunk'])
  }, 60_000)
})
