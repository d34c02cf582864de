import { describe, expect, it } from 'vitest'
import { NODEV, PL_TFLAG } from '../src/records/types.ts'
import { mapStripe } from '../src/layout/plexMap.ts'
import { expectCode, memoryGroup, rec } from './harness.ts'

describe('records: names, strings, rids and tids (checklist A)', () => {
  it('A1: a 15-character name fails VM_INVALID_NAME, 14 succeeds; 31 in the vxvm3 profile', async () => {
    const { dg } = await memoryGroup(1)
    await expectCode(dg.makeSubdisk({ name: 'a'.repeat(15), disk: 'disk01', len: 100 }), 'VM_INVALID_NAME')
    await dg.makeSubdisk({ name: 'a'.repeat(14), disk: 'disk01', len: 100 })
    const v3 = (await memoryGroup(1, 64 << 20, { profile: 'vxvm3' })).dg
    await v3.makePlex({ name: 'p'.repeat(31) })
    await expectCode(v3.makePlex({ name: 'p'.repeat(32) }), 'VM_INVALID_NAME')
  })

  it('A2: a 41-character comment or one with a newline fails VM_INVALID_PARAM; 40 succeeds', async () => {
    const { dg } = await memoryGroup(1)
    await dg.makePlex({ name: 'p1' })
    const tid = dg.tid
    await expectCode(dg.set('p1', { comment: 'c'.repeat(41) }), 'VM_INVALID_PARAM')
    await expectCode(dg.set('p1', { comment: 'two\nlines' }), 'VM_INVALID_PARAM')
    expect(dg.tid).toBe(tid)
    await dg.set('p1', { comment: 'c'.repeat(40) })
    expect(rec(dg, 'p1').pl_comment).toBe('c'.repeat(40))
  })

  it('A3: putil3/tutil3 fail VM_INVALID_PARAM; a 15-character util value fails, 14 succeeds', async () => {
    const { dg } = await memoryGroup(1)
    await dg.makePlex({ name: 'p1' })
    await expectCode(dg.set('p1', { putil3: 'x' }), 'VM_INVALID_PARAM')
    await expectCode(dg.set('p1', { tutil3: 'x' }), 'VM_INVALID_PARAM')
    await expectCode(dg.set('p1', { putil1: 'u'.repeat(15) }), 'VM_INVALID_PARAM')
    await dg.set('p1', { putil1: 'u'.repeat(14), tutil2: 'site' })
    expect(rec(dg, 'p1').pl_putil).toEqual(['', 'u'.repeat(14), ''])
    expect(rec(dg, 'p1').pl_tutil).toEqual(['', '', 'site'])
  })

  it('A4: a new record gets a unique non-zero rid; re-creating a name yields a larger rid', async () => {
    const { dg } = await memoryGroup(1)
    await dg.makePlex({ name: 'p1' })
    await dg.makePlex({ name: 'p2' })
    const r1 = rec(dg, 'p1').pl_rid as number
    expect(r1).toBeGreaterThan(0)
    expect(rec(dg, 'p2').pl_rid).not.toBe(r1)
    await dg.remove('p1')
    await dg.makePlex({ name: 'p1' })
    expect(rec(dg, 'p1').pl_rid as number).toBeGreaterThan(rec(dg, 'p2').pl_rid as number)
  })

  it('A5: renaming a plex keeps pl_rid and stamps pl_update_tid with the rename tid', async () => {
    const { dg } = await memoryGroup(1)
    await dg.makePlex({ name: 'p1' })
    const rid = rec(dg, 'p1').pl_rid
    const r = await dg.rename('p1', 'p9')
    expect(rec(dg, 'p9').pl_rid).toBe(rid)
    expect(rec(dg, 'p9').pl_update_tid).toBe(r.tid)
    await expectCode(dg.rename('p9', 'disk01'), 'VM_EXISTS')
  })

  it('A6: each transaction raises the tid by exactly 1 and stamps only what it changed', async () => {
    const { dg } = await memoryGroup(1)
    await dg.makePlex({ name: 'p1' })
    await dg.makePlex({ name: 'p2' })
    const t0 = dg.tid
    const p2tid = rec(dg, 'p2').pl_update_tid
    const r = await dg.set('p1', { comment: 'x' })
    expect(r.tid).toBe(t0 + 1)
    expect(dg.tid).toBe(t0 + 1)
    expect(rec(dg, 'p1').pl_update_tid).toBe(t0 + 1)
    expect(rec(dg, 'p2').pl_update_tid).toBe(p2tid)
    expect(r.changes.map((c) => c.name)).toEqual(['p1'])
  })

  it('A7: a vxmake batch with an invalid last record creates nothing and keeps the tid', async () => {
    const { dg } = await memoryGroup(1)
    const tid = dg.tid
    await expectCode(
      dg.makeRecords([
        { type: 'sd', name: 'sd1', disk: 'disk01', len: 1000 },
        { type: 'plex', name: 'pl1', sd: ['sd1'] },
        { type: 'vol', name: 'v1', len: 1000, plex: ['pl1'] },
        { type: 'vol', name: 'bad name!', len: 1000 },
      ]),
      'VM_INVALID_NAME',
    )
    expect(dg.tid).toBe(tid)
    expect(dg.config().subdisks).toHaveLength(0)
    expect(dg.config().plexes).toHaveLength(0)
    const ok = await dg.makeRecords([
      { type: 'sd', name: 'sd1', disk: 'disk01', len: 1000 },
      { type: 'plex', name: 'pl1', sd: ['sd1'] },
      { type: 'vol', name: 'v1', len: 1000, plex: ['pl1'] },
    ])
    expect(ok.tid).toBe(tid + 1)
    expect(ok.changes.map((c) => `${c.op}:${c.name}`).sort()).toEqual(['create:pl1', 'create:sd1', 'create:v1'])
  })

  it.each(['pl_len', 'pl_sd_num', 'pl_v_name', 'pl_vol_rid', 'pl_minor', 'pl_lasterr', 'pl_rid', 'pl_compact', 'pl_contig_len', 'pl_detach_tid', 'pl_log_sd', 'pl_update_tid'])(
    'A8: editing read-only %s fails VM_READONLY',
    async (field) => {
      const { dg } = await memoryGroup(1)
      await dg.makePlex({ name: 'p1' })
      const tid = dg.tid
      await expectCode(dg.set('p1', { [field]: 1 }), 'VM_READONLY')
      expect(dg.tid).toBe(tid)
    },
  )
})

