import { describe, expect, it } from 'vitest'
import { REGION_SECTORS } from '../src/diskGroup.ts'
import { expectCode, faultyMemoryGroup, pattern, rec } from './harness.ts'

const LEN = 4 * REGION_SECTORS
const MiB = 1 << 20

/** The disks (by name) under plex `plex`. */
function disksOf(dg: { config(): { subdisks: Array<{ sd_pl_name: string; sd_dm_name: string }> } }, plex: string): string[] {
  return [...new Set(dg.config().subdisks.filter((s) => s.sd_pl_name === plex).map((s) => s.sd_dm_name))]
}

/**
 * Five 16 MiB disks: a started mirror v1 on disk01 and disk02 whose plex on disk02 an I/O error
 * detached (IOFAIL; the disk answers again), a started concat c1 on disk01, and disk03 and
 * disk04 mostly taken, so the disks with the most free space are the failed ones.
 */
async function groupWithFailedDisks() {
  const g = await faultyMemoryGroup(5, 16 * MiB)
  const { dg, faulty } = g
  await dg.assistMake({ init: 'none', name: 'v1', len: LEN, layout: 'mirror', disks: ['disk01', 'disk02'] })
  await dg.start('v1')
  await dg.write('v1', 0, pattern(LEN * 512, 1))
  await dg.assistMake({ init: 'none', name: 'c1', len: LEN, layout: 'concat', disks: ['disk01'] })
  await dg.start('c1')
  // c1's subdisk cannot grow in place: a grow takes new space
  const c1 = dg.config().subdisks.find((s) => s.sd_pl_name === 'c1-01')!
  await dg.makeSubdisk({ name: 'wall', disk: 'disk01', offset: c1.sd_dm_offset + c1.sd_len, len: 8 })
  await dg.makeSubdisk({ name: 'fill3', disk: 'disk03', len: (rec(dg, 'disk03').dm_pub_len as number) - 2 * LEN })
  await dg.makeSubdisk({ name: 'fill4', disk: 'disk04', len: (rec(dg, 'disk04').dm_pub_len as number) - 2 * LEN })
  faulty[1]!.addFault({})
  await dg.write('v1', 0, pattern(4096, 2))
  faulty[1]!.clearFaults()
  expect(rec(dg, 'v1-02').pl_state).toBe('IOFAIL')
  // disk05 is failed as a whole, as the lab fails a disk: its device knows every I/O fails
  faulty[4]!.addFault({ ops: ['read', 'write', 'flush'] })
  return g
}

describe('allocation never chooses a failed disk (rule 372)', () => {
  it('372: mirror, grow, addlog and make volume leave failed and IOFAIL-ed disks alone', async () => {
    const { dg } = await groupWithFailedDisks()
    await dg.addMirror('c1')
    const plex = dg.config().plexes.find((p) => p.pl_v_name === 'c1' && p.pl_name !== 'c1-01')!.pl_name
    expect(disksOf(dg, plex).filter((d) => d === 'disk02' || d === 'disk05')).toEqual([])
    await dg.growVolume('c1', 2 * LEN)
    expect(disksOf(dg, 'c1-01').filter((d) => d === 'disk02' || d === 'disk05')).toEqual([])
    await dg.addLog('v1')
    const log = dg.config().plexes.find((p) => p.pl_v_name === 'v1' && p.pl_state === 'LOG')!.pl_name
    expect(disksOf(dg, log).filter((d) => d === 'disk02' || d === 'disk05')).toEqual([])
    await dg.assistMake({ init: 'none', name: 'm2', len: LEN, layout: 'mirror' })
    for (const p of ['m2-01', 'm2-02']) expect(disksOf(dg, p).filter((d) => d === 'disk02' || d === 'disk05'), p).toEqual([])
    await dg.close()
  })

  it('372: naming a failed or IOFAIL-ed disk is refused VM_DISK_FAILED and changes nothing', async () => {
    const { dg } = await groupWithFailedDisks()
    const tid = dg.tid
    for (const disk of ['disk02', 'disk05']) {
      await expectCode(dg.addMirror('c1', { disks: [disk] }), 'VM_DISK_FAILED')
      await expectCode(dg.growVolume('c1', 2 * LEN, { disks: [disk] }), 'VM_DISK_FAILED')
      await expectCode(dg.assistMake({ init: 'none', name: 'x1', len: LEN, layout: 'concat', disks: [disk] }), 'VM_DISK_FAILED')
      await expectCode(dg.evacuateDisk('disk01', { to: [disk] }), 'VM_DISK_FAILED')
    }
    await expectCode(dg.addLog('v1', { disks: ['disk05'] }), 'VM_DISK_FAILED')
    expect(dg.tid).toBe(tid)
    await dg.close()
  })
})
