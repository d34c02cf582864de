import { describe, expect, it } from 'vitest'
import type { Config, RecordChange } from '@plexa/engine'
import type { Alert, FinishedTask, ServerEvent, ServerMessage, ServerSnapshot } from '@plexa/protocol'
import { RUN_KEEP, applyChanges, applyServerMessage, applyServerMessages, initialServerState, prependHistory, withConnection } from './applyServerMessage.ts'

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

const history = (): ServerSnapshot['history'] => ({ events: [], alerts: [], tasks: [], audit: [] })
const snapshot = (seq: number, h = history()): ServerSnapshot => ({ seq, groups: [{ name: 'dg1', config: config(), forcedOffline: false, dirty: {}, stale: {} }], tasks: [], lab: { enabled: true, disks: [], loads: [] }, history: h })
const hello = (seq: number): ServerMessage => ({ type: 'hello', protocol: 1, seq, snapshot: snapshot(seq), user: { name: 'admin', role: 'admin' } })
const ev = (seq: number, body: Record<string, unknown>): ServerMessage => ({ type: 'event', event: { seq, at: 0, ...body } as unknown as ServerEvent })
const detach = (seq: number) => ev(seq, { type: 'config.committed', dg: 'dg1', tid: 6, operation: 'pl.det', changes: [{ kind: 'pl', rid: 3, name: 'v1-01', op: 'update', fields: ['pl_kstate'], after: { pl_rid: 3, pl_name: 'v1-01', pl_kstate: 'DETACHED', pl_state: 'STALE' } }] })

