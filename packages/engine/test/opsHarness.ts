import { expect } from 'vitest'
import { createFaultyDevice, createPowerRail } from '../src/device/faultyDevice.ts'
import { createMemoryDevice } from '../src/device/memoryDevice.ts'
import { DiskGroup, REGION_SECTORS } from '../src/diskGroup.ts'
import { isLogPlexRec } from '../src/records/plexState.ts'
import type { BlockDevice } from '../src/device/blockDevice.ts'
import { memoryGroup, pattern, plexImage } from './harness.ts'

/** The volume the everyday-operation tests work on: 4 regions. */
export const LEN = 4 * REGION_SECTORS
export const BYTES = LEN * 512

/** A started 2-way mirror `v1` (with a DRL log on disk03 with `log`) on disk01 and disk02 of a 4-disk group, holding a flushed pattern. */
export async function startedMirror(opts: { log?: boolean; seed?: number } = {}) {
  const g = await memoryGroup(4, 16 << 20)
  await g.dg.assistMake({ name: 'v1', len: LEN, layout: 'mirror', disks: ['disk01', 'disk02', ...(opts.log ? ['disk03'] : [])], ...(opts.log ? { log: 'drl' as const } : {}) })
  const data = pattern(BYTES, opts.seed ?? 7)
  await g.dg.write('v1', 0, data)
  await g.dg.flush('v1')
  return { ...g, data }
}

/**
 * A started striped volume `v1` of LEN sectors (`ncol` columns, default 2, of stripe unit `stwidth`,
 * default 128 sectors; with `mirrored` a mirror of two such plexes) on the first disks of a group
 * of `n` 16 MiB memory disks (default 6), one disk a column, holding a flushed pattern.
 */
export async function stripedVolume(o: { ncol?: number; stwidth?: number; mirrored?: boolean; n?: number; seed?: number } = {}) {
  const g = await memoryGroup(o.n ?? 6, 16 << 20)
  const ncol = o.ncol ?? 2
  const disks = Array.from({ length: ncol * (o.mirrored ? 2 : 1) }, (_, i) => `disk0${i + 1}`)
  await g.dg.assistMake({ name: 'v1', len: LEN, layout: o.mirrored ? 'mirror-stripe' : 'stripe', ncol, stwidth: o.stwidth ?? 128, disks })
  const data = pattern(BYTES, o.seed ?? 5)
  await g.dg.write('v1', 0, data)
  await g.dg.flush('v1')
  return { ...g, data }
}

/**
 * A crash rig: a group `cp` on three memory disks behind faulty devices with volatile caches on one
 * power rail, a started 2-way mirror `v1` on disk01 and disk02 (with a DRL log on disk03 with
 * `log`); with `stripe`, six disks and a 2-way mirror of 2-column stripes (unit 128 sectors) on
 * disk01-disk04 (`v1-01` on disk01 and disk02, `v1-02` on disk03 and disk04). `cutDuring` writes and flushes the
 * pattern `data`, then runs an operation with the power cut after `cut` device writes; `restart`
 * imports the disks again as a restart would see them and checks what the operation left.
 */
