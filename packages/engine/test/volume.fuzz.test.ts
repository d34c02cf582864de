import { describe, expect, it } from 'vitest'
import type { DiskGroup } from '../src/diskGroup.ts'
import type { AssistSpec } from '../src/assist.ts'
import { fileGroup, memoryGroup } from './harness.ts'
import { expectPlexesHold } from './opsHarness.ts'
import { createRandom } from './random.ts'

const LEN = 24576 // sectors: 12 MiB per volume

const layouts: Array<[string, Omit<AssistSpec, 'name' | 'len'>]> = [
  ['concat', { layout: 'concat' }],
  ['stripe', { layout: 'stripe', ncol: 3, stwidth: 64 }],
  ['mirror', { layout: 'mirror', nmirror: 3 }],
  ['mirror-stripe', { layout: 'mirror-stripe', nmirror: 2, ncol: 2, stwidth: 32 }],
]

describe('seeded random I/O against a plain model', () => {
  it.each(layouts)('%s volume matches the model byte for byte, across stop, close and reopen', async (_, spec) => {
    const g = await fileGroup(6, 32 << 20)
    let dg: DiskGroup = g.dg
    try {
      const seed = 0x5eed + spec.layout!.length
      const rnd = createRandom(seed)
      await dg.assistMake({ init: 'none', name: 'fz', len: LEN, ...spec })
      await dg.start('fz')
      const model = Buffer.alloc(LEN * 512)
      const maxSectors = 700
      const scratch = Buffer.alloc(maxSectors * 512)
      for (let i = 0; i < 400; i++) {
        const n = rnd.int(1, maxSectors)
        const off = rnd.int(0, LEN - n)
        const r = rnd.next()
        if (r < 0.5) {
          const data = rnd.bytes(n * 512)
          data.copy(model, off * 512)
          await dg.write('fz', off * 512, data)
        } else if (r < 0.95) {
          // half the reads land in a reused buffer full of stale bytes: every byte must be written
          let got: Buffer
          if (r < 0.725) got = await dg.read('fz', off * 512, n * 512)
          else await dg.readInto('fz', off * 512, (got = scratch.subarray(0, n * 512).fill(0xee)))
          if (!got.equals(model.subarray(off * 512, (off + n) * 512))) throw new Error(`seed ${seed} op ${i}: read ${off}+${n} differs`)
        } else if (r < 0.975) {
          await dg.set('fz', { read_pol: rnd.pick(['ROUND', 'SELECT'] as const) })
        } else {
          // restart: a clean stop, or a close without stop (the next start recovers), then reopen
          if (rnd.next() < 0.5) await dg.stop('fz')
          await dg.close()
          dg = await g.reopen()
          await dg.start('fz')
        }
      }
      expect((await dg.read('fz', 0, model.length)).equals(model)).toBe(true)
      // every data plex holds the model: check each one alone
      const plexes = dg.config().plexes.filter((p) => p.pl_v_name === 'fz' && p.pl_state === 'ACTIVE')
      for (const only of plexes) {
        await dg.set('fz', { read_pol: 'PREFER', pref_name: only.pl_name })
        expect((await dg.read('fz', 0, model.length)).equals(model)).toBe(true)
        expect(dg.ioStats(only.pl_name).reads).toBeGreaterThan(0)
      }
    } finally {
      await dg.close()
      await g.remove()
    }
  })
})

/** Rule 403: the layout invariants of a striped volume: every data plex striped as made, no disk under two columns (of one plex or two). */
function stripeProblems(dg: DiskGroup, volume: string, ncol: number, width: number): string[] {
  const c = dg.config()
  const out: string[] = []
  const owner = new Map<number, string>()
  for (const pl of c.plexes.filter((p) => p.pl_v_name === volume && p.pl_vol_rid)) {
    if (pl.pl_layout !== 'STRIPE' || pl.pl_ncol !== ncol || pl.pl_st_width !== width) out.push(`${pl.pl_name} is ${pl.pl_layout} ${pl.pl_ncol}/${pl.pl_st_width}`)
    const v = c.volumes.find((x) => x.v_rid === pl.pl_vol_rid)!
    if (pl.pl_contig_len < v.v_len) out.push(`${pl.pl_name} holds ${pl.pl_contig_len} of ${v.v_len}`)
    for (const sd of c.subdisks.filter((s) => s.sd_plex_rid === pl.pl_rid)) {
      const col = `${pl.pl_name}/${sd.sd_column}`
      const was = owner.get(sd.sd_dm_rid)
      if (was !== undefined && was !== col) out.push(`${sd.sd_dm_name} holds ${was} and ${col}`)
      owner.set(sd.sd_dm_rid, col)
    }
  }
  return out
}

