import { describe, expect, it } from 'vitest'
import type { DiskGroup } from '../src/diskGroup.ts'
import type { FaultyDevice } from '../src/device/faultyDevice.ts'
import type { MemoryDevice } from '../src/device/memoryDevice.ts'
import { isLogPlexRec } from '../src/records/plexState.ts'
import { faultyMemoryGroup, plexImage, publicRegion } from './harness.ts'
import { createRandom } from './random.ts'

const DISKS = 7
const START = 4096 // sectors

/**
 * The refusals a step may meet, each with its stable code: an I/O error (of a copy, of a grow's zeros), no room, a failed disk, the last copy,
 * nothing to copy from, a copy already running. Anything else is a finding.
 */
const REFUSALS = new Set(['VM_IO', 'VM_NO_SPACE', 'VM_DISK_FAILED', 'VM_LAST_PLEX', 'VM_NOTSYNCED', 'VM_BUSY', 'VM_TOO_MANY_PLEXES', 'VM_INVALID_PARAM'])

/** What an administrator's step settles with: 'ok', or the code of a refusal in REFUSALS (anything else throws). */
async function step(p: Promise<unknown>): Promise<string> {
  try {
    await p
    return 'ok'
  } catch (e) {
    const code = (e as { code?: string }).code
    if (!code || !REFUSALS.has(code)) throw e
    return code
  }
}

/** The data plexes of `volume` that say they hold its data now: ENABLED ACTIVE. */
function currentPlexes(dg: DiskGroup, volume: string): string[] {
  const c = dg.config()
  return c.plexes.filter((p) => p.pl_v_name === volume && p.pl_vol_rid && !isLogPlexRec(c, p) && p.pl_kstate === 'ENABLED' && p.pl_state === 'ACTIVE').map((p) => p.pl_name)
}

/** Every data plex of `volume`, by kernel state. */
function dataPlexes(dg: DiskGroup, volume: string) {
  const c = dg.config()
  return c.plexes.filter((p) => p.pl_v_name === volume && p.pl_vol_rid && !isLogPlexRec(c, p))
}

/**
 * One seeded run on a started 2-way mirror `fz` over faulty memory disks: writes, reads, grows,
 * forced shrinks, mirrors added and removed, evacuations of any disk, detaches, attaches,
 * resyncs, whole-disk failures (one disk at a time, restored later and resynced) and single write
 * errors on a disk's data, each checked against a plain model of the volume's bytes: the volume's
 * length is the model's (a refused or failed grow or shrink leaves it), a read returns the model,
 * and every ENABLED ACTIVE data plex holds the model on its disks (read beneath the faults). The
 * run keeps a current copy for every write (no detach or removal down to one copy while a fault
 * waits), so a volume write that fails is a finding; at the end every plex is attached again.
 */
