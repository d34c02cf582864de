import { join } from 'node:path'
import { expect } from 'vitest'
import { DiskGroup } from '../src/diskGroup.ts'
import type { BlockDevice } from '../src/device/blockDevice.ts'
import { type MemoryDevice, createMemoryDevice } from '../src/device/memoryDevice.ts'
import { CFG_OFFSET, DEFAULT_PRIV_LEN } from '../src/disk/privateRegion.ts'
import { createFaultyDevice, type FaultyDevice } from '../src/device/faultyDevice.ts'
import { createImageFile, openDevicePath } from '../src/device/fileDevice.ts'
import type { EngineEvent } from '../src/events.ts'
import { mapPlan, planPlex } from '../src/layout/plexMap.ts'
import { tempDir } from './tmp.ts'

export const MiB = 1024 * 1024

/** A group on `n` sparse memory disks of `size` bytes each, named disk01..diskNN. */
export async function memoryGroup(n = 3, size = 64 * MiB, opts: { profile?: 'classic' | 'compat-1993' | 'vxvm3'; wrap?: (d: BlockDevice, i: number) => BlockDevice } = {}) {
  const devices = Array.from({ length: n }, (_, i) => (opts.wrap ? opts.wrap(createMemoryDevice(size), i) : createMemoryDevice(size)))
  const dg = await DiskGroup.create({
    name: 'testdg',
    disks: devices.map((device, i) => ({ name: `disk0${i + 1}`, device })),
    ...(opts.profile ? { profile: opts.profile } : {}),
  })
  return { dg, devices }
}

/**
 * A group on `n` faulty devices over memory disks (`faulty`, in disk order), with the memory disks
 * under them (`mems`) to reopen for an import that sees the bytes without the faults.
 */
export async function faultyMemoryGroup(n = 3, size = 64 * MiB) {
  const mems: MemoryDevice[] = []
  const { dg, devices } = await memoryGroup(n, size, {
    wrap: (d) => {
      mems.push(d as MemoryDevice)
      return createFaultyDevice(d)
    },
  })
  return { dg, faulty: devices as FaultyDevice[], mems }
}

/** The configuration slots of a disk's private region: a fault there fails its configuration write alone. */
export const CONFIG_SLOTS = { offset: CFG_OFFSET * 512, length: (DEFAULT_PRIV_LEN - CFG_OFFSET) * 512 }

/** A group on `n` sparse image files in a temporary directory; `reopen` imports it again. */
export async function fileGroup(n = 3, size = 64 * MiB) {
  const t = await tempDir()
  const paths = Array.from({ length: n }, (_, i) => join(t.dir, `disk${i + 1}.img`))
  for (const p of paths) await createImageFile(p, size)
  const dg = await DiskGroup.create({
    name: 'filedg',
    disks: await Promise.all(paths.map(async (p, i) => ({ name: `disk0${i + 1}`, device: await openDevicePath(p) }))),
  })
  return {
    dg,
    paths,
    async reopen(opts: { force?: boolean } = {}): Promise<DiskGroup> {
      return DiskGroup.import({ devices: await Promise.all(paths.map((p) => openDevicePath(p))), ...opts })
    },
    remove: t.remove,
  }
}

/** Asserts that `p` rejects with EngineError `code`. */
export async function expectCode(p: Promise<unknown> | (() => unknown), code: string): Promise<void> {
  try {
    await (typeof p === 'function' ? p() : p)
  } catch (e) {
    expect((e as { code?: string }).code).toBe(code)
    return
  }
  throw new Error(`expected ${code}, but it succeeded`)
}

/** Records every event of a group. */
export function recordEvents(dg: DiskGroup) {
  const events: EngineEvent[] = []
  const unsubscribe = dg.subscribe((e) => events.push(e))
  return { events, unsubscribe, types: () => events.map((e) => e.type) }
}

