import { describe, expect, it } from 'vitest'
import { createFaultyDevice, type FaultyDevice } from '../src/device/faultyDevice.ts'
import { PL_TFLAG } from '../src/records/types.ts'
import { expectCode, memoryGroup, pattern, rec } from './harness.ts'

async function started(layout: 'mirror' | 'concat', nmirror = 2) {
  const g = await memoryGroup(3, 64 << 20, { wrap: (d) => createFaultyDevice(d) })
  await g.dg.assistMake({ init: 'none', name: 'v1', len: 8192, layout, ...(layout === 'mirror' ? { nmirror } : {}) })
  await g.dg.start('v1')
  return { ...g, faulty: g.devices as FaultyDevice[] }
}

/** A volume of a complete plex and a preferred sparse plex backing sectors 2048-3071 only. */
async function preferSparse() {
    const { dg } = await memoryGroup(3)
    await dg.makeRecords([
      { type: 'sd', name: 'full', disk: 'disk01', len: 4096 },
      { type: 'plex', name: 'good', sd: ['full'] },
      { type: 'sd', name: 'a', disk: 'disk02', len: 1024 },
      { type: 'plex', name: 'sparse', sd: [{ name: 'a', offset: 2048 }] },
      { type: 'vol', name: 'v1', len: 4096, read_pol: 'PREFER', pref_name: 'sparse', plex: ['good', 'sparse'] },
    ])
    await dg.start('v1')
  return dg
}

