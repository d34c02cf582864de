import { describe, expect, it } from 'vitest'
import type { PlRecord, SdRecord, VRecord } from '@plexa/engine'
import { drlCaption, lostLog, staleBytes } from './drl.ts'

const v = { v_name: 'mirvol', v_len: 524288 } as VRecord
const plex = (name: string, state: string, kstate = 'ENABLED', log = false) => ({ pl_name: name, pl_state: state, pl_kstate: kstate, pl_log_sd: log ? `${name}-log` : '', pl_sd_num: 1 }) as PlRecord
const REGION = 1024 // sectors (512 KiB)

// rule 91: the DRL caption says what it counts and why a recovery can copy 0 B while a copy waits
describe('drlCaption', () => {
  it('counts the dirty regions and the bytes a crash recovery would copy to the other plexes', () => {
    const c = drlCaption(v, [plex('mirvol-01', 'ACTIVE'), plex('mirvol-02', 'ACTIVE'), plex('mirvol-03', 'LOG', 'ENABLED', true)], { regionSectors: REGION, regions: [0, 1, 7], recoveryBytes: 3 * 524288 }, {})
    expect(c?.text).toBe('DRL: 3 dirty regions (1.5 MiB written recently); a crash recovery would copy 1.5 MiB now to 1 other ACTIVE plex')
    expect(c?.hover).toContain('cleans it lazily')
  })
  it('says why the recovery is 0 B while a stale plex waits for a copy of its own', () => {
    const c = drlCaption(v, [plex('mirvol-01', 'ACTIVE'), plex('mirvol-02', 'STALE', 'DETACHED'), plex('mirvol-03', 'LOG', 'ENABLED', true)], { regionSectors: REGION, regions: [0, 1], recoveryBytes: 0 }, { 'mirvol-02': { regionSectors: REGION, full: false, regions: Array.from({ length: 485 }, (_, i) => i), syncErrors: [] } })
    expect(c?.text).toBe('DRL: 2 dirty regions (1 MiB written recently); a crash recovery would copy 0 B now: no second ACTIVE plex to copy to; mirvol-02 waits for its own copy of 242.5 MiB')
  })
  it('rule 343: says the log is lost while the volume is BADLOG, though its log plex is ENABLED again on a disk that answers', () => {
    const bad = { ...v, v_pflag: 0x100 } as VRecord
    const c = drlCaption(bad, [plex('mirvol-01', 'ACTIVE'), plex('mirvol-02', 'ACTIVE'), plex('mirvol-03', 'LOG', 'ENABLED', true)], { regionSectors: REGION, regions: [], recoveryBytes: 0 }, {})
    expect(c?.text).toMatch(/^DRL: log lost \(mirvol is BADLOG: its log is not valid until a start or a resync rewrites it\); a crash now would need a full resync of mirvol/)
  })
  it('reads clean once the log has been cleaned', () => {
    expect(drlCaption(v, [plex('mirvol-01', 'ACTIVE'), plex('mirvol-03', 'LOG', 'ENABLED', true)], { regionSectors: REGION, regions: [], recoveryBytes: 0 }, {})?.text).toBe('DRL: clean, no dirty region; a crash recovery would copy nothing')
  })
  it('says the log is lost and a crash would need a full resync when its log plex is on a failed disk (rule 238)', () => {
    const plexes = [plex('mirvol-01', 'ACTIVE'), plex('mirvol-02', 'ACTIVE'), plex('mirvol-03', 'LOG', 'ENABLED', true)]
    const sds = (p: PlRecord) => [{ sd_dm_name: p.pl_name === 'mirvol-03' ? 'disk05' : 'disk01' }] as SdRecord[]
    const lost = lostLog(plexes, sds, new Map([['disk05', 'failed']]))
    expect(lost).toBe('log plex mirvol-03 is on failed disk disk05')
    expect(drlCaption(v, plexes, { regionSectors: REGION, regions: [], recoveryBytes: 0 }, {}, lost)?.text).toBe('DRL: log lost (log plex mirvol-03 is on failed disk disk05); a crash now would need a full resync of mirvol (256 MiB), not only its dirty regions')
    expect(lostLog(plexes, sds, new Map([['disk01', 'failed']]))).toBeUndefined()
    expect(lostLog([plexes[0]!, plex('mirvol-03', 'IOFAIL', 'DETACHED', true)], sds, new Map())).toBe('log plex mirvol-03 is DETACHED IOFAIL')
  })
  it('says nothing for a volume without a DRL log plex', () => {
    expect(drlCaption(v, [plex('mirvol-01', 'ACTIVE'), plex('mirvol-02', 'ACTIVE')], { regionSectors: REGION, regions: [1], recoveryBytes: 0 }, {})).toBeUndefined()
  })
})

describe('staleBytes', () => {
  it('is the whole volume for a fully stale plex and the stale regions otherwise, the last one clipped', () => {
    expect(staleBytes({ regionSectors: REGION, full: true, regions: [], syncErrors: [] }, v)).toBe(524288 * 512)
    expect(staleBytes({ regionSectors: REGION, full: false, regions: [0, 511, 600], syncErrors: [] }, v)).toBe(2 * 524288)
  })
})
