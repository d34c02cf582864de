import { describe, expect, it } from 'vitest'
import type { FinishedTask } from '@plexa/protocol'
import { repairAdvice, supersededReports } from './verifyReports.ts'

const t = (id: number, kind: string, mismatches?: number, target = 'volume mir', volume = 'mir'): FinishedTask => ({ id, taskId: `task-${id}`, dg: 'dg', kind, target, volumes: [volume], outcome: 'ok', finishedAt: id, doneBytes: 0, totalBytes: 0, ...(mismatches !== undefined ? { verify: { volume, regionSectors: 1024, regionsChecked: 4, mismatchCount: mismatches, mismatches: [] } } : {}) })

describe('rule 171: a verify report superseded by a later verify or repair of the volume offers no repair', () => {
  it('171: a repair and a clean re-verify supersede the old report; the newest report stands', () => {
    const s = supersededReports([t(1, 'verify', 2), t(2, 'repair'), t(3, 'verify', 0)])
    expect(s.get(1)?.taskId).toBe('task-2')
    expect(s.has(3)).toBe(false)
    expect(supersededReports([t(1, 'verify', 2), t(2, 'verify', 2)]).get(1)?.taskId).toBe('task-2')
  })
  it('171: a verify of another volume, a resync of a disk or a failed verify does not supersede it', () => {
    const failed = { ...t(4, 'verify', 0), outcome: 'failed' } as FinishedTask
    expect(supersededReports([t(1, 'verify', 2), t(2, 'verify', 0, 'volume ms', 'ms'), t(3, 'resync', undefined, 'disk disk02'), failed]).size).toBe(0)
  })
})

describe('rule 366: the "plexes differ" badge says what to do, from which plex', () => {
  const report = (groups: string[][][], mismatchCount = groups.length): FinishedTask => ({ ...t(7, 'verify', mismatchCount), verify: { volume: 'mir', regionSectors: 1024, regionsChecked: 64, mismatchCount, mismatches: groups.map((g, i) => ({ region: i, offset: i * 524288, length: 524288, groups: g })) } })
  it('366: two plexes that differ: no majority, the administrator finds the right one and repairs from it in the report', () => {
    expect(repairAdvice(report([[['mir-01'], ['mir-02']], [['mir-01'], ['mir-02']]], 32))).toBe("verify task-7 found the plexes of mir different in 32 regions (mir-01 ≠ mir-02), with no majority to tell which holds the right data: find out which does, then repair from it (Task history, verify task-7's report: Repair from that plex)")
  })
  it('366: two plexes that agree against a third in every region: repair from them', () => {
    expect(repairAdvice(report([[['mir-01', 'mir-03'], ['mir-02']], [['mir-02'], ['mir-01', 'mir-03']]]))).toBe("verify task-7 found the plexes of mir different in 2 regions: mir-01 = mir-03 agree in each against mir-02; repair from mir-01 (Task history, verify task-7's report: Repair from mir-01)")
  })
  it('366: a majority in one region only is no majority', () => {
    expect(repairAdvice(report([[['mir-01', 'mir-03'], ['mir-02']], [['mir-01'], ['mir-02'], ['mir-03']]]))).toMatch(/with no majority/)
  })
})
