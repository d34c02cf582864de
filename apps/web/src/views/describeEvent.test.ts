import { describe, expect, it } from 'vitest'
import { type FinishedTask, ROUTES, type ServerEvent } from '@plexa/protocol'
import { describeAudit, describeEvent, describeTask } from './describeEvent.ts'

const task = (t: Partial<FinishedTask>): FinishedTask => ({ id: 1, taskId: 'task-1', dg: 'dg', kind: 'resync', target: 'volume mirvol', volumes: ['mirvol'], outcome: 'ok', finishedAt: 65_000, startedAt: 0, doneBytes: 0, totalBytes: 0, ...t })

describe('describeEvent', () => {
  it('says who did what to which object, and when it was refused or only a dry run', () => {
    const entry = { id: 1, at: 0, user: 'admin', role: 'admin' as const, operation: 'POST /api/dgs/:dg/plexes/:plex/det', args: { dg: 'demodg', plex: 'mirvol-02' }, result: 'ok' as const }
    expect(describeAudit(entry)).toBe('admin detached plex mirvol-02')
    expect(describeAudit({ ...entry, args: { ...entry.args, dryRun: true } })).toBe('admin detached plex mirvol-02 (dry run, nothing changed)')
    expect(describeAudit({ ...entry, user: 'vera', result: 'VM_FORBIDDEN' })).toBe('vera detached plex mirvol-02 — refused: VM_FORBIDDEN')
    expect(describeAudit({ ...entry, operation: 'POST /api/tasks/:task/throttle', args: { task: 'task-3', bytesPerSecond: 3 << 20 } })).toBe('admin set the throttle of task task-3 to 3 MiB/s')
    // rule 323: the everyday operations are said in words, not as their route
    const op = (operation: string, args: Record<string, unknown>) => describeAudit({ ...entry, operation, args: { dg: 'demodg', ...args } })
    expect(op('POST /api/dgs/:dg/volumes/:volume/mirror', { volume: 'opsvol', disks: ['disk03'] })).toBe('admin added a mirror to volume opsvol on disk03')
    expect(op('POST /api/dgs/:dg/volumes/:volume/unmirror', { volume: 'opsvol', plex: 'opsvol-01', force: true })).toBe('admin removed mirror opsvol-01 of volume opsvol with Force')
    expect(op('POST /api/dgs/:dg/volumes/:volume/grow', { volume: 'opsvol', len: 98304 })).toBe('admin grew volume opsvol to 48 MiB')
    expect(op('POST /api/dgs/:dg/volumes/:volume/shrink', { volume: 'opsvol', by: 16384, force: true })).toBe('admin shrank volume opsvol by 8 MiB with Force')
    expect(op('POST /api/dgs/:dg/volumes/:volume/addlog', { volume: 'opsvol' })).toBe('admin added a log to volume opsvol')
    expect(op('POST /api/dgs/:dg/volumes/:volume/rmlog', { volume: 'opsvol', plex: 'opsvol-03' })).toBe('admin removed log opsvol-03 of volume opsvol')
    expect(op('POST /api/dgs/:dg/disks/:disk/evacuate', { disk: 'opsdisk', to: ['disk03'] })).toBe('admin evacuated disk opsdisk to disk03')
  })

  it('says every audited route with its objects, never its route template (rule 382)', () => {
    for (const [key, def] of Object.entries(ROUTES)) {
      if (def.method === 'GET') continue
      const args = Object.fromEntries([...def.path.matchAll(/:([A-Za-z]+)/g)].map((m) => [m[1]!, `the-${m[1]}`]))
      const text = describeAudit({ id: 1, at: 0, user: 'admin', role: 'admin', operation: key, args, result: 'ok' })
      expect(text, key).not.toMatch(/\/:|:[a-z]+\b/)
      for (const v of Object.values(args)) if (v !== 'the-dg') expect(text, key).toContain(v)
    }
    // an operation no sentence knows is said as its filled path and the rest of its arguments
    expect(describeAudit({ id: 1, at: 0, user: 'admin', role: 'admin', operation: 'POST /api/dgs/:dg/volumes/:volume/frob', args: { dg: 'dg1', volume: 'catvol', n: 2 }, result: 'ok' })).toBe('admin POST /api/dgs/dg1/volumes/catvol/frob {"n":2}')
    expect(describeAudit({ id: 1, at: 0, user: 'admin', role: 'admin', operation: 'POST /api/imports/:dg', args: { dg: 'dg1', force: true }, result: 'ok' })).toBe('admin imported disk group dg1 without its missing disks')
  })

  it('tells a failed disk resync by its code and every volume it covered (rule 107), in the critical tone (red ✕), not a warning\'s', () => {
    const t = task({ target: 'disk disk02', volumes: ['msvol', 'mirvol'], outcome: 'failed', code: 'VM_NOTSYNCED', message: 'resync left 512 region(s) unsynchronised', sync: { regionsCopied: 0, bytesCopied: 0, failedCount: 512, failedRegions: [] } })
    expect(describeTask(t)).toBe('resync of disk disk02 (msvol, mirvol) failed VM_NOTSYNCED: resync left 512 region(s) unsynchronised; 512 regions not copied')
    expect(describeEvent({ seq: 1, at: 0, type: 'task.done', task: t } as ServerEvent)).toMatchObject({ tone: 'critical', kind: 'task' })
  })

  it('never calls a verify with mismatches ok', () => {
    const t = task({ kind: 'verify', verify: { volume: 'mirvol', regionSectors: 1024, regionsChecked: 512, mismatchCount: 1, mismatches: [{ region: 3, offset: 1572864, length: 524288, groups: [['mirvol-01'], ['mirvol-02']] }] } })
    expect(describeTask(t)).toBe('verify of volume mirvol: 1 region where the plexes differ, of 512 checked in 1 min 05 s')
    expect(describeEvent({ seq: 1, at: 0, type: 'task.done', task: t } as ServerEvent).tone).toBe('critical')
  })

  it('298: an I/O error\'s commit is a kernel detach only when it detached something; a failed flush names no range', () => {
    const commit = (fields: string[]) => ({ seq: 1, at: 0, type: 'config.committed', dg: 'dg', tid: 7, operation: 'kernel.error', changes: [{ kind: 'pl', rid: 3, name: 'catvol-01', op: 'update', fields }] }) as unknown as ServerEvent
    expect(describeEvent(commit(['pl_lasterr'])).text).toBe('dg: I/O error recorded (nothing detached) committed (tid 7): plex catvol-01 updated')
    expect(describeEvent(commit(['pl_kstate', 'pl_state', 'pl_lasterr'])).text).toBe('dg: kernel detach of plex catvol-01 after an I/O error committed (tid 7): plex catvol-01 updated')
    const flush = { seq: 1, at: 0, type: 'io.error', dg: 'dg', volume: 'catvol', plex: 'catvol-01', disk: 'disk06', failedDisks: ['disk06'], op: 'flush', offset: 0, length: 0, code: 'VM_IO' } as ServerEvent
    expect(describeEvent(flush).text).toBe('I/O error: a flush failed on plex catvol-01 (disk disk06) of catvol: VM_IO')
  })

  it('reads kernel-state changes and alerts as sentences', () => {
    expect(describeEvent({ seq: 1, at: 0, type: 'kstate.changed', dg: 'dg', kind: 'pl', name: 'mirvol-02', rid: 3, from: 'ENABLED', to: 'DETACHED' }).text).toBe('plex mirvol-02 went from ENABLED to DETACHED')
    const alert = { id: 2, dg: 'dg', severity: 'critical' as const, code: 'VM_IO' as const, message: 'plex mirvol-02 of mirvol was detached after an I/O error', at: 0, lastAt: 0, count: 3 }
    expect(describeEvent({ seq: 1, at: 0, type: 'alert.raised', alert })).toEqual({ kind: 'alert', tone: 'critical', text: 'CRITICAL VM_IO: plex mirvol-02 of mirvol was detached after an I/O error (seen 3 times)' })
  })
})

