import { describe, expect, it } from 'vitest'
import { EngineError } from '../src/errors.ts'
import { PROFILES } from '../src/records/types.ts'
import { assistVolumeNameMax } from '../src/assist.ts'
import { memoryGroup } from './harness.ts'

async function refusal(p: Promise<unknown>): Promise<EngineError> {
  const e = await p.then(() => undefined, (x: unknown) => x)
  if (!(e instanceof EngineError)) throw new Error(`expected an EngineError, got ${String(e)}`)
  return e
}

describe('271: a vxassist volume name leaves room for its plexes\' -01', () => {
  it('is at most 11 characters in a 14-character profile, 28 in vxvm3', () => {
    expect(assistVolumeNameMax(PROFILES.classic)).toBe(11)
    expect(assistVolumeNameMax(PROFILES['compat-1993'])).toBe(11)
    expect(assistVolumeNameMax(PROFILES.vxvm3)).toBe(28)
  })

  it('takes an 11-character name, refuses 12 and 13 with VM_INVALID_NAME and the limit, and changes nothing', async () => {
    const { dg } = await memoryGroup(2, 32 << 20)
    await dg.assistMake({ init: 'none', name: 'a'.repeat(11), len: 2048, layout: 'mirror' })
    expect(dg.config().plexes.map((p) => p.pl_name)).toContain(`${'a'.repeat(11)}-01`)
    const tid = dg.tid
    for (const name of ['b'.repeat(12), 'c'.repeat(13)]) {
      const e = await refusal(dg.assistMake({ init: 'none', name, len: 2048 }))
      expect([e.code, e.details]).toEqual(['VM_INVALID_NAME', { maxLength: 11 }])
    }
    // a name too long for any record names the volume limit too, not the record one
    expect((await refusal(dg.assistMake({ init: 'none', name: 'd'.repeat(15), len: 2048 }))).details).toEqual({ maxLength: 11 })
    expect(dg.tid).toBe(tid)
  })

  it('a record made by name carries the record limit', async () => {
    const { dg } = await memoryGroup(1)
    expect((await refusal(dg.makePlex({ name: 'p'.repeat(15) }))).details).toEqual({ maxLength: 14 })
    const v3 = (await memoryGroup(1, 64 << 20, { profile: 'vxvm3' })).dg
    await v3.assistMake({ init: 'none', name: 'v'.repeat(28), len: 2048 })
    expect((await refusal(v3.assistMake({ init: 'none', name: 'w'.repeat(29), len: 2048 }))).details).toEqual({ maxLength: 28 })
  })
})
