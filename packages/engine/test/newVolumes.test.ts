import { describe, expect, it } from 'vitest'
import { expectCode, memoryGroup, pattern, rec } from './harness.ts'

/** Reads every data plex of `volume` alone (the others detached in turn) and says whether all hold the same bytes. */
async function plexesIdentical(dg: Awaited<ReturnType<typeof memoryGroup>>['dg'], volume: string): Promise<boolean> {
  const report = await (await dg.verify(volume)).done
  return report.mismatches.length === 0
}

describe('new volumes as vxmake, vxassist and vxvol init leave them (issue 17 item 4)', () => {
  it('156: a plex attached to a never-started EMPTY volume is EMPTY, and the start enables both without mend or copy', async () => {
    const { dg } = await memoryGroup(3)
    await dg.assistMake({ init: 'none', name: 'v1', len: 4096, layout: 'concat', disks: ['disk01'] })
    await dg.makeRecords([{ type: 'sd', name: 'm1', disk: 'disk02', len: 4096 }, { type: 'plex', name: 'v1-02', sd: ['m1'] }])
    await dg.attachPlex('v1', 'v1-02')
    expect([rec(dg, 'v1').v_state, rec(dg, 'v1-01').pl_state, rec(dg, 'v1-02').pl_state]).toEqual(['EMPTY', 'EMPTY', 'EMPTY'])
    await dg.start('v1')
    expect([rec(dg, 'v1').v_state, rec(dg, 'v1-01').pl_state, rec(dg, 'v1-02').pl_state]).toEqual(['ACTIVE', 'ACTIVE', 'ACTIVE'])
    expect(dg.ioStats('v1-02').writes).toBe(0)
    await dg.write('v1', 0, pattern(4096 * 512, 4))
    await dg.detachPlex('v1-01')
    expect((await dg.read('v1', 0, 4096 * 512)).equals(pattern(4096 * 512, 4))).toBe(true)
  })

  it('155: vxvol init active starts an EMPTY volume with every plex ACTIVE and nothing copied; init clean PLEX keeps that plex and the start copies it', async () => {
    const { dg } = await memoryGroup(3)
    await dg.assistMake({ init: 'none', name: 'v1', len: 4096, layout: 'mirror' })
    await dg.initVolume('v1', 'active')
    expect([rec(dg, 'v1').v_kstate, rec(dg, 'v1').v_state, rec(dg, 'v1-01').pl_state, rec(dg, 'v1-02').pl_state]).toEqual(['ENABLED', 'ACTIVE', 'ACTIVE', 'ACTIVE'])
    expect(dg.ioStats('v1-02').writes).toBe(0)
    await expectCode(dg.initVolume('v1', 'active'), 'VM_VOL_ENABLED')
    await dg.stop('v1')
    await expectCode(dg.initVolume('v1', 'active'), 'VM_INVALID_PARAM') // initialised: vxmend fix empty first
    await dg.mend('fix', 'v1', 'empty', { force: true })
    await dg.initVolume('v1', 'clean', 'v1-02')
    expect([rec(dg, 'v1').v_kstate, rec(dg, 'v1').v_state, rec(dg, 'v1-01').pl_state, rec(dg, 'v1-02').pl_state]).toEqual(['DISABLED', 'CLEAN', 'STALE', 'CLEAN'])
    const before = dg.ioStats('v1-01').writeBytes
    await dg.start('v1')
    expect(dg.ioStats('v1-01').writeBytes - before).toBe(4096 * 512)
    expect(await plexesIdentical(dg, 'v1')).toBe(true)
    await dg.stop('v1')
    await dg.mend('fix', 'v1', 'empty', { force: true })
    await expectCode(dg.initVolume('v1', 'clean'), 'VM_INVALID_PARAM') // clean needs its plex
    await expectCode(dg.initVolume('v1', 'clean', 'v1-09'), 'VM_INVALID_PARAM')
    await expectCode(dg.initVolume('v1', 'enable' as 'zero'), 'VM_INVALID_PARAM')
    expect(rec(dg, 'v1').v_state).toBe('EMPTY')
  })

  it('155: vxvol init zero starts the volume and writes zeros over every plex', async () => {
    const { dg, devices } = await memoryGroup(3)
    for (const d of devices) await d.write(0, Buffer.alloc(8 << 20, 0xab)) // old contents where the subdisks will be
    await dg.assistMake({ init: 'none', name: 'v1', len: 4096, layout: 'mirror' })
    await dg.initVolume('v1', 'zero')
    expect([rec(dg, 'v1').v_kstate, rec(dg, 'v1-01').pl_state, rec(dg, 'v1-02').pl_state]).toEqual(['ENABLED', 'ACTIVE', 'ACTIVE'])
    expect(await plexesIdentical(dg, 'v1')).toBe(true)
    expect((await dg.read('v1', 0, 4096 * 512)).equals(Buffer.alloc(4096 * 512))).toBe(true)
  })

  it('156: vxassist make starts the volume and makes its mirrors identical (sync by default, or init zero), or leaves it EMPTY with init none', async () => {
    const { dg, devices } = await memoryGroup(3)
    // different old contents on each disk: a mirror made over them differs until synchronised
    for (const [i, d] of devices.entries()) await d.write(0, Buffer.alloc(8 << 20, 0x10 + i))
    const made = await dg.assistMake({ name: 'm1', len: 4096, layout: 'mirror' })
    expect([rec(dg, 'm1').v_kstate, rec(dg, 'm1').v_state, rec(dg, 'm1-01').pl_state, rec(dg, 'm1-02').pl_state]).toEqual(['ENABLED', 'ACTIVE', 'ACTIVE', 'ACTIVE'])
    expect(made.tid).toBe(dg.tid)
    expect(made.changes.map((c) => c.name).sort()).toContain('m1')
    expect(await plexesIdentical(dg, 'm1')).toBe(true)
    await dg.assistMake({ name: 'z1', len: 2048, layout: 'mirror', init: 'zero' })
    expect(await plexesIdentical(dg, 'z1')).toBe(true)
    expect((await dg.read('z1', 0, 2048 * 512)).equals(Buffer.alloc(2048 * 512))).toBe(true)
    await dg.assistMake({ name: 'c1', len: 2048 })
    expect(rec(dg, 'c1').v_kstate).toBe('ENABLED')
    await dg.assistMake({ name: 'e1', len: 2048, layout: 'mirror', init: 'none' })
    expect([rec(dg, 'e1').v_kstate, rec(dg, 'e1').v_state]).toEqual(['DISABLED', 'EMPTY'])
    await expectCode(dg.assistMake({ name: 'x1', len: 2048, init: 'fast' as 'none' }), 'VM_INVALID_PARAM')
  })
})
