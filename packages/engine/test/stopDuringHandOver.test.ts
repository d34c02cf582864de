import { describe, expect, it } from 'vitest'
import type { BlockDevice } from '../src/device/blockDevice.ts'
import { createFaultyDevice } from '../src/device/faultyDevice.ts'
import { createMemoryDevice, type MemoryDevice } from '../src/device/memoryDevice.ts'
import { DiskGroup, REGION_SECTORS } from '../src/diskGroup.ts'
import { PL_PFLAG } from '../src/records/types.ts'
import { plexImage } from './harness.ts'

const REGIONS = 3
const LEN = REGIONS * REGION_SECTORS
const BYTES = LEN * 512

/**
 * Rule 190: a stop at every device write of a hand-over. `npm test` runs the I/O of memory
 * devices (each completes without a turn of the event loop); PLEXA_STOP_TIMINGS=both also runs
 * every case with I/O that takes a turn of the event loop per operation, as a file's does.
 */
const TIMINGS = process.env.PLEXA_STOP_TIMINGS === 'both' ? [false, true] : [false]

type Op = 'attach' | 'resync' | 'resync --force' | 'resync disk' | 'repair'

/**
 * A group whose device writes are counted once armed: the k-th write (any disk, any area: the
 * configuration, the kernel log, the stale maps, data) runs `atWrite` first. Stopping the volume
 * there lands the stop at one await point of the hand-over after another.
 */
async function rig(turns: boolean) {
  const mems = [0, 1, 2].map(() => createMemoryDevice(16 << 20))
  // 'turns': every I/O takes a turn of the event loop, as a file's does, so a stop's flush and
  // commits take as long as the hand-over's and the two interleave at more points
  const immediate = () => new Promise<void>((r) => setImmediate(r))
  const base = (m: MemoryDevice): BlockDevice => {
    if (!turns) return m
    const f = createFaultyDevice(m, { sleep: immediate })
    f.setLatency(1)
    return f
  }
  let countdown = -1
  let atWrite: () => void = () => {}
  const counted = (m: MemoryDevice): BlockDevice => {
    const dev = base(m)
    return {
      kind: dev.kind,
      get size() {
        return dev.size
      },
      location: dev.location,
      lockKey: dev.lockKey,
      read: (offset, length) => dev.read(offset, length),
      flush: () => dev.flush(),
      close: () => dev.close(),
      async write(offset, data) {
        if (countdown >= 0 && countdown-- === 0) atWrite()
        return dev.write(offset, data)
      },
    }
  }
  const dg = await DiskGroup.create({ name: 'so', disks: mems.map((m, i) => ({ name: `disk0${i + 1}`, device: counted(m) })) })
  await dg.assistMake({ init: 'none', name: 'v1', len: LEN, layout: 'mirror', disks: ['disk01', 'disk02'] })
  await dg.start('v1')
  return {
    dg,
    mems,
    /** Runs `fn` just before the k-th device write from now (k = 0: the next one). */
    at(k: number, fn: () => void) {
      countdown = k
      atWrite = fn
    },
    /** Has the k-th write come? */
    get fired() {
      return countdown < 0
    },
    disarm() {
      countdown = -1
    },
  }
}

const outcome = (p: Promise<unknown>) =>
  p.then(
    () => 'ok',
    (e: { code?: string }) => e.code ?? `no code: ${String(e)}`,
  )

/**
 * v1-02 is detached and misses a write; then `op` hands it back while a stop (forced or not) and a
 * foreground write land at the k-th device write of the hand-over. Returns what is wrong, or
 * undefined when the stop came after the hand-over's last write (nothing left to explore).
 */
