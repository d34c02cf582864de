import { describe, expect, it } from 'vitest'
import type { Alert, FinishedTask } from '@plexa/protocol'
import { alertCountWords, alertResolution, resolvedAlerts } from './alertStatus.ts'
import { DM_TFLAG, V_PFLAG } from '../../../../packages/engine/src/records/types.ts'
import { badLogAlertMessage } from '../../../../packages/engine/src/drl/badLogAlert.ts'
import { demo } from './testGroups.ts'

const alert = (over: Partial<Alert>): Alert => ({ id: 1, dg: 'dg', severity: 'critical', code: 'VM_IO', message: 'm', at: 100, lastAt: 100, count: 1, ...over })
const task = (over: Partial<FinishedTask>): FinishedTask => ({ id: 1, taskId: 'task-1', dg: 'dg', kind: 'resync', target: 'volume mir', volumes: ['mir'], outcome: 'ok', finishedAt: 200, doneBytes: 0, totalBytes: 0, ...over })
const failed = { 'mir-02': { k: 'DETACHED', st: 'IOFAIL' } }
// disk02 failed in the lab, as the server sends it: in the lab's list and in the group's failing
const disk02 = [{ dg: 'dg', disk: 'disk02', failed: 'both' as const, latencyMs: 0 }]
const failedOn02 = () => ({ ...demo(failed), failing: { disk02: 'both' as const } })

