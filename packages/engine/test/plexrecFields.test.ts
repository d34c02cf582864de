import { describe, expect, it } from 'vitest'
import { drlLogLength } from '../src/assist.ts'
import type { MemoryDevice } from '../src/device/memoryDevice.ts'
import { DiskGroup } from '../src/diskGroup.ts'
import { PL_PFLAG, PL_TFLAG, V_PFLAG } from '../src/records/types.ts'
import { MiB, expectCode, memoryGroup, pattern, rec } from './harness.ts'

describe('plexrec(4) fields and flags as the seed defines them (issue 17 item 5)', () => {
  it('152: pl_contig_len of a striped plex is the first plex offset without a backing subdisk', async () => {
    const { dg } = await memoryGroup(2)
    // two columns of width 128; column 1 has a hole at column offsets 128-255
    await dg.makeRecords([
      { type: 'sd', name: 's0', disk: 'disk01', len: 384 },
      { type: 'sd', name: 's1', disk: 'disk02', len: 128 },
      { type: 'sd', name: 's2', disk: 'disk02', len: 128, offset: 2048 },
      { type: 'sd', name: 's3', disk: 'disk02', len: 128, offset: 4096 },
      { type: 'plex', name: 'p1', layout: 'STRIPE', st_width: 128, sd: [{ name: 's0', column: 0 }, { name: 's1', column: 1 }, { name: 's2', column: 1, offset: 256 }] },
    ])
    // plex offsets 0-127 are column 0, 128-255 column 1, 256-383 column 0, 384-511 column 1's hole
    expect([rec(dg, 'p1').pl_len, rec(dg, 'p1').pl_contig_len, rec(dg, 'p1').pl_compact]).toEqual([768, 384, 0])
    await dg.assocSubdisk('p1', { name: 's3', column: 1, offset: 128 })
    expect([rec(dg, 'p1').pl_len, rec(dg, 'p1').pl_contig_len, rec(dg, 'p1').pl_compact]).toEqual([768, 768, 1])
  })

  it('152: PL_TFLAG_LOG: a start sets it on a plex with a log subdisk, and the DRL writes only logs of plexes that have it', async () => {
    const { dg } = await memoryGroup(3)
    await dg.assistMake({ init: 'none', name: 'v1', len: 8192, layout: 'mirror', log: 'drl' })
    await dg.start('v1')
    const logPlex = dg.config().plexes.find((p) => p.pl_v_name === 'v1' && p.pl_log_sd)!
    expect(logPlex.pl_tflag & PL_TFLAG.LOG).toBe(PL_TFLAG.LOG)
    expect((rec(dg, 'v1-01').pl_tflag as number) & PL_TFLAG.LOG).toBe(0) // no log subdisk: never set
    await dg.write('v1', 0, pattern(4096, 1))
    expect((rec(dg, 'v1').v_pflag as number) & V_PFLAG.BADLOG).toBe(0)
    // a utility clears it: the log is no longer considered enabled, and no log copy is left
    await dg.set(logPlex.pl_name, { tflag: PL_TFLAG.READ | PL_TFLAG.WRITE })
    await dg.write('v1', 4 * MiB - 4096, pattern(4096, 2))
    await dg.flush('v1')
    expect((rec(dg, 'v1').v_pflag as number) & V_PFLAG.BADLOG).toBe(V_PFLAG.BADLOG)
  })

  it('152: PL_PFLAG_STALE is set by a disk replacement and by a temporary disk failure, and cleared once recovered', async () => {
    const g = await memoryGroup(3, 32 * MiB)
    await g.dg.assistMake({ init: 'none', name: 'mir', len: 8192, layout: 'mirror', disks: ['disk01', 'disk02'] })
    await g.dg.start('mir')
    await g.dg.write('mir', 0, pattern(MiB, 1))
    await g.dg.stop('mir')
    await g.dg.close()
    const reopen = (...which: number[]) => which.map((i) => (g.devices[i] as MemoryDevice).reopen())
    const away = await DiskGroup.import({ devices: reopen(0, 2), force: true })
    await away.start('mir')
    expect((rec(away, 'mir-02').pl_pflag as number) & PL_PFLAG.STALE).toBe(PL_PFLAG.STALE)
    await away.stop('mir')
    await away.close()
    const back = await DiskGroup.import({ devices: reopen(0, 1, 2) })
    await back.start('mir')
    expect([rec(back, 'mir-02').pl_state, (rec(back, 'mir-02').pl_pflag as number) & PL_PFLAG.STALE]).toEqual(['ACTIVE', 0])
    const { createMemoryDevice } = await import('../src/device/memoryDevice.ts')
    await back.replaceDisk('disk02', createMemoryDevice(32 * MiB))
    expect([rec(back, 'mir-02').pl_state, (rec(back, 'mir-02').pl_pflag as number) & PL_PFLAG.STALE]).toEqual(['STALE', PL_PFLAG.STALE])
    await back.attachPlex('mir', 'mir-02')
    expect([rec(back, 'mir-02').pl_state, (rec(back, 'mir-02').pl_pflag as number) & PL_PFLAG.STALE]).toEqual(['ACTIVE', 0])
    await back.close()
  })

  it('152: pl_lock is 1 in the records the caller\'s transaction holds (its dry run) and 0 once committed', async () => {
    const { dg } = await memoryGroup(2)
    await dg.assistMake({ init: 'none', name: 'v1', len: 2048, layout: 'mirror' })
    const held = await dg.set('v1-01', { comment: 'x' }, { dryRun: true })
    expect(held.changes.find((c) => c.name === 'v1-01')!.after!.pl_lock).toBe(1)
    const done = await dg.set('v1-01', { comment: 'x' })
    expect(done.changes.find((c) => c.name === 'v1-01')!.after!.pl_lock).toBe(0)
    expect(rec(dg, 'v1-01').pl_lock).toBe(0)
  })

  it('153: a resyncDisk spanning several volumes is registered on each: stopping any of them waits for it (VM_BUSY)', async () => {
    const { dg } = await memoryGroup(2)
    await dg.assistMake({ init: 'none', name: 'a', len: 2048, layout: 'mirror' })
    await dg.assistMake({ init: 'none', name: 'b', len: 2048, layout: 'mirror' })
    await dg.start('a')
    await dg.start('b')
    const t = await dg.resyncDisk('disk01', true)
    dg.pauseTask(t.id)
    await expectCode(dg.stop('b'), 'VM_BUSY')
    await expectCode(dg.stop('a'), 'VM_BUSY')
    dg.resumeTask(t.id)
    await t.done
    await dg.stop('b')
    await dg.stop('a')
  })

  it('154: vxmake\'s default read policy is ROUND (vxassist\'s SELECT); the DRL log has 2 sectors per 2 GiB of volume begun', async () => {
    const { dg } = await memoryGroup(2)
    await dg.makeRecords([{ type: 'sd', name: 's1', disk: 'disk01', len: 2048 }, { type: 'plex', name: 'p1', sd: ['s1'] }, { type: 'vol', name: 'v1', len: 2048, plex: ['p1'] }])
    expect([rec(dg, 'v1').v_read_pol, rec(dg, 'v1').v_current_read_pol]).toEqual(['ROUND', 'ROUND'])
    await dg.assistMake({ init: 'none', name: 'v2', len: 2048, layout: 'mirror' })
    expect(rec(dg, 'v2').v_read_pol).toBe('SELECT')
    const GiB = (1 << 30) / 512
    expect([1, 2 * GiB, 2 * GiB + 1, 8 * GiB, 9 * GiB].map(drlLogLength)).toEqual([2, 2, 4, 8, 10])
  })
})
