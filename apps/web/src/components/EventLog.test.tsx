// @vitest-environment happy-dom
import { act } from 'react'
import { beforeEach, describe, expect, it } from 'vitest'
import type { HistoryItem, ServerEvent, ServerMessage } from '@plexa/protocol'
import { appStore } from '../store/appStore.ts'
import { dateTime } from '../views/format.ts'
import { EventLog } from './EventLog.tsx'
import { rootPerTest } from './testRoot.ts'

const T0 = Date.UTC(2026, 11, 2, 1, 0, 0)
let seq = 0
/** An event at `s` seconds after T0. */
const at = (s: number, body: Record<string, unknown>) => ({ ...body, seq: ++seq, at: T0 + s * 1000 }) as ServerEvent
const ioError = (s: number, over: Record<string, unknown> = {}) => at(s, { type: 'io.error', dg: 'demodg', volume: 'catvol', plex: 'catvol-01', disk: 'disk06', failedDisks: ['disk06'], op: 'write', offset: s * 4096, length: 4096, code: 'VM_IO', ...over })
const alert = (s: number, count: number) => at(s, { type: 'alert.raised', alert: { id: 7, dg: 'demodg', severity: 'critical', code: 'VM_IO', message: 'volume catvol failed: no plex left', object: 'catvol', at: T0, lastAt: T0 + s * 1000, count } })
const audit = (s: number) => at(s, { type: 'audit', entry: { id: s, at: T0 + s * 1000, user: 'admin', role: 'admin', operation: 'POST /api/lab/load', args: { volume: 'catvol' }, result: 'ok' } })

function hello(events: ServerEvent[]): ServerMessage {
  const history: HistoryItem[] = events.map((event, i) => ({ id: i + 1, event }))
  return { type: 'hello', protocol: 1, seq, user: { name: 'admin', role: 'admin' }, snapshot: { seq, groups: [], tasks: [], lab: { enabled: true, disks: [], loads: [] }, history: { events: history, alerts: [], tasks: [], audit: [] } } }
}

const dom = rootPerTest()
/** The log's rows (not its "Load older events" line). */
const rows = () => [...dom.el.querySelectorAll('[data-testid="events"] > li')].filter((li) => li.querySelector('details'))
const runs = () => [...dom.el.querySelectorAll<HTMLElement>('[data-testid="event-run"]')]

beforeEach(() => {
  seq = 0
})

describe('EventLog', () => {
  it('360: a window opened after a write load failed shows its 30 errors as one row with the count and the first and last time, its occurrences on expand', () => {
    // the history a new window starts from: an audit, 30 write errors of a load, then the alert
    act(() => appStore.getState().receive(hello([audit(0), ...Array.from({ length: 30 }, (_, i) => ioError(1 + i)), alert(31, 30)])))
    act(() => dom.root.render(<EventLog />))
    expect(rows()).toHaveLength(3)
    const [run] = runs()
    expect(run!.dataset.count).toBe('30')
    const summary = run!.querySelector('summary')!.textContent!
    expect(summary).toContain('I/O error: 30 writes failed on plex catvol-01 (disk disk06) of catvol: VM_IO')
    // the audit before them is older: this count is the whole run
    expect(run!.querySelector('[data-testid="event-run-count"]')!.textContent).toBe('30 times')
    expect(summary).toContain(`first ${dateTime(T0 + 1000)}, last ${dateTime(T0 + 30_000)}`)
    // opened: each occurrence with its own range, newest first
    const details = run!.querySelector('details')!
    act(() => {
      details.open = true
      details.dispatchEvent(new Event('toggle'))
    })
    const each = [...run!.querySelectorAll('ol > li')].map((li) => li.querySelector('summary')!.textContent)
    expect(each).toHaveLength(30)
    expect(each[0]).toContain('write of 4 KiB at 120 KiB failed on plex catvol-01')
    expect(each[29]).toContain('write of 4 KiB at 4 KiB failed on plex catvol-01')
  })

  it('360: live repeats join the row the history started; another plex, operation or code is a row of its own; the alert raised again is one row too', () => {
    act(() => appStore.getState().receive(hello([ioError(1), ioError(2)])))
    act(() => dom.root.render(<EventLog />))
    expect(runs().map((r) => r.dataset.count)).toEqual(['2'])
    // the oldest row loaded may go on in older history: its count is a floor
    expect(runs()[0]!.querySelector('[data-testid="event-run-count"]')!.textContent).toBe('at least 2 times')
    const key = runs()[0]
    act(() => appStore.getState().receiveAll([ioError(3), ioError(4), ioError(5)].map((event) => ({ type: 'event', event }))))
    expect(runs().map((r) => r.dataset.count)).toEqual(['5'])
    // the same row, grown (an open row stays open)
    expect(runs()[0]).toBe(key)
    act(() => appStore.getState().receiveAll([ioError(6, { op: 'flush', offset: 0, length: 0 }), ioError(7, { op: 'flush', offset: 0, length: 0 }), ioError(8, { plex: 'catvol-02' }), ioError(9, { code: 'VM_TIMEOUT' }), alert(10, 1), alert(11, 2), alert(12, 3)].map((event) => ({ type: 'event', event }))))
    // newest first: the alert three times, the timeout, the other plex, two flushes, five writes
    expect(rows().map((li) => (li as HTMLElement).dataset.count ?? '1')).toEqual(['3', '1', '1', '2', '5'])
    expect(runs()[1]!.querySelector('summary')!.textContent).toContain('I/O error: 2 flushes failed on plex catvol-01')
    expect(runs()[0]!.querySelector('summary')!.textContent).toContain('CRITICAL VM_IO: volume catvol failed: no plex left (seen 3 times)')
  })

  it('360: a live flood of 2,000 write errors is one row counting all of them, and the events before it stay in the log', () => {
    act(() => appStore.getState().receive(hello([audit(0)])))
    act(() => dom.root.render(<EventLog />))
    act(() => appStore.getState().receiveAll(Array.from({ length: 2000 }, (_, i) => ({ type: 'event', event: ioError(1 + i) }) as ServerMessage)))
    expect(rows()).toHaveLength(2)
    expect(runs()[0]!.querySelector('summary')!.textContent).toContain('I/O error: 2000 writes failed on plex catvol-01')
    expect(runs()[0]!.querySelector('summary')!.textContent).toContain(`first ${dateTime(T0 + 1000)}, last ${dateTime(T0 + 2_000_000)}`)
    expect(rows()[1]!.textContent).toContain('admin')
  })

  it('360: only consecutive repeats merge: the same error with another event between is two rows', () => {
    act(() => appStore.getState().receive(hello([audit(1), audit(2), ioError(3), audit(4), ioError(5)])))
    act(() => dom.root.render(<EventLog />))
    // the errors are apart; two audits in a row of the same words (at other times) are one said twice
    expect(rows().map((li) => (li as HTMLElement).dataset.count ?? '1')).toEqual(['1', '1', '1', '2'])
  })
})
