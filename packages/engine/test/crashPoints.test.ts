import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { createManualClock } from '../src/clock.ts'
import { createFaultyDevice, createPowerRail, type FaultyDevice } from '../src/device/faultyDevice.ts'
import { createMemoryDevice, type MemoryDevice } from '../src/device/memoryDevice.ts'
import { DiskGroup, REGION_SECTORS } from '../src/diskGroup.ts'
import type { Config } from '../src/records/types.ts'
import { createRandom } from './random.ts'
import { DurableModel } from './durableModel.ts'

/**
 * The crash-point explorer (rule 86). A seed picks a mirror (2 or 3 plexes, with or without a DRL)
 * and a sequence of operations: writes, flushes, detaches, attaches, volume and disk resyncs
 * (forced or not, running under the writes), forced stops and starts, and injected write or flush
 * errors on a disk. The same sequence is run once whole, then again with the power rail of every
 * disk cut after its k-th device write, for k spread over the whole run. After each cut the group
 * is imported again and started, and then: every write that a flush (or a clean stop) made durable
 * reads back, every ENABLED ACTIVE plex holds the same bytes, and the group imports.
 *
 * The cuts are not replays: the seed's second whole run takes a copy of every disk's image (what
 * a power cut leaves: the volatile caches are lost) and of the model as its (k+1)-th device write
 * comes, which is where a run cut after k writes would lose power, and each copy is restarted and
 * checked. A write in flight at the cut counts as failed there (its sectors unknown), as it may
 * when the power goes. A cut that comes while a flush or a clean stop is in flight is checked as
 * though the flush had answered (its writes durable), which demands all that the cut run could;
 * only if that check fails is the cut replayed from the start with the power cut, and the
 * replay's check (the flush's own answer decides) is the one that counts.
 *
 * `npm test` cuts each of 11 seeds at up to 110 points (1,105 crashes: a seed with fewer device
 * writes is cut after every one);
 * `PLEXA_CRASH_SEEDS=N` runs N seeds from `PLEXA_CRASH_FIRST` (default 86000) and
 * `PLEXA_CRASH_POINTS=N` cuts each at N points (README, Tests). A seed's time limit is 60 s plus
 * 0.5 s a point; `PLEXA_CRASH_TIMEOUT_MS=N` sets it for a wide sweep run at low priority beside
 * other work (a seed of many device writes took 117 s at `nice -n 19` and load 20, 56 s at nice 0).
 */
const SEEDS = Number(process.env.PLEXA_CRASH_SEEDS ?? 11)
const FIRST = Number(process.env.PLEXA_CRASH_FIRST ?? 86_000)
const POINTS = Number(process.env.PLEXA_CRASH_POINTS ?? 110)
const TIMEOUT_MS = Number(process.env.PLEXA_CRASH_TIMEOUT_MS ?? 60_000 + POINTS * 500)
const REGIONS = 4
const LEN = REGIONS * REGION_SECTORS
const BYTES = LEN * 512
const DISKS = ['disk01', 'disk02', 'disk03', 'disk04']

/** What the volume must hold: per sector, its data and whether it was acknowledged (1) or made durable (2). */

interface Outcome {
  /** Device writes the run made after the volume was set up. */
  writes: number
  /** Whether the power was cut (a write came after the cut's last allowed one). */
  tripped: boolean
  /**
   * What the run left before the restart (device writes, operations, plex states and stale
   * maps, the bytes of every plex): a function of the seed and the cut alone, or the cuts would
   * not land where the whole run put them.
   */
  fingerprint: string
  /** The operations run, for the report. */
  ops: string[]
  problems: string[]
}

/** `sectors` sectors of data unique to write `id`: each sector carries the id and its index. */
function stamp(sectors: number, id: number): Buffer {
  const b = Buffer.alloc(sectors * 512, id & 0xff)
  for (let i = 0; i < sectors; i++) {
    b.writeUInt32LE(id, i * 512)
    b.writeUInt32LE(i, i * 512 + 4)
  }
  return b
}

/** Raw bytes of a plex over the volume, straight from the disks (holes stay zero). */
async function plexBytes(cfg: Config, mems: MemoryDevice[], plex: string): Promise<Buffer> {
  const pl = cfg.plexes.find((p) => p.pl_name === plex)!
  const out = Buffer.alloc(BYTES)
  for (const sd of cfg.subdisks.filter((x) => x.sd_plex_rid === pl.pl_rid && !x.sd_is_log)) {
    const mem = mems[cfg.disks.findIndex((d) => d.dm_rid === sd.sd_dm_rid)]!
    const len = Math.min(sd.sd_len, LEN - sd.sd_pl_offset)
    if (len > 0) (await mem.read(sd.sd_dev_offset * 512, len * 512)).copy(out, sd.sd_pl_offset * 512)
  }
  return out
}

