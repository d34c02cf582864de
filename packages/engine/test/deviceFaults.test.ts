import { truncate } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { createFaultyDevice, type FaultyDevice } from '../src/device/faultyDevice.ts'
import { createImageFile, openDevicePath } from '../src/device/fileDevice.ts'
import type { MemoryDevice } from '../src/device/memoryDevice.ts'
import { DiskGroup, REGION_SECTORS } from '../src/diskGroup.ts'
import { KLOG_AREA, MAP_AREA } from '../src/disk/privateRegion.ts'
import { PL_PFLAG } from '../src/records/types.ts'
import { expectCode, memoryGroup, pattern, publicRegion, rec, recordEvents } from './harness.ts'
import { tempDir } from './tmp.ts'

/**
 * A started 2-way mirror v1 on image files (v1-01 on disk01, v1-02 on disk02) whose devices check
 * the file size on every write, so that a truncation is seen by the very next write.
 */
async function fileMirror() {
  const t = await tempDir()
  const paths = [1, 2].map((i) => join(t.dir, `disk${i}.img`))
  for (const p of paths) await createImageFile(p, 16 << 20)
  const devices = await Promise.all(paths.map((p) => openDevicePath(p, { sizeCheckMs: 0 })))
  const dg = await DiskGroup.create({ name: 'filedg', disks: devices.map((device, i) => ({ name: `disk0${i + 1}`, device })) })
  await dg.assistMake({ init: 'none', name: 'v1', len: 8192, layout: 'mirror', disks: ['disk01', 'disk02'] })
  await dg.start('v1')
  return { dg, paths, remove: t.remove }
}

describe('a device that shrinks (I77)', () => {
  it('I77: reads of a truncated disk are I/O errors of its plex: served from the other plex, the plex kernel-detached', async () => {
    const g = await fileMirror()
    try {
      const { dg } = g
      await dg.write('v1', 0, pattern(8192 * 512, 1))
      await dg.flush('v1')
      await dg.set('v1', { read_pol: 'PREFER', pref_name: 'v1-02' })
      const log = recordEvents(dg)
      // disk02 keeps its private region and loses the public region, where v1-02 lives
      const pub = rec(dg, 'disk02').dm_pub_offset as number
      await truncate(g.paths[1]!, pub * 512 + 4096)
      const got = await dg.read('v1', 1 << 20, 64 << 10)
      expect(got.equals(pattern(8192 * 512, 1).subarray(1 << 20, (1 << 20) + (64 << 10)))).toBe(true)
      expect([rec(dg, 'v1-02').pl_kstate, rec(dg, 'v1-02').pl_state]).toEqual(['DETACHED', 'IOFAIL'])
      expect(log.events.some((e) => e.type === 'io.error' && e.plex === 'v1-02' && e.op === 'read' && e.code === 'VM_IO')).toBe(true)
      expect(log.events.some((e) => e.type === 'alert' && e.object === 'v1-02')).toBe(true)
      // every later read is right, from v1-01
      expect((await dg.read('v1', 0, 8192 * 512)).equals(pattern(8192 * 512, 1))).toBe(true)
      await dg.stop('v1')
      await dg.close()
    } finally {
      await g.remove()
    }
  })

  it('I77: a write to a truncated disk is an I/O error of its plex (the image does not grow back over a hole)', async () => {
    const g = await fileMirror()
    try {
      const { dg } = g
      const pub = rec(dg, 'disk02').dm_pub_offset as number
      await truncate(g.paths[1]!, pub * 512 + 4096)
      await dg.write('v1', 2 << 20, pattern(4096, 2))
      expect([rec(dg, 'v1-02').pl_kstate, rec(dg, 'v1-02').pl_state]).toEqual(['DETACHED', 'IOFAIL'])
      expect((await dg.read('v1', 2 << 20, 4096)).equals(pattern(4096, 2))).toBe(true)
      await dg.close()
    } finally {
      await g.remove()
    }
  })
})

