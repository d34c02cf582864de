import { describe, expect, it } from 'vitest'
import type { FinishedTask } from '../src/messages.ts'
import { cannotTellAlertOver, configCopyOver, forcedOfflineOver, notSyncedMended } from '../src/alertRules.ts'

// The rules the server's alertOver and the web's alertResolution share (rules 235, 295).
const task = (over: Partial<FinishedTask>): FinishedTask => ({ id: 1, taskId: 'task-1', dg: 'dg', kind: 'resync', target: 'volume mir', volumes: ['mir'], outcome: 'ok', finishedAt: 200, doneBytes: 0, totalBytes: 0, ...over })
const alert = { dg: 'dg', lastAt: 150 }

describe('shared alert resolution rules (rule 295)', () => {
  it('a failed log or flag write cannot be told over; other codes can', () => {
    expect(cannotTellAlertOver('VM_WRTDAERR')).toBe(true)
    expect(cannotTellAlertOver('VM_MAPFRDWR')).toBe(true)
    expect(cannotTellAlertOver('VM_NOTSYNCED')).toBe(false)
    expect(cannotTellAlertOver('VM_DISK_FAILED')).toBe(false)
  })

  it('a forced-offline group is over once online', () => {
    expect(forcedOfflineOver('dg', true)).toBeUndefined()
    expect(forcedOfflineOver('dg', false)).toContain('dg')
  })

  it('rule 235: a configuration copy is over once the disk has its device and neither CONFIG_DISABLED nor NODAREC', () => {
    expect(configCopyOver({ dm_name: 'd1', dm_device: '/dev/a', dm_tflag: 0 })).toContain('d1')
    expect(configCopyOver({ dm_name: 'd1', dm_device: '/dev/a', dm_tflag: 0x4 })).toBeDefined()
    expect(configCopyOver({ dm_name: 'd1', dm_device: '/dev/a', dm_tflag: 0x10 })).toBeUndefined()
    expect(configCopyOver({ dm_name: 'd1', dm_device: '/dev/a', dm_tflag: 0x8 })).toBeUndefined()
    expect(configCopyOver({ dm_name: 'd1', dm_device: '', dm_tflag: 0 })).toBeUndefined()
  })

  it('VM_NOTSYNCED is mended by the latest ok resync, repair or clean verify of the volume after the alert', () => {
    expect(notSyncedMended(alert, 'mir', [task({})])).toContain('task-1')
    expect(notSyncedMended(alert, 'mir', [task({ kind: 'repair', taskId: 'r' })])).toContain('r')
    expect(notSyncedMended(alert, 'mir', [task({ kind: 'verify', verify: { mismatchCount: 0 } } as Partial<FinishedTask>)])).toBeDefined()
    expect(notSyncedMended(alert, 'mir', [task({ taskId: 'a' }), task({ taskId: 'b', id: 2 })])).toContain('task b')
  })

  it('VM_NOTSYNCED stays open for a task before the alert, failed, of another volume or group, a dirty verify or another kind', () => {
    expect(notSyncedMended(alert, 'mir', [])).toBeUndefined()
    expect(notSyncedMended(alert, 'mir', [task({ finishedAt: 120 })])).toBeUndefined()
    expect(notSyncedMended(alert, 'mir', [task({ outcome: 'failed' })])).toBeUndefined()
    expect(notSyncedMended(alert, 'mir', [task({ volumes: ['other'] })])).toBeUndefined()
    expect(notSyncedMended(alert, 'mir', [task({ dg: 'dg2' })])).toBeUndefined()
    expect(notSyncedMended(alert, 'mir', [task({ kind: 'verify', verify: { mismatchCount: 3 } } as Partial<FinishedTask>)])).toBeUndefined()
    expect(notSyncedMended(alert, 'mir', [task({ kind: 'grow' })])).toBeUndefined()
  })
})
