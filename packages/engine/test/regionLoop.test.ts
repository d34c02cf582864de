// The one region loop (resync/regionLoop.ts) on its own: order, double buffering, release on failure.
import { describe, expect, it } from 'vitest'
import { runRegionLoop } from '../src/resync/regionLoop.ts'

function deferred() {
  let resolve = () => {}
  const promise = new Promise<void>((r) => (resolve = r))
  return { promise, resolve }
}

describe('region loop (rule 127)', () => {
  it('gates, prepares, applies, releases and runs after for each region in order; region i + 1 is prepared while i is applied', async () => {
    const log: string[] = []
    const applying = deferred()
    const nextPrepared = deferred()
    await runRegionLoop<number>({
      count: 3,
      gate: async () => void log.push('gate'),
      prepare: async (i) => {
        log.push(`prepare ${i}`)
        if (i === 1) nextPrepared.resolve()
        return i
      },
      apply: async (i) => {
        log.push(`apply ${i}`)
        if (i === 0) {
          // region 1 is being prepared while region 0 is applied
          await nextPrepared.promise
          applying.resolve()
        }
      },
      release: (i) => void log.push(`release ${i}`),
      after: (i) => void log.push(`after ${i}`),
    })
    await applying.promise
    expect(log).toEqual([
      'gate', 'prepare 0', 'gate', 'apply 0', 'prepare 1', 'release 0', 'after 0',
      'gate', 'apply 1', 'prepare 2', 'release 1', 'after 1', 'apply 2', 'release 2', 'after 2',
    ])
  })

  it('a failing apply releases its region and the one prepared ahead, and the failure reaches the caller', async () => {
    const held = new Set<number>()
    const err = new Error('target write failed')
    await expect(runRegionLoop<number>({
      count: 4,
      gate: async () => {},
      prepare: async (i) => (held.add(i), i),
      apply: async (i) => {
        if (i === 1) throw err
      },
      release: (i) => void held.delete(i),
    })).rejects.toBe(err)
    expect(held.size).toBe(0)
  })

  it('a gate that fails (an abort) stops the loop before the next region is prepared; nothing stays held', async () => {
    const held = new Set<number>()
    let gates = 0
    const aborted = Object.assign(new Error('aborted'), { code: 'VM_ABORTED' })
    await expect(runRegionLoop<number>({
      count: 10,
      gate: async () => {
        if (++gates === 3) throw aborted
      },
      prepare: async (i) => (held.add(i), i),
      apply: async () => {},
      release: (i) => void held.delete(i),
    })).rejects.toMatchObject({ code: 'VM_ABORTED' })
    expect(held.size).toBe(0)
    expect(gates).toBe(3)
  })

  it('a unit that takes several regions is applied, released and followed once; the next unit starts after it (rule 160)', async () => {
    const log: string[] = []
    await runRegionLoop<{ i: number; size: number }>({
      count: 7,
      gate: async () => {},
      prepare: async (i) => ({ i, size: i === 0 ? 3 : 4 }),
      apply: async (u) => void log.push(`apply ${u.i}`),
      release: (u) => void log.push(`release ${u.i}`),
      size: (u) => u.size,
      after: (u, i) => void log.push(`after ${u.i}@${i}`),
    })
    expect(log).toEqual(['apply 0', 'release 0', 'after 0@0', 'apply 3', 'release 3', 'after 3@3'])
  })

  it('I387 with a load, the next units are prepared before this one is read; a unit its load shrank has those released (after their loads) and prepared again from its new end', async () => {
    const log: string[] = []
    const held = new Set<number>()
    const reading = new Set<number>()
    let release = () => {}
    const firstRead = new Promise<void>((r) => (release = r))
    type U = { i: number; size: number }
    const done = runRegionLoop<U>({
      count: 7,
      ahead: 2,
      gate: async () => {},
      prepare: async (i) => {
        log.push(`prepare ${i}`)
        held.add(i)
        return { i, size: 3 }
      },
      load: async (u) => {
        reading.add(u.i)
        if (u.i === 0) {
          await firstRead
          // its read of three regions failed: it is its first region alone
          u.size = 1
        }
        reading.delete(u.i)
      },
      apply: async (u) => void log.push(`apply ${u.i}+${u.size}`),
      release: (u) => {
        // nothing is given back while its read is under way
        expect(reading.has(u.i)).toBe(false)
        held.delete(u.i)
        log.push(`release ${u.i}`)
      },
      size: (u) => u.size,
    })
    for (let k = 0; k < 100 && log.length < 3; k++) await new Promise<void>((r) => setImmediate(r))
    // the two units after the first were prepared while the first was still being read
    expect(log).toEqual(['prepare 0', 'prepare 3', 'prepare 6'])
    release()
    await done
    // every region once: 0 alone, then 1-3 and 4-6 prepared again after it
    expect(log.slice(3)).toEqual([
      'release 3', 'release 6', 'apply 0+1', 'prepare 1', 'release 0',
      'prepare 4', 'apply 1+3', 'release 1', 'apply 4+3', 'release 4',
    ])
    expect(held.size).toBe(0)
  })

  it('no regions: nothing runs', async () => {
    let ran = false
    await runRegionLoop<number>({ count: 0, gate: async () => void (ran = true), prepare: async (i) => i, apply: async () => {}, release: () => {} })
    expect(ran).toBe(false)
  })
})
