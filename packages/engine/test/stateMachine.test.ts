import { describe, expect, it } from 'vitest'
import { PL_TFLAG } from '../src/records/types.ts'
import { expectCode, fileGroup, memoryGroup, pattern, rec, recordEvents } from './harness.ts'

/** A 2-way mirror v1 (plexes v1-01, v1-02) of 4096 sectors on disk01/disk02. */
async function mirror(n = 2, disks = 3) {
  const g = await memoryGroup(disks)
  await g.dg.assistMake({ init: 'none', name: 'v1', len: 4096, layout: 'mirror', nmirror: n })
  return g
}

describe('volume and plex state machine (checklist C 25, D)', () => {
  it('D27: make volume+plex gives DISABLED/EMPTY volume and plex', async () => {
    const { dg } = await mirror()
    expect([rec(dg, 'v1').v_kstate, rec(dg, 'v1').v_state]).toEqual(['DISABLED', 'EMPTY'])
    for (const p of ['v1-01', 'v1-02']) expect([rec(dg, p).pl_kstate, rec(dg, p).pl_state]).toEqual(['DISABLED', 'EMPTY'])
  })

  it('D28: start on an EMPTY volume enables everything ACTIVE with zero copy I/O', async () => {
    const { dg } = await mirror()
    const log = recordEvents(dg)
    await dg.start('v1')
    expect([rec(dg, 'v1').v_kstate, rec(dg, 'v1').v_state]).toEqual(['ENABLED', 'ACTIVE'])
    for (const p of ['v1-01', 'v1-02']) {
      expect([rec(dg, p).pl_kstate, rec(dg, p).pl_state]).toEqual(['ENABLED', 'ACTIVE'])
      expect(dg.ioStats(p)).toEqual({ reads: 0, writes: 0, readBytes: 0, writeBytes: 0 })
    }
    expect(log.types()).not.toContain('task.progress')
    expect(log.events.filter((e) => e.type === 'kstate.changed').map((e) => e.type === 'kstate.changed' && `${e.name}:${e.to}`).sort()).toEqual(['v1-01:ENABLED', 'v1-02:ENABLED', 'v1:ENABLED'])
  })

  it('D29: stop turns the volume and every ACTIVE plex CLEAN and DISABLED', async () => {
    const { dg } = await mirror()
    await dg.start('v1')
    await dg.write('v1', 0, pattern(4096, 1))
    await dg.stop('v1')
    expect([rec(dg, 'v1').v_kstate, rec(dg, 'v1').v_state]).toEqual(['DISABLED', 'CLEAN'])
    for (const p of ['v1-01', 'v1-02']) expect([rec(dg, p).pl_kstate, rec(dg, p).pl_state]).toEqual(['DISABLED', 'CLEAN'])
    await expectCode(dg.read('v1', 0, 512), 'VM_NOT_STARTED') // rule 133: a code of its own, not the group's VM_OFFLINE
  })

  it('D30: start with all plexes CLEAN does no resync I/O and enables them ACTIVE', async () => {
    const { dg } = await mirror()
    await dg.start('v1')
    await dg.write('v1', 0, pattern(8192, 2))
    await dg.stop('v1')
    const before = ['v1-01', 'v1-02'].map((p) => dg.ioStats(p))
    await dg.start('v1')
    expect(['v1-01', 'v1-02'].map((p) => dg.ioStats(p))).toEqual(before)
    for (const p of ['v1-01', 'v1-02']) expect([rec(dg, p).pl_kstate, rec(dg, p).pl_state]).toEqual(['ENABLED', 'ACTIVE'])
    expect((await dg.read('v1', 0, 8192)).equals(pattern(8192, 2))).toBe(true)
  })

  it('C25: after a restart kernel states are DISABLED and tutil/tflag empty; putil, pflag, state, rids and tids stay', async () => {
    const g = await fileGroup(2, 32 << 20)
    try {
      const dg = g.dg
      await dg.assistMake({ init: 'none', name: 'v1', len: 2048, layout: 'mirror' })
      await dg.start('v1')
      await dg.set('v1-01', { putil1: 'keep', tutil1: 'drop', pflag: 1 })
      await dg.set('v1', { putil2: 'vkeep', tutil2: 'vdrop' })
      const before = { p: rec(dg, 'v1-01'), v: rec(dg, 'v1'), tid: dg.tid }
      await dg.close()
      const again = await g.reopen()
      const p = rec(again, 'v1-01')
      const v = rec(again, 'v1')
      expect([p.pl_kstate, v.v_kstate]).toEqual(['DISABLED', 'DISABLED'])
      expect([p.pl_tutil, v.v_tutil, p.pl_tflag, v.v_tflag]).toEqual([['', '', ''], ['', '', ''], 0, 0])
      expect([p.pl_putil, p.pl_pflag, p.pl_state, p.pl_rid, p.pl_update_tid]).toEqual([before.p.pl_putil, 1, 'ACTIVE', before.p.pl_rid, before.p.pl_update_tid])
      expect([v.v_putil, v.v_state, v.v_rid]).toEqual([before.v.v_putil, 'ACTIVE', before.v.v_rid])
      expect(again.tid).toBeGreaterThanOrEqual(before.tid)
      await again.close()
    } finally {
      await g.remove()
    }
  })

  it('D33: start after a crash dissociates TEMP and SNAPDIS plexes, removes TEMPRM, and TEMPRMSD/SNAPATT with their subdisks', async () => {
    const { dg } = await memoryGroup(3)
    await dg.assistMake({ init: 'none', name: 'v1', len: 2048, layout: 'concat' })
    const states = ['TEMP', 'TEMPRM', 'TEMPRMSD', 'SNAPATT', 'SNAPDIS']
    for (const [i, s] of states.entries()) {
      await dg.makeRecords([
        { type: 'sd', name: `s${i}`, disk: 'disk02', len: 2048 },
        { type: 'plex', name: `p${i}`, sd: [`s${i}`] },
      ])
      await dg.attachPlex('v1', `p${i}`)
      await dg.set(`p${i}`, { state: s })
    }
    await dg.start('v1')
    const c = dg.config()
    const plex = (n: string) => c.plexes.find((p) => p.pl_name === n)
    const sd = (n: string) => c.subdisks.find((p) => p.sd_name === n)
    expect(plex('p0')?.pl_vol_rid).toBe(0) // TEMP: dissociated
    expect(plex('p1')).toBeUndefined() // TEMPRM: removed
    expect(sd('s1')?.sd_plex_rid).toBe(0) // ... its subdisk kept
    expect(plex('p2')).toBeUndefined() // TEMPRMSD: removed with subdisks
    expect(sd('s2')).toBeUndefined()
    expect(plex('p3')).toBeUndefined() // SNAPATT: same
    expect(sd('s3')).toBeUndefined()
    expect(plex('p4')?.pl_vol_rid).toBe(0) // SNAPDIS: dissociated
    expect(rec(dg, 'v1').v_pl_num).toBe(1)
  })

  it('D34: att to an ENABLED volume copies with tutil0=ATT, STALE, write-only; writes during the copy land; ends ACTIVE and identical', async () => {
    const { dg } = await memoryGroup(3)
    await dg.assistMake({ init: 'none', name: 'v1', len: 8192, layout: 'concat', disks: ['disk01'] })
    await dg.start('v1')
    const model = pattern(8192 * 512, 3)
    await dg.write('v1', 0, model)
    await dg.makeRecords([
      { type: 'sd', name: 'n1', disk: 'disk02', len: 8192 },
      { type: 'plex', name: 'new', sd: ['n1'] },
    ])
    const seen: Array<Record<string, unknown>> = []
    let wrote = false
    const off = dg.subscribe((e) => {
      if (e.type === 'task.progress' && e.kind === 'attach' && e.phase === 'attach' && !wrote) {
        wrote = true
        seen.push(rec(dg, 'new'))
        // a foreground write in the middle of the copy, at the last region
        const data = Buffer.alloc(4096, 0x77)
        data.copy(model, 8000 * 512)
        void dg.write('v1', 8000 * 512, data)
      }
    })
    await dg.attachPlex('v1', 'new')
    off()
    expect(wrote).toBe(true)
    expect(seen[0]).toMatchObject({ pl_tutil: ['ATT', '', ''], pl_state: 'STALE', pl_kstate: 'ENABLED' })
    expect((seen[0]!.pl_tflag as number) & 0x3).toBe(PL_TFLAG.WRITE)
    const p = rec(dg, 'new')
    expect([p.pl_state, p.pl_kstate, p.pl_tutil, (p.pl_tflag as number) & 3]).toEqual(['ACTIVE', 'ENABLED', ['', '', ''], 3])
    // Both plexes hold the same bytes: read each alone by detaching the other in turn.
    await dg.detachPlex('v1-01')
    expect((await dg.read('v1', 0, model.length)).equals(model)).toBe(true)
  })

  it('D35: att to a DISABLED volume only associates (STALE); the next start copies it and ends ACTIVE', async () => {
    const { dg } = await memoryGroup(3)
    await dg.assistMake({ init: 'none', name: 'v1', len: 4096, layout: 'concat', disks: ['disk01'] })
    await dg.start('v1')
    await dg.write('v1', 0, pattern(4096 * 512, 4))
    await dg.stop('v1')
    await dg.makeRecords([{ type: 'sd', name: 'n1', disk: 'disk02', len: 4096 }, { type: 'plex', name: 'new', sd: ['n1'] }])
    await dg.attachPlex('v1', 'new')
    expect([rec(dg, 'new').pl_state, rec(dg, 'new').pl_kstate]).toEqual(['STALE', 'DISABLED'])
    expect(dg.ioStats('new').writes).toBe(0)
    await dg.start('v1')
    expect(rec(dg, 'new').pl_state).toBe('ACTIVE')
    await dg.detachPlex('v1-01')
    expect((await dg.read('v1', 0, 4096 * 512)).equals(pattern(4096 * 512, 4))).toBe(true)
  })

  it('D36: det keeps the plex associated, DETACHED and STALE, without volume I/O; the next start recovers it', async () => {
    const { dg } = await mirror()
    await dg.start('v1')
    await dg.detachPlex('v1-02')
    expect([rec(dg, 'v1-02').pl_kstate, rec(dg, 'v1-02').pl_state, rec(dg, 'v1-02').pl_v_name]).toEqual(['DETACHED', 'STALE', 'v1'])
    const w = dg.ioStats('v1-02').writes
    await dg.write('v1', 0, pattern(4096 * 512, 5))
    await dg.read('v1', 0, 4096)
    expect(dg.ioStats('v1-02')).toMatchObject({ writes: w, reads: 0 })
    await dg.stop('v1')
    expect(rec(dg, 'v1-02').pl_state).toBe('STALE')
    await dg.start('v1')
    expect([rec(dg, 'v1-02').pl_state, rec(dg, 'v1-02').pl_kstate]).toEqual(['ACTIVE', 'ENABLED'])
    await dg.detachPlex('v1-01')
    expect((await dg.read('v1', 0, 4096 * 512)).equals(pattern(4096 * 512, 5))).toBe(true)
  })

  it('D36: detaching the last complete plex of a started volume fails VM_LAST_PLEX unless forced', async () => {
    const { dg } = await mirror()
    await dg.start('v1')
    await dg.detachPlex('v1-02')
    const tid = dg.tid
    await expectCode(dg.detachPlex('v1-01'), 'VM_LAST_PLEX')
    expect(dg.tid).toBe(tid)
  })

  it('D37: mend off gives OFFLINE/DISABLED and no volume writes; mend on gives STALE', async () => {
    const { dg } = await mirror()
    await dg.start('v1')
    await dg.mend('off', 'v1-02')
    expect([rec(dg, 'v1-02').pl_state, rec(dg, 'v1-02').pl_kstate]).toEqual(['OFFLINE', 'DISABLED'])
    const w = dg.ioStats('v1-02').writes
    await dg.write('v1', 0, Buffer.alloc(4096, 1))
    expect(dg.ioStats('v1-02').writes).toBe(w)
    await dg.mend('on', 'v1-02')
    expect(rec(dg, 'v1-02').pl_state).toBe('STALE')
  })

  it('D38: with no CLEAN/ACTIVE plex start fails VM_UNSTARTABLE; after mend fix clean P start copies P to the others', async () => {
    const { dg } = await mirror()
    await dg.start('v1')
    await dg.write('v1', 0, pattern(4096 * 512, 6))
    await dg.stop('v1')
    await dg.set('v1-01', { state: 'STALE' })
    await dg.set('v1-02', { state: 'STALE' })
    const tid = dg.tid
    await expectCode(dg.start('v1'), 'VM_UNSTARTABLE')
    expect(dg.tid).toBe(tid)
    await dg.mend('fix', 'v1-01', 'clean')
    expect([rec(dg, 'v1-01').pl_state, rec(dg, 'v1-02').pl_state]).toEqual(['CLEAN', 'STALE'])
    const before = dg.ioStats('v1-02').writeBytes
    await dg.start('v1')
    expect(dg.ioStats('v1-02').writeBytes - before).toBe(4096 * 512)
    expect([rec(dg, 'v1-01').pl_state, rec(dg, 'v1-02').pl_state]).toEqual(['ACTIVE', 'ACTIVE'])
    await dg.detachPlex('v1-01')
    expect((await dg.read('v1', 0, 4096 * 512)).equals(pattern(4096 * 512, 6))).toBe(true)
  })

  it('D39: plex cp on an ENABLED volume fails VM_VOL_ENABLED; on a DISABLED one it copies and leaves the plex unassociated', async () => {
    const { dg } = await memoryGroup(3)
    await dg.assistMake({ init: 'none', name: 'v1', len: 2048, layout: 'concat', disks: ['disk01'] })
    await dg.makeRecords([{ type: 'sd', name: 'c1', disk: 'disk02', len: 2048 }, { type: 'plex', name: 'copy', sd: ['c1'] }])
    await dg.start('v1')
    await dg.write('v1', 0, pattern(2048 * 512, 7))
    await expectCode(dg.copyPlex('v1', 'copy'), 'VM_VOL_ENABLED')
    await dg.stop('v1')
    await dg.copyPlex('v1', 'copy')
    expect(rec(dg, 'copy').pl_vol_rid).toBe(0)
    // Prove the bytes: make a volume of the copy alone.
    await dg.makeVolume({ name: 'v2', len: 2048, plex: ['copy'] })
    await dg.start('v2')
    expect((await dg.read('v2', 0, 2048 * 512)).equals(pattern(2048 * 512, 7))).toBe(true)
  })

  it('D40: plex mv needs an active old plex and a large enough new one; the new one takes over', async () => {
    const { dg } = await memoryGroup(3)
    await dg.assistMake({ init: 'none', name: 'v1', len: 2048, layout: 'mirror', disks: ['disk01', 'disk02'] })
    await dg.makeRecords([
      { type: 'sd', name: 'small', disk: 'disk03', len: 1024 },
      { type: 'plex', name: 'tiny', sd: ['small'] },
      { type: 'sd', name: 'big', disk: 'disk03', len: 2048 },
      { type: 'plex', name: 'neu', sd: ['big'] },
    ])
    await expectCode(dg.movePlex('v1-01', 'neu'), 'VM_INVALID_PARAM') // volume not started
    await dg.start('v1')
    await dg.write('v1', 0, pattern(2048 * 512, 8))
    await expectCode(dg.movePlex('v1-01', 'tiny'), 'VM_INVALID_PARAM')
    await dg.movePlex('v1-01', 'neu')
    expect(rec(dg, 'v1-01').pl_vol_rid).toBe(0)
    expect([rec(dg, 'neu').pl_v_name, rec(dg, 'neu').pl_state]).toEqual(['v1', 'ACTIVE'])
    await dg.detachPlex('v1-02')
    expect((await dg.read('v1', 0, 2048 * 512)).equals(pattern(2048 * 512, 8))).toBe(true)
  })

  it('B14: filling a hole of a live plex copies the range from another complete plex before it commits', async () => {
    const { dg } = await memoryGroup(3)
    await dg.makeRecords([
      { type: 'sd', name: 'full', disk: 'disk01', len: 3072 },
      { type: 'plex', name: 'good', sd: ['full'] },
      { type: 'sd', name: 'a', disk: 'disk02', len: 1024 },
      { type: 'sd', name: 'c', disk: 'disk02', len: 1024 },
      { type: 'sd', name: 'hole', disk: 'disk03', len: 1024 },
      { type: 'plex', name: 'sparse', sd: [{ name: 'a', offset: 0 }, { name: 'c', offset: 2048 }] },
      { type: 'vol', name: 'v1', len: 3072, plex: ['good', 'sparse'] },
    ])
    expect(rec(dg, 'sparse').pl_contig_len).toBe(1024)
    await dg.start('v1')
    const model = pattern(3072 * 512, 9)
    await dg.write('v1', 0, model)
    await dg.assocSubdisk('sparse', { name: 'hole', offset: 1024 })
    expect(rec(dg, 'sparse').pl_compact).toBe(1)
    await dg.detachPlex('good')
    expect((await dg.read('v1', 0, model.length)).equals(model)).toBe(true)
  })
})
