import { describe, expect, it } from 'vitest'
import type { AssistSpec } from '../src/assist.ts'
import { createFaultyDevice, createPowerRail, type FaultyDevice } from '../src/device/faultyDevice.ts'
import { createMemoryDevice, type MemoryDevice } from '../src/device/memoryDevice.ts'
import { DiskGroup, REGION_SECTORS } from '../src/diskGroup.ts'
import { isEngineError } from '../src/errors.ts'
import { isLogPlexRec } from '../src/records/plexState.ts'
import { DurableModel } from './durableModel.ts'
import { plexImage } from './harness.ts'
import { createRandom } from './random.ts'

/**
 * The concurrent-operations fuzz (rule 513). A seed picks a layout (2- or 3-way mirror, with or
 * without a DRL, or a 2-way mirror of 2-column stripes, with or without a DRL) and a mode: live
 * (disks without caches, every plex checked after every step) or crash (disks with volatile caches
 * on one power rail, the power cut at seeded points). Each step runs one administrative operation
 * (detach, attach, volume or disk resync, grow, forced shrink, add or remove a mirror, evacuate a
 * disk, relocate a failed disk's subdisks, move relocated ones back) while two writers write and
 * flush under it, and may fail a disk while it runs. Checked: every acknowledged write reads back (after a crash: every
 * flushed one), every ENABLED ACTIVE data plex holds the volume's bytes outside its stale regions,
 * after a restart every ENABLED ACTIVE plex is identical and the group imports, and at the end,
 * every plex attached again, every plex holds the model.
 *
 * `npm test` runs FUZZ_SEEDS seeds of 40 steps; `PLEXA_CONC_SEEDS=N` runs N seeds from
 * `PLEXA_CONC_FIRST` (default 0x5130), `PLEXA_CONC_STEPS=M` steps each; a failure names its seed.
 */
const FUZZ_SEEDS = 6
const SEEDS = Number(process.env.PLEXA_CONC_SEEDS ?? FUZZ_SEEDS)
const FIRST = Number(process.env.PLEXA_CONC_FIRST ?? 0x5130)
const STEPS = Number(process.env.PLEXA_CONC_STEPS ?? 40)

const NDISKS = 8
const DISKS = Array.from({ length: NDISKS }, (_, i) => `disk0${i + 1}`)
const START = 4 * REGION_SECTORS
const BLOCK = 8 // sectors: a writer's unit

const LAYOUTS: Array<Omit<AssistSpec, 'name' | 'len'>> = [
  { layout: 'mirror', nmirror: 2 },
  { layout: 'mirror', nmirror: 3 },
  { layout: 'mirror', nmirror: 2, log: 'drl' },
  { layout: 'mirror-stripe', nmirror: 2, ncol: 2, stwidth: 64 },
  { layout: 'mirror-stripe', nmirror: 2, ncol: 2, stwidth: 64, log: 'drl' },
]

/** The refusals an operation may meet (a busy plex, no room, the last copy, ...): engine errors; anything else is a finding. */
async function settle(p: Promise<unknown>): Promise<string> {
  try {
    await p
    return 'ok'
  } catch (e) {
    if (!isEngineError(e)) throw e
    return e.code
  }
}

/** Rig: the memory disks, the faulty devices over them (with volatile caches on `rail` in crash mode) and the group. */
function wire(mems: MemoryDevice[], crash: boolean) {
  const rail = createPowerRail()
  const immediate = () => new Promise<void>((r) => setImmediate(r))
  const faulty = mems.map((m) => createFaultyDevice(m, crash ? { volatileCache: true, rail, sleep: immediate } : {}))
  return { rail, faulty }
}

const OPS = ['detach', 'attach', 'resync', 'resync disk', 'grow', 'shrink', 'mirror', 'remove', 'evacuate', 'relocate', 'unrelocate', 'fail', 'restore'] as const
type Op = (typeof OPS)[number]