export function rec(dg: DiskGroup, name: string): Record<string, unknown> {
  const c = dg.config()
  const r =
    c.disks.find((x) => x.dm_name === name) ??
    c.subdisks.find((x) => x.sd_name === name) ??
    c.plexes.find((x) => x.pl_name === name) ??
    c.volumes.find((x) => x.v_name === name) ??
    (c.dg.dg_name === name ? c.dg : undefined)
  if (!r) throw new Error(`no record ${name}`)
  return r as unknown as Record<string, unknown>
}

export function pattern(len: number, seed: number): Buffer {
  const b = Buffer.alloc(len)
  for (let i = 0; i < len; i++) b[i] = (i * 31 + seed * 17 + (i >> 9)) & 0xff
  return b
}

/** The byte range of a disk's public region (where data, not metadata, lives). */
export function publicRegion(dg: DiskGroup, disk: string): { offset: number; length: number } {
  const d = dg.config().disks.find((x) => x.dm_name === disk)!
  return { offset: d.dm_pub_offset * 512, length: d.dm_pub_len * 512 }
}

/**
 * The bytes a plex holds for its whole length, read from the devices under its subdisks (not
 * through the engine's read path): what a read served by that plex alone would return. Holes
 * read as zeros.
 */
export async function plexImage(dg: DiskGroup, devices: BlockDevice[], plex: string): Promise<Buffer> {
  const c = dg.config()
  const pl = c.plexes.find((p) => p.pl_name === plex)!
  const v = c.volumes.find((x) => x.v_rid === pl.pl_vol_rid)!
  const out = Buffer.alloc(v.v_len * 512)
  const sds = c.subdisks.filter((s) => s.sd_plex_rid === pl.pl_rid && !s.sd_is_log)
  // a striped plex read as the engine maps it (layout/plexMap.ts), a hole reading zeros
  for (const piece of mapPlan(planPlex(pl, sds), 0, v.v_len)) {
    if (!piece.sd) continue
    const i = c.disks.findIndex((d) => d.dm_rid === piece.sd!.sd_dm_rid)
    ;(await devices[i]!.read((piece.sd.sd_dev_offset + piece.sdOffset) * 512, piece.length * 512)).copy(out, piece.plexOffset * 512)
  }
  return out
}

/**
 * A started 2-way mirror `v1` of `len` sectors on two memory disks of `size` bytes, whose group is
 * held by a configuration transaction (a comment set) until `release()`: `busy` is true, and
 * `pending` is that transaction.
 */
export async function groupHeldByTransaction(size: number, len: number) {
  let release = () => {}
  const hold = new Promise<void>((r) => (release = r))
  const g = await memoryGroup(2, size, { wrap: (d) => createFaultyDevice(d, { sleep: () => hold }) })
  await g.dg.assistMake({ init: 'none', name: 'v1', len, layout: 'mirror' })
  await g.dg.start('v1')
  ;(g.devices[0] as FaultyDevice).setLatency(1)
  const pending = g.dg.set('v1', { comment: 'slow commit' })
  await new Promise((r) => setImmediate(r))
  expect(g.dg.busy).toBe(true)
  return { g, release, pending }
}

/**
 * Makes and starts volume v1 of `len` sectors with three plexes made by hand, two of them on one
 * disk (which assistMake never does): `plexes[0]` (subdisk a1) and `plexes[1]` (a2, at sector
 * `a2Offset` when given) on disk01, `plexes[2]` (b1) on disk02.
 */
export async function twoCopiesOnDisk01(dg: DiskGroup, len: number, plexes: readonly [string, string, string], a2Offset?: number): Promise<void> {
  const [p1, p2, p3] = plexes
  await dg.makeRecords([
    { type: 'sd', name: 'a1', disk: 'disk01', len },
    { type: 'sd', name: 'a2', disk: 'disk01', len, ...(a2Offset === undefined ? {} : { offset: a2Offset }) },
    { type: 'sd', name: 'b1', disk: 'disk02', len },
    { type: 'plex', name: p1, sd: ['a1'] },
    { type: 'plex', name: p2, sd: ['a2'] },
    { type: 'plex', name: p3, sd: ['b1'] },
    { type: 'vol', name: 'v1', len, plex: [p1, p2, p3] },
  ])
  await dg.start('v1')
}
