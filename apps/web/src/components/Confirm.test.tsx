// @vitest-environment happy-dom
import { act } from 'react'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { appStore } from '../store/appStore.ts'
import { operationsFor } from '../views/operations.ts'
import { MiB, mirvol } from '../views/testOperations.ts'
import { rootPerTest } from './testRoot.ts'

/** Every API call the dialog makes: route and body; a dry run answers with no changes. */
const calls: Array<{ route: string; body: Record<string, unknown> }> = []
vi.mock('../net/api.ts', () => ({
  session: { onRefused: undefined },
  api: (route: string, _params: unknown, body: Record<string, unknown>) => {
    calls.push({ route, body })
    return Promise.resolve(body.dryRun ? { dryRun: true, tid: 1, changes: [], copyBytes: 0 } : { dryRun: false, tid: 2, changes: [] })
  },
  ApiError: class extends Error {},
}))
const { ConfirmHost } = await import('./Confirm.tsx')

const dom = rootPerTest()
const config = mirvol()

beforeEach(() => {
  calls.length = 0
  appStore.setState((s) => ({ server: { ...s.server, connection: 'live', user: { name: 'admin', role: 'admin' }, groups: { dg: { name: 'dg', config, forcedOffline: false, dirty: {}, stale: {} } } } }))
  act(() => dom.root.render(<ConfirmHost />))
})

/** Opens the dialog of operation `id` on volume `v`. */
function open(id: string, v = 'catvol') {
  const a = operationsFor(config, { dg: 'dg', kind: 'v', name: v }, 'admin').find((x) => x.id === id)!
  act(() => appStore.getState().confirm(a))
}

/** Types into an input as a person does: React sees an input event. */
function type(input: HTMLInputElement, text: string) {
  Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value')!.set!.call(input, text)
  act(() => void input.dispatchEvent(new Event('input', { bubbles: true })))
}

const flush = () => act(() => Promise.resolve())
const $ = (sel: string) => dom.el.ownerDocument.querySelector(sel)
const confirmButton = () => [...dom.el.querySelectorAll('button')].find((b) => b.textContent === 'Confirm')!

describe('Confirm with an operation form', () => {
  it('321 a grow\'s size is checked inline: no dry run, Confirm disabled, until it is a larger size; then the dry run and the operation get {len}', async () => {
    open('grow')
    const size = $('[data-testid="operation-fields"] input') as HTMLInputElement
    // the size field has the focus: the next thing to do is to type it
    expect(document.activeElement).toBe(size)
    type(size, '16m')
    await flush()
    expect($('[data-testid="field-issue"]')?.textContent).toContain('the new size must be larger')
    expect(confirmButton().disabled).toBe(true)
    expect(calls).toEqual([])
    type(size, '192m')
    await flush()
    expect($('[data-testid="size-means"]')?.textContent).toBe('= 192 MiB, 393,216 sectors')
    expect(calls).toEqual([{ route: 'POST /api/dgs/:dg/volumes/:volume/grow', body: { len: 192 * MiB, dryRun: true } }])
    expect($('[data-testid="dry-run"]')?.textContent).toContain('catvol grows from 128 MiB to 192 MiB')
    expect(confirmButton().disabled).toBe(false)
    act(() => confirmButton().click())
    await flush()
    expect(calls.at(-1)).toEqual({ route: 'POST /api/dgs/:dg/volumes/:volume/grow', body: { len: 192 * MiB } })
    expect(appStore.getState().pending).toBeUndefined()
  })
  it('321 a started volume\'s shrink waits for the choice that says the data beyond the end is gone, then sends force', async () => {
    open('shrink')
    type($('[data-testid="operation-fields"] input') as HTMLInputElement, '64m')
    await flush()
    expect(confirmButton().disabled).toBe(true)
    expect(calls).toEqual([])
    const force = $('[data-testid="force-choice"] input') as HTMLInputElement
    expect(force.parentElement!.textContent).toContain('catvol is started: shrink it anyway; the data beyond the new end is gone')
    act(() => force.click())
    await flush()
    expect(calls).toEqual([{ route: 'POST /api/dgs/:dg/volumes/:volume/shrink', body: { len: 64 * MiB, force: true, dryRun: true } }])
    expect(confirmButton().disabled).toBe(false)
  })
})
