import { describe, expect, it } from 'vitest'
import { memoryGroup, pattern, rec } from './harness.ts'

describe('new volumes as vxmake, vxassist and vxvol init leave them (issue 17 item 4)', () => {
  it('156: a plex attached to a never-started EMPTY volume is EMPTY, and the start enables both without mend or copy', async () => {
    const { dg } = await memoryGroup(3)
    await dg.assistMake({ name: 'v1', len: 4096, layout: 'concat', disks: ['disk01'] })
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
})
