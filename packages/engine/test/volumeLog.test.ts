import { describe, expect, it } from 'vitest'
import type { DiskGroup } from '../src/diskGroup.ts'
import { expectCode, rec } from './harness.ts'
import { BYTES, LEN, startedMirror } from './opsHarness.ts'

/** The log plexes of v1 with the disk of each one's log subdisk. */
function logsOf(dg: DiskGroup): string[] {
  const c = dg.config()
  return c.plexes
    .filter((p) => p.pl_v_name === 'v1' && p.pl_vol_rid && p.pl_log_sd_rid)
    .map((p) => `${p.pl_name}@${c.disks.find((d) => d.dm_rid === c.subdisks.find((s) => s.sd_rid === p.pl_log_sd_rid)!.sd_dm_rid)!.dm_name}`)
}

describe('addLog and removeLog (vxassist addlog, remove log)', () => {
  it('rule 308: addlog attaches a DRL log plex on a disk holding no data plex; the started volume\'s writes are logged from then on', async () => {
    const { dg } = await startedMirror()
    expect(dg.dirtyRegions('v1').regions).toEqual([])
    await dg.addLog('v1')
    expect(logsOf(dg)).toEqual(['v1-03@disk03'])
    expect(rec(dg, 'v1-03')).toMatchObject({ pl_state: 'LOG', pl_kstate: 'ENABLED' })
    await dg.write('v1', 0, Buffer.alloc(4096, 3))
    expect(dg.dirtyRegions('v1').regions).toEqual([0])
    // a second log mirrors the first, on another disk
    await dg.addLog('v1')
    expect(logsOf(dg)).toEqual(['v1-03@disk03', 'v1-04@disk04'])
  })

  it('rule 308: the dry run lists the records, copies nothing and changes nothing; a one-plex volume is refused', async () => {
    const { dg } = await startedMirror()
    const before = dg.config()
    const r = await dg.addLog('v1', { dryRun: true })
    expect(r).toMatchObject({ dryRun: true, copyBytes: 0 })
    expect(r.changes.filter((c) => c.op === 'create').map((c) => c.kind).sort()).toEqual(['pl', 'sd'])
    expect(dg.config()).toEqual(before)
    await dg.assistMake({ name: 'c1', len: LEN, disks: ['disk04'] })
    await expectCode(dg.addLog('c1'), 'VM_INVALID_PARAM')
    await expectCode(dg.addLog('nosuch'), 'VM_NOT_FOUND')
  })

  it('rule 308: remove log takes the log plex away with its subdisk in one transaction; the last one takes the DRL with it and writes go on', async () => {
    const { dg, data } = await startedMirror({ log: true })
    await expectCode(dg.removeLog('v1', 'v1-01'), 'VM_INVALID_PARAM')
    const tid = dg.tid
    const r = await dg.removeLog('v1')
    expect(r.tid).toBe(tid + 1)
    expect(r.changes.filter((c) => c.op === 'delete').map((c) => c.kind).sort()).toEqual(['pl', 'sd'])
    expect(logsOf(dg)).toEqual([])
    await dg.write('v1', 0, data)
    expect((await dg.read('v1', 0, BYTES)).equals(data)).toBe(true)
    expect(dg.dirtyRegions('v1').regions).toEqual([])
    await expectCode(dg.removeLog('v1'), 'VM_NOT_FOUND')
  })
})