/** A started 2-way mirror v1 on faulty memory devices (v1-01 on disk01, v1-02 on disk02). */
async function faultyMirror(opts: { volatileCache?: boolean } = {}) {
  const g = await memoryGroup(3, 32 << 20, { wrap: (d) => createFaultyDevice(d, opts) })
  await g.dg.assistMake({ init: 'none', name: 'v1', len: 8192, layout: 'mirror', disks: ['disk01', 'disk02'] })
  await g.dg.start('v1')
  const [d1, d2] = g.devices as FaultyDevice[]
  return { ...g, d1: d1!, d2: d2! }
}

/**
 * A faulty mirror (pattern 1 in its first 8 KiB) whose next write of them (pattern 2) failed VM_IO
 * on both plexes, both disks full (ENOSPC): v1-01 from 4 KiB on, v1-02 all of it.
 */
async function failedOnBothPlexes() {
  const m = await faultyMirror()
  const { dg, d1, d2 } = m
  await dg.write('v1', 0, pattern(8 << 10, 1))
  d1.addFault({ ops: ['write'], range: { offset: publicRegion(dg, 'disk01').offset + 4096, length: 1 << 20 }, errno: 'ENOSPC', times: 1 })
  d2.addFault({ ops: ['write'], range: publicRegion(dg, 'disk02'), errno: 'ENOSPC', times: 1 })
  await expectCode(dg.write('v1', 0, pattern(8 << 10, 2)), 'VM_IO')
  return m
}

describe('a flush that fails on one plex (I78)', () => {
  it('I78: succeeds while a complete plex flushed; the failing plex is kernel-detached with its unflushed regions stale', async () => {
    const { dg, d2 } = await faultyMirror()
    await dg.write('v1', 0, pattern(4096, 1))
    await dg.write('v1', 3 << 20, pattern(4096, 2))
    const log = recordEvents(dg)
    d2.addFault({ ops: ['flush'] })
    await dg.flush('v1')
    const b = rec(dg, 'v1-02')
    expect([b.pl_kstate, b.pl_state]).toEqual(['DETACHED', 'IOFAIL'])
    expect((b.pl_pflag as number) & PL_PFLAG.KDETACH).toBe(PL_PFLAG.KDETACH)
    expect(dg.staleRegions('v1-02').regions).toEqual(expect.arrayContaining([0, (3 << 20) / 512 / REGION_SECTORS]))
    expect(log.events.some((e) => e.type === 'io.error' && e.op === 'flush' && e.plex === 'v1-02')).toBe(true)
    expect(log.events.some((e) => e.type === 'alert' && e.object === 'v1-02')).toBe(true)
    // the next flushes no longer touch the detached plex
    await dg.write('v1', 8192, pattern(4096, 3))
    await dg.flush('v1')
    expect((await dg.read('v1', 0, 4096)).equals(pattern(4096, 1))).toBe(true)
  })

  it('I78: fails VM_IO when no plex flushed and then detaches nothing (w_all = V_FAIL_OP); a later flush succeeds', async () => {
    const { dg, d1, d2 } = await faultyMirror()
    await dg.write('v1', 0, pattern(4096, 1))
    // the data flush of both disks fails once (the configuration commit after it works)
    d1.addFault({ ops: ['flush'], times: 1 })
    d2.addFault({ ops: ['flush'], times: 1 })
    await expectCode(dg.flush('v1'), 'VM_IO')
    // w_all = V_FAIL_OP: nothing detached, the last copies of the region are not marked stale
    expect([rec(dg, 'v1-01').pl_state, rec(dg, 'v1-02').pl_state]).toEqual(['ACTIVE', 'ACTIVE'])
    expect(dg.staleRegions('v1-02').regions).toEqual([])
    await dg.flush('v1')
  })

  it('I78: a stop whose flush fails on one plex leaves that plex IOFAIL, not CLEAN, and the next start recovers it', async () => {
    const { dg, d2 } = await faultyMirror()
    await dg.write('v1', 0, pattern(4096, 5))
    const clear = d2.addFault({ ops: ['flush'] })
    await dg.stop('v1')
    expect([rec(dg, 'v1-01').pl_state, rec(dg, 'v1-02').pl_state]).toEqual(['CLEAN', 'IOFAIL'])
    clear()
    await dg.start('v1')
    expect([rec(dg, 'v1-02').pl_kstate, rec(dg, 'v1-02').pl_state]).toEqual(['ENABLED', 'ACTIVE'])
    expect((await (await dg.verify('v1')).done).mismatches).toEqual([])
  })

  it('I78: a stop whose flush fails on every plex stops the volume NEEDSYNC and fails VM_IO; the next start resynchronises it', async () => {
    const { dg, d1, d2 } = await faultyMirror()
    await dg.write('v1', 0, pattern(4096, 6))
    // the commit that closes the volume flushes first; the data flush after it fails, once
    d1.addFault({ ops: ['flush'], after: 1, times: 1 })
    d2.addFault({ ops: ['flush'], after: 1, times: 1 })
    await expectCode(dg.stop('v1'), 'VM_IO')
    expect([rec(dg, 'v1').v_kstate, rec(dg, 'v1').v_state]).toEqual(['DISABLED', 'NEEDSYNC'])
    const log = recordEvents(dg)
    await dg.start('v1')
    expect(log.events.some((e) => e.type === 'task.finished' && e.kind === 'recovery' && e.outcome === 'ok')).toBe(true)
    expect([rec(dg, 'v1').v_state, rec(dg, 'v1-01').pl_state, rec(dg, 'v1-02').pl_state]).toEqual(['ACTIVE', 'ACTIVE', 'ACTIVE'])
    expect((await (await dg.verify('v1')).done).mismatches).toEqual([])
  })

  it('I78: what a flush acknowledged with one plex failing survives a power cut of every disk', async () => {
    const { dg, devices, d2 } = await faultyMirror({ volatileCache: true })
    await dg.write('v1', 0, pattern(64 << 10, 4))
    d2.addFault({ ops: ['flush'] })
    await dg.flush('v1')
    for (const d of devices as FaultyDevice[]) d.powerCut()
    await dg.close()
    const again = await DiskGroup.import({ devices: (devices as FaultyDevice[]).map((d) => (d.inner as MemoryDevice).reopen()) })
    await again.start('v1')
    expect((await again.read('v1', 0, 64 << 10)).equals(pattern(64 << 10, 4))).toBe(true)
    expect((await (await again.verify('v1')).done).mismatches).toEqual([])
    await again.close()
  })
})