/** `Outcome.fingerprint`: a digest of the run's state as it ends (no disk ids or times: those are random). */
async function fingerprintOf(dg: DiskGroup, mems: MemoryDevice[], writes: number, ops: string[]): Promise<string> {
  const cfg = dg.config()
  const h = createHash('sha256').update(JSON.stringify({ writes, ops }))
  for (const p of cfg.plexes.filter((x) => x.pl_v_name === 'v1')) {
    h.update(JSON.stringify([p.pl_name, p.pl_state, p.pl_kstate, p.pl_tutil[0], dg.staleRegions(p.pl_name)]))
    if (p.pl_state !== 'LOG') h.update(await plexBytes(cfg, mems, p.pl_name))
  }
  return h.digest('hex')
}

const immediate = () => new Promise((r) => setImmediate(r))
/** The group's options, in the run and at its restart. */
const groupOptions = (clock: ReturnType<typeof createManualClock>) => ({ clock, sleep: () => immediate().then(() => {}), drlCleanAgeMs: 50, drlMaxDirty: 4 })

/** The disks and the model as the (k+1)-th device write after setup comes: what a cut after k leaves. */
interface CutImage {
  k: number
  images: MemoryDevice[]
  model: DurableModel
  /** The clock then, for the restart. */
  now: number
  /** A flush or clean stop was in flight: whether it answered before the power went is the run's to tell. */
  flushing: boolean
}

/**
 * Runs the seed, whole or with the power cut after `cut` device writes, then restarts the group
 * and checks it; with `images`, also takes a `CutImage` at each of those counts of device writes.
 */
