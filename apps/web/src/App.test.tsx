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
})
