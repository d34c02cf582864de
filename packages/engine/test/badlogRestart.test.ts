import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { DiskGroup, REGION_SECTORS } from '../src/diskGroup.ts'
import { createFaultyDevice } from '../src/device/faultyDevice.ts'
import { createImageFile, openDevicePath } from '../src/device/fileDevice.ts'
import type { EngineEvent } from '../src/events.ts'
import { V_PFLAG } from '../src/records/types.ts'
import { MiB, pattern, rec } from './harness.ts'
import { tempDir } from './tmp.ts'

const LEN = 16 * REGION_SECTORS
const BYTES = LEN * 512
const cleanups: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const f of cleanups.splice(0)) await f()
})

/**
 * A 2-way mirror v1 with a DRL log on three image files (disk01, disk02 data, disk03 the log),
 * each behind a fault-injecting wrapper as the server opens them; `restart` closes the group as a
 * server stop that did not stop its volumes (a crash for them) and imports it from the files.
 */
async function rig() {
  const t = await tempDir()
  cleanups.push(t.remove)
  const paths = [1, 2, 3].map((i) => join(t.dir, `disk${i}.img`))
  for (const p of paths) await createImageFile(p, 32 * MiB)
  const open = async () => Promise.all(paths.map(async (p) => createFaultyDevice(await openDevicePath(p))))
  let devices = await open()
  let dg = await DiskGroup.create({ name: 'logdg', disks: devices.map((device, i) => ({ name: `disk0${i + 1}`, device })) })
  await dg.assistMake({ init: 'none', name: 'v1', len: LEN, layout: 'mirror', disks: ['disk01', 'disk02', 'disk03'], log: 'drl' })
  await dg.start('v1')
  let events: EngineEvent[] = []
  const watch = () => dg.subscribe((e) => void events.push(e))
  watch()
  const logPlex = () => dg.config().plexes.find((p) => p.pl_v_name === 'v1' && p.pl_log_sd !== '')!
  return {
    get dg() {
      return dg
    },
    get devices() {
      return devices
    },
    get events() {
      return events
    },
    logPlex,
    badlog: () => (Number(rec(dg, 'v1').v_pflag) & V_PFLAG.BADLOG) !== 0,
    async restart(): Promise<void> {
      await dg.close().catch(() => {})
      devices = await open()
      dg = await DiskGroup.import({ devices })
      events = []
      watch()
    },
    /** Waits for the next commit named `operation`. */
    committed(operation: string): Promise<void> {
      return new Promise((res) => {
        const off = dg.subscribe((e) => {
          if (e.type === 'config.committed' && e.operation === operation) {
            off()
            res()
          }
        })
      })
    },
  }
}

/**
 * Fails every I/O of the log disk (lab: fail disk03) and writes v1 until its log's failure is
 * committed (BADLOG), then the disabling of disk03's configuration copy that commit led to.
 */
async function loseTheLog(r: Awaited<ReturnType<typeof rig>>): Promise<() => void> {
  const restore = r.devices[2]!.addFault({ ops: ['read', 'write', 'flush'] })
  const badlog = r.committed('drl.badlog')
  const copyDisabled = r.committed('dm.config.disabled')
  await r.dg.write('v1', 0, pattern(BYTES, 4))
  await badlog
  await copyDisabled
  return restore
}

describe('BADLOG and the DRL log plex across a restart (rule 343)', () => {
  it('rule 343: a failed log detaches its log plex with BADLOG; restored and restarted, the log plex stays IOFAIL and BADLOG until the start, whose crash recovery is a full resync', async () => {
    const r = await rig()
    const restore = await loseTheLog(r)
    expect(r.badlog()).toBe(true)
    expect([r.logPlex().pl_kstate, r.logPlex().pl_state]).toEqual(['DETACHED', 'IOFAIL'])
    restore()
    await r.restart()
    // the records say what the engine knows: the log is not valid, nothing of it is used
    expect(r.badlog()).toBe(true)
    expect(r.logPlex().pl_state).toBe('IOFAIL')
    await r.dg.start('v1')
    // it crashed with its log invalid: a full resync, not the old image's regions
    expect(r.events.some((e) => e.type === 'alert' && e.code === 'VM_NOTSYNCED' && /full resync/.test(e.message))).toBe(true)
    // the start rewrote the log: valid again, BADLOG cleared, the log plex in use
    expect(r.badlog()).toBe(false)
    expect([r.logPlex().pl_kstate, r.logPlex().pl_state]).toEqual(['ENABLED', 'LOG'])
    await r.dg.write('v1', 5 * REGION_SECTORS * 512, pattern(4096, 8))
    expect(r.dg.dirtyRegions('v1').regions.length).toBeGreaterThan(0)
    expect((await r.dg.read('v1', 0, BYTES)).subarray(0, 4096).equals(pattern(BYTES, 4).subarray(0, 4096))).toBe(true)
    await r.dg.close()
  })

  it('rule 343: once the start made the log valid, a crash is recovered from its dirty regions only (its images outrank the ones from before the failure)', async () => {
    const r = await rig()
    // the log has written images before it fails: the newest, clean, has a high sequence number
    for (let i = 0; i < 6; i++) {
      await r.dg.write('v1', i * REGION_SECTORS * 512, pattern(4096, i))
      await r.dg.cleanDirtyRegions('v1')
    }
    const restore = await loseTheLog(r)
    restore()
    await r.restart()
    await r.dg.start('v1')
    expect(r.badlog()).toBe(false)
    await r.dg.write('v1', 3 * REGION_SECTORS * 512, pattern(4096, 9))
    await r.restart()
    expect(r.badlog()).toBe(false)
    await r.dg.start('v1')
    expect(r.events.some((e) => e.type === 'alert' && /full resync/.test(e.message))).toBe(false)
    const recovery = r.events.find((e) => e.type === 'task.finished' && e.kind === 'recovery')
    expect(recovery).toMatchObject({ outcome: 'ok' })
    expect(r.events.filter((e) => e.type === 'task.progress' && e.kind === 'recovery').every((e) => e.type === 'task.progress' && e.totalBytes < BYTES)).toBe(true)
    await r.dg.close()
  })

  it('rule 343: without a restart, a resync of the started volume recovers the restored log plex and clears BADLOG; a log disk still failing keeps both', async () => {
    const r = await rig()
    const restore = await loseTheLog(r)
    const h1 = await r.dg.resyncVolume('v1', false)
    await h1.done
    expect(r.badlog()).toBe(true)
    expect(r.logPlex().pl_state).toBe('IOFAIL')
    restore()
    const h2 = await r.dg.resyncVolume('v1', false)
    await h2.done
    expect(r.badlog()).toBe(false)
    expect([r.logPlex().pl_kstate, r.logPlex().pl_state]).toEqual(['ENABLED', 'LOG'])
    await r.dg.write('v1', 7 * REGION_SECTORS * 512, pattern(4096, 2))
    expect(r.dg.dirtyRegions('v1').regions.length).toBeGreaterThan(0)
    await r.dg.close()
  })
})