async function explore(seed: number, cut: number | undefined, images?: ReadonlySet<number>): Promise<Outcome & { cuts: CutImage[] }> {
  const rnd = createRandom(seed)
  const nmirror = rnd.int(2, 3)
  const drl = rnd.next() < 0.5
  const clock = createManualClock(1_000_000)
  const mems = DISKS.map(() => createMemoryDevice(8 << 20))
  const rail = createPowerRail()
  const devs = mems.map((m) => createFaultyDevice(m, { volatileCache: true, rail, sleep: immediate }))
  const opts = groupOptions(clock)
  const dg = await DiskGroup.create({ name: 'cp', disks: devs.map((device, i) => ({ name: DISKS[i]!, device })), ...opts })
  await dg.assistMake({ init: 'none', name: 'v1', len: LEN, layout: 'mirror', nmirror, ...(drl ? { log: 'drl' as const } : {}) })
  await dg.start('v1')
  const model = new DurableModel(LEN)
  const init = stamp(LEN, seed)
  // region by region: one write may not span more regions than the DRL may hold dirty
  for (let g = 0; g < REGIONS; g++) await dg.write('v1', g * REGION_SECTORS * 512, init.subarray(g * REGION_SECTORS * 512, (g + 1) * REGION_SECTORS * 512))
  await dg.flush('v1')
  model.apply(0, init, true)
  model.durable()
  const base = rail.writes
  if (cut !== undefined) rail.tripAfter(cut)
  // what is in flight in the loop below, for a cut image taken meanwhile
  let inFlight: { write: [number, number] } | 'durable' | undefined
  const cuts: CutImage[] = []
  if (images) {
    const countWrite = rail.countWrite
    rail.countWrite = () => {
      const k = rail.writes - base
      if (images.has(k) && !cuts.some((c) => c.k === k)) cuts.push(cutImage(k))
      return countWrite()
    }
  }
  const cutImage = (k: number): CutImage => {
    const m = model.clone()
    if (typeof inFlight === 'object') m.state.fill(0, inFlight.write[0], inFlight.write[1])
    return { k, images: mems.map((x) => x.snapshot()), model: m, now: clock.now(), flushing: inFlight === 'durable' }
  }

  const ops: string[] = []
  const background: Promise<unknown>[] = []
  const plexes = () => dg.config().plexes.filter((p) => p.pl_v_name === 'v1' && p.pl_state !== 'LOG').map((p) => p.pl_name)
  const ok = (p: Promise<unknown>) => p.then(() => true, () => false)
  const task = (h: Promise<{ done: Promise<unknown> }>) => background.push(h.then((x) => x.done).catch(() => {}))
  for (let step = 0; step < 48 && !rail.tripped; step++) {
    clock.advance(rnd.int(0, 40))
    const r = rnd.next()
    if (r < 0.45) {
      const n = rnd.pick([1, 8, 64, 256, 1500])
      const off = rnd.int(0, LEN - n) * 512
      const buf = stamp(n, seed * 1000 + step + 1)
      ops.push(`write ${off}+${n * 512}`)
      inFlight = { write: [off / 512, off / 512 + n] }
      model.apply(off, buf, await ok(dg.write('v1', off, buf)))
      inFlight = undefined
    } else if (r < 0.6) {
      ops.push('flush')
      inFlight = 'durable'
      if (await ok(dg.flush('v1'))) model.durable()
      inFlight = undefined
    } else if (r < 0.66) {
      const p = rnd.pick(plexes())
      ops.push(`detach ${p}`)
      await ok(dg.detachPlex(p))
    } else if (r < 0.74) {
      const p = rnd.pick(plexes())
      ops.push(`attach ${p}`)
      background.push(dg.attachPlex('v1', p).catch(() => {}))
    } else if (r < 0.8) {
      const force = rnd.next() < 0.5
      ops.push(`resync volume ${force ? 'forced' : ''}`)
      task(dg.resyncVolume('v1', force))
    } else if (r < 0.85) {
      const disk = rnd.pick(DISKS)
      const force = rnd.next() < 0.5
      ops.push(`resync disk ${disk} ${force ? 'forced' : ''}`)
      task(dg.resyncDisk(disk, force))
    } else if (r < 0.92) {
      ops.push('stop (forced) and start')
      // a clean stop makes every acknowledged write durable, as a flush does
      inFlight = 'durable'
      if (await ok(dg.stop('v1', { force: true }))) model.durable()
      inFlight = undefined
      await background.splice(0).reduce((a, b) => a.then(() => b), Promise.resolve())
      await ok(dg.start('v1'))
    } else {
      const d = rnd.int(0, DISKS.length - 1)
      const op = rnd.pick(['write', 'flush'] as const)
      ops.push(`fault ${op} on ${DISKS[d]}`)
      devs[d]!.addFault({ ops: [op], after: rnd.int(0, 6), times: rnd.int(1, 3) })
    }
  }
  await Promise.all(background)
  if (!rail.tripped) {
    // the uncut run ends with a flush, so that everything it wrote is promised
    ops.push('flush')
    inFlight = 'durable'
    if (await ok(dg.flush('v1'))) model.durable()
    inFlight = undefined
  }
  const writes = rail.writes - base
  const tripped = rail.tripped
  const fingerprint = await fingerprintOf(dg, mems, writes, ops)
  for (const d of devs) d.clearFaults()
  await dg.close().catch(() => {})
  // a run that made its last write before the close: a cut after it is the close's image
  if (images?.has(writes) && !cuts.some((c) => c.k === writes)) cuts.push(cutImage(writes))
  const problems = await restartAndCheck(mems.map((m) => m.reopen()), model, clock)
  return { writes, tripped, fingerprint, ops, problems, cuts }
}

/** The machine restarts on `reopened`: import, start, and check against `model`. */
async function restartAndCheck(reopened: MemoryDevice[], model: DurableModel, clock: ReturnType<typeof createManualClock>): Promise<string[]> {
  const opts = groupOptions(clock)
  const problems: string[] = []
  let again: DiskGroup
  try {
    again = await DiskGroup.import({ devices: reopened, ...opts })
  } catch (e) {
    return [`import failed: ${(e as { code?: string }).code}`]
  }
  try {
    if (again.config().volumes[0]!.v_kstate === 'DISABLED') await again.start('v1')
    for (const h of await again.resumeInterrupted()) await h.done.catch(() => {})
  } catch (e) {
    problems.push(`start failed: ${(e as { code?: string }).code}`)
    await again.close()
    return problems
  }
  const got = await again.read('v1', 0, BYTES).catch((e: { code?: string }) => {
    problems.push(`read after restart failed: ${e.code}`)
    return model.data
  })
  let lost = 0
  for (let s = 0; s < LEN; s++) if (model.state[s] === 2 && !got.subarray(s * 512, s * 512 + 512).equals(model.data.subarray(s * 512, s * 512 + 512))) lost++
  if (lost) problems.push(`${lost} durable sectors read back wrong`)
  const cfg = again.config()
  const active = cfg.plexes.filter((p) => p.pl_v_name === 'v1' && p.pl_state === 'ACTIVE' && p.pl_kstate === 'ENABLED').map((p) => p.pl_name)
  if (active.length === 0) problems.push('no ENABLED ACTIVE plex')
  const images = await Promise.all(active.map((p) => plexBytes(cfg, reopened, p)))
  // identical wherever both are current (a plex may be ACTIVE with regions stale, which no read uses)
  const stale = active.map((p) => {
    const view = again.staleRegions(p)
    return new Set(view.full ? Array.from({ length: REGIONS }, (_, g) => g) : view.regions)
  })
  for (let i = 1; i < images.length; i++) {
    for (let g = 0; g < REGIONS; g++) {
      if (stale[0]!.has(g) || stale[i]!.has(g)) continue
      const a = images[0]!.subarray(g * REGION_SECTORS * 512, (g + 1) * REGION_SECTORS * 512)
      if (!a.equals(images[i]!.subarray(g * REGION_SECTORS * 512, (g + 1) * REGION_SECTORS * 512))) problems.push(`${active[0]} and ${active[i]} differ in region ${g}`)
    }
  }
  await again.close()
  return problems
}

