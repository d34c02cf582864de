// @vitest-environment happy-dom
// Rule 470: the selected object's properties put identity, state and layout first, the editors
// (read policy, comment, putil0..2) last, as VEA's Properties does.
import { act } from 'react'
import { type Root, createRoot } from 'react-dom/client'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { appStore } from '../store/appStore.ts'
import { demo } from '../views/testGroups.ts'

vi.mock('../net/api.ts', () => ({ session: { onRefused: undefined }, api: () => Promise.resolve({}), ApiError: class extends Error {} }))
const { Properties } = await import('./Properties.tsx')

;(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true

let root: Root
let el: HTMLElement

beforeEach(() => {
  appStore.getState().reset()
  el = document.body.appendChild(document.createElement('div'))
  root = createRoot(el)
})

afterEach(() => {
  act(() => root.unmount())
  document.body.innerHTML = ''
})

/** The sections of the pane and its first form control, in document order. */
function order(): string[] {
  const out: string[] = []
  for (const n of el.querySelectorAll('section[aria-label] section[aria-label], input, select')) {
    out.push(n.tagName === 'SECTION' ? `section:${n.getAttribute('aria-label')}` : 'control')
  }
  return out
}

describe('Properties', () => {
  it('I470 a volume\'s identity, state and layout come before every editor, which are last under Edit', () => {
    appStore.setState((s) => ({ server: { ...s.server, connection: 'live', user: { name: 'admin', role: 'admin' }, groups: { dg: demo() } }, selection: { dg: 'dg', kind: 'v', name: 'mir' } }))
    act(() => root.render(<Properties />))
    const seen = order()
    const firstControl = seen.indexOf('control')
    expect(firstControl).toBeGreaterThan(0)
    for (const g of ['Identity', 'State']) {
      expect(seen.indexOf(`section:${g}`), g).toBeGreaterThanOrEqual(0)
      expect(seen.indexOf(`section:${g}`), g).toBeLessThan(firstControl)
    }
    // every control is in the Edit section, after the last field table
    const edit = el.querySelector('section[aria-label="edit"]')!
    expect(edit).not.toBeNull()
    for (const c of el.querySelectorAll('input, select')) expect(edit.contains(c)).toBe(true)
    expect(seen.lastIndexOf('section:edit')).toBeGreaterThan(Math.max(...['Identity', 'State', 'Layout'].map((g) => seen.indexOf(`section:${g}`))))
  })
})