async function stopAt(op: Op, force: boolean, turns: boolean, k: number): Promise<string[] | undefined> {
  const r = await rig(turns)
  const { dg } = r
  const problems: string[] = []
  const model = Buffer.alloc(BYTES, 1)
  await dg.write('v1', 0, model)
  await dg.detachPlex('v1-02')
  const missed = Buffer.alloc(8192, 2)
  await dg.write('v1', 2 * REGION_SECTORS * 512, missed)
  missed.copy(model, 2 * REGION_SECTORS * 512)
  await dg.flush('v1')
  let stopped: Promise<string> = Promise.resolve('not run')
  let wrote: Promise<string> = Promise.resolve('not run')
  const racing = Buffer.alloc(4096, 3)
  r.at(k, () => {
    wrote = outcome(dg.write('v1', REGION_SECTORS * 512, racing))
    stopped = outcome(dg.stop('v1', { force }))
  })
  const handOver = {
    attach: () => dg.attachPlex('v1', 'v1-02'),
    resync: () => dg.resyncVolume('v1', false).then((h) => h.done),
    'resync --force': () => dg.resyncVolume('v1', true).then((h) => h.done),
    'resync disk': () => dg.resyncDisk('disk02', false).then((h) => h.done),
    repair: () => dg.repair('v1', 'v1-01').then((h) => h.done),
  }[op]()
  const result = await outcome(handOver)
  const fired = r.fired
  r.disarm()
  const stop = await stopped
  const write = await wrote
  if (!fired) {
    await dg.close()
    return undefined
  }
  if (write === 'ok') racing.copy(model, REGION_SECTORS * 512)
  const cfg = dg.config()
  const pl = cfg.plexes.find((p) => p.pl_name === 'v1-02')!
  const v = cfg.volumes.find((x) => x.v_name === 'v1')!
  const where = `${op}${force ? ' (forced stop)' : ''}${turns ? ' (I/O takes turns)' : ''} stopped at write ${k}: ${result}, stop ${stop}, v1-02 ${pl.pl_state}/${pl.pl_kstate}/${pl.pl_tutil[0]}`
  // no I/O failed: nothing says so
  if (pl.pl_state === 'IOFAIL' || pl.pl_pflag & PL_PFLAG.KDETACH) problems.push(`${where}: labelled as an I/O failure`)
  // a hand-over that did not finish says why with a stable code, and one that says ok did finish
  if (result !== 'ok' && !['VM_ABORTED', 'VM_NOTSYNCED', 'VM_NOT_STARTED'].includes(result)) problems.push(`${where}: the operation failed without a stable code`)
  if (result === 'ok' && pl.pl_state !== 'ACTIVE' && pl.pl_state !== 'CLEAN') problems.push(`${where}: reported ok, plex not recovered`)
  if (v.v_kstate === 'DISABLED' && (pl.pl_kstate !== 'DISABLED' || pl.pl_tutil[0] !== '')) problems.push(`${where}: a stopped volume's plex is left ${pl.pl_kstate}, tutil0 '${pl.pl_tutil[0]}'`)
  // never current over bytes that differ
  if (pl.pl_state === 'ACTIVE' || pl.pl_state === 'CLEAN') {
    const [a, b] = await Promise.all(['v1-01', 'v1-02'].map((p) => plexImage(dg, r.mems, p)))
    if (!a!.equals(b!)) problems.push(`${where}: v1-02 is ${pl.pl_state} over bytes that differ from v1-01`)
  }
  // the next start recovers it: both plexes ACTIVE and identical, every write there
  if (v.v_kstate === 'DISABLED') {
    const started = await outcome(dg.start('v1'))
    if (started !== 'ok') problems.push(`${where}: the next start failed ${started}`)
  } else if (pl.pl_state !== 'ACTIVE') {
    const again = await outcome(dg.attachPlex('v1', 'v1-02'))
    if (again !== 'ok') problems.push(`${where}: attaching it again failed ${again}`)
  }
  const after = dg.config().plexes.filter((p) => p.pl_v_name === 'v1')
  if (after.some((p) => p.pl_state !== 'ACTIVE' || p.pl_kstate !== 'ENABLED')) problems.push(`${where}: after recovery ${after.map((p) => `${p.pl_name} ${p.pl_state}/${p.pl_kstate}`).join(', ')}`)
  else {
    const [a, b] = await Promise.all(['v1-01', 'v1-02'].map((p) => plexImage(dg, r.mems, p)))
    if (!a!.equals(b!)) problems.push(`${where}: after recovery the plexes differ`)
    if (!(await dg.read('v1', 0, BYTES)).equals(model)) problems.push(`${where}: after recovery the volume does not read back what was written`)
  }
  await dg.close()
  return problems
}

describe('a stop while a plex is handed back', () => {
  const cases: Array<[Op, boolean]> = [
    ['attach', false],
    ['attach', true],
    ['resync', false],
    ['resync', true],
    ['resync --force', false],
    ['resync --force', true],
    ['resync disk', false],
    ['resync disk', true],
    ['repair', false],
    ['repair', true],
  ]
  it.each(cases)(
    'I190: %s, stopped (force %s) at each of the hand-over\'s device writes: the plex ends STALE or current, never IOFAIL without an I/O error, the operation says why, the next start recovers it',
    async (op, force) => {
      const problems: string[] = []
      let k = 0
      for (const turns of TIMINGS) {
        for (k = 0; k < 200; k++) {
          const p = await stopAt(op, force, turns, k)
          if (!p) break
          problems.push(...p)
        }
      }
      expect(k).toBeGreaterThan(5) // the stop landed at several await points
      expect(k).toBeLessThan(200)
      expect(problems).toEqual([])
    },
  )
})
