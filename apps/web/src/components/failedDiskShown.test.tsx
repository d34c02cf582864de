// @vitest-environment happy-dom
import { act } from 'react'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { FailingDisks, GroupView, LabView, ServerEventBody, ServerMessage } from '@plexa/protocol'
import { appStore } from '../store/appStore.ts'
import { mirvol } from '../views/testOperations.ts'
import { rootPerTest } from './testRoot.ts'

vi.mock('../net/api.ts', () => ({ session: { onRefused: undefined }, api: () => new Promise(() => {}), ApiError: class extends Error {} }))
const { DiskView } = await import('./DiskView.tsx')
const { VolumeView } = await import('./VolumeView.tsx')
const { Actions } = await import('./Actions.tsx')
const { Overview } = await import('./Overview.tsx')

/**
 * Rule 461: the page reads whether a disk fails from one source, the group's `failing` (the
 * engine's `failingDisks()`, a lab failure in it as any other device that fails): a disk the lab
 * failed and one whose device the engine knows fails (a lost NBD connection) are drawn, badged,
 * listed and acted on alike, and once `failing` no longer names the disk the page shows it working.
 */
const dom = rootPerTest()
let seq = 1

function hello(lab: LabView['disks'] = []) {
  const c = mirvol()
  const config = { ...c, disks: c.disks.map((d) => ({ ...d, dm_priv_len: 2048 })), subdisks: c.subdisks.map((s) => ({ ...s, sd_pl_offset: 0 })) }
  const g: GroupView = { name: 'dg', config, forcedOffline: false, dirty: {}, stale: {}, failing: {} }
  const m = { type: 'hello', protocol: 1, seq: 1, user: { name: 'admin', role: 'admin' }, snapshot: { seq: 1, groups: [g], tasks: [], lab: { enabled: true, disks: lab, loads: [] }, history: { events: [], alerts: [], tasks: [], audit: [] } } } as ServerMessage
  seq = 1
  act(() => {
    appStore.getState().receive(m)
    appStore.setState({ selection: { dg: 'dg', kind: 'dm', name: 'disk02' } })
  })
}
const send = (body: ServerEventBody) => act(() => appStore.getState().receive({ type: 'event', event: { ...body, seq: ++seq, at: seq } } as ServerMessage))
const failing = (f: FailingDisks) => send({ type: 'dg.failing', dg: 'dg', failing: f })
const lab = (failed: 'none' | 'read' | 'write' | 'both') => send({ type: 'lab.disk', dg: 'dg', disk: 'disk02', failed, latencyMs: 0 })

/** What the page says of disk02 and what is on it: the disk view's badge, the drawings' subdisk, the toolbar's Resync disk, the Overview's item. */
function shown() {
  const attr = (sel: string, name: string) => dom.el.querySelector(sel)?.getAttribute(name) ?? null
  return {
    badge: dom.el.querySelector('[data-testid="disk-state-disk02"]')?.textContent ?? null,
    diskBar: attr('[data-testid="disk-disk02"] svg[role="group"]', 'aria-label'),
    onDisk: attr('[data-testid="disk-sd-disk02-10"]', 'aria-label'),
    inVolume: attr('[data-testid="sd-disk02-10"]', 'aria-label'),
    plex: attr('[data-testid="plex-mirvol-02"]', 'aria-label'),
    resyncDisk: attr('[aria-label="Resync disk disk02"]', 'aria-disabled'),
    overview: dom.el.querySelector('[data-testid="attention-dg/dm/disk02"]') !== null,
  }
}

beforeEach(() => {
  // the drawings lay out only in a box with a width
  vi.spyOn(HTMLElement.prototype, 'clientWidth', 'get').mockReturnValue(1000)
})
afterEach(() => {
  vi.restoreAllMocks()
})
const render = () => act(() => dom.root.render(<><Actions /><Overview /><DiskView /><VolumeView /></>))

describe('rule 461: one source of failing disks on the page', () => {
  it('461 a lab-failed disk and a disk whose device the engine knows fails show the same way, and clearing the state clears it', () => {
    // a lab failure, as the server sends it: the lab's event, then the engine's failing disks
    hello()
    render()
    const working = shown()
    expect(working).toMatchObject({ badge: null, diskBar: 'disk disk02', resyncDisk: null, overview: false })
    lab('both')
    failing({ disk02: 'both' })
    const labFailed = shown()
    expect(labFailed).toMatchObject({ badge: 'FAILED (reads and writes)', diskBar: 'disk disk02 FAILED (reads and writes)', resyncDisk: 'true', overview: true })
    expect(labFailed.onDisk).toMatch(/, disk FAILED \(reads and writes\)$/)
    expect(labFailed.inVolume).toMatch(/, disk failed$/)
    // the lab restores it: the engine's list no longer names it
    lab('none')
    failing({})
    expect(shown()).toEqual(working)

    // the same disk, its device failing with no lab failure (a lost connection)
    failing({ disk02: 'both' })
    expect(shown()).toEqual(labFailed)
    failing({})
    expect(shown()).toEqual(working)
  })

  it('461 a lab entry the engine\'s list does not confirm marks nothing: whether a disk fails is read from the group\'s failing alone', () => {
    // the lab's list says disk02 fails, the engine's does not (its device answers)
    hello([{ dg: 'dg', disk: 'disk02', failed: 'both', latencyMs: 0 }])
    render()
    expect(shown()).toMatchObject({ badge: null, diskBar: 'disk disk02', resyncDisk: null, overview: false })
    expect(shown().inVolume).not.toMatch(/failed/)
    // what the engine fails is what the page says: writes only
    failing({ disk02: 'write' })
    expect(shown()).toMatchObject({ badge: 'FAILED (writes)', resyncDisk: 'true', overview: true })
  })
})
