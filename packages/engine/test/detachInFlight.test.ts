import { describe, expect, it } from 'vitest'
import { type FaultyDevice, createFaultyDevice } from '../src/device/faultyDevice.ts'
import { REGION_SECTORS } from '../src/diskGroup.ts'
import { MiB, expectCode, memoryGroup, pattern, publicRegion } from './harness.ts'
import { heldWrite } from './heldWrite.ts'

const LEN = 4 * REGION_SECTORS

describe('a plex detached while a write to it is in flight (rule 228)', () => {
  it('I228 the write that then fails on the last plex leaves the detached plex stale where it took the write: its attach copies the region again and the plexes agree', async () => {
    const faulty: FaultyDevice[] = []
    const gates: Array<ReturnType<typeof heldWrite>> = []
    const { dg } = await memoryGroup(2, 64 * MiB, {
      wrap: (d) => {
        const f = createFaultyDevice(d)
        faulty.push(f)
        const g = heldWrite(f)
        gates.push(g)
        return g.device
      },
    })
    await dg.assistMake({ init: 'none', name: 'v1', len: LEN, layout: 'mirror', nmirror: 2, disks: ['disk01', 'disk02'] })
    await dg.start('v1')
    await dg.write('v1', 0, pattern(LEN * 512, 1))
    await dg.flush('v1')
    const plexOn = (disk: string) => dg.config().subdisks.find((s) => s.sd_dm_name === disk && s.sd_pl_name.startsWith('v1-'))!.sd_pl_name
    const [p1, p2] = [plexOn('disk01'), plexOn('disk02')]
    // the write reaches disk02's plex at once; on disk01 it waits, and then fails
    const pub = publicRegion(dg, 'disk01')
    gates[0]!.arm(pub)
    const writing = dg.write('v1', 0, pattern(4096, 2))
    await gates[0]!.reached
    await dg.detachPlex(p2)
    faulty[0]!.addFault({ ops: ['write'], range: pub, times: 1 })
    gates[0]!.release()
    await expectCode(writing, 'VM_IO')
    // disk01's plex is the last one: it stays, and is the region's copy; disk02's took the write
    expect(dg.staleRegions(p2).full || dg.staleRegions(p2).regions.includes(0)).toBe(true)
    await dg.attachPlex('v1', p2)
    expect((await (await dg.verify('v1')).done).mismatches).toEqual([])
    expect(dg.config().plexes.filter((p) => p.pl_v_name === 'v1').map((p) => [p.pl_name, p.pl_state, p.pl_kstate])).toEqual([
      [p1, 'ACTIVE', 'ENABLED'],
      [p2, 'ACTIVE', 'ENABLED'],
    ])
    await dg.close()
  })
})
