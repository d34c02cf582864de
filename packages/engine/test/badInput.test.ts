import { describe, expect, it } from 'vitest'
import type { DiskGroup } from '../src/diskGroup.ts'
import { memoryGroup } from './harness.ts'

/** A group with a started mirror m1 (m1-01, m1-02), a stopped concat c1, a free plex and subdisk. */
async function fixture() {
  const { dg } = await memoryGroup(3, 32 << 20)
  await dg.assistMake({ init: 'none', name: 'm1', len: 4096, layout: 'mirror', disks: ['disk01', 'disk02'] })
  await dg.assistMake({ init: 'none', name: 'c1', len: 2048, layout: 'concat', disks: ['disk03'] })
  await dg.makeRecords([
    { type: 'sd', name: 'free1', disk: 'disk03', offset: 10000, len: 2048 },
    { type: 'plex', name: 'loose' },
  ])
  await dg.start('m1')
  return dg
}

const cases: Array<[string, (dg: DiskGroup) => Promise<unknown>, string]> = [
  ['name too long', (dg) => dg.makePlex({ name: 'x'.repeat(15) }), 'VM_INVALID_NAME'],
  ['name with a space', (dg) => dg.makePlex({ name: 'a b' }), 'VM_INVALID_NAME'],
  ['empty name', (dg) => dg.makePlex({ name: '' }), 'VM_INVALID_NAME'],
  ['name not a string', (dg) => dg.makePlex({ name: 42 as unknown as string }), 'VM_INVALID_NAME'],
  ['duplicate name', (dg) => dg.makePlex({ name: 'm1' }), 'VM_EXISTS'],
  ['zero length subdisk', (dg) => dg.makeSubdisk({ name: 's', disk: 'disk01', len: 0 }), 'VM_INVALID_PARAM'],
  ['negative length', (dg) => dg.makeSubdisk({ name: 's', disk: 'disk01', len: -5 }), 'VM_INVALID_PARAM'],
  ['fractional offset', (dg) => dg.makeSubdisk({ name: 's', disk: 'disk01', offset: 1.5, len: 10 }), 'VM_INVALID_PARAM'],
  ['subdisk beyond the public region', (dg) => dg.makeSubdisk({ name: 's', disk: 'disk01', offset: 1 << 30, len: 10 }), 'VM_OUT_OF_RANGE'],
  ['overlapping subdisk on a disk', (dg) => dg.makeSubdisk({ name: 's', disk: 'disk03', offset: 10100, len: 10 }), 'VM_OVERLAP'],
  ['no space', (dg) => dg.makeSubdisk({ name: 's', disk: 'disk01', len: 1 << 20 }), 'VM_NO_SPACE'],
  ['unknown disk', (dg) => dg.makeSubdisk({ name: 's', disk: 'nodisk', len: 10 }), 'VM_NOT_FOUND'],
  ['read-only field', (dg) => dg.set('m1-01', { pl_len: 5 }), 'VM_READONLY'],
  ['unknown field', (dg) => dg.set('m1-01', { colour: 'red' }), 'VM_INVALID_PARAM'],
  ['wrong field type', (dg) => dg.set('m1', { read_pol: 7 }), 'VM_INVALID_PARAM'],
  ['unknown plex state', (dg) => dg.set('m1-01', { state: 'HAPPY' }), 'VM_INVALID_PARAM'],
  ['volume length while started', (dg) => dg.set('m1', { len: 100 }), 'VM_VOL_ENABLED'],
  ['PREFER without a preferred plex', (dg) => dg.set('m1', { read_pol: 'PREFER' }), 'VM_INVALID_PARAM'],
  ['exception policy out of range', (dg) => dg.set('m1', { w_some: 11 }), 'VM_INVALID_PARAM'],
  ['associated subdisk again', (dg) => dg.assocSubdisk('loose', { name: 'disk01-01' }), 'VM_BUSY_ASSOC'],
  ['remove an associated subdisk', (dg) => dg.remove('disk01-01'), 'VM_BUSY_ASSOC'],
  ['remove a started volume', (dg) => dg.remove('m1', { recursive: true }), 'VM_VOL_ENABLED'],
  ['remove a disk holding subdisks', (dg) => dg.removeDisk('disk01'), 'VM_BUSY_ASSOC'],
  ['too many mirrors', (dg) => dg.assistMake({ init: 'none', name: 'big', len: 100, layout: 'mirror', nmirror: 33 }), 'VM_TOO_MANY_PLEXES'],
  ['mirrors on too few disks', (dg) => dg.assistMake({ init: 'none', name: 'big', len: 100, layout: 'mirror', nmirror: 4 }), 'VM_NO_SPACE'],
  ['unknown layout', (dg) => dg.assistMake({ init: 'none', name: 'big', len: 100, layout: 'raid7' as 'concat' }), 'VM_INVALID_PARAM'],
  ['DRL on a concat', (dg) => dg.assistMake({ init: 'none', name: 'big', len: 100, log: 'drl' }), 'VM_INVALID_PARAM'],
  ['start a started volume', (dg) => dg.start('m1'), 'VM_INVALID_PARAM'],
  ['stop a stopped volume', (dg) => dg.stop('c1'), 'VM_INVALID_PARAM'],
  ['detach an unassociated plex', (dg) => dg.detachPlex('loose'), 'VM_INVALID_PARAM'],
  ['detach the last complete plex', async (dg) => {
    await dg.detachPlex('m1-02')
    return dg.detachPlex('m1-01')
  }, 'VM_LAST_PLEX'],
  ['mend fix on a started volume', (dg) => dg.mend('fix', 'm1-01', 'clean'), 'VM_VOL_ENABLED'],
  ['mend on of a plex that is not OFFLINE', (dg) => dg.mend('on', 'm1-01'), 'VM_INVALID_PARAM'],
  ['dryRun not a boolean', (dg) => dg.makePlex({ name: 'ok' }, { dryRun: 'yes' as unknown as boolean }), 'VM_INVALID_PARAM'],
  ['empty vxmake batch', (dg) => dg.makeRecords([]), 'VM_INVALID_PARAM'],
  ['unknown record type in a batch', (dg) => dg.makeRecords([{ type: 'disk' } as never]), 'VM_INVALID_PARAM'],
  ['stripe piece not a multiple of the width', (dg) => dg.makeRecords([
    { type: 'sd', name: 'odd', disk: 'disk01', len: 100 },
    { type: 'plex', name: 'sp', layout: 'STRIPE', st_width: 64, sd: [{ name: 'odd', column: 0 }] },
  ]), 'VM_INVALID_PARAM'],
]

