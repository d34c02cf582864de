import { describe, expect, it } from 'vitest'
import { PL_PFLAG } from '../src/records/types.ts'
import { expectCode, memoryGroup, pattern, rec } from './harness.ts'

/** A stopped 2-way mirror v1 (v1-01, v1-02) holding data: both plexes CLEAN. */
async function stoppedMirror() {
  const g = await memoryGroup(3)
  await g.dg.assistMake({ init: 'none', name: 'v1', len: 4096, layout: 'mirror' })
  await g.dg.start('v1')
  await g.dg.write('v1', 0, pattern(4096 * 512, 3))
  await g.dg.stop('v1')
  return g
}

describe('vxmend as volmend(8) (issue 17 item 5)', () => {
  it('150: fix clean changes the named plex alone: the other plexes and the volume keep their states', async () => {
    const { dg } = await stoppedMirror()
    await dg.set('v1-01', { state: 'STALE' })
    await dg.set('v1-02', { state: 'STALE', pflag: PL_PFLAG.STALE })
    await dg.set('v1', { state: 'ACTIVE' })
    const r = await dg.mend('fix', 'v1-01', 'clean')
    expect(r.changes.map((c) => c.name)).toEqual(['v1-01'])
    expect([rec(dg, 'v1-01').pl_state, rec(dg, 'v1-02').pl_state, rec(dg, 'v1-02').pl_pflag, rec(dg, 'v1').v_state]).toEqual(['CLEAN', 'STALE', PL_PFLAG.STALE, 'ACTIVE'])
    // the start recovers the other plex from the CLEAN one (D 38)
    await dg.start('v1')
    expect([rec(dg, 'v1-01').pl_state, rec(dg, 'v1-02').pl_state]).toEqual(['ACTIVE', 'ACTIVE'])
    await dg.detachPlex('v1-01')
    expect((await dg.read('v1', 0, 4096 * 512)).equals(pattern(4096 * 512, 3))).toBe(true)
  })

  it('151: fix empty acts on a volume: refused VM_HAS_DATA while a plex is ACTIVE unless forced, then the volume and its plexes are EMPTY', async () => {
    const { dg } = await stoppedMirror()
    await expectCode(dg.mend('fix', 'v1-01', 'empty'), 'VM_INVALID_PARAM') // a plex is not a volume
    await dg.set('v1-02', { state: 'ACTIVE' })
    const tid = dg.tid
    await expectCode(dg.mend('fix', 'v1', 'empty'), 'VM_HAS_DATA')
    expect(dg.tid).toBe(tid)
    expect(rec(dg, 'v1-02').pl_state).toBe('ACTIVE')
    await dg.mend('fix', 'v1', 'empty', { force: true })
    expect([rec(dg, 'v1').v_state, rec(dg, 'v1-01').pl_state, rec(dg, 'v1-02').pl_state]).toEqual(['EMPTY', 'EMPTY', 'EMPTY'])
    // without an ACTIVE plex no force is needed; a started volume is refused
    await dg.start('v1')
    await expectCode(dg.mend('fix', 'v1', 'empty', { force: true }), 'VM_VOL_ENABLED')
    await dg.stop('v1')
    await dg.mend('fix', 'v1-01', 'stale')
    await dg.mend('fix', 'v1-02', 'stale')
    await dg.mend('fix', 'v1', 'empty')
    expect(rec(dg, 'v1').v_state).toBe('EMPTY')
  })
})