describe('volume I/O path (checklist E 41-44)', () => {
  it('E41: writes reach every ENABLED plex with WRITE; reads never use a plex without READ, not ENABLED, or stale', async () => {
    const { dg } = await started('mirror', 3)
    await dg.write('v1', 0, pattern(65536, 1))
    for (const p of ['v1-01', 'v1-02', 'v1-03']) expect(dg.ioStats(p).writeBytes).toBe(65536)
    // v1-01 write-only, v1-02 detached: every read goes to v1-03.
    await dg.set('v1-01', { tflag: PL_TFLAG.WRITE })
    await dg.detachPlex('v1-02')
    const r0 = ['v1-01', 'v1-02'].map((p) => dg.ioStats(p).reads)
    for (let i = 0; i < 20; i++) await dg.read('v1', i * 200 * 512, 4096)
    expect(['v1-01', 'v1-02'].map((p) => dg.ioStats(p).reads)).toEqual(r0)
    expect(dg.ioStats('v1-03').reads).toBe(20)
    // A write now skips the detached plex.
    const w = dg.ioStats('v1-02').writes
    await dg.write('v1', 0, Buffer.alloc(512))
    expect(dg.ioStats('v1-02').writes).toBe(w)
    expect(dg.ioStats('v1-01').writes).toBeGreaterThan(1)
  })

  it('E42: ROUND keeps reads within 512 sectors of the previous on one plex and rotates non-sequential reads', async () => {
    const { dg } = await started('mirror')
    await dg.set('v1', { read_pol: 'ROUND' })
    const reads = () => ['v1-01', 'v1-02'].map((p) => dg.ioStats(p).reads)
    await dg.read('v1', 0, 4096)
    const first = reads()
    for (let i = 1; i < 10; i++) await dg.read('v1', i * 8 * 512, 4096) // sequential
    const seq = reads()
    expect(seq.map((n, i) => n - first[i]!).sort()).toEqual([0, 9])
    // non-sequential reads alternate
    const before = reads()
    for (let i = 0; i < 10; i++) await dg.read('v1', (i % 2 ? 7000 : 1000 + i * 600) * 512, 512)
    const after = reads()
    expect(after.map((n, i) => n - before[i]!)).toEqual([5, 5])
  })

  it('E43: PREFER reads the preferred plex; a read error there is served from another plex', async () => {
    const { dg, faulty } = await started('mirror')
    await dg.write('v1', 0, pattern(8192, 2))
    await dg.set('v1', { pref_name: 'v1-02', read_pol: 'PREFER' })
    for (let i = 0; i < 5; i++) await dg.read('v1', i * 4096 * 2, 512)
    expect([dg.ioStats('v1-01').reads, dg.ioStats('v1-02').reads]).toEqual([0, 5])
    const disk = rec(dg, 'v1-02') && dg.config().subdisks.find((s) => s.sd_pl_name === 'v1-02')!.sd_dm_name
    const dev = faulty[Number(disk.slice(-1)) - 1]!
    dev.addFault({ ops: ['read'] })
    expect((await dg.read('v1', 0, 8192)).equals(pattern(8192, 2))).toBe(true)
    expect(dg.ioStats('v1-01').reads).toBe(1)
  })

  it('E44: SELECT reads an ENABLED striped plex when there is one, otherwise behaves as ROUND', async () => {
    const { dg } = await memoryGroup(4)
    await dg.makeRecords([
      { type: 'sd', name: 'c', disk: 'disk01', len: 4096 },
      { type: 'plex', name: 'cat', sd: ['c'] },
      { type: 'sd', name: 's0', disk: 'disk02', len: 2048 },
      { type: 'sd', name: 's1', disk: 'disk03', len: 2048 },
      { type: 'plex', name: 'str', layout: 'STRIPE', st_width: 64, sd: [{ name: 's0', column: 0 }, { name: 's1', column: 1 }] },
      { type: 'vol', name: 'v1', len: 4096, read_pol: 'SELECT', plex: ['cat', 'str'] },
    ])
    await dg.start('v1')
    for (let i = 0; i < 6; i++) await dg.read("v1", i * 600 * 512, 512)
    expect([dg.ioStats('cat').reads, dg.ioStats('str').reads]).toEqual([0, 6])
    await dg.detachPlex('str')
    for (let i = 0; i < 3; i++) await dg.read("v1", i * 600 * 512, 512)
    expect(dg.ioStats('cat').reads).toBe(3)
  })

  it('refuses unaligned, out-of-range and not-started I/O with codes, writing nothing', async () => {
    const { dg } = await started('mirror')
    const size = dg.volumeSize('v1')
    expect(size).toBe(8192 * 512)
    await expectCode(dg.write('v1', 100, Buffer.alloc(512)), 'VM_UNALIGNED')
    await expectCode(dg.write('v1', 0, Buffer.alloc(100)), 'VM_UNALIGNED')
    await expectCode(dg.read('v1', size - 512, 1024), 'VM_OUT_OF_RANGE')
    await expectCode(dg.write('v1', size, Buffer.alloc(512)), 'VM_OUT_OF_RANGE')
    await expectCode(dg.read('v1', -512, 512), 'VM_INVALID_PARAM')
    await expectCode(dg.read('nope', 0, 512), 'VM_NOT_FOUND')
    expect(dg.ioStats('v1-01').writes + dg.ioStats('v1-02').writes).toBe(0)
    await dg.stop('v1')
    await expectCode(dg.write('v1', 0, Buffer.alloc(512)), 'VM_NOT_STARTED') // rule 133
  })

  it('a read that changes plexes on the way is assembled with each range in its place', async () => {
    const dg = await preferSparse()
    const data = pattern(4096 * 512, 5)
    await dg.write('v1', 0, data)
    // from inside what the preferred sparse plex backs to past its end: two plexes, two ranges
    expect((await dg.read('v1', 2560 * 512, 1536 * 512)).equals(data.subarray(2560 * 512))).toBe(true)
    expect([dg.ioStats('sparse').reads, dg.ioStats('good').reads]).toEqual([1, 1])
    // the same into a reused buffer of stale bytes
    const into = Buffer.alloc(1536 * 512, 0xee)
    await dg.readInto('v1', 2560 * 512, into)
    expect(into.equals(data.subarray(2560 * 512))).toBe(true)
    expect([dg.ioStats('sparse').reads, dg.ioStats('good').reads]).toEqual([2, 2])
  })

  it('reads holes of a sparse plex from a plex that backs them', async () => {
    const dg = await preferSparse()
    const data = pattern(4096 * 512, 3)
    await dg.write('v1', 0, data)
    expect(dg.ioStats('sparse').writeBytes).toBe(4096 * 512) // the hole pieces are dropped
    expect((await dg.read('v1', 0, data.length)).equals(data)).toBe(true)
    // the preferred sparse plex served what it backs
    await dg.read('v1', 2048 * 512, 1024 * 512)
    expect(dg.ioStats('sparse').reads).toBeGreaterThan(0)
  })

  it('flush reaches every device of the volume', async () => {
    const { dg, faulty } = await started('mirror')
    for (const d of faulty) d.setTracing(true)
    await dg.write('v1', 0, Buffer.alloc(4096, 1))
    await dg.flush('v1')
    const used = dg.config().subdisks.filter((s) => s.sd_pl_name.startsWith('v1-')).map((s) => Number(s.sd_dm_name.slice(-1)) - 1)
    for (const i of used) expect(faulty[i]!.trace.some((t) => t.op === 'flush')).toBe(true)
  })
})
