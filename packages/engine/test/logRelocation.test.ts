import { describe, expect, it } from 'vitest'
import { DM_PFLAG } from '../src/records/types.ts'
import { LEN, badLogRig as rig, expectLogInUse } from './badLogRig.ts'
import { rec, recordEvents } from './harness.ts'

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
    // the relocated log is the one in use, and what a crash recovers from; disk03 is gone at the restart
    await expectLogInUse(r, r.mems.filter((_, i) => i !== 2))
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
