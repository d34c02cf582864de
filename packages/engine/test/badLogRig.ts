import { expect } from 'vitest'
import type { MemoryDevice } from '../src/device/memoryDevice.ts'
import { DiskGroup, REGION_SECTORS } from '../src/diskGroup.ts'
import { V_PFLAG } from '../src/records/types.ts'
import { faultyMemoryGroup, pattern, rec, recordEvents } from './harness.ts'

export const LEN = 16 * REGION_SECTORS
export const BYTES = LEN * 512

/**
 * A started 2-way mirror v1 (disk01, disk02) with its DRL log on disk03, in a 5-disk group whose
 * disk05 is a spare; `loseLog` fails every I/O of disk03 and writes, so the log write fails:
 * v1 BADLOG, its log plex DETACHED IOFAIL (rule 343); it returns what takes the fault away again.
 */
export async function badLogRig() {
  const g = await faultyMemoryGroup(5, 16 << 20)
  await g.dg.assistMake({ init: 'none', name: 'v1', len: LEN, layout: 'mirror', disks: ['disk01', 'disk02', 'disk03'], log: 'drl' })
  await g.dg.start('v1')
  const data = pattern(BYTES, 4)
  await g.dg.write('v1', 0, data)
  await g.dg.flush('v1')
  await g.dg.cleanDirtyRegions('v1')
  await g.dg.set('disk05', { spare: 'on' })
  const logPlex = () => g.dg.config().plexes.find((p) => p.pl_v_name === 'v1' && p.pl_log_sd !== '')!
  const logDisk = () => rec(g.dg, logPlex().pl_log_sd).sd_dm_name
  const badlog = () => (Number(rec(g.dg, 'v1').v_pflag) & V_PFLAG.BADLOG) !== 0
  const committed = (operation: string) =>
    new Promise<void>((resolve) => {
      const off = g.dg.subscribe((e) => {
        if (e.type !== 'config.committed' || e.operation !== operation) return
        off()
        resolve()
      })
    })
  const loseLog = async () => {
    const heal = g.faulty[2]!.addFault({})
    const failed = [committed('drl.badlog'), committed('dm.config.disabled')]
    await g.dg.write('v1', 3 * REGION_SECTORS * 512, pattern(4096, 5))
    await Promise.all(failed)
    expect(badlog()).toBe(true)
    expect([logPlex().pl_kstate, logPlex().pl_state]).toEqual(['DETACHED', 'IOFAIL'])
    return heal
  }
  return { ...g, data, logPlex, logDisk, badlog, loseLog }
}

/**
 * The rig's log is in use again: a write dirties its region, and after a crash an import of `disks`
 * (by default all of the rig's memory disks) and a start recover from the log, not by a full
 * resync (no VM_NOTSYNCED alert), and v1 reads the rig's data with both writes.
 */
export async function expectLogInUse(r: Awaited<ReturnType<typeof badLogRig>>, disks: readonly MemoryDevice[] = r.mems): Promise<void> {
  await r.dg.write('v1', 7 * REGION_SECTORS * 512, pattern(4096, 6))
  expect(r.dg.dirtyRegions('v1').regions).toContain(7)
  await r.dg.close()
  const again = await DiskGroup.import({ devices: disks.map((m) => m.reopen()), force: true })
  expect(Number(again.config().volumes[0]!.v_pflag) & V_PFLAG.BADLOG).toBe(0)
  const events = recordEvents(again)
  await again.start('v1')
  expect(events.events.some((e) => e.type === 'alert' && e.code === 'VM_NOTSYNCED')).toBe(false)
  const whole = Buffer.from(r.data)
  pattern(4096, 5).copy(whole, 3 * REGION_SECTORS * 512)
  pattern(4096, 6).copy(whole, 7 * REGION_SECTORS * 512)
  expect((await again.read('v1', 0, BYTES)).equals(whole)).toBe(true)
  await again.close()
}