describe('applyServerMessage', () => {
  it('replaces everything with a hello snapshot', () => {
    const s = applyServerMessage(initialServerState(), hello(7))
    expect(s).toMatchObject({ seq: 7, connection: 'live', user: { name: 'admin' } })
    expect(s.groups.dg1!.config.plexes[0]).toMatchObject({ pl_name: 'v1-01' })
  })

  it('131: a group imported since the snapshot asks for a fresh snapshot; a known group does not', () => {
    const s = applyServerMessage(initialServerState(), hello(7))
    expect(applyServerMessage(s, ev(8, { type: 'dg.state', dg: 'newdg', state: 'imported' })).needsSnapshot).toBe(true)
    expect(applyServerMessage(s, ev(8, { type: 'dg.state', dg: 'dg1', state: 'imported' })).needsSnapshot).toBe(false)
    const waiting = { name: 'newdg', code: 'VM_BUSY', reason: 'imported by host hostB', importedBy: 'hostB', devices: ['/d/a.img'] }
    const withImports = applyServerMessage(s, { ...(hello(9) as Extract<ServerMessage, { type: 'hello' }>), snapshot: { ...snapshot(9), imports: [waiting] } })
    expect(withImports.imports).toEqual([waiting])
    expect(applyServerMessage(withImports, hello(10)).imports).toEqual([])
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
    expect(s.events).toEqual([]) // progress is state, the engine's end is followed by the server's task.done
  })

  it('keeps DRL and stale maps, lab state and a bounded event log', () => {
    let s = applyServerMessage(initialServerState(), hello(1))
    s = applyServerMessage(s, ev(2, { type: 'dg.maps', dg: 'dg1', dirty: { v1: { regionSectors: 1024, regions: [3], recoveryBytes: 524288 } }, stale: {} }))
    expect(s.groups.dg1!.dirty.v1!.regions).toEqual([3])
    s = applyServerMessage(s, ev(3, { type: 'lab.disk', dg: 'dg1', disk: 'disk02', failed: 'write', latencyMs: 0 }))
    expect(s.lab.disks).toEqual([{ dg: 'dg1', disk: 'disk02', failed: 'write', latencyMs: 0 }])
    // rule 113: a restored disk stays, answering, with when the lab failed it
    s = applyServerMessage(s, ev(4, { type: 'lab.disk', dg: 'dg1', disk: 'disk02', failed: 'none', latencyMs: 0, failedAt: 77 }))
    expect(s.lab.disks).toEqual([{ dg: 'dg1', disk: 'disk02', failed: 'none', latencyMs: 0, failedAt: 77 }])
    for (let i = 5; i < 700; i++) s = applyServerMessage(s, ev(i, { type: 'kstate.changed', dg: 'dg1', kind: 'pl', name: 'v1-01', rid: 3, from: 'ENABLED', to: 'DETACHED' }))
    expect(s.events.length).toBe(500)
    expect(s.events.at(-1)!.event.seq).toBe(699)
  })

  it('360: a flood of one I/O error keeps RUN_KEEP lines, the first counting the dropped ones, and never pushes the events before it out of the log', () => {
    let s = applyServerMessage(initialServerState(), hello(1))
    for (let i = 2; i < 12; i++) s = applyServerMessage(s, ev(i, { type: 'kstate.changed', dg: 'dg1', kind: 'pl', name: `v${i}-01`, rid: i, from: 'ENABLED', to: 'DETACHED' }))
    const error = (seq: number, over: Record<string, unknown> = {}) => ev(seq, { type: 'io.error', dg: 'dg1', volume: 'v1', plex: 'v1-01', disk: 'd1', op: 'write', offset: seq * 4096, length: 4096, code: 'VM_IO', ...over })
    const flood = Array.from({ length: 1000 }, (_, i) => error(12 + i))
    const one = flood.reduce(applyServerMessage, s)
    expect(one.events.length).toBe(10 + RUN_KEEP)
    expect(one.events.slice(0, 10).map((e) => e.event.type)).toEqual(Array(10).fill('kstate.changed'))
    // the first error keeps its time and counts the dropped ones; the newest are there
    expect(one.events[10]).toMatchObject({ event: { seq: 12 }, dropped: 1000 - RUN_KEEP })
    expect(one.events.at(-1)!.event.seq).toBe(1011)
    expect(one.events.reduce((n, e) => n + 1 + (e.dropped ?? 0), 0)).toBe(1010)
    // the messages of a frame at once give the same (rule 216)
    expect(applyServerMessages(s, flood).events).toEqual(one.events)
    // another plex's error is another run: it starts its own lines
    const other = applyServerMessage(one, error(1012, { plex: 'v1-02' }))
    expect(other.events.length).toBe(11 + RUN_KEEP)
  })

  const alert = (id: number, acked?: { by: string; at: number }): Alert => ({ id, dg: 'dg1', severity: 'critical', code: 'VM_IO', message: 'plex v1-02 of v1 was detached after an I/O error', object: 'v1-02', at: 1, lastAt: 1, count: 1, ...(acked ? { acked } : {}) })
  const finished = (id: number, outcome: FinishedTask['outcome']): FinishedTask => ({ id, taskId: `task-${id}`, dg: 'dg1', kind: 'resync', target: 'disk d2', volumes: ['v1', 'v2'], outcome, finishedAt: 5, doneBytes: 10, totalBytes: 10 })

  it('a window opened later starts from the server history: events, alerts, finished tasks and audit (rule 105)', () => {
    const h = { events: [{ id: 40, event: { seq: 3, at: 1, type: 'alert.raised', alert: alert(1) } as ServerEvent }], alerts: [alert(1)], tasks: [finished(9, 'failed')], audit: [{ id: 1, at: 1, user: 'admin', role: 'admin' as const, operation: 'POST /api/dgs/:dg/plexes/:plex/det', args: { plex: 'v1-02' }, result: 'ok' as const }] }
    const s = applyServerMessage(initialServerState(), { ...hello(7), snapshot: snapshot(7, h) } as ServerMessage)
    expect(s.events).toEqual(h.events)
    expect(s.oldestEvent).toBe(40)
    expect(s.alerts[1]).toMatchObject({ id: 1, severity: 'critical' })
    expect(s.finished.map((t) => t.outcome)).toEqual(['failed'])
    expect(s.audit).toHaveLength(1)
    // older pages go in front, once
    const older = prependHistory(s, [{ id: 38, event: { seq: 1, at: 0, type: 'dg.state', dg: 'dg1', state: 'imported' } as ServerEvent }, { id: 40, event: h.events[0]!.event }])
    expect(older.events.map((e) => e.id)).toEqual([38, 40])
    expect(older.oldestEvent).toBe(38)
    expect(prependHistory(older, []).oldestEvent).toBe(0)
  })

  it('keeps alerts until acknowledged, whatever else arrives, and records finished tasks with their outcome (rules 106, 107)', () => {
    let s = applyServerMessage(initialServerState(), hello(1))
    s = applyServerMessage(s, ev(2, { type: 'alert.raised', alert: alert(5) }))
    for (let i = 3; i < 1000; i++) s = applyServerMessage(s, ev(i, { type: 'kstate.changed', dg: 'dg1', kind: 'pl', name: 'v1-01', rid: 3, from: 'ENABLED', to: 'DETACHED' }))
    expect(s.alerts[5]!.acked).toBeUndefined()
    s = applyServerMessage(s, ev(1000, { type: 'alert.acked', alert: alert(5, { by: 'admin', at: 9 }) }))
    expect(s.alerts[5]!.acked).toEqual({ by: 'admin', at: 9 })
    s = applyServerMessage(s, ev(1001, { type: 'task.done', task: finished(3, 'failed') }))
    expect(s.finished.at(-1)).toMatchObject({ outcome: 'failed', volumes: ['v1', 'v2'] })
  })

  it('logs an acknowledgement once, as its audit entry, as the history a reload gets does (rule 167)', () => {
    let s = applyServerMessage(initialServerState(), hello(1))
    s = applyServerMessage(s, ev(2, { type: 'alert.raised', alert: alert(5) }))
    const entry = { id: 2, at: 9, user: 'admin', role: 'admin' as const, operation: 'POST /api/alerts/:id/ack', args: { id: 5 }, result: 'ok' as const }
    s = applyServerMessage(s, ev(3, { type: 'audit', entry }))
    s = applyServerMessage(s, ev(4, { type: 'alert.acked', alert: alert(5, { by: 'admin', at: 9 }) }))
    expect(s.alerts[5]!.acked).toEqual({ by: 'admin', at: 9 })
    expect(s.events.map((e) => e.event.type)).toEqual(['alert.raised', 'audit'])
    expect(s.seq).toBe(4)
  })

  it('keeps what a task covers once the server has said it, through later progress', () => {
    let s = applyServerMessage(initialServerState(), hello(1))
    const p = { type: 'task.progress', dg: 'dg1', taskId: 't1', kind: 'resync', volume: 'v1', phase: 'resync', doneBytes: 1, totalBytes: 100, rate: 10, etaSeconds: 5, throttle: 0 }
    s = applyServerMessage(s, ev(2, { ...p, target: 'disk d2', volumes: ['v1', 'v2'] }))
    s = applyServerMessage(s, ev(3, { ...p, doneBytes: 50 }))
    expect(s.tasks.t1).toMatchObject({ doneBytes: 50, target: 'disk d2', volumes: ['v1', 'v2'] })
  })

  it('keeps each running task\'s rate over time, not while paused, and forgets it when the task ends', () => {
    let s = applyServerMessage(initialServerState(), hello(1))
    const p = { type: 'task.progress', dg: 'dg1', taskId: 't1', kind: 'resync', volume: 'v1', phase: 'resync', doneBytes: 1, totalBytes: 100, rate: 10, etaSeconds: 5, throttle: 0 }
    s = applyServerMessage(s, ev(2, { ...p, rate: 10 }))
    s = applyServerMessage(s, ev(3, { ...p, rate: 30 }))
    s = applyServerMessage(s, ev(4, { ...p, phase: 'paused', rate: 30 }))
    expect(s.rates.t1!.map((x) => x.rate)).toEqual([10, 30])
    for (let i = 5; i < 300; i++) s = applyServerMessage(s, ev(i, { ...p, rate: i }))
    expect(s.rates.t1).toHaveLength(120)
    s = applyServerMessage(s, ev(300, { type: 'task.finished', dg: 'dg1', taskId: 't1', kind: 'resync', volume: 'v1', outcome: 'ok' }))
    expect(s.rates.t1).toBeUndefined()
  })
})

