import { describe, expect, it } from 'vitest'
import type { DiskGroup } from '../src/diskGroup.ts'
import { expectCode, rec } from './harness.ts'
import { BYTES, LEN, crashRig, everyCut, startedMirror } from './opsHarness.ts'

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

describe('addLog and removeLog crash points', () => {
  /** What the restart finds of v1's log: a log plex attached with its log subdisk, none with no subdisk left, or half. */
  function logState(dg: DiskGroup): string {
    const c = dg.config()
    const logs = c.plexes.filter((p) => p.pl_v_name === 'v1' && p.pl_log_sd_rid)
    const logSds = c.subdisks.filter((s) => s.sd_is_log).length
    const loose = c.plexes.filter((p) => !p.pl_vol_rid).length + c.subdisks.filter((s) => !s.sd_plex_rid).length
    if (loose > 0) return `half (${loose} loose)`
    if (logs.length === 1 && logSds === 1) return 'log'
    return logs.length === 0 && logSds === 0 ? 'none' : `half (${logs.length} log plexes, ${logSds} log subdisks)`
  }

  async function run(op: 'add' | 'remove', cut: number | undefined): Promise<{ writes: number; problems: string[]; seen: string }> {
    const rig = await crashRig(23, { log: op === 'remove' })
    // the same data written and flushed after it: cuts land after the commit too (its copies are
    // written in parallel and flushed after, so a cut among them drops them all)
    const writes = await rig.cutDuring(cut, async (dg) => {
      await (op === 'add' ? dg.addLog('v1') : dg.removeLog('v1'))
      await dg.write('v1', 0, rig.data)
      await dg.flush('v1')
    })
    const { problems, seen } = await rig.restart(() => rig.data, logState)
    return { writes, problems, seen }
  }

  it('rule 352: a crash at any device write of an addlog imports with the log plex and its subdisk attached or neither, the flushed data on every plex', async () => {
    const { whole, seen } = await everyCut((cut) => run('add', cut), 24, 6)
    expect(whole).toBe('log')
    expect([...seen].sort()).toEqual(['log', 'none'])
  }, 60_000)

  it('rule 352: a crash at any device write of a remove log imports with the log plex and its subdisk still attached or both gone, the flushed data on every plex', async () => {
    const { whole, seen } = await everyCut((cut) => run('remove', cut), 24, 6)
    expect(whole).toBe('none')
    expect([...seen].sort()).toEqual(['log', 'none'])
  }, 60_000)
})