describe('records: plex geometry (checklist B)', () => {
  async function plexWith(sds: Array<[number, number]>) {
    const { dg } = await memoryGroup(1)
    await dg.makeRecords([
      ...sds.map(([, len], i) => ({ type: 'sd' as const, name: `sd${i}`, disk: 'disk01', len })),
      { type: 'plex' as const, name: 'p1', sd: sds.map(([offset], i) => ({ name: `sd${i}`, offset })) },
    ])
    return { dg, p: rec(dg, 'p1') }
  }

  it('B9: [0,100) and [100,200) give pl_len 200, compact, contig 200', async () => {
    const { p } = await plexWith([[0, 100], [100, 100]])
    expect([p.pl_len, p.pl_compact, p.pl_contig_len]).toEqual([200, 1, 200])
  })
  it('B10: [0,100) and [150,250) give pl_len 250, not compact, contig 100', async () => {
    const { p } = await plexWith([[0, 100], [150, 100]])
    expect([p.pl_len, p.pl_compact, p.pl_contig_len]).toEqual([250, 0, 100])
  })
  it('B11: one subdisk at 50 of length 100 gives pl_len 150, not compact, contig 0', async () => {
    const { p } = await plexWith([[50, 100]])
    expect([p.pl_len, p.pl_compact, p.pl_contig_len]).toEqual([150, 0, 0])
  })
  it('B12: a plex with no subdisks has len 0, compact, contig 0, sd_num 0', async () => {
    const { p } = await plexWith([])
    expect([p.pl_len, p.pl_compact, p.pl_contig_len, p.pl_sd_num]).toEqual([0, 1, 0, 0])
  })

  it('B13: associating an overlapping subdisk fails VM_OVERLAP and leaves the plex unchanged', async () => {
    const { dg } = await plexWith([[0, 100]])
    await dg.makeSubdisk({ name: 'x', disk: 'disk01', len: 100 })
    const before = rec(dg, 'p1')
    await expectCode(dg.assocSubdisk('p1', { name: 'x', offset: 50 }), 'VM_OVERLAP')
    expect(rec(dg, 'p1')).toEqual(before)
    expect(rec(dg, 'x').sd_plex_rid).toBe(0)
  })

  it('B15: changing the layout of an associated plex fails VM_BUSY_ASSOC; unassociated succeeds', async () => {
    const { dg } = await memoryGroup(1)
    await dg.makeRecords([
      { type: 'plex', name: 'p1' },
      { type: 'plex', name: 'p2' },
      { type: 'vol', name: 'v1', len: 100, plex: ['p1'] },
    ])
    await dg.set('p1', { st_width: 0 }).catch(() => {})
    await expectCode(dg.set('p1', { layout: 'STRIPE' }), 'VM_BUSY_ASSOC')
    await dg.set('p2', { st_width: 64, layout: 'STRIPE' })
    expect(rec(dg, 'p2').pl_layout).toBe('STRIPE')
  })

  it('B16: layout STRIPE with st_width 0 fails VM_INVALID_PARAM', async () => {
    const { dg } = await memoryGroup(1)
    await expectCode(dg.makePlex({ name: 'p1', layout: 'STRIPE', st_width: 0 }), 'VM_INVALID_PARAM')
    await dg.makePlex({ name: 'p2' })
    await expectCode(dg.set('p2', { layout: 'STRIPE' }), 'VM_INVALID_PARAM')
  })

  it.each([
    [300, 2, 44],
    [400, 0, 144],
    [0, 0, 0],
    [128, 1, 0],
    [383, 2, 127],
    [384, 0, 128],
  ])('B17: with 3 columns of width 128, plex block %i maps to column %i offset %i', (block, column, columnOffset) => {
    expect(mapStripe(block, 3, 128)).toEqual({ column, columnOffset })
  })

  it('B17: a striped plex stores blocks where the mapping says', async () => {
    const { dg, devices } = await memoryGroup(3)
    await dg.makeRecords([
      { type: 'sd', name: 's0', disk: 'disk01', offset: 0, len: 1024 },
      { type: 'sd', name: 's1', disk: 'disk02', offset: 0, len: 1024 },
      { type: 'sd', name: 's2', disk: 'disk03', offset: 0, len: 1024 },
      { type: 'plex', name: 'p1', layout: 'STRIPE', st_width: 128, sd: [{ name: 's0', column: 0 }, { name: 's1', column: 1 }, { name: 's2', column: 2 }] },
      { type: 'vol', name: 'v1', len: 3072, plex: ['p1'] },
    ])
    expect(rec(dg, 'p1').pl_len).toBe(3072)
    await dg.start('v1')
    await dg.write('v1', 300 * 512, Buffer.alloc(512, 0xab))
    const pub = rec(dg, 'disk03').dm_pub_offset as number
    expect((await devices[2]!.read((pub + 44) * 512, 512))[0]).toBe(0xab)
  })

  it('B18: a second log subdisk fails VM_LOG_EXISTS; the first sets pl_log_sd and leaves pl_len', async () => {
    const { dg } = await memoryGroup(1)
    await dg.makeRecords([
      { type: 'sd', name: 'd1', disk: 'disk01', len: 100 },
      { type: 'sd', name: 'l1', disk: 'disk01', len: 2 },
      { type: 'sd', name: 'l2', disk: 'disk01', len: 2 },
      { type: 'plex', name: 'p1', sd: ['d1'] },
    ])
    await dg.assocLog('p1', 'l1')
    const p = rec(dg, 'p1')
    expect([p.pl_log_sd, p.pl_log_sd_rid, p.pl_len]).toEqual(['l1', rec(dg, 'l1').sd_rid, 100])
    await expectCode(dg.assocLog('p1', 'l2'), 'VM_LOG_EXISTS')
  })

  it('B19: the 33rd plex fails VM_TOO_MANY_PLEXES; the 9th in compat-1993', async () => {
    for (const [profile, max] of [['classic', 32], ['compat-1993', 8]] as const) {
      const { dg } = await memoryGroup(1, 64 << 20, { profile })
      await dg.makeRecords([
        ...Array.from({ length: max + 1 }, (_, i) => ({ type: 'plex' as const, name: `p${i}` })),
        { type: 'vol', name: 'v1', len: 100, plex: Array.from({ length: max }, (_, i) => `p${i}`) },
      ])
      expect(rec(dg, 'v1').v_pl_num).toBe(max)
      await expectCode(dg.attachPlex('v1', `p${max}`), 'VM_TOO_MANY_PLEXES')
    }
  })

  it('B20: association sets pl_v_name, pl_vol_rid, pl_minor; dissociation resets them', async () => {
    const { dg } = await memoryGroup(1)
    await dg.makeRecords([{ type: 'plex', name: 'p1' }, { type: 'vol', name: 'v1', len: 100 }])
    expect([rec(dg, 'p1').pl_v_name, rec(dg, 'p1').pl_vol_rid, rec(dg, 'p1').pl_minor]).toEqual(['', 0, NODEV])
    await dg.attachPlex('v1', 'p1')
    const p = rec(dg, 'p1')
    expect([p.pl_v_name, p.pl_vol_rid]).toEqual(['v1', rec(dg, 'v1').v_rid])
    expect(p.pl_minor).not.toBe(NODEV)
    await dg.dissociatePlex('p1')
    expect([rec(dg, 'p1').pl_v_name, rec(dg, 'p1').pl_vol_rid, rec(dg, 'p1').pl_minor]).toEqual(['', 0, NODEV])
  })
})