// rule 216: a frame's messages applied at once give what they give one by one
describe('applyServerMessages (rule 216)', () => {
  /** A seeded generator (mulberry32): the same messages every run. */
  const rng = (seed: number) => () => {
    seed = (seed + 0x6d2b79f5) | 0
    let x = Math.imul(seed ^ (seed >>> 15), 1 | seed)
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296
  }
  const progress = (seq: number, task: number, rate: number, paused = false) => ev(seq, { type: 'task.progress', dg: 'dg1', taskId: `t${task}`, kind: 'resync', volume: 'v1', phase: paused ? 'paused' : 'resync', doneBytes: seq, totalBytes: 1000, rate, etaSeconds: 5, throttle: 0 })

  it.each([1, 2, 3, 4, 5])('gives what one by one gives, with replays, gaps, pauses and other events among the reports (seed %i)', (seed) => {
    const r = rng(seed)
    const start = applyServerMessage(initialServerState(), hello(1))
    const ms: ServerMessage[] = []
    let seq = 1
    for (let i = 0; i < 400; i++) {
      const x = r()
      if (x < 0.75) ms.push(progress(++seq, Math.floor(r() * 5), Math.floor(r() * 100), r() < 0.1))
      else if (x < 0.82) ms.push(progress(Math.max(1, seq - Math.floor(r() * 3)), Math.floor(r() * 5), 1)) // a replay
      else if (x < 0.86) ms.push(ev(++seq, { type: 'task.finished', dg: 'dg1', taskId: `t${Math.floor(r() * 5)}`, kind: 'resync', volume: 'v1', outcome: 'ok' }))
      else if (x < 0.9) ms.push(detach(++seq))
      else if (x < 0.92) ms.push(progress((seq += 2), 1, 7)) // a gap: a fresh snapshot is asked for
      else if (x < 0.93) ms.push(hello((seq = seq + 5)))
      else ms.push(ev(++seq, { type: 'dg.state', dg: 'dg1', state: r() < 0.5 ? 'forced-offline' : 'imported' }))
    }
    for (const size of [1, 7, 50, ms.length]) {
      let one = start
      let many = start
      for (let i = 0; i < ms.length; i += size) {
        const batch = ms.slice(i, i + size)
        one = batch.reduce(applyServerMessage, one)
        // the state before is left as it was (React compares it with the next)
        const before = many
        const copy = structuredClone(before)
        many = applyServerMessages(many, batch)
        expect(many).toEqual(one)
        expect(before).toEqual(copy)
      }
    }
  })

  it('keeps the rate samples of a task that did not report, and at most RATE_SAMPLES of one that did', () => {
    let s = applyServerMessage(initialServerState(), hello(1))
    s = applyServerMessages(s, [progress(2, 1, 5), progress(3, 2, 5)])
    const quiet = s.rates.t2
    s = applyServerMessages(s, Array.from({ length: 300 }, (_, i) => progress(4 + i, 1, i)))
    expect(s.rates.t2).toBe(quiet)
    expect(s.rates.t1).toHaveLength(120)
    expect(s.rates.t1!.at(-1)!.rate).toBe(299)
    expect(s.seq).toBe(303)
  })
})