describe('rule 272: a finished copy says the bytes it wrote to its plexes', () => {
  it('272: ok and failed copies read what they wrote in MiB/GiB; an entry recorded without it says nothing of it', () => {
    const sync = { regionsCopied: 2048, bytesCopied: 1 << 30, bytesWritten: 2 * 2 ** 30, failedCount: 0, failedRegions: [] }
    expect(describeTask(task({ sync }))).toBe('resync of volume mirvol ok: 1 GiB copied (2048 regions), 2 GiB written in 1 min 05 s')
    expect(describeTask(task({ outcome: 'failed', code: 'VM_NOTSYNCED', message: 'resync left 1 region(s) unsynchronised', sync: { ...sync, bytesWritten: 3 << 19, failedCount: 1 } }))).toBe('resync of volume mirvol failed VM_NOTSYNCED: resync left 1 region(s) unsynchronised; 1 region not copied; 1.5 MiB written')
    const { bytesWritten: _, ...old } = sync
    expect(describeTask(task({ sync: old }))).not.toContain('written')
  })
})

describe('rule 173: the I/O-error sentence names the disk whose I/O failed', () => {
  it('173: a striped plex over disk01 and disk02 that failed on disk02 blames disk02 alone', () => {
    const e: ServerEvent = { type: 'io.error', seq: 1, at: 0, dg: 'demodg', volume: 'msvol', plex: 'msvol-02', disk: 'disk01,disk02', failedDisks: ['disk02'], op: 'write', offset: 0, length: 4096, code: 'VM_IO' }
    const text = describeEvent(e).text
    expect(text).toContain('plex msvol-02 (disk disk02)')
    expect(text).not.toContain('disk01')
  })
})

describe('rule 172: a task the engine started on its own says so, with the bytes it copied', () => {
  it('172: an automatic follow-up resync without a report reads its bytes and who started it', () => {
    const t = task({ kind: 'recovery', startedBy: 'automatic', doneBytes: 3 * 1048576, totalBytes: 3 * 1048576, startedAt: 0, finishedAt: 2000 })
    expect(describeTask(t)).toContain('started automatically')
    expect(describeTask(t)).toContain('3 MiB copied')
    expect(describeTask(task({ startedBy: 'restart' }))).toContain('resumed after a server restart')
  })
})