export async function concurrentRun(seed: number, steps: number): Promise<{ problems: string[]; log: string[]; writes: number; crashes: number }> {
  const rnd = createRandom(seed)
  const spec = LAYOUTS[rnd.int(0, LAYOUTS.length - 1)]!
  const crash = rnd.next() < 0.5
  let mems = DISKS.map(() => createMemoryDevice(16 << 20))
  let { rail, faulty } = wire(mems, crash)
  const opts = { sleep: () => new Promise<void>((r) => setImmediate(r)).then(() => {}) }
  let dg = await DiskGroup.create({ name: 'cf', disks: faulty.map((device, i) => ({ name: DISKS[i]!, device })), ...opts })
  await dg.assistMake({ name: 'fz', len: START, ...spec })
  let model = new DurableModel(START)
  model.durable()
  const len = () => model.state.length
  const log: string[] = [`${spec.layout} x${spec.nmirror}${spec.log ? ' drl' : ''} ${crash ? 'crash' : 'live'}`]
  const problems: string[] = []
  let failed: number | undefined
  let restoreFailed = () => {}
  let writes = 0
  let crashes = 0

  const cfg = () => dg.config()
  const vol = () => cfg().volumes.find((v) => v.v_name === 'fz')!
  const dataPlexes = () => cfg().plexes.filter((p) => p.pl_v_name === 'fz' && p.pl_vol_rid && !isLogPlexRec(cfg(), p))
  const current = () => dataPlexes().filter((p) => p.pl_kstate === 'ENABLED' && p.pl_state === 'ACTIVE')
  const diskIndexOf = (plex: string) => {
    const pl = cfg().plexes.find((p) => p.pl_name === plex)!
    return cfg().subdisks.filter((s) => s.sd_plex_rid === pl.pl_rid).map((s) => cfg().disks.findIndex((d) => d.dm_rid === s.sd_dm_rid))
  }
  const plexStates = () => dataPlexes().map((p) => `${p.pl_name} ${p.pl_kstate} ${p.pl_state} stale ${JSON.stringify(dg.staleRegions(p.pl_name))}`).join(', ')
  const ownModel = (m: DurableModel, sectors: number) => {
    const out = new DurableModel(sectors)
    const n = Math.min(sectors, m.state.length)
    m.data.copy(out.data, 0, 0, n * 512)
    out.state.set(m.state.subarray(0, n))
    out.state.fill(2, n)
    return out
  }
  /** Sectors of `img` that differ from the model where it knows the bytes (`durableOnly`: flushed ones), outside `skip` regions. */
  const differs = (img: Buffer, durableOnly: boolean, skip: Set<number>) => {
    let bad = 0
    for (let s = 0; s < len(); s++) {
      const st = model.state[s]!
      if (st === 0 || (durableOnly && st !== 2) || skip.has(Math.floor(s / REGION_SECTORS))) continue
      if (!img.subarray(s * 512, s * 512 + 512).equals(model.data.subarray(s * 512, s * 512 + 512))) bad++
    }
    return bad
  }
  const staleSet = (plex: string) => {
    const v = dg.staleRegions(plex)
    return new Set(v.full ? Array.from({ length: Math.ceil(len() / REGION_SECTORS) }, (_, g) => g) : v.regions)
  }

  /** After a step: the volume and every current plex hold the model (plexes read beneath the faults, live mode, or through the caches). */
  const checkLive = async (at: string) => {
    if (vol().v_len !== len()) problems.push(`${at}: v_len ${vol().v_len}, model ${len()}`)
    const got = await dg.read('fz', 0, len() * 512).catch((e: { code?: string }) => (problems.push(`${at}: read failed ${e.code}`), undefined))
    if (got && differs(got, false, new Set())) problems.push(`${at}: the volume reads ${differs(got, false, new Set())} sectors wrong`)
    if (current().length === 0) problems.push(`${at}: no ENABLED ACTIVE plex`)
    for (const p of current()) {
      // crash mode: through the caches, skipping a plex on the failing disk (a read there would fail)
      if (crash && failed !== undefined && diskIndexOf(p.pl_name).includes(failed)) continue
      const bad = differs(await plexImage(dg, crash ? faulty : mems, p.pl_name), false, staleSet(p.pl_name))
      if (bad) problems.push(`${at}: ${p.pl_name} is ENABLED ACTIVE over ${bad} sectors of other bytes`)
    }
  }

  /** Crash mode: import the disks again as a restart sees them, start, finish interrupted tasks, check, and go on from what it holds. */
  const restart = async (at: string) => {
    crashes++
    await dg.close().catch(() => {})
    mems = mems.map((m) => m.reopen())
    ;({ rail, faulty } = wire(mems, true))
    failed = undefined
    restoreFailed = () => {}
    try {
      dg = await DiskGroup.import({ devices: faulty, ...opts })
    } catch (e) {
      problems.push(`${at}: import failed ${(e as { code?: string }).code}`)
      return false
    }
    if (vol().v_kstate === 'DISABLED') {
      const s = await settle(dg.start('fz'))
      if (s !== 'ok') {
        problems.push(`${at}: start failed ${s}`)
        return false
      }
    }
    for (const h of await dg.resumeInterrupted()) await h.done.catch(() => {})
    // the length is the old or the new one of an interrupted grow or shrink; grown space reads zeros
    if (vol().v_len !== len()) model = ownModel(model, vol().v_len)
    const got = await dg.read('fz', 0, len() * 512).catch((e: { code?: string }) => (problems.push(`${at}: read after restart failed ${e.code}`), undefined))
    if (!got) return false
    const lost = differs(got, true, new Set())
    if (lost) problems.push(`${at}: ${lost} flushed sectors read back wrong after the restart`)
    const cur = current()
    if (cur.length === 0) problems.push(`${at}: no ENABLED ACTIVE plex after the restart`)
    for (const p of cur) {
      const stale = staleSet(p.pl_name)
      // through the new devices (no faults yet): the recovery's writes may sit in their caches
      const img = await plexImage(dg, faulty, p.pl_name)
      let bad = 0
      for (let g = 0; g * REGION_SECTORS < len(); g++) {
        if (stale.has(g)) continue
        const a = g * REGION_SECTORS * 512
        const b = Math.min(len(), (g + 1) * REGION_SECTORS) * 512
        if (!img.subarray(a, b).equals(got.subarray(a, b))) bad++
      }
      if (bad) problems.push(`${at}: after the restart ${p.pl_name} is ENABLED ACTIVE but differs from what the volume reads in ${bad} regions (${plexStates()})`)
    }
    // from here on the volume holds what it read, made durable
    model = new DurableModel(len())
    got.copy(model.data)
    model.state.fill(1)
    if ((await settle(dg.flush('fz'))) === 'ok') model.durable()
    return true
  }

  for (let step = 0; step < steps && problems.length === 0; step++) {
    const op: Op = OPS[rnd.int(0, OPS.length - 1)]!
    const plexes = dataPlexes()
    const pick = <T>(xs: readonly T[]) => (xs.length ? xs[rnd.int(0, xs.length - 1)] : undefined)
    const redundant = current().length >= 2 && failed === undefined
    // a disk under a current plex may fail while the step runs (one at a time, never the last
    // copy): decided first, so that the step's own guards count it as failed
    let failing: string | undefined
    if ((op === 'fail' || rnd.next() < 0.15) && redundant) {
      const pl = pick(current())!
      const k = pick(diskIndexOf(pl.pl_name))!
      failed = k
      restoreFailed = faulty[k]!.addFault({ after: rnd.int(0, 40) })
      failing = DISKS[k]
    }
    let safeLen = len()
    let action: (() => Promise<unknown>) | undefined
    let after: (s: string) => void = () => {}
    let what: string = op
    if (op === 'detach') {
      const pl = pick(plexes.filter((p) => p.pl_kstate === 'ENABLED'))
      if (pl && current().length >= (failed === undefined ? 2 : 3)) {
        what = `detach ${pl.pl_name}`
        action = () => dg.detachPlex(pl.pl_name)
      }
    } else if (op === 'attach') {
      const pl = pick(plexes.filter((p) => p.pl_kstate !== 'ENABLED' || p.pl_state !== 'ACTIVE'))
      if (pl) {
        what = `attach ${pl.pl_name}`
        action = () => dg.attachPlex('fz', pl.pl_name)
      }
    } else if (op === 'resync') {
      const force = rnd.next() < 0.3
      what = `resync${force ? ' --force' : ''}`
      action = () => dg.resyncVolume('fz', force).then((h) => h.done)
    } else if (op === 'resync disk') {
      const d = pick(DISKS)!
      what = `resync disk ${d}`
      action = () => dg.resyncDisk(d, false).then((h) => h.done)
    } else if (op === 'grow') {
      const to = len() + rnd.int(1, 2048)
      what = `grow ${to}`
      action = () => dg.growVolume('fz', to)
      after = (s) => {
        // a striped volume grows to whole stripes
        if (s === 'ok') model = ownModel(model, vol().v_len)
      }
    } else if (op === 'shrink') {
      const to = rnd.int(1024, Math.max(1025, len() - 1))
      if (to < len()) {
        safeLen = to
        what = `shrink ${to}`
        action = () => dg.shrinkVolume('fz', to, { force: true })
        after = (s) => {
          if (s === 'ok') model = ownModel(model, vol().v_len)
        }
      }
    } else if (op === 'mirror') {
      if (plexes.length < 3) action = () => dg.addMirror('fz')
    } else if (op === 'remove') {
      const pl = pick(plexes)
      if (pl && plexes.length > 2 && current().filter((p) => p.pl_name !== pl.pl_name).length >= (failed === undefined ? 1 : 2)) {
        what = `remove ${pl.pl_name}`
        action = () => dg.removeMirror('fz', pl.pl_name)
      }
    } else if (op === 'evacuate') {
      const d = pick(DISKS)!
      what = `evacuate ${d}`
      action = () => dg.evacuateDisk(d)
    } else if (op === 'relocate') {
      if (failed !== undefined) {
        what = `relocate ${DISKS[failed]}`
        action = () => dg.relocateDisk(DISKS[failed!]!)
      }
    } else if (op === 'unrelocate') {
      // the subdisks hot relocation moved off a disk (restored since, or failing now) moved back
      const d = pick(DISKS)!
      what = `unrelocate ${d}`
      action = () => dg.unrelocate(d, { force: rnd.next() < 0.5 })
    } else if (op === 'restore') {
      if (failed !== undefined) {
        restoreFailed()
        const d = DISKS[failed]!
        failed = undefined
        what = `restore ${d}, resync disk`
        action = () => dg.resyncDisk(d, false).then((h) => h.done)
      }
    }
    // a crash at a seeded point of this step
    let cut: number | undefined
    if (crash && crashes < 3 && rnd.next() < 0.12) {
      cut = rnd.int(0, 120)
      rail.tripAfter(cut)
    }
    log.push(`${what}${action ? '' : ' (skipped)'}${failing ? ` with ${failing} failing` : ''}${cut !== undefined ? ` cut after ${cut}` : ''}`)
    const at = `seed ${seed} step ${step}: ${log.slice(-5).join('; ')}`

    // the writers, each in its half of the volume below any shrink's new end: mostly 4 KiB, now
    // and then up to 128 KiB across a region's end; flushing now and then
    let busy = true
    const writer = async (w: number) => {
      const wr = createRandom(seed * 977 + step * 31 + w)
      const half = Math.floor(safeLen / BLOCK / 2)
      for (let n = 0; (busy || n < 3) && n < 40 && !rail.tripped; n++) {
        const blocks = wr.next() < 0.8 ? 1 : wr.int(2, 32)
        const b = w * half + wr.int(0, half - blocks)
        const data = wr.bytes(blocks * BLOCK * 512)
        const ok = await dg.write('fz', b * BLOCK * 512, data).then(
          () => true,
          (e: unknown) => {
            if (!isEngineError(e)) throw e
            // a write fails only with no copy to land on: a finding unless a disk failed or the power went
            if (!failing && failed === undefined && !rail.tripped) problems.push(`${at}: write ${b * BLOCK}+${blocks * BLOCK} failed ${e.code}`)
            return false
          },
        )
        writes++
        model.apply(b * BLOCK * 512, data, ok)
        if (wr.next() < 0.2 && (await settle(dg.flush('fz'))) === 'ok') model.durable()
        await new Promise((r) => setImmediate(r))
      }
    }
    const ws = [writer(0), writer(1)]
    const s = action ? await settle(action()) : 'skipped'
    busy = false
    await Promise.all(ws)
    log[log.length - 1] += ` ${s}`
    if (!rail.tripped) after(s)
    if (rail.tripped || cut !== undefined) {
      rail.tripAfter(Infinity)
      if (rail.tripped) {
        if (!(await restart(`${at} ${s}`))) break
        continue
      }
    }
    await checkLive(`${at} ${s}`)
  }
  if (problems.length === 0) {
    // the end: faults gone, the failed disk resynced, every plex attached again, each holding the model
    for (const f of faulty) f.clearFaults()
    if (failed !== undefined) await settle(dg.resyncDisk(DISKS[failed]!, false).then((h) => h.done))
    for (const pl of dataPlexes().filter((p) => p.pl_kstate !== 'ENABLED' || p.pl_state !== 'ACTIVE')) {
      const s = await settle(dg.attachPlex('fz', pl.pl_name))
      if (s !== 'ok') problems.push(`seed ${seed} end: attach ${pl.pl_name} ${s}`)
    }
    await settle(dg.resyncVolume('fz', false).then((h) => h.done))
    if ((await settle(dg.flush('fz'))) === 'ok') model.durable()
    const left = dataPlexes().filter((p) => p.pl_kstate !== 'ENABLED' || p.pl_state !== 'ACTIVE').map((p) => `${p.pl_name} ${p.pl_kstate} ${p.pl_state}`)
    if (left.length) problems.push(`seed ${seed} end: not current: ${left.join(', ')}`)
    const got = await dg.read('fz', 0, len() * 512)
    if (differs(got, false, new Set())) problems.push(`seed ${seed} end: the volume reads ${differs(got, false, new Set())} sectors wrong`)
    // the disks with their caches, the faults gone
    for (const p of current()) {
      const bad = differs(await plexImage(dg, faulty, p.pl_name), false, new Set())
      if (bad) problems.push(`seed ${seed} end: ${p.pl_name} holds ${bad} sectors of other bytes`)
    }
  }
  await dg.close().catch(() => {})
  return { problems, log, writes, crashes }
}

describe('concurrent operations fuzz (rule 513)', () => {
  const seeds = Array.from({ length: SEEDS }, (_, i) => FIRST + i)
  it.each(seeds)('I513 seed %i: writes under detach, attach, resyncs, grow, shrink, mirrors, evacuation, relocation, disk failures and crashes keep every acknowledged write and every current plex identical', async (seed) => {
    const r = await concurrentRun(seed, STEPS)
    expect({ seed, problems: r.problems.slice(0, 3), log: r.problems.length ? r.log : [] }).toEqual({ seed, problems: [], log: [] })
    expect(r.writes).toBeGreaterThan(STEPS)
  }, 120_000)
})
