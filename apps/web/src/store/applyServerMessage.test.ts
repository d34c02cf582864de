import { describe, expect, it } from 'vitest'
import type { Config } from '@plexa/engine'
import type { ServerEvent, ServerMessage, ServerSnapshot } from '@plexa/protocol'
import { applyServerMessage, initialServerState } from './applyServerMessage.ts'

const config = (): Config =>
  ({
    tid: 5,
    nextRid: 10,
    dg: { dg_name: 'dg1' },
    disks: [],
    subdisks: [],
    plexes: [{ pl_rid: 3, pl_name: 'v1-01', pl_kstate: 'ENABLED', pl_state: 'ACTIVE' }],
    volumes: [{ v_rid: 2, v_name: 'v1' }],
  }) as unknown as Config

const snapshot = (seq: number): ServerSnapshot => ({ seq, groups: [{ name: 'dg1', config: config(), forcedOffline: false, dirty: {}, stale: {} }], tasks: [], lab: { enabled: true, disks: [], loads: [] } })
const hello = (seq: number): ServerMessage => ({ type: 'hello', protocol: 1, seq, snapshot: snapshot(seq), user: { name: 'admin', role: 'admin' } })
const ev = (seq: number, body: Record<string, unknown>): ServerMessage => ({ type: 'event', event: { seq, at: 0, ...body } as unknown as ServerEvent })
const detach = (seq: number) => ev(seq, { type: 'config.committed', dg: 'dg1', tid: 6, operation: 'pl.det', changes: [{ kind: 'pl', rid: 3, name: 'v1-01', op: 'update', fields: ['pl_kstate'], after: { pl_rid: 3, pl_name: 'v1-01', pl_kstate: 'DETACHED', pl_state: 'STALE' } }] })

describe('applyServerMessage', () => {
  it('replaces everything with a hello snapshot', () => {
    const s = applyServerMessage(initialServerState(), hello(7))
    expect(s).toMatchObject({ seq: 7, connection: 'live', user: { name: 'admin' } })
    expect(s.groups.dg1!.config.plexes[0]).toMatchObject({ pl_name: 'v1-01' })
  })

  it('applies committed record changes, creations and deletions', () => {
    let s = applyServerMessage(initialServerState(), hello(7))
    s = applyServerMessage(s, detach(8))
    expect(s.groups.dg1!.config.plexes[0]).toMatchObject({ pl_kstate: 'DETACHED', pl_state: 'STALE' })
    expect(s.groups.dg1!.config.tid).toBe(6)
    s = applyServerMessage(s, ev(9, { type: 'config.committed', dg: 'dg1', tid: 7, operation: 'make', changes: [{ kind: 'sd', rid: 11, name: 'sd1', op: 'create', fields: [], after: { sd_rid: 11, sd_name: 'sd1' } }, { kind: 'v', rid: 2, name: 'v1', op: 'delete', fields: [] }] }))
    expect(s.groups.dg1!.config.subdisks.map((x) => x.sd_name)).toEqual(['sd1'])
    expect(s.groups.dg1!.config.volumes).toEqual([])
    expect(s.seq).toBe(9)
  })

  it('ignores an event it has already applied (a replay after a reconnect)', () => {
    let s = applyServerMessage(initialServerState(), hello(7))
    s = applyServerMessage(s, detach(8))
    const again = applyServerMessage(s, ev(8, { type: 'config.committed', dg: 'dg1', tid: 99, operation: 'x', changes: [] }))
    expect(again).toBe(s)
  })

  it('asks for a fresh snapshot on a sequence gap instead of applying out of order', () => {
    const s = applyServerMessage(initialServerState(), hello(7))
    const gap = applyServerMessage(s, detach(10))
    expect(gap.needsSnapshot).toBe(true)
    expect(gap.groups.dg1!.config.plexes[0]!.pl_kstate).toBe('ENABLED')
    expect(gap.seq).toBe(7)
    const fresh = applyServerMessage(gap, hello(12))
    expect(fresh.needsSnapshot).toBe(false)
  })

  it('resume keeps the state and continues from the last seq', () => {
    let s = applyServerMessage(initialServerState(), hello(7))
    s = { ...s, connection: 'reconnecting' }
    s = applyServerMessage(s, { type: 'resumed', protocol: 1, from: 7, seq: 8 })
    expect(s.connection).toBe('live')
    s = applyServerMessage(s, detach(8))
    expect(s.groups.dg1!.config.plexes[0]!.pl_kstate).toBe('DETACHED')
  })

  it('tracks task progress until the task finishes', () => {
    let s = applyServerMessage(initialServerState(), hello(1))
    const p = { type: 'task.progress', dg: 'dg1', taskId: 't1', kind: 'attach', volume: 'v1', phase: 'attach', doneBytes: 50, totalBytes: 100, rate: 10, etaSeconds: 5, throttle: 0 }
    s = applyServerMessage(s, ev(2, p))
    expect(s.tasks.t1).toMatchObject({ doneBytes: 50, dg: 'dg1' })
    s = applyServerMessage(s, ev(3, { ...p, doneBytes: 100 }))
    expect(s.tasks.t1!.doneBytes).toBe(100)
    s = applyServerMessage(s, ev(4, { type: 'task.finished', dg: 'dg1', taskId: 't1', kind: 'attach', volume: 'v1', outcome: 'ok' }))
    expect(s.tasks).toEqual({})
    expect(s.events.map((e) => e.seq)).toEqual([4]) // progress is state, not history
  })

  it('keeps DRL and stale maps, lab state and a bounded event log', () => {
    let s = applyServerMessage(initialServerState(), hello(1))
    s = applyServerMessage(s, ev(2, { type: 'dg.maps', dg: 'dg1', dirty: { v1: { regionSectors: 1024, regions: [3], recoveryBytes: 524288 } }, stale: {} }))
    expect(s.groups.dg1!.dirty.v1!.regions).toEqual([3])
    s = applyServerMessage(s, ev(3, { type: 'lab.disk', dg: 'dg1', disk: 'disk02', failed: 'write', latencyMs: 0 }))
    expect(s.lab.disks).toEqual([{ dg: 'dg1', disk: 'disk02', failed: 'write', latencyMs: 0 }])
    for (let i = 4; i < 700; i++) s = applyServerMessage(s, ev(i, { type: 'alert', dg: 'dg1', severity: 'warning', code: 'VM_IO', message: String(i) }))
    expect(s.events.length).toBe(500)
    expect(s.events.at(-1)!.seq).toBe(699)
  })
})
