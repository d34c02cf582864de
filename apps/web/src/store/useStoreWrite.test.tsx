// @vitest-environment happy-dom
import { Profiler, act, useRef } from 'react'
import { beforeEach, describe, expect, it } from 'vitest'
import { appStore } from './appStore.ts'
import { setText, useStoreWrite } from './useStoreWrite.ts'
import { rootPerTest } from '../components/testRoot.ts'

const dom = rootPerTest()
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

const render = (prefix: string) => act(() => dom.root.render(<Profiler id="name" onRender={() => void commits++}><Name prefix={prefix} /></Profiler>))

beforeEach(() => {
  commits = 0
  writes = 0
})

describe('useStoreWrite', () => {
  it('251: writes at mount and at each change of what it selects, with no React render', () => {
    render('sel')
    expect(dom.el.textContent).toBe('sel none')
    const before = commits
    act(() => appStore.getState().select({ dg: 'dg1', kind: 'v', name: 'mirvol' }))
    expect(dom.el.textContent).toBe('sel mirvol')
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
    expect(dom.el.textContent).toBe('selected mirvol')
    act(() => dom.root.unmount())
    const w = writes
    act(() => appStore.getState().select({ dg: 'dg1', kind: 'v', name: 'strvol' }))
    expect(writes).toBe(w)
  })
})
