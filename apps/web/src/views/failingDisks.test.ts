import { describe, expect, it } from 'vitest'
import type { GroupView, ServerMessage } from '@plexa/protocol'
import { applyServerMessage, initialServerState } from '../store/applyServerMessage.ts'
import { groupActions } from './actions.ts'
import { describeEvent } from './describeEvent.ts'
import { attention, groupHealth } from './health.ts'
import { mirvol } from './testOperations.ts'

/**
 * Rule 409: a disk the engine knows fails every read or write (`GroupView.failing`: a lost NBD
 * connection, a device gone), with no lab failure, is a failed disk on the page as one the lab
 * failed is, and what the engine would refuse on it is disabled with the reason.
 */
const view = (failing: GroupView['failing'] = {}, over: Parameters<typeof mirvol>[0] = {}): GroupView => ({ name: 'dg', config: mirvol(over), forcedOffline: false, dirty: {}, stale: {}, failing })
const act = (g: GroupView, kind: 'pl' | 'v' | 'dm', name: string) => Object.fromEntries(groupActions(g, { dg: 'dg', kind, name }, 'admin').map((a) => [a.id, a]))

describe('rule 409: the page says what the engine knows of a disk whose device fails', () => {
  it('409 a disk whose device the engine knows fails is failed, with the engine\'s reason, and its volumes lose the copy on it', () => {
    const h = groupHealth(view({ disk02: 'both' }), [])
    expect(h.disks.get('disk02')).toMatchObject({ status: 'failed', reason: expect.stringContaining('reads and writes') })
    expect(h.disks.get('disk02')!.reason).toContain('engine')
    expect(h.volumes.get('mirvol')!.redundancy).toBe('none')
    expect(h.plexes.get('mirvol-02')!.failedDisks).toEqual(['disk02'])
    expect(groupHealth(view(), []).disks.get('disk02')!.status).toBe('ok')
  })

  it('409 Attach of a plex on a disk failing writes, and Resync of a volume whose only current copy is on a disk failing reads, are disabled with the reason', () => {
    const detached = { k: 'DETACHED', st: 'IOFAIL' }
    expect(act(view({ disk02: 'write' }, detached), 'pl', 'mirvol-02').att!.disabled).toMatch(/disk02.*fails writes/)
    expect(act(view({}, detached), 'pl', 'mirvol-02').att!.disabled).toBeUndefined()
    // the copy would read from mirvol-01 on disk01: its device fails reads
    expect(act(view({ disk01: 'read' }, detached), 'pl', 'mirvol-02').att!.disabled).toMatch(/VM_NOTSYNCED/)
    expect(act(view({ disk01: 'both' }, { st: 'STALE' }), 'v', 'mirvol').resync!.disabled).toMatch(/disk01/)
    expect(act(view({}, { st: 'STALE' }), 'v', 'mirvol').resync!.disabled).toBeUndefined()
  })

  it('409 Resync disk of a disk failing writes is disabled; no new space is offered on a failing disk (the engine refuses it VM_DISK_FAILED)', () => {
    expect(act(view({ disk02: 'both' }), 'dm', 'disk02').resyncdisk!.disabled).toMatch(/disk02 fails writes/)
    expect(act(view({}), 'dm', 'disk02').resyncdisk!.disabled).toBeUndefined()
    const form = (g: GroupView) => act(g, 'v', 'catvol').mirror!.form as { disks: string[]; free: Record<string, number> }
    expect(form(view({})).disks).toContain('disk02')
    expect(form(view({ disk02: 'both' })).disks).not.toContain('disk02')
    expect(form(view({ disk02: 'both' })).free.disk02).toBeUndefined()
    // a disk under a plex an I/O error detached takes no new space until the plex is back (rule 372)
    expect(form(view({}, { k: 'DETACHED', st: 'IOFAIL' })).disks).not.toContain('disk02')
  })

  it('409 the Overview offers Replace (not the lab\'s Restore) for such a disk, and its Resync is disabled there too', () => {
    const items = attention([view({ disk02: 'both' })], { enabled: true, disks: [], loads: [] }, [])
    expect(items.find((x) => x.key === 'dg/dm/disk02')).toMatchObject({ severity: 'critical', fix: { kind: 'replace-disk', disk: 'disk02' } })
  })

  it('409 a dg.failing event replaces the group\'s failing disks, and the event log says it in words', () => {
    const hello = { type: 'hello', protocol: 1, seq: 1, user: { name: 'a', role: 'admin' }, snapshot: { seq: 1, groups: [view()], tasks: [], lab: { enabled: false, disks: [], loads: [] }, history: { events: [], alerts: [], tasks: [], audit: [] } } } as ServerMessage
    const s = applyServerMessage(initialServerState(), hello)
    const event = { type: 'dg.failing', dg: 'dg', failing: { disk02: 'both' }, seq: 2, at: 0 } as const
    const t = applyServerMessage(s, { type: 'event', event })
    expect(t.groups.dg!.failing).toEqual({ disk02: 'both' })
    expect(groupHealth(t.groups.dg!, t.lab.disks).disks.get('disk02')!.status).toBe('failed')
    expect(describeEvent(event)).toMatchObject({ tone: 'warning', text: expect.stringContaining('disk02 fails reads and writes') })
    const back = applyServerMessage(t, { type: 'event', event: { ...event, failing: {}, seq: 3 } })
    expect(groupHealth(back.groups.dg!, back.lab.disks).disks.get('disk02')!.status).toBe('ok')
  })
})
