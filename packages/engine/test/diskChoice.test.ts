import { describe, expect, it } from 'vitest'
import { expectCode, rec } from './harness.ts'
import { LEN, startedMirror } from './opsHarness.ts'

/** The disks (by name) under plex `plex`. */
function disksOf(dg: { config(): { subdisks: Array<{ sd_pl_name: string; sd_dm_name: string }> } }, plex: string): string[] {
  return [...new Set(dg.config().subdisks.filter((s) => s.sd_pl_name === plex).map((s) => s.sd_dm_name))]
}

describe('what a named disk may take (rule 375)', () => {
  it('375: addlog on a named disk holding a data plex adds the log there (a log is not a mirror); a second log on that disk is refused', async () => {
    const { dg } = await startedMirror()
    await dg.addLog('v1', { disks: ['disk01'] })
    const log = dg.config().plexes.find((p) => p.pl_v_name === 'v1' && p.pl_state === 'LOG')!.pl_name
    expect(disksOf(dg, log)).toEqual(['disk01'])
    const tid = dg.tid
    await expectCode(dg.addLog('v1', { disks: ['disk01'] }), 'VM_INVALID_PARAM')
    expect(dg.tid).toBe(tid)
    await dg.close()
  })

  it('375: a grow with disks named extends each plex in place on its own disk, as a grow without them does', async () => {
    const { dg } = await startedMirror()
    await dg.growVolume('v1', 2 * LEN, { disks: ['disk02'] })
    expect(dg.config().subdisks.map((s) => [s.sd_dm_name, s.sd_len])).toEqual([['disk01', 2 * LEN], ['disk02', 2 * LEN]])
    expect(rec(dg, 'v1').v_len).toBe(2 * LEN)
    await dg.close()
  })

  it('375: new subdisks a grow needs go only on the disks named: one holding another plex of the volume is refused', async () => {
    const { dg } = await startedMirror()
    await dg.makeSubdisk({ name: 'wall1', disk: 'disk01', offset: LEN, len: 8 })
    const tid = dg.tid
    await expectCode(dg.growVolume('v1', 2 * LEN, { disks: ['disk02'] }), 'VM_INVALID_PARAM')
    expect(dg.tid).toBe(tid)
    await dg.growVolume('v1', 2 * LEN, { disks: ['disk03'] })
    expect(disksOf(dg, 'v1-01').sort()).toEqual(['disk01', 'disk03'])
    expect(disksOf(dg, 'v1-02')).toEqual(['disk02'])
    await dg.close()
  })
})