describe('seeded random grow, shrink and evacuation of striped volumes against a plain model (rule 403)', () => {
  const striped: Array<[string, Omit<AssistSpec, 'name' | 'len'> & { ncol: number; stwidth: number }]> = [
    ['stripe', { layout: 'stripe', ncol: 3, stwidth: 64 }],
    ['mirror-stripe', { layout: 'mirror-stripe', nmirror: 2, ncol: 2, stwidth: 32 }],
  ]
  it.each(striped)('I403 %s: the volume reads the model, every plex keeps its layout and its columns their own disks', async (_, spec) => {
    const g = await memoryGroup(9, 32 << 20)
    const dg = g.dg
    const seed = 0x403 + spec.ncol
    const rnd = createRandom(seed)
    const step = spec.ncol * spec.stwidth
    const start = 4096
    await dg.assistMake({ name: 'fz', len: start, ...spec })
    let model: Buffer = Buffer.alloc(start * 512)
    const len = () => model.length / 512
    for (let i = 0; i < 160; i++) {
      const r = rnd.next()
      const at = `seed ${seed} op ${i}`
      if (r < 0.3) {
        const n = rnd.int(1, Math.min(600, len()))
        const off = rnd.int(0, len() - n)
        const data = rnd.bytes(n * 512)
        data.copy(model, off * 512)
        await dg.write('fz', off * 512, data)
      } else if (r < 0.5) {
        const n = rnd.int(1, Math.min(600, len()))
        const off = rnd.int(0, len() - n)
        expect((await dg.read('fz', off * 512, n * 512)).equals(model.subarray(off * 512, (off + n) * 512)), at).toBe(true)
      } else if (r < 0.65) {
        const to = len() + rnd.int(1, 3000)
        const got = await dg.growVolume('fz', to).then(() => true, (e: { code?: string }) => {
          if (e.code !== 'VM_NO_SPACE') throw e
          return false
        })
        if (got) model = Buffer.concat([model, Buffer.alloc((Math.ceil(to / step) * step - len()) * 512)])
      } else if (r < 0.77) {
        const to = rnd.int(1, len() - 1)
        const rounded = Math.ceil(to / step) * step
        if (rounded >= len()) continue
        await dg.shrinkVolume('fz', to, { force: true })
        model = model.subarray(0, rounded * 512)
      } else if (r < 0.82) {
        // space taken by someone else, often right after a column: the next grow must go around it
        await dg.makeSubdisk({ name: `w${i}`, disk: `disk0${rnd.int(1, 9)}`, len: rnd.int(8, 2048) }).catch((e: { code?: string }) => {
          if (e.code !== 'VM_NO_SPACE') throw e
        })
      } else if (r < 0.95) {
        // a disk under the volume, another one, or one it does not use
        const disk = `disk0${rnd.int(1, 9)}`
        const tid = dg.tid
        await dg.evacuateDisk(disk).catch((e: { code?: string }) => {
          if (e.code !== 'VM_NO_SPACE') throw e
          expect(dg.tid, `${at}: a refused evacuation changes nothing`).toBe(tid)
        })
      } else {
        await dg.stop('fz')
        await dg.start('fz')
      }
      expect(stripeProblems(dg, 'fz', spec.ncol, spec.stwidth), at).toEqual([])
      expect(dg.config().volumes.find((v) => v.v_name === 'fz')!.v_len, at).toBe(len())
    }
    expect((await dg.read('fz', 0, model.length)).equals(model)).toBe(true)
    await expectPlexesHold(dg, g.devices, 'fz', model)
  }, 120_000)
})