/**
 * Runs a seed whole, then cut after every k-th of its device writes, k = writes / `points` (so
 * `points` cuts from the first write to the last; every write when the run has fewer); returns
 * what failed, and how many runs were cut where they were meant to be (`crashed`: the run made
 * exactly k device writes, and the power went on the next one, or k was the run's last write).
 */
async function exploreSeed(seed: number, points: number) {
  const whole = await explore(seed, undefined)
  const failures: Array<{ seed: number; cut: number | 'none'; problems: string[]; ops: string[] }> = []
  if (whole.problems.length) failures.push({ seed, cut: 'none', problems: whole.problems, ops: whole.ops })
  const cuts = new Set<number>()
  for (let i = 0; i < points; i++) cuts.add(Math.round((i * whole.writes) / Math.max(1, points - 1)))
  // the seed alone decides the run: run whole again, it ends the same (else its images are not
  // those of the cut runs), taking the image of every cut on the way
  const again = await explore(seed, undefined, cuts)
  if (again.fingerprint !== whole.fingerprint) failures.push({ seed, cut: 'none', problems: ['the same seed ran differently the second time'], ops: again.ops })
  let crashed = 0
  for (const image of again.cuts) {
    if (!cuts.has(image.k)) continue
    // with a flush in flight, first as though it answered before the cut (its writes durable):
    // the same restart passes the cut run's check then, whatever the flush answered there
    const model = image.model.clone()
    if (image.flushing) model.durable()
    let problems = await restartAndCheck(image.images, model, createManualClock(image.now))
    if (problems.length && image.flushing) {
      const r = await explore(seed, image.k)
      if (r.writes === image.k && (r.tripped || image.k === whole.writes)) crashed++
      problems = r.problems
    } else crashed++
    if (problems.length) failures.push({ seed, cut: image.k, problems, ops: again.ops })
  }
  return { crashed, writes: whole.writes, failures }
}

const seeds = Array.from({ length: SEEDS }, (_, i) => FIRST + i)
/** Crash points cut so far by the seeds of this run, and how many their device writes allow. */
let crashPoints = 0
let allowed = 0

describe('crash-point explorer (rule 86)', () => {
  it.each(seeds)(
    'I86: seed %i cut at every k-th device write: flushed writes survive, ENABLED ACTIVE plexes are identical, the group imports',
    async (seed) => {
      const r = await exploreSeed(seed, POINTS)
      // one crash at each of POINTS cuts, or after every write of a seed that makes fewer
      expect(r.crashed).toBe(Math.min(POINTS, r.writes + 1))
      crashPoints += r.crashed
      allowed += Math.min(POINTS, r.writes + 1)
      // a failure names its seed and cut: PLEXA_CRASH_FIRST=<seed> PLEXA_CRASH_SEEDS=1 replays it
      expect(r.failures.slice(0, 3)).toEqual([])
    },
    TIMEOUT_MS,
  )
  it('I86: the seeds cut at every point their device writes allow, 1,000 or more in all for npm test (11 seeds of up to 110)', () => {
    expect(crashPoints).toBe(allowed)
    // a run as wide as npm test's (or wider) holds 1,000 crashes; a replay of fewer seeds or points what its writes allow
    if (SEEDS >= 11 && POINTS >= 110) expect(crashPoints).toBeGreaterThanOrEqual(1000)
  })
})
