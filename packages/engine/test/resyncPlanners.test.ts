// The resync planners on their own (resync/planStart.ts, resync/resyncPlan.ts): pure decisions
// on a configuration, no devices, no I/O.
import { describe, expect, it } from 'vitest'
import { RegionSet } from '../src/regionSet.ts'
import { PL_PFLAG, PL_TFLAG, V_TFLAG, type Config } from '../src/records/types.ts'
import { REGION_SECTORS } from '../src/resync/regionCopy.ts'
import { planRecovery, planStart } from '../src/resync/planStart.ts'
import { planVolumeRegions, regionBytes } from '../src/resync/resyncPlan.ts'
import { Draft } from '../src/txn.ts'
import { expectCode, memoryGroup } from './harness.ts'

const LEN = 8 * REGION_SECTORS

/** A stopped 2-way mirror's configuration (v1: v1-01, v1-02), as import would find it. */
async function stoppedMirror(): Promise<Config> {
  const { dg } = await memoryGroup(2)
  await dg.assistMake({ init: 'none', name: 'v1', len: LEN, layout: 'mirror' })
  await dg.start('v1')
  await dg.stop('v1')
  const c = dg.config()
  await dg.close()
  return c
}

const plex = (d: Draft, name: string) => d.plex(name)
const never = () => false

describe('planStart (D 28-33, rule 128)', () => {
  it('D30: a CLEAN mirror starts with both plexes ACTIVE, ENABLED, READ+WRITE and needs no recovery', async () => {
    const d = new Draft(await stoppedMirror())
    const plan = planStart(d, 'v1', { wasWritten: never, delayRecover: false })
    expect(plan).toEqual({ crashed: false, needSync: false, track: [], handBack: [], waiting: [] })
    expect(d.vol('v1')).toMatchObject({ v_kstate: 'ENABLED', v_state: 'ACTIVE', v_tflag: V_TFLAG.READ | V_TFLAG.WRITE })
    for (const n of ['v1-01', 'v1-02']) expect(plex(d, n)).toMatchObject({ pl_state: 'ACTIVE', pl_kstate: 'ENABLED' })
    expect(plex(d, 'v1-01').pl_tflag & (PL_TFLAG.READ | PL_TFLAG.WRITE | PL_TFLAG.COMPLETE)).toBe(PL_TFLAG.READ | PL_TFLAG.WRITE | PL_TFLAG.COMPLETE)
  })

  it('D31: a mirror that crashed while written starts in SYNC with read-writeback', async () => {
    const c = await stoppedMirror()
    c.volumes[0]!.v_state = 'ACTIVE'
    for (const p of c.plexes) p.pl_state = 'ACTIVE'
    const unwritten = structuredClone(c)
    const d = new Draft(c)
    const plan = planStart(d, 'v1', { wasWritten: (vrid) => vrid === c.volumes[0]!.v_rid, delayRecover: false })
    expect(plan.crashed).toBe(true)
    expect(d.vol('v1')).toMatchObject({ v_state: 'SYNC', v_tflag: V_TFLAG.READ | V_TFLAG.WRITE | V_TFLAG.RWBACK })
    // D32: not written since its start, the same crash needs nothing
    const again = new Draft(unwritten)
    expect(planStart(again, 'v1', { wasWritten: never, delayRecover: false }).crashed).toBe(false)
    expect(again.vol('v1').v_state).toBe('ACTIVE')
  })

  it('D36/D50: a STALE plex becomes a write-only attach target, a kernel-detached one is never a source; delayrecover leaves it DETACHED', async () => {
    const c = await stoppedMirror()
    const p2 = c.plexes.find((p) => p.pl_name === 'v1-02')!
    p2.pl_state = 'STALE'
    const d = new Draft(structuredClone(c))
    planStart(d, 'v1', { wasWritten: never, delayRecover: false })
    expect(plex(d, 'v1-02')).toMatchObject({ pl_state: 'STALE', pl_kstate: 'ENABLED', pl_tutil: ['ATT', '', ''] })
    expect(plex(d, 'v1-02').pl_tflag & 0xf).toBe(PL_TFLAG.WRITE)
    const delayed = new Draft(structuredClone(c))
    planStart(delayed, 'v1', { wasWritten: never, delayRecover: true })
    expect(plex(delayed, 'v1-02')).toMatchObject({ pl_state: 'STALE', pl_kstate: 'DETACHED' })
    // the only CLEAN plex kernel-detached: nothing to start from
    c.plexes.find((p) => p.pl_name === 'v1-01')!.pl_pflag |= PL_PFLAG.KDETACH
    await expectCode(() => planStart(new Draft(c), 'v1', { wasWritten: never, delayRecover: false }), 'VM_UNSTARTABLE')
  })

  it('I79: a current plex on a disk without its device is disabled, stale, and handed back for tracking', async () => {
    const c = await stoppedMirror()
    const p2 = c.plexes.find((p) => p.pl_name === 'v1-02')!
    p2.pl_tflag |= PL_TFLAG.NODAREC
    const d = new Draft(c)
    const plan = planStart(d, 'v1', { wasWritten: never, delayRecover: false })
    expect(plan.track).toEqual([p2.pl_rid])
    expect(plex(d, 'v1-02')).toMatchObject({ pl_state: 'STALE', pl_kstate: 'DISABLED' })
  })

  it('an already started volume is refused VM_INVALID_PARAM', async () => {
    const c = await stoppedMirror()
    c.volumes[0]!.v_kstate = 'ENABLED'
    await expectCode(() => planStart(new Draft(c), 'v1', { wasWritten: never, delayRecover: false }), 'VM_INVALID_PARAM')
  })
})

describe('planRecovery and the resync plans (D31, I74, rule 128)', () => {
  const plan = (crashed: boolean, needSync: boolean) => ({ crashed, needSync, track: [], handBack: [], waiting: [] })
  it('I74: after a NEEDSYNC stop, recovery covers the regions from v_rwback_offset on', () => {
    const r = planRecovery({ plan: plan(true, true), len: LEN, rwbackOffset: 3 * REGION_SECTORS, logged: undefined })
    expect([...r.regions!]).toEqual([3, 4, 5, 6, 7])
    expect(r.fullResync).toBe(false)
  })
  it('F53: after a crash, the DRL dirty regions; without a usable log, every region (a full resync)', () => {
    const logged = RegionSet.fromRanges([[2, 2]])
    expect([...planRecovery({ plan: plan(true, false), len: LEN, rwbackOffset: 0, logged }).regions!]).toEqual([2, 3])
    const full = planRecovery({ plan: plan(true, false), len: LEN, rwbackOffset: 0, logged: undefined })
    expect(full.regions!.size).toBe(8)
    expect(full.fullResync).toBe(true)
    expect(planRecovery({ plan: plan(false, false), len: LEN, rwbackOffset: 0, logged: undefined })).toEqual({ regions: undefined, fullResync: false })
  })
  it('G: a volume resync copies every region when forced, else the stale ones; bytes count a short last region', () => {
    expect(planVolumeRegions(4, false, (g) => g === 1 || g === 3)).toEqual([1, 3])
    expect(planVolumeRegions(3, true, never)).toEqual([0, 1, 2])
    const v = { v_len: 2 * REGION_SECTORS + 8 } as Parameters<typeof regionBytes>[0]
    expect(regionBytes(v, [0, 2])).toBe((REGION_SECTORS + 8) * 512)
  })
})