describe('a resync whose target cannot flush (I78)', () => {
  it('I78: its copies stay stale on disk until the target flushed them, so a power cut never leaves a plex ACTIVE over lost copies', async () => {
    const { dg, devices, d2 } = await faultyMirror({ volatileCache: true })
    await dg.detachPlex('v1-02')
    await dg.write('v1', 0, pattern(4 << 20, 7))
    await dg.flush('v1')
    const clear = d2.addFault({ ops: ['flush'] })
    const h = await dg.resyncVolume('v1', false)
    await expectCode(h.done, 'VM_NOTSYNCED')
    expect(rec(dg, 'v1-02').pl_state).not.toBe('ACTIVE')
    expect(dg.staleRegions('v1-02').regions).toEqual([0, 1, 2, 3, 4, 5, 6, 7])
    clear()
    for (const d of devices as FaultyDevice[]) d.powerCut()
    await dg.close()
    const again = await DiskGroup.import({ devices: (devices as FaultyDevice[]).map((d) => (d.inner as MemoryDevice).reopen()) })
    await again.start('v1')
    expect([rec(again, 'v1-02').pl_kstate, rec(again, 'v1-02').pl_state]).toEqual(['ENABLED', 'ACTIVE'])
    expect((await (await again.verify('v1')).done).mismatches).toEqual([])
    await again.set('v1', { read_pol: 'PREFER', pref_name: 'v1-02' })
    expect((await again.read('v1', 0, 4 << 20)).equals(pattern(4 << 20, 7))).toBe(true)
    await again.close()
  })
})

