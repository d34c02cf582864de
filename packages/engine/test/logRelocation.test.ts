import { describe, expect, it } from 'vitest'
import { DiskGroup, REGION_SECTORS } from '../src/diskGroup.ts'
import { DM_PFLAG, V_PFLAG } from '../src/records/types.ts'
import { BYTES, LEN, badLogRig as rig } from './badLogRig.ts'
import { pattern, rec, recordEvents } from './harness.ts'

describe('hot relocation of a DRL log plex (rule 457)', () => {
  it('rule 457: the failed disk under a started volume\'s only log: its log subdisk is relocated to the spare, the log plex is LOG ENABLED, its log rewritten, BADLOG cleared, disk03 FAILING; an alert says where', async () => {
    const r = await rig()
    const plex = r.logPlex().pl_name
    const from = r.logPlex().pl_log_sd
    await r.loseLog()
    const log = recordEvents(r.dg)
    const rep = await r.dg.relocateDisk('disk03')
    expect(rep.notRelocated).toEqual([])
    expect(rep.relocated).toEqual([{ volume: 'v1', plex, subdisks: [{ from, to: [{ subdisk: 'disk05-01', disk: 'disk05', offset: 0, len: expect.any(Number) }] }] }])
    expect(rep.copyBytes).toBe(0)
    expect(r.logDisk()).toBe('disk05')
    expect([r.logPlex().pl_kstate, r.logPlex().pl_state]).toEqual(['ENABLED', 'LOG'])
    expect(r.badlog()).toBe(false)
    expect(Number(rec(r.dg, 'disk03').dm_pflag) & DM_PFLAG.FAILING).toBe(DM_PFLAG.FAILING)
    const alert = log.events.find((e) => e.type === 'alert' && e.object === 'v1')
    expect(alert).toMatchObject({ severity: 'critical' })
    expect(alert && 'message' in alert && alert.message).toContain('disk05-01 on disk05')
    // the relocated log is the one in use: a write dirties it, and it is what a crash recovers from
    await r.dg.write('v1', 7 * REGION_SECTORS * 512, pattern(4096, 6))
    expect(r.dg.dirtyRegions('v1').regions).toContain(7)
    await r.dg.close()
    // disk03 is gone at the restart
    const again = await DiskGroup.import({ devices: r.mems.filter((_, i) => i !== 2).map((m) => m.reopen()), force: true })
    expect(Number(again.config().volumes[0]!.v_pflag) & V_PFLAG.BADLOG).toBe(0)
    const events = recordEvents(again)
    await again.start('v1')
    // a crash recovered from the log's dirty regions, not by a full resync
    expect(events.events.some((e) => e.type === 'alert' && e.code === 'VM_NOTSYNCED')).toBe(false)
    const expectWhole = Buffer.from(r.data)
    pattern(4096, 5).copy(expectWhole, 3 * REGION_SECTORS * 512)
    pattern(4096, 6).copy(expectWhole, 7 * REGION_SECTORS * 512)
    expect((await again.read('v1', 0, BYTES)).equals(expectWhole)).toBe(true)
    await again.close()
  })

  it('rule 457: with no disk to take the log (the others hold v1\'s data or no room), the log plex is not relocated (VM_NO_SPACE), the volume keeps saying BADLOG', async () => {
    const r = await rig()
    await r.loseLog()
    for (const disk of ['disk04', 'disk05']) await r.dg.makeSubdisk({ name: `fill-${disk}`, disk, len: (rec(r.dg, disk).dm_pub_len as number) })
    for (const disk of ['disk01', 'disk02']) await r.dg.makeSubdisk({ name: `fill-${disk}`, disk, len: (rec(r.dg, disk).dm_pub_len as number) - LEN })
    const before = r.dg.config()
    const rep = await r.dg.relocateDisk('disk03')
    expect(rep.relocated).toEqual([])
    expect(rep.notRelocated.map((n) => [n.plex, n.code])).toEqual([[r.logPlex().pl_name, 'VM_NO_SPACE']])
    expect(r.dg.config()).toEqual(before)
    expect(r.badlog()).toBe(true)
    await r.dg.close()
  })

  it('rule 457: the dry run says where the log goes and copies nothing, changing nothing', async () => {
    const r = await rig()
    await r.loseLog()
    const before = r.dg.config()
    const rep = await r.dg.relocateDisk('disk03', { dryRun: true })
    expect(rep.relocated.map((x) => x.subdisks[0]!.to[0]!.disk)).toEqual(['disk05'])
    expect(rep.copyBytes).toBe(0)
    expect(r.dg.config()).toEqual(before)
    await r.dg.close()
  })
})
