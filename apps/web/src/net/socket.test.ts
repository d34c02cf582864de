// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { ServerMessage } from '@plexa/protocol'
import { appStore } from '../store/appStore.ts'

vi.mock('./api.ts', () => ({ api: () => Promise.resolve({}), session: { onRefused: undefined } }))
const { connect } = await import('./socket.ts')

/** The sockets the stream opened, newest last: the test plays the server. */
class FakeSocket {
  static all: FakeSocket[] = []
  onopen: (() => void) | undefined
  onmessage: ((m: { data: string }) => void) | undefined
  onclose: (() => void) | undefined
  closed = false
  readonly url: string
  constructor(url: string) {
    this.url = url
    FakeSocket.all.push(this)
  }
  close() {
    if (this.closed) return
    this.closed = true
    this.onclose?.()
  }
  send(m: ServerMessage) {
    this.onmessage?.({ data: JSON.stringify(m) })
  }
}

const hello = (seq: number): ServerMessage => ({ type: 'hello', protocol: 1, seq, user: { name: 'admin', role: 'admin' }, snapshot: { seq, groups: [], tasks: [], lab: { enabled: false, disks: [], loads: [] }, history: { events: [], alerts: [], tasks: [], audit: [] } } })

let stop: () => void
beforeEach(() => {
  FakeSocket.all = []
  appStore.getState().reset()
  vi.stubGlobal('WebSocket', FakeSocket)
  // a frame at once: the batch is applied as each message comes
  vi.stubGlobal('requestAnimationFrame', (f: () => void) => (f(), 0))
  stop = connect()
})
afterEach(() => {
  stop()
  vi.unstubAllGlobals()
})

describe('rule 410: a fresh snapshot is not a lost connection', () => {
  it('410 a stream closed for a fresh snapshot (a group imported) opens again without lastSeq; the page never says the server was lost, nor goes stale', () => {
    const first = FakeSocket.all[0]!
    first.onopen?.()
    first.send(hello(5))
    expect(appStore.getState().server.connection).toBe('live')
    // a group the page does not know was imported: the page asks for a fresh snapshot
    first.send({ type: 'event', event: { type: 'dg.state', dg: 'tdg', state: 'imported', seq: 6, at: 0 } })
    expect(first.closed).toBe(true)
    const second = FakeSocket.all[1]!
    expect(second.url).not.toContain('lastSeq')
    const s = appStore.getState().server
    expect([s.connection, s.staleSince, s.connectionNotes]).toEqual(['live', undefined, []])
    second.onopen?.()
    second.send(hello(9))
    expect(appStore.getState().server.connectionNotes).toEqual([])
  })

  it('410 a stream the server closes is a loss, said and marked stale', () => {
    const first = FakeSocket.all[0]!
    first.onopen?.()
    first.send(hello(5))
    first.close()
    const s = appStore.getState().server
    expect(s.connection).toBe('reconnecting')
    expect(s.staleSince).toBeDefined()
    expect(s.connectionNotes).toEqual([expect.objectContaining({ lost: true })])
  })
})
