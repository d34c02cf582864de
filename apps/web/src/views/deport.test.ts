import { describe, expect, it } from 'vitest'
import type { ServerMessage } from '@plexa/protocol'
import { applyServerMessage, initialServerState } from '../store/applyServerMessage.ts'
import { confirmTitle } from './actions.ts'
import { deportAction, deportWords, importDeportedAction } from './deport.ts'
import { effectWords } from './effect.ts'
import { attention } from './health.ts'
import { operationsFor } from './operations.ts'
import { demo } from './testGroups.ts'

describe('rule 454: the console deports a disk group and imports it back', () => {
  it('454 Deport disk group… is offered on the group, disabled while a volume is started naming it, and for a viewer', () => {
    const g = demo()
    const started = g.config.volumes.filter((v) => v.v_kstate !== 'DISABLED').map((v) => v.v_name)
    expect(started.length).toBeGreaterThan(0)
    const a = operationsFor(g.config, { dg: g.name, kind: 'dg', name: g.name }, 'admin').find((x) => x.id === 'deport')
    expect([a?.route, a?.destructive, a?.disabled]).toEqual(['POST /api/dgs/:dg/deport', true, `stop ${started.join(', ')} first: a deport needs every volume of ${g.name} stopped`])
    const stopped = structuredClone(g.config)
    for (const v of stopped.volumes) v.v_kstate = 'DISABLED'
    expect(deportAction(stopped, g.name).disabled).toBeUndefined()
    expect(operationsFor(stopped, { dg: g.name, kind: 'dg', name: g.name }, 'viewer').find((x) => x.id === 'deport')?.disabled).toBe('viewers cannot change anything')
    expect(confirmTitle(deportAction(stopped, g.name))).toBe(`Deport disk group ${g.name}?`)
  })

  it('454 its dry run says which headers are cleared and which volumes leave', () => {
    const g = demo()
    const words = effectWords(deportAction(g.config, g.name), g, [], { name: g.name, dryRun: true, disks: ['disk01', 'disk02'], volumes: ['mirvol'] } as never)
    expect(words).toEqual(deportWords(g.name, { disks: ['disk01', 'disk02'], volumes: ['mirvol'] }))
    expect(words[0]).toContain('disks disk01, disk02 will name no importer')
    expect(words[1]).toContain('volumes mirvol leave with it')
  })

  it('454 dg.state deported drops the group and asks for a snapshot; a deported group is no attention item; its import confirms without a dry run', () => {
    const g = demo()
    const s0 = { ...initialServerState(), seq: 5, groups: { [g.name]: g } }
    const m: ServerMessage = { type: 'event', event: { seq: 6, at: 0, type: 'dg.state', dg: g.name, state: 'deported' } } as ServerMessage
    const s1 = applyServerMessage(s0, m)
    expect([Object.keys(s1.groups), s1.needsSnapshot]).toEqual([[], true])
    const pending = { name: g.name, code: 'VM_OFFLINE', reason: 'deported', devices: ['/d/1.img', '/d/2.img'], deported: true }
    expect(attention([], { enabled: false, disks: [], loads: [] }, [], [], [pending])).toEqual([])
    const busy = { ...pending, code: 'VM_BUSY', importedBy: 'hostB', deported: undefined }
    expect(attention([], { enabled: false, disks: [], loads: [] }, [], [], [busy]).map((i) => i.key)).toEqual([`import/${g.name}`])
    const imp = importDeportedAction(pending)
    expect([imp.route, imp.params, imp.body, typeof imp.noDryRun, confirmTitle(imp)]).toEqual(['POST /api/imports/:dg', { dg: g.name }, {}, 'string', `Import disk group ${g.name}?`])
  })
})