async function run(seed: number, ops: number): Promise<void> {
  const g = await faultyMemoryGroup(DISKS, 24 << 20)
  const { dg } = g
  const mems: MemoryDevice[] = g.mems
  const faulty: FaultyDevice[] = g.faulty
  const rnd = createRandom(seed)
  await dg.assistMake({ name: 'fz', len: START, layout: 'mirror', disks: ['disk01', 'disk02'] })
  let model: Buffer = Buffer.alloc(START * 512)
  const len = () => model.length / 512
  let failed: number | undefined
  let restore: () => void = () => {}
  const oneShots: Array<() => void> = []
  const log: string[] = []
  for (let i = 0; i < ops; i++) {
    const at = () => `seed ${seed} op ${i}: ${log.slice(-6).join('; ')}`
    const r = rnd.next()
    const disk = `disk0${rnd.int(1, DISKS)}`
    const plexes = dataPlexes(dg, 'fz')
    const pick = <T>(xs: readonly T[]) => (xs.length ? xs[rnd.int(0, xs.length - 1)] : undefined)
    if (r < 0.25) {
      const n = rnd.int(1, Math.min(512, len()))
      const off = rnd.int(0, len() - n)
      const data = rnd.bytes(n * 512)
      log.push(`write ${off}+${n}`)
      await dg.write('fz', off * 512, data).catch((e: Error) => expect.fail(`${at()}: ${e.message}`))
      data.copy(model, off * 512)
    } else if (r < 0.35) {
      const n = rnd.int(1, Math.min(512, len()))
      const off = rnd.int(0, len() - n)
      log.push(`read ${off}+${n}`)
      expect((await dg.read('fz', off * 512, n * 512)).equals(model.subarray(off * 512, (off + n) * 512)), at()).toBe(true)
    } else if (r < 0.43) {
      const to = len() + rnd.int(1, 2048)
      const s = await step(dg.growVolume('fz', to))
      log.push(`grow ${to} ${s}`)
      if (s === 'ok') model = Buffer.concat([model, Buffer.alloc((to - len()) * 512)])
    } else if (r < 0.5) {
      const to = rnd.int(256, Math.max(257, len() - 1))
      if (to >= len()) continue
      const s = await step(dg.shrinkVolume('fz', to, { force: true }))
      log.push(`shrink ${to} ${s}`)
      if (s === 'ok') model = model.subarray(0, to * 512)
    } else if (r < 0.57) {
      if (plexes.length >= 3) continue
      const s = await step(dg.addMirror('fz'))
      log.push(`mirror ${s}`)
    } else if (r < 0.62) {
      const pl = pick(plexes)
      if (!pl || plexes.length <= 2 || (failed !== undefined && currentPlexes(dg, 'fz').length < 3)) continue
      if (currentPlexes(dg, 'fz').length < 3) for (const off of oneShots.splice(0)) off()
      const s = await step(dg.removeMirror('fz', pl.pl_name))
      log.push(`remove ${pl.pl_name} ${s}`)
    } else if (r < 0.7) {
      const tid = dg.tid
      const s = await step(dg.evacuateDisk(disk))
      log.push(`evacuate ${disk} ${s}`)
      if (s === 'VM_NO_SPACE') expect(dg.tid, `${at()}: a refused evacuation changes nothing`).toBe(tid)
    } else if (r < 0.77) {
      // with a disk failed, a detach by hand leaves two current copies at least (the run keeps the
      // volume redundant: a write must never meet its last copy on the failed disk)
      const pl = pick(plexes.filter((p) => p.pl_kstate === 'ENABLED'))
      if (!pl || (failed !== undefined && currentPlexes(dg, 'fz').length < 3)) continue
      // nor a write error waiting on the last copy's disk
      if (currentPlexes(dg, 'fz').length < 3) for (const off of oneShots.splice(0)) off()
      const s = await step(dg.detachPlex(pl.pl_name))
      log.push(`detach ${pl.pl_name} ${s}`)
    } else if (r < 0.85) {
      const pl = pick(plexes.filter((p) => p.pl_kstate !== 'ENABLED'))
      if (!pl) continue
      const s = await step(dg.attachPlex('fz', pl.pl_name))
      log.push(`attach ${pl.pl_name} ${s}`)
    } else if (r < 0.9) {
      const s = await step(dg.resyncVolume('fz', rnd.next() < 0.3).then((h) => h.done))
      log.push(`resync ${s}`)
    } else if (r < 0.94) {
      // one write error somewhere on a disk's data (a bad stretch, once): whatever writes there next fails once
      // never as many waiting errors as current copies: a write must find one copy to land on
      if (failed !== undefined || currentPlexes(dg, 'fz').length <= oneShots.length + 1) continue
      const k = rnd.int(0, DISKS - 1)
      oneShots.push(faulty[k]!.addFault({ ops: ['write'], range: publicRegion(dg, `disk0${k + 1}`), times: 1 }))
      log.push(`one write error on disk0${k + 1}`)
    } else if (failed === undefined) {
      if (currentPlexes(dg, 'fz').length < 2) continue
      // a whole disk fails (a lab failure: its device says so); a write there detaches its plex
      // the one current copy left may not meet a write error waiting on its disk
      for (const off of oneShots.splice(0)) off()
      failed = rnd.int(0, DISKS - 1)
      restore = faulty[failed]!.addFault({})
      log.push(`fail disk0${failed + 1}`)
    } else {
      restore()
      const name = `disk0${failed + 1}`
      failed = undefined
      const s = await step(dg.resyncDisk(name, false).then((h) => h.done))
      log.push(`restore ${name}, resync ${s}`)
    }
    expect(dg.config().volumes.find((v) => v.v_name === 'fz')!.v_len, at()).toBe(len())
    // the engine's invariant: every ENABLED ACTIVE data plex holds the volume's bytes
    for (const pl of currentPlexes(dg, 'fz')) expect((await plexImage(dg, mems, pl)).equals(model), `${at()}: ${pl} is ENABLED ACTIVE over other bytes`).toBe(true)
    expect(currentPlexes(dg, 'fz').length, `${at()}: no current plex left`).toBeGreaterThan(0)
  }
  // the end: the faults gone, the failed disk resynced, every plex left out attached again
  for (const f of faulty) f.clearFaults()
  if (failed !== undefined) await step(dg.resyncDisk(`disk0${failed + 1}`, false).then((h) => h.done))
  for (const pl of dataPlexes(dg, 'fz').filter((p) => p.pl_kstate !== 'ENABLED' || p.pl_state !== 'ACTIVE')) expect(await step(dg.attachPlex('fz', pl.pl_name)), `seed ${seed}: attach ${pl.pl_name} at the end`).toBe('ok')
  expect(dataPlexes(dg, 'fz').map((p) => `${p.pl_name} ${p.pl_kstate} ${p.pl_state}`).filter((x) => !x.endsWith('ENABLED ACTIVE'))).toEqual([])
  expect((await dg.read('fz', 0, model.length)).equals(model)).toBe(true)
  for (const pl of currentPlexes(dg, 'fz')) expect((await plexImage(dg, mems, pl)).equals(model), pl).toBe(true)
  await dg.close()
}

describe('seeded random mirror operations with disk failures against a plain model (rule 458)', () => {
  // PLEXA_FUZZ_SEEDS=N runs N other seeds, PLEXA_FUZZ_OPS=M steps each (100 x 250 pass)
  const seeds = process.env.PLEXA_FUZZ_SEEDS ? Array.from({ length: Number(process.env.PLEXA_FUZZ_SEEDS) }, (_, i) => 0x4580 + i) : [0x458, 0x459, 0x45a]
  it.each(seeds)('I458 seed %i: grows, shrinks, mirrors, evacuations, detaches, attaches, resyncs and disk failures keep every ENABLED ACTIVE plex holding the model', async (seed) => {
    await run(seed, Number(process.env.PLEXA_FUZZ_OPS ?? 150))
  }, 120_000)
})