describe('a disk that is full (I76)', () => {
  it('I76: ENOSPC on one disk is an I/O error of its plex: kernel detach, the regions stale, the write acknowledged', async () => {
    const { dg, d2 } = await faultyMirror()
    const log = recordEvents(dg)
    d2.addFault({ ops: ['write'], range: publicRegion(dg, 'disk02'), errno: 'ENOSPC' })
    await dg.write('v1', 0, pattern(64 << 10, 8))
    expect([rec(dg, 'v1-02').pl_kstate, rec(dg, 'v1-02').pl_state]).toEqual(['DETACHED', 'IOFAIL'])
    expect(dg.staleRegions('v1-02').regions).toContain(0)
    expect(log.events.some((e) => e.type === 'io.error' && e.plex === 'v1-02' && e.code === 'VM_IO')).toBe(true)
    expect((await dg.read('v1', 0, 64 << 10)).equals(pattern(64 << 10, 8))).toBe(true)
  })

  it('I76: a write that fails on every plex leaves one copy current there and the others stale, so the plexes never disagree where they are current', async () => {
    // both disks are full: neither plex holds the write (a real one may hold part of it)
    const { dg } = await failedOnBothPlexes()
    expect([rec(dg, 'v1-01').pl_state, rec(dg, 'v1-02').pl_state]).toEqual(['ACTIVE', 'ACTIVE'])
    expect(dg.staleRegions('v1-02').regions).toEqual([0])
    const a = await dg.read('v1', 0, 8 << 10)
    for (let i = 0; i < 4; i++) expect((await dg.read('v1', 0, 8 << 10)).equals(a)).toBe(true)
    // a resync then makes the plexes equal again
    await (await dg.resyncVolume('v1', false)).done
    expect(dg.staleRegions('v1-02').regions).toEqual([])
    expect((await (await dg.verify('v1')).done).mismatches).toEqual([])
  })
})

describe('a resync whose write fails on a plex serving the volume (I76)', () => {
  it('I76: the failure is an I/O error of that plex (kernel detach), not a stale region on a plex that still looks current', async () => {
    const { dg, d2 } = await faultyMirror()
    await dg.write('v1', 0, pattern(64 << 10, 9))
    await dg.set('v1', { read_pol: 'PREFER', pref_name: 'v1-01' })
    d2.addFault({ ops: ['write'], range: publicRegion(dg, 'disk02'), errno: 'ENOSPC' })
    const log = recordEvents(dg)
    await (await dg.resyncVolume('v1', true)).done.catch(() => {})
    expect([rec(dg, 'v1-02').pl_kstate, rec(dg, 'v1-02').pl_state]).toEqual(['DETACHED', 'IOFAIL'])
    expect(log.events.some((e) => e.type === 'alert' && e.object === 'v1-02')).toBe(true)
    // the remaining plex is the only current one, so it cannot be detached by mistake
    await expectCode(dg.detachPlex('v1-01'), 'VM_LAST_PLEX')
  })
})

