import { describe, expect, it } from 'vitest'
import type { DiskGroup } from '../src/diskGroup.ts'
import type { AssistSpec } from '../src/assist.ts'
import { fileGroup } from './harness.ts'
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
