// @vitest-environment happy-dom
import { act } from 'react'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import type { Alert } from '@plexa/protocol'
import { appStore } from '../store/appStore.ts'
import { demo } from '../views/testGroups.ts'
import { rootPerTest } from './testRoot.ts'

vi.mock('../net/api.ts', () => ({ session: { onRefused: undefined }, api: () => Promise.resolve({}), ApiError: class extends Error {} }))
const { HealthStrip, LOW_WINDOW } = await import('./HealthStrip.tsx')

const dom = rootPerTest()
/** The window's height as the media queries see it: low (768 px) or not (1080 px). */
let low = false
const alert = (id: number): Alert => ({ id, dg: 'dg', severity: 'critical', code: 'VM_IO', message: `plex p-${id} was detached after an I/O error`, object: `gone-${id}`, at: id, lastAt: id, count: 1 })

function show(ids: number[]) {
  appStore.setState((s) => ({ server: { ...s.server, connection: 'live', user: { name: 'admin', role: 'admin' }, groups: { dg: demo() }, alerts: Object.fromEntries(ids.map((id) => [id, alert(id)])) } }))
  act(() => dom.root.render(<HealthStrip onOverview={() => {}} />))
}
const $ = (id: string) => dom.el.querySelector(`[data-testid="${id}"]`)

beforeEach(() => {
  globalThis.matchMedia = ((q: string) => ({ matches: q === LOW_WINDOW && low, addEventListener() {}, removeEventListener() {} })) as unknown as typeof matchMedia
})

describe('HealthStrip critical banners', () => {
  it('438 each banner\'s Acknowledge button is named with its alert', () => {
    low = false
    show([16, 21])
    expect([...dom.el.querySelectorAll('[data-testid^="banner-"] button')].map((b) => b.getAttribute('aria-label'))).toEqual(['Acknowledge alert #21', 'Acknowledge alert #16'])
  })

  it('439 in a low window two critical banners fold into one line that names them and unfolds', () => {
    low = true
    show([21, 22])
    expect(dom.el.querySelectorAll('[data-testid^="banner-"]')).toHaveLength(0)
    const line = $('banners-folded')!
    expect(line.getAttribute('role')).toBe('alert')
    expect(line.textContent).toContain('2 critical alerts: #22 VM_IO, #21 VM_IO')
    const toggle = line.querySelector('button')!
    expect(toggle.getAttribute('aria-expanded')).toBe('false')
    act(() => toggle.click())
    expect(toggle.getAttribute('aria-expanded')).toBe('true')
    expect([...dom.el.querySelectorAll('[data-testid^="banner-"]')].map((b) => b.getAttribute('data-testid'))).toEqual(['banner-22', 'banner-21'])
  })

  it('439 one critical alert, or a high window, keeps the banners as they are', () => {
    low = true
    show([21])
    expect($('banners-folded')).toBeNull()
    expect($('banner-21')).not.toBeNull()
    low = false
    show([21, 22])
    expect($('banners-folded')).toBeNull()
    expect(dom.el.querySelectorAll('[data-testid^="banner-"]')).toHaveLength(2)
  })
})