export async function crashRig(seed: number, how: { log?: boolean; stripe?: boolean } = {}) {
  const mems = Array.from({ length: how.stripe ? 6 : 3 }, () => createMemoryDevice(8 << 20))
  const rail = createPowerRail()
  const immediate = () => new Promise<void>((r) => setImmediate(r))
  const devs = mems.map((m) => createFaultyDevice(m, { volatileCache: true, rail, sleep: immediate }))
  const opts = { sleep: immediate }
  const dg = await DiskGroup.create({ name: 'cp', disks: devs.map((device, i) => ({ name: `disk0${i + 1}`, device })), ...opts })
  if (how.stripe) await dg.assistMake({ name: 'v1', len: LEN, layout: 'mirror-stripe', ncol: 2, stwidth: 128, disks: ['disk01', 'disk02', 'disk03', 'disk04'] })
  else await dg.assistMake({ name: 'v1', len: LEN, layout: 'mirror', disks: ['disk01', 'disk02', ...(how.log ? ['disk03'] : [])], ...(how.log ? { log: 'drl' as const } : {}) })
  const data = pattern(BYTES, seed)
  return {
    dg,
    mems,
    /** The faulty devices the group runs on (disk01.. in order), to inject a disk's failure. */
    devs,
    data,
    /** Runs `op` on the flushed volume with the power cut after `cut` device writes (none when undefined); returns the device writes it made. */
    async cutDuring(cut: number | undefined, op: (dg: DiskGroup) => Promise<unknown>): Promise<number> {
      await dg.write('v1', 0, data)
      await dg.flush('v1')
      const base = rail.writes
      if (cut !== undefined) rail.tripAfter(cut)
      await op(dg).catch(() => {})
      const writes = rail.writes - base
      await dg.close().catch(() => {})
      return writes
    },
    /**
     * The restart: imports the disks, lets `inspect` look before anything runs, starts v1 and
     * lets interrupted tasks finish; then lists what is wrong: v1 not reading `want(dg)` (from
     * the imported group), a plex left unattached, a data plex not ENABLED ACTIVE or not holding
     * it, a log plex not ENABLED LOG.
     */
    async restart<T>(want: (dg: DiskGroup) => Buffer, inspect: (dg: DiskGroup) => T): Promise<{ problems: string[]; seen: T }> {
      const devices = mems.map((m) => m.reopen())
      const again = await DiskGroup.import({ devices, ...opts })
      const seen = inspect(again)
      if (again.config().volumes[0]!.v_kstate === 'DISABLED') await again.start('v1')
      for (const h of await again.resumeInterrupted()) await h.done.catch(() => {})
      const problems: string[] = []
      const bytes = want(again)
      if (!(await again.read('v1', 0, bytes.length)).equals(bytes)) problems.push(`v1 does not read what it must (${bytes.length} bytes)`)
      const loose = again.config().plexes.filter((p) => !p.pl_vol_rid).map((p) => p.pl_name)
      if (loose.length) problems.push(`plexes left unattached: ${loose.join(', ')}`)
      for (const p of again.config().plexes) {
        if (isLogPlexRec(again.config(), p)) {
          if (p.pl_state !== 'LOG' || p.pl_kstate !== 'ENABLED') problems.push(`log plex ${p.pl_name} is ${p.pl_kstate} ${p.pl_state} after the start`)
        } else if (p.pl_state !== 'ACTIVE' || p.pl_kstate !== 'ENABLED') problems.push(`${p.pl_name} is ${p.pl_kstate} ${p.pl_state} after the start`)
        else if (!(await plexImage(again, devices, p.pl_name)).equals(bytes)) problems.push(`${p.pl_name} differs from the volume's data`)
      }
      await again.close()
      return { problems, seen }
    },
  }
}

/**
 * One run of the grow crash-point tests (rules 304, 398): a crash rig (`how`), old data on the
 * disks right after every subdisk (what the grown space must not show), v1 grown to 2 x LEN with
 * the power cut after `cut` device writes, then the restart's check: the old data and length,
 * the plexes extended or not ('old', 'allocated'), or the new length with zeros after the data
 * ('grown'), every plex identical.
 */