describe('withConnection (rule 116)', () => {
  it('a loss marks the data stale since then and is noted once; the return clears the mark and is noted', () => {
    const live = { ...initialServerState(), connection: 'live' as const }
    const lost = withConnection(live, 'reconnecting', 1000)
    expect(lost.staleSince).toBe(1000)
    const retried = withConnection(lost, 'reconnecting', 2000)
    expect(retried.staleSince).toBe(1000)
    const back = withConnection(retried, 'live', 3000)
    expect(back.staleSince).toBeUndefined()
    expect(back.connectionNotes).toEqual([{ at: 1000, lost: true }, { at: 3000, lost: false }])
  })
  it('connecting for the first time is no loss', () => {
    const s = withConnection(initialServerState(), 'live', 1000)
    expect(s.staleSince).toBeUndefined()
    expect(s.connectionNotes).toEqual([])
  })
})

describe('applyChanges carries the layout index with the delta (rule 145)', () => {
  it('gives the index a rebuild would give, list for list, after updates, moves, creates and deletes', async () => {
    const { indexConfig } = await import('../views/layout.ts')
    const sd = (rid: number, plex: number, disk: number) => ({ sd_rid: rid, sd_name: `sd${rid}`, sd_plex_rid: plex, sd_dm_rid: disk, sd_len: rid })
    const pl = (rid: number, vol: number, name: string) => ({ pl_rid: rid, pl_vol_rid: vol, pl_name: name, pl_state: 'ACTIVE' })
    let c = { tid: 1, dg: {}, disks: [{ dm_rid: 1 }, { dm_rid: 2 }], volumes: [{ v_rid: 10 }, { v_rid: 11 }], plexes: [pl(20, 10, 'a-02'), pl(21, 10, 'a-01'), pl(22, 11, 'b-01')], subdisks: [sd(30, 20, 1), sd(31, 21, 2), sd(32, 22, 1), sd(33, 22, 2)] } as unknown as Config
    indexConfig(c)
    const steps: RecordChange[][] = [
      [{ kind: 'pl', rid: 21, name: 'a-01', op: 'update', fields: ['pl_state'], after: { ...pl(21, 10, 'a-01'), pl_state: 'STALE' } }],
      [{ kind: 'sd', rid: 31, name: 'sd31', op: 'update', fields: ['sd_plex_rid', 'sd_dm_rid'], after: sd(31, 22, 1) }],
      [{ kind: 'sd', rid: 34, name: 'sd34', op: 'create', fields: [], after: sd(34, 20, 2) }, { kind: 'pl', rid: 23, name: 'b-00', op: 'create', fields: [], after: pl(23, 11, 'b-00') }],
      [{ kind: 'sd', rid: 30, name: 'sd30', op: 'delete', fields: [] }, { kind: 'pl', rid: 20, name: 'a-02', op: 'delete', fields: [] }],
      [{ kind: 'v', rid: 10, name: 'a', op: 'update', fields: ['v_comment'], after: { v_rid: 10, v_comment: 'x' } }],
    ]
    for (const [i, changes] of steps.entries()) {
      const before = indexConfig(c)
      void before.sdsByDisk // the disk lists are built when asked for, and carried once built
      const next = applyChanges(c, i + 2, changes)
      const carried = indexConfig(next)
      // carried, not rebuilt: a list the delta did not touch is the same list
      if (!changes.some((ch) => ch.kind === 'sd')) for (const [k, l] of carried.sdsByDisk) expect(l).toBe(before.sdsByDisk.get(k))
      const rebuilt = indexConfig({ ...next })
      expect(carried).not.toBe(rebuilt)
      const sorted = (m: Map<number, unknown[]>) => new Map([...m].sort((a, b) => a[0] - b[0]))
      for (const k of ['plexesByVolume', 'sdsByPlex', 'sdsByDisk'] as const) expect(sorted(carried[k]), `${k} after step ${i + 1}`).toEqual(sorted(rebuilt[k]))
      c = next
    }
  })
})

