import { describe, expect, it } from 'vitest'
import { REGION_SECTORS } from '../src/diskGroup.ts'
import { V_PFLAG } from '../src/records/types.ts'
import { faultyMemoryGroup, pattern, rec } from './harness.ts'

const LEN = 16 * REGION_SECTORS

describe('a volume with two DRL logs, one of which fails (rule 532)', () => {
  it('rule 532: the failing log plex is DETACHED IOFAIL, the other stays ENABLED LOG and keeps logging, the volume is not BADLOG, every write is acknowledged and reads back', async () => {
    const g = await faultyMemoryGroup(4, 16 << 20)
    await g.dg.assistMake({ init: 'none', name: 'v1', len: LEN, layout: 'mirror', disks: ['disk01', 'disk02', 'disk03'], log: 'drl' })
    await g.dg.addLog('v1', { disks: ['disk04'] })
    await g.dg.start('v1')
    const logs = () => g.dg.config().plexes.filter((p) => p.pl_v_name === 'v1' && p.pl_log_sd !== '')
    expect(logs().map((p) => rec(g.dg, p.pl_log_sd).sd_dm_name).sort()).toEqual(['disk03', 'disk04'])
    const bad = logs().find((p) => rec(g.dg, p.pl_log_sd).sd_dm_name === 'disk03')!.pl_name
    const good = logs().find((p) => rec(g.dg, p.pl_log_sd).sd_dm_name === 'disk04')!.pl_name
    await g.dg.cleanDirtyRegions('v1')
    g.faulty[2]!.addFault({})
    const data = pattern(4096, 5)
    const detached = new Promise<void>((resolve) => {
      const off = g.dg.subscribe((e) => {
        if (e.type !== 'config.committed' || e.operation !== 'drl.logfail') return
        off()
        resolve()
      })
    })
    await g.dg.write('v1', 3 * REGION_SECTORS * 512, data)
    await g.dg.flush('v1')
    await detached
    expect([rec(g.dg, bad).pl_kstate, rec(g.dg, bad).pl_state]).toEqual(['DETACHED', 'IOFAIL'])
    expect([rec(g.dg, good).pl_kstate, rec(g.dg, good).pl_state]).toEqual(['ENABLED', 'LOG'])
    expect(Number(rec(g.dg, 'v1').v_pflag) & V_PFLAG.BADLOG).toBe(0)
    expect(g.dg.dirtyRegions('v1').regions).toContain(3)
    // the good log keeps logging: a later write's region is dirty, and the data reads back
    await g.dg.write('v1', 9 * REGION_SECTORS * 512, data)
    expect(g.dg.dirtyRegions('v1').regions).toContain(9)
    expect((await g.dg.read('v1', 9 * REGION_SECTORS * 512, 4096)).equals(data)).toBe(true)
    await g.dg.close()
  })
})
