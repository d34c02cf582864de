import { describe, expect, it } from 'vitest'
import type { FinishedTask } from '@plexa/protocol'
import { supersededReports } from './verifyReports.ts'

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
