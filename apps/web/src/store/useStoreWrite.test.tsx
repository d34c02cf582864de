// @vitest-environment happy-dom
import { Profiler, act, useRef } from 'react'
import { type Root, createRoot } from 'react-dom/client'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { appStore } from './appStore.ts'
import { setText, useStoreWrite } from './useStoreWrite.ts'

;(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true

let root: Root
let el: HTMLElement
let commits = 0
let writes = 0

/** The selected record's name, written by the store's updates (as a task's progress is). */
function Name({ prefix }: { prefix: string }) {
  const span = useRef<HTMLSpanElement>(null)
  useStoreWrite((s) => s.selection, (sel) => {
    writes++
    setText(span.current, `${prefix} ${sel?.name ?? 'none'}`)
  }, [prefix])
  return <span ref={span} data-testid="name" />
}

const render = (prefix: string) => act(() => root.render(<Profiler id="name" onRender={() => void commits++}><Name prefix={prefix} /></Profiler>))

beforeEach(() => {
  commits = 0
  writes = 0
  appStore.getState().reset()
  el = document.createElement('div')
  document.body.append(el)
  root = createRoot(el)
})

afterEach(() => {
  act(() => root.unmount())
  el.remove()
})

describe('useStoreWrite', () => {
  it('251: writes at mount and at each change of what it selects, with no React render', () => {
    render('sel')
    expect(el.textContent).toBe('sel none')
    const before = commits
    act(() => appStore.getState().select({ dg: 'dg1', kind: 'v', name: 'mirvol' }))
    expect(el.textContent).toBe('sel mirvol')
    expect(commits).toBe(before)
    // an update that leaves the selection as it was writes nothing
    const w = writes
    act(() => appStore.getState().toggleDark())
    expect(writes).toBe(w)
  })

  it('251: a new dependency writes again with the render\'s own write; unmounted, it writes no more', () => {
    render('sel')
    act(() => appStore.getState().select({ dg: 'dg1', kind: 'v', name: 'mirvol' }))
    render('selected')
    expect(el.textContent).toBe('selected mirvol')
    act(() => root.unmount())
    const w = writes
    act(() => appStore.getState().select({ dg: 'dg1', kind: 'v', name: 'strvol' }))
    expect(writes).toBe(w)
    root = createRoot(el)
  })
})
