// @vitest-environment happy-dom
import { act } from 'react'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import type { PendingImport } from '@plexa/protocol'
import { appStore } from '../store/appStore.ts'
import { attention } from '../views/health.ts'
import { rootPerTest } from './testRoot.ts'

/** Every API call the dialog makes; the import answers as the server does after a selectcp import. */
const calls: Array<{ route: string; params: unknown; body: unknown }> = []
vi.mock('../net/api.ts', () => ({
  session: { onRefused: undefined },
  api: (route: string, params: unknown, body: unknown) => {
    calls.push({ route, params, body })
    return Promise.resolve({ name: 'tdg', tid: 14, unusable: [], dropped: [{ disks: ['disk01', 'disk02'], diskids: ['id-1', 'id-2'], tid: 12, records: ['left'] }] })
  },
  ApiError: class extends Error {},
}))
const { SplitBrainHost } = await import('./SplitBrainDialog.tsx')

const waiting: PendingImport = {
  name: 'tdg',
  code: 'VM_SPLIT_BRAIN',
  reason: 'the configuration copies of disk group tdg went separate ways',
  sides: [{ disks: ['disk01', 'disk02'], diskids: ['id-1', 'id-2'], tid: 12 }, { disks: ['disk03'], diskids: ['id-3'], tid: 9 }],
  devices: ['/d/1', '/d/2', '/d/3'],
}

const dom = rootPerTest()
beforeEach(() => {
  calls.length = 0
  appStore.setState((s) => ({ server: { ...s.server, connection: 'live', user: { name: 'admin', role: 'admin' }, imports: [waiting] } }))
  act(() => dom.root.render(<SplitBrainHost />))
})

const flush = () => act(() => Promise.resolve())
const $ = (sel: string) => dom.el.ownerDocument.querySelector(sel)
const button = (text: RegExp) => [...dom.el.querySelectorAll('button')].find((b) => text.test(b.textContent ?? ''))!

describe('rule 407: a group waiting after a split brain says so, with each side', () => {
  it('407 the Overview item names each side\'s disks and newest tid and offers choosing a side, nothing else', () => {
    const [item] = attention([], { enabled: false, disks: [], loads: [] }, [], [], [waiting])
    expect(item).toMatchObject({ key: 'import/tdg', severity: 'critical', fix: { kind: 'choose-side' } })
    expect(item!.text).toContain('not imported')
    expect(item!.text).toContain('side 1: disk01, disk02 (newest tid 12)')
    expect(item!.text).toContain('side 2: disk03 (newest tid 9)')
  })
})

describe('rule 408: choosing the side of a split brain', () => {
  it('408 each side says what keeping it does to the other; Import waits for a side and the confirmation, then imports with that side\'s disk id and shows what was overruled', async () => {
    act(() => appStore.getState().chooseSide('tdg'))
    expect($('[data-testid="split-brain"]')).not.toBeNull()
    expect(document.activeElement?.textContent).toBe('Cancel')
    const side2 = $('[data-testid="side-2"]')!
    expect(side2.textContent).toContain('disk03 (newest tid 9)')
    expect(side2.textContent).toContain('disk01, disk02: the configuration there (newest tid 12) is overruled; the plexes on them are marked stale where their volume has another plex')
    expect(button(/^Import/).disabled).toBe(true)
    act(() => (side2.querySelector('input') as HTMLInputElement).click())
    expect(button(/^Import/).disabled).toBe(true)
    expect($('[data-testid="split-brain-blocked"]')!.textContent).toContain('tick the box')
    act(() => ($('input[type="checkbox"]') as HTMLInputElement).click())
    expect(button(/^Import keeping side 2/).disabled).toBe(false)
    expect(calls).toEqual([])
    act(() => button(/^Import keeping side 2/).click())
    await flush()
    expect(calls).toEqual([{ route: 'POST /api/imports/:dg', params: { dg: 'tdg' }, body: { selectcp: 'id-3' } }])
    const result = $('[data-testid="split-brain-result"]')!.textContent
    expect(result).toContain('disk group tdg is imported (tid 14)')
    expect(result).toContain('overruled: the configuration of disk01, disk02 (newest tid 12); it held otherwise: left')
    expect(result).toContain('VM_SPLIT_BRAIN alert')
    // the group no longer waits (the snapshot after the import): the result stays until closed
    act(() => appStore.setState((s) => ({ server: { ...s.server, imports: [] } })))
    expect($('[data-testid="split-brain-result"]')).not.toBeNull()
    act(() => button(/^Close/).click())
    expect($('[data-testid="split-brain"]')).toBeNull()
    expect(appStore.getState().choosingSide).toBeUndefined()
  })

  it('408 a viewer sees the sides but cannot import; Cancel imports nothing', () => {
    act(() => appStore.setState((s) => ({ server: { ...s.server, user: { name: 'v', role: 'viewer' } } })))
    act(() => appStore.getState().chooseSide('tdg'))
    act(() => ($('[data-testid="side-1"] input') as HTMLInputElement).click())
    act(() => ($('input[type="checkbox"]') as HTMLInputElement).click())
    expect(button(/^Import/).disabled).toBe(true)
    act(() => button(/^Cancel/).click())
    expect(calls).toEqual([])
    expect($('[data-testid="split-brain"]')).toBeNull()
  })
})
