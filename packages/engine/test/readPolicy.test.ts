import { describe, expect, it } from 'vitest'
import { MVR_MAXROUND, orderForRead, preferSame } from '../src/io/readPolicy.ts'

const plex = (rid: number, layout: 'CONCAT' | 'STRIPE' = 'CONCAT') => ({ pl_rid: rid, pl_name: `v1-0${rid}`, pl_layout: layout })
const names = (ps: ReadonlyArray<{ pl_name: string }>) => ps.map((p) => p.pl_name)

describe('orderForRead (the read policy as a pure function)', () => {
  it('E42: ROUND stays on the previous plex within vol_mvr_maxround sectors and moves on beyond it', () => {
    const c = [plex(1), plex(2), plex(3)]
    const v = { v_read_pol: 'ROUND' as const, v_pref_name: '' }
    expect(names(orderForRead(v, c, { plex: 2, end: 1000 }, 1000 + MVR_MAXROUND))).toEqual(['v1-02', 'v1-03', 'v1-01'])
    expect(names(orderForRead(v, c, { plex: 2, end: 1000 }, 1001 + MVR_MAXROUND))).toEqual(['v1-03', 'v1-01', 'v1-02'])
    expect(names(orderForRead(v, c, { plex: 0, end: -Infinity }, 0))).toEqual(['v1-01', 'v1-02', 'v1-03'])
  })

  it('E43: PREFER puts the preferred plex first, the others after it in order', () => {
    expect(names(orderForRead({ v_read_pol: 'PREFER' as const, v_pref_name: 'v1-03' }, [plex(1), plex(2), plex(3)], { plex: 1, end: 0 }, 0))).toEqual(['v1-03', 'v1-01', 'v1-02'])
  })

  it('E44: SELECT reads an enabled striped plex, otherwise it behaves as ROUND', () => {
    const v = { v_read_pol: 'SELECT' as const, v_pref_name: '' }
    expect(names(orderForRead(v, [plex(1), plex(2, 'STRIPE')], { plex: 1, end: 0 }, 0))).toEqual(['v1-02', 'v1-01'])
    expect(names(orderForRead(v, [plex(1), plex(2)], { plex: 1, end: 0 }, 0))).toEqual(['v1-01', 'v1-02'])
  })

  it('keeps the plex serving a read first for the rest of it', () => {
    expect(names(preferSame([plex(1), plex(2), plex(3)], 3))).toEqual(['v1-03', 'v1-01', 'v1-02'])
    expect(names(preferSame([plex(1), plex(2)], 9))).toEqual(['v1-01', 'v1-02'])
  })
})
