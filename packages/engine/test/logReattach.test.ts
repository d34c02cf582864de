import { describe, expect, it } from 'vitest'
import { badLogRig, expectLogInUse } from './badLogRig.ts'
import { expectCode } from './harness.ts'

describe('re-attaching a DRL log plex whose disk failed (rules 475, 476)', () => {
  it('rule 475: plex att of the IOFAIL log plex once its disk works copies nothing (its dry run says 0 bytes), the plex is LOG ENABLED, its log rewritten, BADLOG cleared, no copy task', async () => {
    const r = await badLogRig()
    const plex = r.logPlex().pl_name
    const heal = await r.loseLog()
    heal()
    const before = r.dg.config()
    const dry = await r.dg.attachPlex('v1', plex, { dryRun: true })
    expect(dry.copyBytes).toBe(0)
    expect(r.dg.config()).toEqual(before)
    const tasks: string[] = []
    await r.dg.attachPlex('v1', plex, { onTask: (id) => tasks.push(id) })
    expect(tasks).toEqual([])
    expect([r.logPlex().pl_kstate, r.logPlex().pl_state]).toEqual(['ENABLED', 'LOG'])
    expect(r.badlog()).toBe(false)
    await expectLogInUse(r)
  })

  it('rule 475: plex att of the IOFAIL log plex while its disk still fails every I/O is refused VM_DISK_FAILED, nothing changed', async () => {
    const r = await badLogRig()
    const plex = r.logPlex().pl_name
    await r.loseLog()
    const before = r.dg.config()
    await expectCode(r.dg.attachPlex('v1', plex), 'VM_DISK_FAILED')
    expect(r.dg.config()).toEqual(before)
    expect(r.badlog()).toBe(true)
    await r.dg.close()
  })

  it('rule 476: resync disk of the restored log disk re-attaches the log plex on it (vxrecover): its dry run names it, DETACHED IOFAIL -> ENABLED LOG, 0 bytes; the resync leaves it LOG ENABLED and BADLOG cleared', async () => {
    const r = await badLogRig()
    const plex = r.logPlex().pl_name
    const heal = await r.loseLog()
    heal()
    const plan = r.dg.planResyncDisk('disk03', false)
    expect(plan.bytes).toBe(0)
    expect(plan.handBack).toEqual([{ plex, volume: 'v1', from: { kstate: 'DETACHED', state: 'IOFAIL' }, to: { kstate: 'ENABLED', state: 'LOG' } }])
    await (await r.dg.resyncDisk('disk03', false)).done
    expect([r.logPlex().pl_kstate, r.logPlex().pl_state]).toEqual(['ENABLED', 'LOG'])
    expect(r.badlog()).toBe(false)
    await expectLogInUse(r)
  })
})