describe('a recovery or resync that cannot proceed (I76)', () => {
  it('I76: a crash recovery that cannot go on fails its task and leaves the volume NEEDSYNC with an alert, never SYNC with no task; a later start finishes it', async () => {
    const { dg, devices } = await faultyMirror()
    await dg.write('v1', 0, pattern(4 << 20, 3))
    await dg.flush('v1')
    await dg.close() // a crash: v1 is dirty and has no log, so its start read-writebacks everything
    const faulty = (devices as FaultyDevice[]).map((d) => createFaultyDevice((d.inner as MemoryDevice).reopen()))
    const again = await DiskGroup.import({ devices: faulty })
    const log = recordEvents(again)
    // the filesystem is full: disk02 takes no data, and no disk takes a new stale map
    faulty[1]!.addFault({ ops: ['write'], range: publicRegion(again, 'disk02'), errno: 'ENOSPC' })
    for (const d of faulty) d.addFault({ ops: ['write'], range: { offset: MAP_AREA.offset * 512, length: MAP_AREA.length * 512 }, errno: 'ENOSPC' })
    await expect(again.start('v1')).rejects.toBeDefined()
    expect([rec(again, 'v1').v_kstate, rec(again, 'v1').v_state]).toEqual(['ENABLED', 'NEEDSYNC'])
    expect(again.listTasks()).toEqual([])
    expect(log.events.some((e) => e.type === 'task.finished' && e.kind === 'recovery' && e.outcome === 'failed')).toBe(true)
    expect(log.events.some((e) => e.type === 'alert' && e.code === 'VM_NOTSYNCED' && e.object === 'v1')).toBe(true)
    // space again: a forced stop keeps NEEDSYNC, and the next start recovers the volume
    for (const d of faulty) d.clearFaults()
    await again.stop('v1', { force: true })
    expect(rec(again, 'v1').v_state).toBe('NEEDSYNC')
    await again.start('v1')
    expect(rec(again, 'v1').v_state).toBe('ACTIVE')
    expect((await (await again.verify('v1')).done).mismatches).toEqual([])
    await again.close()
  })


  it('I76: a resync whose kernel-log record cannot be written fails its task instead of staying running', async () => {
    const { dg, devices } = await faultyMirror()
    const clears = (devices as FaultyDevice[]).map((d) => d.addFault({ ops: ['write'], range: { offset: KLOG_AREA.offset * 512, length: KLOG_AREA.length * 512 } }))
    const log = recordEvents(dg)
    const h = await dg.resyncVolume('v1', true)
    await expectCode(h.done, 'VM_WRTDAERR')
    expect(dg.listTasks()).toEqual([])
    expect(log.events.some((e) => e.type === 'task.finished' && e.taskId === h.id && e.outcome === 'failed' && e.code === 'VM_WRTDAERR')).toBe(true)
    for (const c of clears) c()
    await dg.stop('v1', { force: true })
  })
})

describe('a detach that would leave a region with no current copy (I117)', () => {
  it('I117: a plex ACTIVE with stale regions is no current copy there: detaching the other plex fails VM_LAST_PLEX unless forced', async () => {
    // the write fails on both plexes: v1-01 stays the copy of region 0, v1-02 ACTIVE but stale there
    const { dg } = await failedOnBothPlexes()
    expect([rec(dg, 'v1-02').pl_kstate, rec(dg, 'v1-02').pl_state]).toEqual(['ENABLED', 'ACTIVE'])
    expect(dg.staleRegions('v1-02').regions).toEqual([0])
    const tid = dg.tid
    await expectCode(dg.detachPlex('v1-01'), 'VM_LAST_PLEX')
    await expectCode(dg.dissociatePlex('v1-01'), 'VM_LAST_PLEX')
    await expectCode(dg.mend('off', 'v1-01'), 'VM_LAST_PLEX')
    expect(dg.tid).toBe(tid)
    expect([rec(dg, 'v1-01').pl_kstate, rec(dg, 'v1-01').pl_state]).toEqual(['ENABLED', 'ACTIVE'])
    const a = await dg.read('v1', 0, 8 << 10)
    // once a resync made v1-02 current everywhere, v1-01 may go
    await (await dg.resyncVolume('v1', false)).done
    await dg.detachPlex('v1-01')
    expect((await dg.read('v1', 0, 8 << 10)).equals(a)).toBe(true)
  })

  it('I117: forced, the detach goes through', async () => {
    const { dg, d1, d2 } = await faultyMirror()
    d1.addFault({ ops: ['write'], range: { offset: publicRegion(dg, 'disk01').offset + 4096, length: 1 << 20 }, errno: 'ENOSPC', times: 1 })
    d2.addFault({ ops: ['write'], range: publicRegion(dg, 'disk02'), errno: 'ENOSPC', times: 1 })
    await expectCode(dg.write('v1', 0, pattern(8 << 10, 2)), 'VM_IO')
    await dg.detachPlex('v1-01', { force: true })
    expect([rec(dg, 'v1-01').pl_kstate, rec(dg, 'v1-01').pl_state]).toEqual(['DETACHED', 'STALE'])
  })
})
