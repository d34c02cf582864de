// @vitest-environment happy-dom
import { act } from 'react'
import { type Root, createRoot } from 'react-dom/client'
import { afterEach, describe, expect, it, vi } from 'vitest'
import type { ServerMessage } from '@plexa/protocol'
import { appStore } from './store/appStore.ts'

// the session check never answers, the stream is fed by the test
vi.mock('./net/api.ts', () => ({ session: { onRefused: undefined }, api: () => new Promise(() => {}) }))
vi.mock('./net/socket.ts', () => ({ connect: () => () => {} }))
const { App } = await import('./App.tsx')

;(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true

const hello: ServerMessage = { type: 'hello', protocol: 1, seq: 1, user: { name: 'admin', role: 'admin' }, snapshot: { seq: 1, groups: [], tasks: [], lab: { enabled: false, disks: [], loads: [] }, history: { events: [], alerts: [], tasks: [], audit: [] } } }

let root: Root | undefined
afterEach(() => {
  act(() => root?.unmount())
  document.body.innerHTML = ''
})

describe('App', () => {
  it('253: the stream\'s first message renders the console in the render that applies it, before the session check answers', () => {
    appStore.getState().reset()
    const el = document.body.appendChild(document.createElement('div'))
    root = createRoot(el)
    act(() => root!.render(<App />))
    // nothing yet: neither the session check nor the stream has answered
    expect(el.querySelector('header')).toBeNull()
    act(() => appStore.getState().receive(hello))
    expect(el.querySelector('header')?.textContent).toContain('admin (admin)')
  })
  it('438 skip links come first in the Tab order and take the focus to the task panel and the event log, landmarks of their own', async () => {
    appStore.getState().reset()
    const el = document.body.appendChild(document.createElement('div'))
    root = createRoot(el)
    act(() => root!.render(<App />))
    act(() => appStore.getState().receive(hello))
    const links = [...el.querySelectorAll('a')].slice(0, 2)
    expect(links.map((a) => a.textContent)).toEqual(['Skip to tasks', 'Skip to event log'])
    // nothing focusable before them
    const first = el.querySelector('a, button, input, select, [tabindex="0"]')
    expect(first).toBe(links[0])
    for (const [link, id, name] of [[links[1]!, 'log-panel', 'log panel'], [links[0]!, 'tasks-panel', 'tasks']] as const) {
      const panel = document.getElementById(id)!
      expect(panel.tagName).toBe('SECTION')
      expect(panel.getAttribute('aria-label')).toBe(name)
      act(() => link.click())
      await act(() => new Promise((r) => requestAnimationFrame(() => r(undefined))))
      expect(document.activeElement).toBe(panel)
    }
  })
})
