import { EventEmitter } from 'node:events'
import type { IncomingMessage } from 'node:http'
import { describe, expect, it } from 'vitest'
import { createManualClock } from '@plexa/engine'
import type { ServerMessage, ServerSnapshot } from '@plexa/protocol'
import type { WebSocket } from 'ws'
import { Hub } from '../src/ws/hub.ts'

/** A socket whose send buffer the test controls. */
function fakeSocket() {
  const emitter = new EventEmitter()
  const ws = Object.assign(emitter, {
    OPEN: 1,
    readyState: 1,
    bufferedAmount: 0,
    sent: [] as ServerMessage[],
    terminated: false,
    send: (text: string) => void ws.sent.push(JSON.parse(text) as ServerMessage),
    terminate: () => {
      ws.terminated = true
      ws.readyState = 3
      emitter.emit('close')
    },
    close: () => ws.terminate(),
  })
  return ws
}

const snapshot = (): ServerSnapshot => ({ seq: 0, groups: [], tasks: [], lab: { enabled: false, disks: [], loads: [] }, history: { events: [], alerts: [], tasks: [], audit: [] } })
const req = { url: '/ws' } as IncomingMessage
const progress = (taskId: string, doneBytes: number) => ({ type: 'task.progress' as const, dg: 'g', taskId, kind: 'resync', volume: 'v', phase: 'resync', doneBytes, totalBytes: 100, rate: 1, etaSeconds: 1, throttle: 0 })

describe('Hub', () => {
  it('keeps only the newest progress of each task for a client whose buffer is full, then drains in order', () => {
    const hub = new Hub({ clock: createManualClock(), snapshot, highWater: 1000, maxPending: 100 })
    const ws = fakeSocket()
    hub.attach(ws as unknown as WebSocket, { name: 'a', role: 'admin' }, req)
    ws.bufferedAmount = 1500 // over the high-water mark, not yet stalled
    for (let i = 1; i <= 50; i++) {
      hub.publish(progress('t1', i))
      hub.publish(progress('t2', i * 2))
    }
    hub.publish({ type: 'alert', dg: 'g', severity: 'warning', code: 'VM_IO', message: 'kept' })
    expect(ws.sent.filter((m) => m.type === 'event')).toHaveLength(0)
    ws.bufferedAmount = 0
    // the next publish flushes what waited, oldest first
    hub.publish(progress('t1', 51))
    const got = ws.sent.flatMap((m) => (m.type === 'event' ? [m.event] : []))
    expect(got.map((e) => (e.type === 'task.progress' ? `${e.taskId}:${e.doneBytes}` : e.type))).toEqual(['t2:100', 'alert', 't1:51'])
  })

  it('drops a client that has too much waiting', () => {
    const hub = new Hub({ clock: createManualClock(), snapshot, highWater: 1000, maxPending: 10 })
    const ws = fakeSocket()
    hub.attach(ws as unknown as WebSocket, { name: 'a', role: 'admin' }, req)
    ws.bufferedAmount = 5000
    for (let i = 0; i < 11; i++) hub.publish({ type: 'alert', dg: 'g', severity: 'warning', code: 'VM_IO', message: `${i}` })
    expect(ws.terminated).toBe(true)
    expect(hub.clientCount).toBe(0)
  })

  it('replays from its ring, or says it cannot', () => {
    const hub = new Hub({ clock: createManualClock(), snapshot, ringSize: 5 })
    for (let i = 0; i < 8; i++) hub.publish({ type: 'alert', dg: 'g', severity: 'warning', code: 'VM_IO', message: `${i}` })
    expect(hub.since(5)!.map((e) => e.seq)).toEqual([6, 7, 8])
    expect(hub.since(8)).toEqual([])
    expect(hub.since(2)).toBeUndefined()
    expect(hub.since(9)).toBeUndefined()
  })

  it('serializes the snapshot once for clients connecting together, afresh after an event or a second', () => {
    const clock = createManualClock()
    let built = 0
    const hub = new Hub({ clock, snapshot: () => (built++, snapshot()) })
    const connect = (name: string, role: 'admin' | 'viewer' = 'admin') => {
      const ws = fakeSocket()
      hub.attach(ws as unknown as WebSocket, { name, role }, req)
      const hello = ws.sent[0]!
      if (hello.type !== 'hello') throw new Error(`expected a hello, got ${hello.type}`)
      return hello
    }
    for (let i = 0; i < 5; i++) expect(connect('a').user).toEqual({ name: 'a', role: 'admin' })
    expect(built).toBe(1)
    // another user: the snapshot is built for them (their hello names them)
    expect(connect('v', 'viewer').user).toEqual({ name: 'v', role: 'viewer' })
    expect(built).toBe(2)
    // an event: the next hello carries the new sequence number and a fresh snapshot
    hub.publish({ type: 'alert', dg: 'g', severity: 'warning', code: 'VM_IO', message: 'x' })
    expect(connect('a').seq).toBe(1)
    expect(built).toBe(3)
    clock.advance(Hub.HELLO_REUSE_MS - 1)
    connect('a')
    expect(built).toBe(3)
    clock.advance(1)
    connect('a')
    expect(built).toBe(4)
  })
})