describe('records: flags and kernel state rules (checklist C)', () => {
  it('C21: clearing both READ and WRITE fails VM_INVALID_PARAM', async () => {
    const { dg } = await memoryGroup(1)
    await dg.makePlex({ name: 'p1' })
    await expectCode(dg.set('p1', { tflag: 0 }), 'VM_INVALID_PARAM')
    await expectCode(dg.set('p1', { tflag: PL_TFLAG.LOG }), 'VM_INVALID_PARAM')
    await dg.set('p1', { tflag: PL_TFLAG.READ })
    expect((rec(dg, 'p1').pl_tflag as number) & 0xf).toBe(PL_TFLAG.READ)
  })

  it('C22: attempts to set VOLATILE, REMOVED or NODAREC are ignored', async () => {
    const { dg } = await memoryGroup(1)
    await dg.makePlex({ name: 'p1' })
    await dg.set('p1', { tflag: PL_TFLAG.READ | PL_TFLAG.WRITE | PL_TFLAG.VOLATILE | PL_TFLAG.REMOVED | PL_TFLAG.NODAREC })
    expect(rec(dg, 'p1').pl_tflag).toBe(PL_TFLAG.READ | PL_TFLAG.WRITE)
  })

  it('C23: kstate ENABLED on an unassociated plex fails VM_INVALID_PARAM', async () => {
    const { dg } = await memoryGroup(1)
    await dg.makePlex({ name: 'p1' })
    await expectCode(dg.set('p1', { kstate: 'ENABLED' }), 'VM_INVALID_PARAM')
    await expectCode(dg.set('p1', { kstate: 'DETACHED' }), 'VM_INVALID_PARAM')
    expect(rec(dg, 'p1').pl_kstate).toBe('DISABLED')
  })

  it('C24: a plex on a volatile disk shows VOLATILE; on a removed disk REMOVED', async () => {
    const { createImageFile, openDevicePath } = await import('../src/device/fileDevice.ts')
    const { createMemoryDevice } = await import('../src/device/memoryDevice.ts')
    const { DiskGroup } = await import('../src/diskGroup.ts')
    const { tempDir } = await import('./tmp.ts')
    const t = await tempDir()
    try {
      await createImageFile(`${t.dir}/a.img`, 16 << 20)
      await createImageFile(`${t.dir}/b.img`, 16 << 20)
      const mem = createMemoryDevice(16 << 20)
      const dg = await DiskGroup.create({
        name: 'dg',
        disks: [
          { name: 'fa', device: await openDevicePath(`${t.dir}/a.img`) },
          { name: 'fb', device: await openDevicePath(`${t.dir}/b.img`) },
          { name: 'mem', device: mem },
        ],
      })
      await dg.makeRecords([
        { type: 'sd', name: 'sa', disk: 'fa', len: 100 },
        { type: 'sd', name: 'sb', disk: 'fb', len: 100 },
        { type: 'sd', name: 'sm', disk: 'mem', len: 100 },
        { type: 'plex', name: 'pa', sd: ['sa'] },
        { type: 'plex', name: 'pb', sd: ['sb'] },
        { type: 'plex', name: 'pm', sd: ['sm'] },
      ])
      expect((rec(dg, 'pm').pl_tflag as number) & PL_TFLAG.VOLATILE).toBeTruthy()
      expect((rec(dg, 'pa').pl_tflag as number) & PL_TFLAG.VOLATILE).toBeFalsy()
      await dg.close()
      // Import without disk fb: its plex shows REMOVED.
      const again = await DiskGroup.import({ devices: [await openDevicePath(`${t.dir}/a.img`), mem.reopen()], force: true })
      expect((rec(again, 'pb').pl_tflag as number) & PL_TFLAG.REMOVED).toBeTruthy()
      expect((rec(again, 'pa').pl_tflag as number) & PL_TFLAG.REMOVED).toBeFalsy()
      await again.close()
    } finally {
      await t.remove()
    }
  })

  it('C26: with tutil0 set, att/det/dis fail VM_LOCKED until mend clear tutil0', async () => {
    const { dg } = await memoryGroup(2)
    await dg.assistMake({ init: 'none', name: 'v1', len: 4096, layout: 'mirror' })
    await dg.set('v1-02', { tutil0: 'GUI' })
    await expectCode(dg.detachPlex('v1-02'), 'VM_LOCKED')
    await expectCode(dg.dissociatePlex('v1-02'), 'VM_LOCKED')
    await expectCode(dg.attachPlex('v1', 'v1-02'), 'VM_LOCKED')
    await dg.mend('clear', 'v1-02', 'tutil0')
    await dg.detachPlex('v1-02')
    expect(rec(dg, 'v1-02').pl_state).toBe('STALE')
  })
})