describe('alertResolution (rule 141)', () => {
  it('keeps a plex alert unresolved while the plex is detached and resolves it once the plex is a healthy copy again', () => {
    const a = alert({ object: 'mir-02' })
    expect(alertResolution(a, { dg: failedOn02() }, disk02, [])).toBeUndefined()
    expect(alertResolution(a, { dg: demo() }, [], [])).toBe('plex mir-02 is a healthy copy again')
  })

  it('resolves a disk alert only when the disk works and every volume on it has full redundancy', () => {
    const a = alert({ object: 'disk02', code: 'VM_NOTSYNCED', severity: 'warning' })
    expect(alertResolution(a, { dg: failedOn02() }, disk02, [])).toBeUndefined()
    // restored but its plex still waits for the resync
    expect(alertResolution(a, { dg: demo(failed) }, [{ ...disk02[0]!, failed: 'none', failedAt: 50 }], [])).toBeUndefined()
    expect(alertResolution(a, { dg: demo() }, [], [])).toBe('disk disk02 works and mir, ms have full redundancy')
  })

  it('436 keeps a VM_DISK_FAILED alert about a disk open while the disk is marked FAILING, and resolves it once the mark is cleared', () => {
    const a = alert({ object: 'disk03', code: 'VM_DISK_FAILED', severity: 'warning' })
    const g = demo()
    const marked = { ...g, config: { ...g.config, disks: g.config.disks.map((d) => (d.dm_name === 'disk03' ? { ...d, dm_pflag: 0x8 } : d)) } }
    expect(alertResolution(a, { dg: marked }, [], [])).toBeUndefined()
    expect(alertResolution(a, { dg: g }, [], [])).toBe('disk disk03 works and cat, mir, ms have full redundancy')
  })

  it('resolves a volume whose plexes may differ only after a later resync, repair or clean verify of it', () => {
    const a = alert({ object: 'mir', code: 'VM_NOTSYNCED', lastAt: 150 })
    const groups = { dg: demo() }
    expect(alertResolution(a, groups, [], [])).toBeUndefined()
    expect(alertResolution(a, groups, [], [task({ finishedAt: 120 })])).toBeUndefined()
    expect(alertResolution(a, groups, [], [task({ outcome: 'failed', code: 'VM_NOTSYNCED' })])).toBeUndefined()
    expect(alertResolution(a, groups, [], [task({ kind: 'verify', verify: { volume: 'mir', regionSectors: 1024, regionsChecked: 8, mismatchCount: 1, mismatches: [] } })])).toBeUndefined()
    expect(alertResolution(a, groups, [], [task({ kind: 'repair', taskId: 'task-9' })])).toBe('a repair of mir finished ok since (task task-9)')
    expect(alertResolution(a, groups, [], [task({ kind: 'verify', verify: { volume: 'mir', regionSectors: 1024, regionsChecked: 8, mismatchCount: 0, mismatches: [] } })])).toMatch(/^a verify of mir finished ok/)
    expect(alertResolution(alert({ object: 'mir', code: 'VM_IO' }), groups, [], [])).toBe('volume mir has full redundancy again')
  })

  it('resolves a group forced offline once it is online; leaves failed logs, unknown objects and groups unresolved', () => {
    const g = demo()
    expect(alertResolution(alert({ code: 'VM_FORCEOFF' }), { dg: { ...g, forcedOffline: true } }, [], [])).toBeUndefined()
    expect(alertResolution(alert({ code: 'VM_FORCEOFF' }), { dg: g }, [], [])).toBe('disk group dg is online again')
    expect(alertResolution(alert({ code: 'VM_WRTDAERR', object: 'disk01' }), { dg: g }, [], [])).toBeUndefined()
    expect(alertResolution(alert({ object: 'gone-01' }), { dg: g }, [], [])).toBeUndefined()
    expect(alertResolution(alert({ dg: 'other', object: 'mir-02' }), { dg: g }, [], [])).toBeUndefined()
  })

  it('rule 477: a failed dirty region log (VM_WRTDAERR BADLOG) stays active while BADLOG is set or no log plex is in use, and resolves once the log is valid and in use again', () => {
    const a = alert({ code: 'VM_WRTDAERR', object: 'mir', message: badLogAlertMessage('mir') })
    const badlog = (g: ReturnType<typeof demo>, on: boolean) => ({ ...g, config: { ...g.config, volumes: g.config.volumes.map((v) => (v.v_name === 'mir' ? { ...v, v_pflag: on ? V_PFLAG.BADLOG : 0 } : v)) } })
    expect(alertResolution(a, { dg: badlog(demo({ 'mir-03': { k: 'DETACHED', st: 'IOFAIL' } }), true) }, [], [])).toBeUndefined()
    // the flag cleared but the log plex not in use (removed and none added yet, or still detached)
    expect(alertResolution(a, { dg: badlog(demo({ 'mir-03': { k: 'DETACHED', st: 'IOFAIL' } }), false) }, [], [])).toBeUndefined()
    // re-attached (or a new log added): LOG ENABLED, BADLOG clear
    expect(alertResolution(a, { dg: badlog(demo({ 'mir-03': { st: 'LOG' } }), false) }, [], [])).toBeTypeOf('string')
    expect(alertResolution(a, { dg: badlog(demo({ 'mir-03': { st: 'LOG' } }), true) }, [], [])).toBeUndefined()
    // another VM_WRTDAERR about the volume says nothing of its log: still unresolved
    expect(alertResolution(alert({ code: 'VM_WRTDAERR', object: 'mir', message: 'the kernel log could not forget the ended resync of mir' }), { dg: badlog(demo({ 'mir-03': { st: 'LOG' } }), false) }, [], [])).toBeUndefined()
  })

  it('235: a disabled configuration copy is resolved once the disk record no longer says so and the disk has its device', () => {
    const a = alert({ code: 'VM_MAPFRDWR', severity: 'warning', object: 'disk02', message: 'configuration copy on disk02 failed to write and is disabled' })
    const g = demo()
    const withDisk02 = (over: { dm_tflag?: number; dm_device?: string }) => ({ dg: { ...g, config: { ...g.config, disks: g.config.disks.map((d) => (d.dm_name === 'disk02' ? { ...d, ...over } : d)) } } })
    expect(alertResolution(a, withDisk02({ dm_tflag: DM_TFLAG.CONFIG_DISABLED, dm_device: '/d/disk02.img' }), [], [])).toBeUndefined()
    expect(alertResolution(a, withDisk02({ dm_tflag: DM_TFLAG.NODAREC, dm_device: '' }), [], [])).toBeUndefined()
    expect(alertResolution(a, withDisk02({ dm_tflag: 0, dm_device: '/d/disk02.img' }), [], [])).toBe('the configuration copy on disk02 is enabled and written again')
    // the same code about a volume (a flag that could not be written) still cannot be told
    expect(alertResolution(alert({ code: 'VM_MAPFRDWR', object: 'mir' }), { dg: g }, [], [])).toBeUndefined()
  })

  it('lists only unacknowledged alerts', () => {
    const alerts = { 1: alert({ object: 'mir-02' }), 2: alert({ id: 2, object: 'mir-01', acked: { by: 'admin', at: 5 } }) }
    expect([...resolvedAlerts(alerts, { dg: demo() }, [], []).keys()]).toEqual([1])
  })
})

describe('alertCountWords (rule 365)', () => {
  it.each([
    [29, 19, '10 active alerts, 19 resolved to acknowledge', '10 active alerts, 19 resolved', '10 active, 19 resolved'],
    [1, 0, '1 active alert', '1 active alert', '1 active'],
    [3, 3, '3 resolved alerts to acknowledge', '3 resolved alerts', '3 resolved'],
    [2, 1, '1 active alert, 1 resolved to acknowledge', '1 active alert, 1 resolved', '1 active, 1 resolved'],
    [0, 0, 'no open alerts', 'no open alerts', 'none open'],
  ])('%i unacknowledged, %i of them resolved: "%s" (strip: "%s", tab: "%s"), never "open" beside "resolved"', (unacked, resolved, whole, strip, tab) => {
    expect(alertCountWords(unacked, resolved)).toBe(whole)
    expect(alertCountWords(unacked, resolved, 'strip')).toBe(strip)
    expect(alertCountWords(unacked, resolved, 'tab')).toBe(tab)
  })
})
