// @vitest-environment happy-dom
// Rule 470: the selected object's properties put identity, state and layout first, the editors
// (read policy, comment, putil0..2) last, as VEA's Properties does. Rule 504: a disk subdisks
// were relocated off, and a relocated subdisk, say so with "Move relocated subdisks back".
import { act } from 'react'
import { describe, expect, it, vi } from 'vitest'
import type { FinishedTask, GroupView } from '@plexa/protocol'
import { appStore } from '../store/appStore.ts'
import { demo } from '../views/testGroups.ts'
import { rootPerTest } from './testRoot.ts'

vi.mock('../net/api.ts', () => ({ session: { onRefused: undefined }, api: () => Promise.resolve({}), ApiError: class extends Error {} }))
const { Properties } = await import('./Properties.tsx')

const dom = rootPerTest()

/** The sections of the pane and its first form control, in document order. */
function order(): string[] {
  const out: string[] = []
  for (const n of dom.el.querySelectorAll('section[aria-label] section[aria-label], input, select')) {
    out.push(n.tagName === 'SECTION' ? `section:${n.getAttribute('aria-label')}` : 'control')
  }
  return out
}

describe('Properties', () => {
  it('I470 a volume\'s identity, state and layout come before every editor, which are last under Edit', () => {
    appStore.setState((s) => ({ server: { ...s.server, connection: 'live', user: { name: 'admin', role: 'admin' }, groups: { dg: demo() } }, selection: { dg: 'dg', kind: 'v', name: 'mir' } }))
    act(() => dom.root.render(<Properties />))
    const seen = order()
    const firstControl = seen.indexOf('control')
    expect(firstControl).toBeGreaterThan(0)
    for (const g of ['Identity', 'State']) {
      expect(seen.indexOf(`section:${g}`), g).toBeGreaterThanOrEqual(0)
      expect(seen.indexOf(`section:${g}`), g).toBeLessThan(firstControl)
    }
    // every control is in the Edit section, after the last field table
    const edit = dom.el.querySelector('section[aria-label="edit"]')!
    expect(edit).not.toBeNull()
    for (const c of dom.el.querySelectorAll('input, select')) expect(edit.contains(c)).toBe(true)
    expect(seen.lastIndexOf('section:edit')).toBeGreaterThan(Math.max(...['Identity', 'State', 'Layout'].map((g) => seen.indexOf(`section:${g}`))))
  })
})

/** The demo group with mir-02's subdisk relocated from disk02 (sector 0) to disk03; disk02 FAILING with `failing`. */
function relocatedGroup(failing = false): GroupView {
  const g = demo()
  const c = structuredClone(g.config)
  const sd = c.subdisks.find((s) => s.sd_pl_name === 'mir-02')!
  Object.assign(sd, { sd_dm_name: 'disk03', sd_orig_dmname: 'disk02', sd_orig_dmoffset: 0, sd_len: 2048, sd_dm_offset: 4096 })
  Object.assign(c.disks.find((d) => d.dm_name === 'disk02')!, { dm_pflag: failing ? 0x8 : 0, dm_pub_len: 100000 })
  return { ...g, config: c }
}

function show(g: GroupView, kind: 'dm' | 'sd', name: string, role: 'admin' | 'viewer' = 'admin') {
  appStore.setState((s) => ({ server: { ...s.server, connection: 'live', user: { name: role, role }, groups: { dg: g } }, selection: { dg: 'dg', kind, name } }))
  act(() => dom.root.render(<Properties />))
  return dom.el.querySelector('[data-testid="relocated-note"]')
}

describe('Properties: RelocatedNote (vxunreloc)', () => {
  it('rule 504: the original disk and the relocated subdisk say where it is and offer the move back, which asks to confirm it', () => {
    const note = show(relocatedGroup(), 'dm', 'disk02')!
    expect(note.textContent).toContain('Hot relocation moved 1 subdisk off disk02 (1 MiB): mir-02-sd0 of mir-02 on disk03.')
    const button = note.querySelector('button')!
    expect(button.getAttribute('aria-disabled')).toBeNull()
    act(() => button.click())
    expect(appStore.getState().pending).toMatchObject({ id: 'unrelocate', params: { dg: 'dg', disk: 'disk02' } })
    const sdNote = show(relocatedGroup(), 'sd', 'mir-02-sd0')!
    expect(sdNote.textContent).toContain('Hot relocation moved mir-02-sd0 here from disk02 (sector 0 there).')
  })

  it('rule 504: a disk still FAILING keeps the button disabled with why; a disk nothing was relocated off has no note', () => {
    const note = show(relocatedGroup(true), 'dm', 'disk02')!
    const button = note.querySelector('button')!
    expect(button.getAttribute('aria-disabled')).toBe('true')
    expect(button.getAttribute('title')).toBe('disk02 is still marked FAILING: once the disk is checked, clear FAILING first')
    expect(show(relocatedGroup(), 'dm', 'disk01')).toBeNull()
    expect(show(demo(), 'dm', 'disk02')).toBeNull()
  })
})

describe('Properties: the health line of a volume whose plexes differ', () => {
  const verify = (mismatchCount: number, id = 1): FinishedTask => ({ id, taskId: `task-${id}`, dg: 'dg', kind: 'verify', target: 'volume mir', volumes: ['mir'], outcome: 'ok', finishedAt: id, doneBytes: 0, totalBytes: 0, verify: { volume: 'mir', regionSectors: 1024, regionsChecked: 4, mismatchCount, mismatches: [] } })
  const line = (finished: FinishedTask[]) => {
    appStore.setState((s) => ({ server: { ...s.server, connection: 'live', user: { name: 'admin', role: 'admin' }, groups: { dg: demo() }, finished }, selection: { dg: 'dg', kind: 'v', name: 'mir' } }))
    act(() => dom.root.render(<Properties />))
    return dom.el.querySelector<HTMLElement>('[data-testid="properties-health"]')!.dataset.tone
  }

  it('I574 reads failed (mirrors differ, as the tree and the drawing say) until a clean verify, not a healthy full redundancy', () => {
    expect(line([])).toBe('ok')
    expect(line([verify(1)])).toBe('failed')
    expect(line([verify(1), verify(0, 2)])).toBe('ok')
  })
})
