// @vitest-environment happy-dom
import { act } from 'react'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import type { Alert, TaskView } from '@plexa/protocol'
import { appStore } from '../store/appStore.ts'
import { demo } from '../views/testGroups.ts'
import { mirvol } from '../views/testOperations.ts'
import { rootPerTest } from './testRoot.ts'

/** Every API call the Overview makes: route and body. */
const calls: Array<{ route: string; params: unknown; body: unknown }> = []
vi.mock('../net/api.ts', () => ({
  session: { onRefused: undefined },
  api: (route: string, params: unknown, body: unknown) => {
    calls.push({ route, params, body })
    return Promise.resolve({})
  },
  ApiError: class extends Error {},
}))
const { Overview } = await import('./Overview.tsx')

const dom = rootPerTest()
const alert = (id: number, over: Partial<Alert> = {}): Alert => ({ id, dg: 'dg', severity: 'critical', code: 'VM_IO', message: `plex mir-02 of mir was detached after an I/O error (${id})`, object: 'mir-02', at: id, lastAt: id, count: 1, ...over })
const over = { at: 1, why: 'plex mir-02 is a healthy copy again' }
/** disk03 left FAILING by hot relocation. */
const failingGroup = () => {
  const g = demo()
  return { ...g, config: { ...g.config, disks: g.config.disks.map((d) => (d.dm_name === 'disk03' ? { ...d, dm_pflag: 0x8 } : d)) } }
}

function show(alerts: Alert[], role: 'admin' | 'viewer' = 'admin', g = demo()) {
  appStore.setState((s) => ({ server: { ...s.server, connection: 'live', user: { name: role, role }, groups: { dg: g }, alerts: Object.fromEntries(alerts.map((a) => [a.id, a])) } }))
  act(() => dom.root.render(<Overview />))
}
const button = (text: RegExp) => [...dom.el.querySelectorAll('button')].find((b) => text.test(b.textContent ?? ''))

beforeEach(() => {
  calls.length = 0
})

describe('Overview', () => {
  it('437 "Acknowledge all resolved" acknowledges the resolved alerts, and only them, in one call', async () => {
    show([alert(16, { resolved: over }), alert(17, { object: 'gone-01' }), alert(18, { resolved: over, severity: 'warning' }), alert(19, { resolved: over, acked: { by: 'admin', at: 2 } })])
    const b = button(/^Acknowledge all/)!
    expect(b.textContent).toBe('Acknowledge all 2 resolved')
    act(() => b.click())
    await act(() => Promise.resolve())
    expect(calls).toEqual([{ route: 'POST /api/alerts/ack', params: {}, body: { ids: [16, 18] } }])
  })

  it('437 the button is offered for two resolved alerts or more, and a viewer is told why not', () => {
    show([alert(16, { resolved: over }), alert(17, { object: 'gone-01' })])
    expect(button(/^Acknowledge all/)).toBeUndefined()
    show([alert(16, { resolved: over }), alert(18, { resolved: over })], 'viewer')
    const b = button(/^Acknowledge all/)!
    expect(b.getAttribute('aria-disabled')).toBe('true')
    act(() => b.click())
    expect(calls).toEqual([])
  })

  it('I578 a volume a resync already copies into says so, and its Resync is disabled (another would be refused); a copy of another volume changes nothing', () => {
    /** mirvol left SYNC (an aborted forced resync): the Overview offers its resync. */
    const sync = () => ({ name: 'dg', config: mirvol({}, { st: 'SYNC' }), forcedOffline: false, dirty: {}, stale: {} })
    const resync = (volume: string): TaskView => ({ taskId: `task-${volume}`, dg: 'dg', kind: 'resync', volume, target: `volume ${volume}`, phase: 'resync', doneBytes: 0, totalBytes: 1 << 20, rate: 0, etaSeconds: null, throttle: 0 })
    const item = () => dom.el.querySelector('[data-testid="attention-dg/v/mirvol"]')!
    for (const [tasks, busy] of [[[], false], [[resync('catvol')], false], [[resync('mirvol')], true]] as const) {
      act(() => appStore.setState((s) => ({ server: { ...s.server, tasks: Object.fromEntries(tasks.map((t) => [t.taskId, t])) } })))
      show([], 'admin', sync())
      // its visible words (a disabled button's reason follows them for a screen reader)
      const b = button(/^Resync mirvol(: not allowed|$)/)!
      expect(b.getAttribute('aria-disabled'), tasks.map((t) => t.taskId).join()).toBe(busy ? 'true' : null)
      expect(item().querySelector('[data-testid="being-copied"]') !== null).toBe(busy)
      act(() => b.click())
      expect(appStore.getState().pending !== undefined).toBe(!busy)
      act(() => appStore.setState({ pending: undefined }))
    }
  })

  it('436 a disk left FAILING is listed with its fix, and its button asks to confirm the record edit failing=off', () => {
    show([], 'admin', failingGroup())
    const item = dom.el.querySelector('[data-testid="attention-dg/dm/disk03/failing"]')!
    expect(item.textContent).toContain('`plexa disk set disk03 failing=off`')
    const b = button(/^Clear FAILING on disk03$/)!
    act(() => b.click())
    expect(appStore.getState().pending).toMatchObject({ id: 'clearfailing', route: 'PATCH /api/dgs/:dg/records/:name', params: { dg: 'dg', name: 'disk03' }, body: { fields: { failing: 'off' } } })
  })
})
