import { describe, expect, it } from 'vitest'
import type { SyncReport } from '../src/resync/regionCopy.ts'
import { memoryGroup } from './harness.ts'

describe('272: a copy\'s report counts the bytes it wrote to each target plex', () => {
  it('a forced resync of a 3-way mirror writes its length twice (two targets); a second plain one writes nothing', async () => {
    const { dg } = await memoryGroup(3, 32 << 20)
    await dg.assistMake({ init: 'active', name: 'v3', len: 4096, layout: 'mirror', nmirror: 3 })
    const forced = (await (await dg.resyncVolume('v3', true)).done) as SyncReport
    expect([forced.bytesCopied, forced.bytesWritten]).toEqual([4096 * 512, 2 * 4096 * 512])
    const plain = (await (await dg.resyncVolume('v3', false)).done) as SyncReport
    expect(plain.bytesWritten).toBe(0)
  })
})