describe('bad input is refused with its code and changes nothing', () => {
  it.each(cases)('%s', async (_, op, code) => {
    const dg = await fixture()
    const before = JSON.stringify(dg.config())
    const tid = dg.tid
    let got: string | undefined
    try {
      await op(dg)
    } catch (e) {
      got = (e as { code?: string }).code
    }
    expect(got).toBe(code)
    // the detach-last case commits its first (valid) detach; all others change nothing at all
    if (code !== 'VM_LAST_PLEX') {
      expect(dg.tid).toBe(tid)
      expect(JSON.stringify(dg.config())).toBe(before)
    } else expect(dg.tid).toBe(tid + 1)
  })
})

describe('dry runs', () => {
  it('return the record changes an operation would commit and change nothing', async () => {
    const dg = await fixture()
    const before = JSON.stringify(dg.config())
    const tid = dg.tid
    const plans = [
      await dg.assistMake({ init: 'none', name: 'new1', len: 1000, layout: 'concat', disks: ['disk03'] }, { dryRun: true }),
      await dg.set('m1-01', { comment: 'hello' }, { dryRun: true }),
      await dg.detachPlex('m1-02', { dryRun: true }),
      await dg.stop('m1', { dryRun: true }),
      await dg.start('c1', { dryRun: true }),
      await dg.remove('c1', { recursive: true, dryRun: true }),
      await dg.attachPlex('c1', 'loose', { dryRun: true }),
      await dg.rename('c1', 'c2', { dryRun: true }),
    ]
    expect(JSON.stringify(dg.config())).toBe(before)
    expect(dg.tid).toBe(tid)
    for (const p of plans) {
      expect(p.dryRun).toBe(true)
      expect(p.changes.length).toBeGreaterThan(0)
    }
    expect(plans[0]!.changes.map((c) => `${c.kind}:${c.op}`).sort()).toEqual(['pl:create', 'sd:create', 'v:create'])
    expect(plans[2]!.changes[0]).toMatchObject({ kind: 'pl', name: 'm1-02', op: 'update', after: { pl_state: 'STALE', pl_kstate: 'DETACHED' } })
    expect(plans[5]!.changes.filter((c) => c.op === 'delete')).toHaveLength(3)
  })
})