describe('applyChanges', () => {
  it('applies a delta of many changes of a table as the same changes one by one (rule 196)', () => {
    const sd = (rid: number, len = rid) => ({ sd_rid: rid, sd_name: `sd${rid}`, sd_plex_rid: 100 + (rid % 3), sd_dm_rid: 1, sd_len: len })
    const c = { tid: 1, dg: {}, disks: [{ dm_rid: 1 }], volumes: [], plexes: [], subdisks: Array.from({ length: 40 }, (_, i) => sd(i + 1)) } as unknown as Config
    const changes: RecordChange[] = [
      ...Array.from({ length: 20 }, (_, i): RecordChange => ({ kind: 'sd', rid: 2 * i + 1, name: `sd${2 * i + 1}`, op: 'update', fields: ['sd_len'], after: sd(2 * i + 1, 7) as never })),
      ...[4, 8, 12, 16, 99].map((rid): RecordChange => ({ kind: 'sd', rid, name: `sd${rid}`, op: 'delete', fields: [] })),
      ...[41, 42, 43].map((rid): RecordChange => ({ kind: 'sd', rid, name: `sd${rid}`, op: 'create', fields: [], after: sd(rid) as never })),
      { kind: 'sd', rid: 42, name: 'sd42', op: 'update', fields: ['sd_len'], after: sd(42, 9) as never },
    ]
    const once = applyChanges(c, 2, changes)
    const oneByOne = changes.reduce((x, ch) => applyChanges(x, 2, [ch]), c)
    expect(once.subdisks).toEqual(oneByOne.subdisks)
    expect(once.subdisks.map((s) => s.sd_rid)).not.toContain(4)
    expect(once.subdisks.find((s) => s.sd_rid === 42)!.sd_len).toBe(9)
    expect(c.subdisks).toHaveLength(40)
  })
})