export async function growCrashRun(cut: number | undefined, seed: number, how: { stripe?: boolean } = {}): Promise<{ writes: number; problems: string[]; seen: string }> {
  const rig = await crashRig(seed, how)
  const c = rig.dg.config()
  for (const sd of c.subdisks) {
    const i = c.disks.findIndex((d) => d.dm_rid === sd.sd_dm_rid)
    await rig.mems[i]!.write((sd.sd_dev_offset + sd.sd_len) * 512, Buffer.alloc(BYTES, 0xee))
  }
  const writes = await rig.cutDuring(cut, (dg) => dg.growVolume('v1', 2 * LEN))
  const grown = Buffer.concat([rig.data, Buffer.alloc(BYTES)])
  const len = (dg: DiskGroup, name: string) => dg.config().volumes.find((v) => v.v_name === name)?.v_len ?? dg.config().plexes.find((p) => p.pl_name === name)?.pl_len
  const { problems, seen } = await rig.restart(
    (dg) => (len(dg, 'v1') === 2 * LEN ? grown : rig.data),
    (dg) => (len(dg, 'v1') === 2 * LEN ? 'grown' : (len(dg, 'v1-01') ?? 0) > LEN ? 'allocated' : 'old'),
  )
  return { writes, problems, seen }
}

/**
 * Runs `run` whole, then cut after each of up to `most` device writes spread over the whole run
 * and after each of its `tail` last ones; expects no problem anywhere and returns what each cut
 * run saw.
 */
export async function everyCut<T>(run: (cut: number | undefined) => Promise<{ writes: number; problems: string[]; seen: T }>, most = 24, tail = 0): Promise<{ whole: T; seen: Set<T> }> {
  const whole = await run(undefined)
  expect(whole.problems).toEqual([])
  expect(whole.writes).toBeGreaterThan(4)
  const points = Math.min(whole.writes, most)
  const cuts = new Set([...Array.from({ length: points }, (_, i) => Math.floor((i * whole.writes) / points)), ...Array.from({ length: tail }, (_, k) => whole.writes - 1 - k)])
  const seen = new Set<T>()
  for (const cut of [...cuts].filter((c) => c >= 0).sort((a, b) => a - b)) {
    const r = await run(cut)
    expect(r.problems, `cut after ${cut} of ${whole.writes} writes`).toEqual([])
    seen.add(r.seen)
  }
  return { whole: whole.seen, seen }
}

/** The names of the disks that hold a subdisk of `volume` (of its associated plexes, logs too), sorted. */
export function disksOfVolume(dg: DiskGroup, volume: string): string[] {
  const c = dg.config()
  const plexes = new Set(c.plexes.filter((p) => p.pl_v_name === volume && p.pl_vol_rid).map((p) => p.pl_rid))
  return [...new Set(c.subdisks.filter((s) => plexes.has(s.sd_plex_rid)).map((s) => c.disks.find((d) => d.dm_rid === s.sd_dm_rid)!.dm_name))].sort()
}

/** Expects every associated data plex of `volume` (read from `devices`, not through the engine) to hold `data`. */
export async function expectPlexesHold(dg: DiskGroup, devices: BlockDevice[], volume: string, data: Buffer): Promise<void> {
  const c = dg.config()
  for (const p of c.plexes.filter((x) => x.pl_v_name === volume && x.pl_vol_rid && !isLogPlexRec(c, x))) expect((await plexImage(dg, devices, p.pl_name)).equals(data), p.pl_name).toBe(true)
}

/**
 * One run of a disk operation's crash-point test (evacuation, relocation): a crash rig (`how`),
 * `op` with the power cut after `cut` device writes, then the restart's check that v1 holds the
 * rig's data on every plex; what it saw before the start is `inspect`'s (default: the disks of
 * v1, "disk01+disk03").
 */
export async function crashRun(cut: number | undefined, seed: number, op: (dg: DiskGroup, rig: Awaited<ReturnType<typeof crashRig>>) => Promise<unknown>, how: { stripe?: boolean } = {}, inspect: (dg: DiskGroup) => string = (dg) => disksOfVolume(dg, 'v1').join('+')): Promise<{ writes: number; problems: string[]; seen: string }> {
  const rig = await crashRig(seed, how)
  const writes = await rig.cutDuring(cut, (dg) => op(dg, rig))
  const { problems, seen } = await rig.restart(() => rig.data, inspect)
  return { writes, problems, seen }
}