describe('dry runs of data copies', () => {
  it('report the bytes an attach or a resync would copy, changing nothing', async () => {
    const dg = await fixture()
    await dg.detachPlex('m1-02')
    await dg.write('m1', 0, Buffer.alloc(4096, 1))
    const tid = dg.tid
    const att = await dg.attachPlex('m1', 'm1-02', { dryRun: true })
    expect(att.copyBytes).toBe(1024 * 512) // one region was missed
    const back = [{ plex: 'm1-02', volume: 'm1', from: { kstate: 'DETACHED', state: 'STALE' }, to: { kstate: 'ENABLED', state: 'ACTIVE' } }]
    expect(dg.planResyncVolume('m1', true)).toEqual({ dryRun: true, regions: 4, bytes: 4096 * 512, writes: [{ volume: 'm1', plexes: ['m1-02'] }], handBack: back })
    expect(dg.planResyncDisk('disk02', false)).toEqual({ dryRun: true, regions: 1, bytes: 1024 * 512, writes: [{ volume: 'm1', plexes: ['m1-02'] }], handBack: back })
    expect(dg.tid).toBe(tid)
    expect(dg.staleRegions('m1-02').regions).toEqual([0])
    expect(() => dg.planResyncDisk('disk02', 1 as unknown as boolean)).toThrow(expect.objectContaining({ code: 'VM_INVALID_PARAM' }))
  })
})

describe('rule 247: a volume that does not fit is refused naming what did not fit', () => {
  it('247: VM_NO_SPACE names the volume of a concat or a stripe, the plex of a mirror, never a mirror the layout does not have', async () => {
    const dg = await fixture()
    const refusal = async (spec: Parameters<DiskGroup['assistMake']>[0]) => {
      try {
        await dg.assistMake(spec)
      } catch (e) {
        return e as { code?: string; message: string }
      }
      throw new Error('not refused')
    }
    const concat = await refusal({ init: 'none', name: 'big', len: 1 << 30, layout: 'concat' })
    expect(concat.code).toBe('VM_NO_SPACE')
    expect(concat.message).toContain('volume big')
    expect(concat.message).not.toMatch(/mirror/)
    const stripe = await refusal({ init: 'none', name: 'big', len: 1 << 30, layout: 'stripe', ncol: 2 })
    expect(stripe.code).toBe('VM_NO_SPACE')
    expect(stripe.message).toContain('volume big')
    expect(stripe.message).not.toMatch(/mirror/)
    const mirror = await refusal({ init: 'none', name: 'big', len: 1 << 30, layout: 'mirror' })
    expect(mirror.code).toBe('VM_NO_SPACE')
    expect(mirror.message).toContain('plex big-01')
  })

  it('291, 383: a size that does not fit is said in MiB/GiB with what it needs and what is free; more stripe columns than disks says so, with details, and plans nothing', async () => {
    const dg = await fixture()
    const tid = dg.config().tid
    const refusal = async (spec: Parameters<DiskGroup['assistMake']>[0]) => {
      try {
        await dg.assistMake(spec)
      } catch (e) {
        return e as { code?: string; message: string; details?: unknown }
      }
      throw new Error('not refused')
    }
    const big = await refusal({ init: 'none', name: 'big', len: 20 * 2 ** 30, layout: 'concat' })
    expect(big.code).toBe('VM_NO_SPACE')
    expect(big.message).toMatch(/ 10\.0 TiB\b/)
    // rule 383: how much is needed and how much is free, not "10.0 TiB of its 10.0 TiB do not fit"
    const { sectorsNeeded, sectorsFree } = (big as { details?: { sectorsNeeded?: number; sectorsFree?: number } }).details ?? {}
    expect(sectorsNeeded).toBe(20 * 2 ** 30)
    expect(sectorsFree).toBeGreaterThan(0)
    expect(big.message).toContain('needs 10.0 TiB')
    // the free space it names is exactly what fits: that much is planned, one sector more is not
    await dg.assistMake({ init: 'none', name: 'fits', len: sectorsFree!, layout: 'concat' }, { dryRun: true })
    expect((await refusal({ init: 'none', name: 'fits', len: sectorsFree! + 1, layout: 'concat' })).code).toBe('VM_NO_SPACE')
    const cols = await refusal({ init: 'none', name: 'wide', len: 4096, layout: 'stripe', ncol: 9 })
    expect([cols.code, cols.details]).toEqual(['VM_NO_SPACE', { disksNeeded: 9, disksUsable: 3 }])
    const mirrored = await refusal({ init: 'none', name: 'wide', len: 4096, layout: 'mirror-stripe', ncol: 2, nmirror: 2 })
    expect([mirrored.code, mirrored.details]).toEqual(['VM_NO_SPACE', { disksNeeded: 4, disksUsable: 3 }])
    const given = await refusal({ init: 'none', name: 'wide', len: 4096, layout: 'stripe', ncol: 3, disks: ['disk01', 'disk02'] })
    expect([given.code, given.details]).toEqual(['VM_NO_SPACE', { disksNeeded: 3, disksUsable: 2 }])
    expect(dg.config().tid).toBe(tid)
  })
})
