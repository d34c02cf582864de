import { describe, expect, it } from 'vitest'
import { REGION_SECTORS } from '../src/diskGroup.ts'
import { expectCode, memoryGroup, rec } from './harness.ts'

const LEN = 8 * REGION_SECTORS

describe('the dry run of an unforced shrink of a started volume previews the forced one (rule 424)', () => {
  it('rule 424: it answers the forced dry run\'s changes with one note more (it needs force), changes nothing, and the real unforced shrink is still refused VM_VOL_ENABLED', async () => {
    const { dg } = await memoryGroup(3, 32 << 20)
    await dg.assistMake({ init: 'zero', name: 'v1', len: LEN, layout: 'mirror', disks: ['disk01', 'disk02'] })
    const before = dg.config()
    const forced = await dg.shrinkVolume('v1', LEN / 2, { dryRun: true, force: true })
    const unforced = await dg.shrinkVolume('v1', LEN / 2, { dryRun: true })
    expect(unforced.changes).toEqual(forced.changes)
    expect(unforced.notes?.length).toBe((forced.notes?.length ?? 0) + 1)
    expect(dg.config()).toEqual(before)
    await expectCode(dg.shrinkVolume('v1', LEN / 2), 'VM_VOL_ENABLED')
    expect(rec(dg, 'v1').v_len).toBe(LEN)
    await dg.close()
  })
})
