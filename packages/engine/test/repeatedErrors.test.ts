import { describe, expect, it } from 'vitest'
import { REGION_SECTORS } from '../src/diskGroup.ts'
import { expectCode, faultyMemoryGroup, pattern, publicRegion, rec, recordEvents } from './harness.ts'

const LEN = 8 * REGION_SECTORS
const N = 30

/**
 * Rule 281: a write error where nothing can be detached (a volume's last plex, a concat or a
 * stripe) is recorded once per plex per state change, not committed once per failed write.
 */
describe('repeated I/O errors where nothing can be detached (rule 281)', () => {
  it('281: N failed writes to a concat on a failed disk commit at most one transaction and raise at most one alert', async () => {
    const { dg, faulty } = await faultyMemoryGroup(3, 32 << 20)
    await dg.assistMake({ init: 'none', name: 'cat', len: LEN, layout: 'concat', disks: ['disk01'] })
    await dg.start('cat')
    await dg.write('cat', 0, pattern(4096, 1))
    const tid = dg.config().tid
    faulty[0]!.addFault({ ops: ['read', 'write'], range: publicRegion(dg, 'disk01') })
    const log = recordEvents(dg)
    for (let i = 0; i < N; i++) await expectCode(dg.write('cat', (i % 8) * REGION_SECTORS * 512, pattern(4096, i)), 'VM_IO')
    log.unsubscribe()
    const commits = log.events.filter((e) => e.type === 'config.committed')
    expect(commits.length).toBeLessThanOrEqual(1)
    expect(dg.config().tid - tid).toBeLessThanOrEqual(1)
    // the error is recorded: the plex and the volume carry it
    expect(rec(dg, 'cat-01').pl_lasterr).not.toBe(0)
    expect(rec(dg, 'cat').v_lasterr).not.toBe(0)
    expect(log.events.filter((e) => e.type === 'alert').length).toBeLessThanOrEqual(1)
    // every failed write still says so on the event stream
    expect(log.events.filter((e) => e.type === 'io.error')).toHaveLength(N)
    await dg.close()
  })

  it('281: a mirror\'s last plex failing after its mirror was detached records the detach, then its own error once', async () => {
    const { dg, faulty } = await faultyMemoryGroup(3, 32 << 20)
    await dg.assistMake({ init: 'none', name: 'mir', len: LEN, layout: 'mirror', disks: ['disk01', 'disk02'] })
    await dg.start('mir')
    await dg.write('mir', 0, pattern(LEN * 512, 1))
    faulty[1]!.addFault({ ops: ['read', 'write'], range: publicRegion(dg, 'disk02') })
    await dg.write('mir', 0, pattern(4096, 2)) // detaches mir-02
    expect(rec(dg, 'mir-02').pl_kstate).toBe('DETACHED')
    const lasterr02 = rec(dg, 'mir-02').pl_lasterr
    const tid = dg.config().tid
    faulty[0]!.addFault({ ops: ['read', 'write'], range: publicRegion(dg, 'disk01') })
    const log = recordEvents(dg)
    for (let i = 0; i < N; i++) await expectCode(dg.write('mir', 0, pattern(4096, i)), 'VM_IO')
    log.unsubscribe()
    expect(dg.config().tid - tid).toBeLessThanOrEqual(1)
    expect(log.events.filter((e) => e.type === 'config.committed').length).toBeLessThanOrEqual(1)
    expect(rec(dg, 'mir-01').pl_lasterr).not.toBe(0)
    expect(rec(dg, 'mir-01').pl_kstate).toBe('ENABLED')
    expect(rec(dg, 'mir-02').pl_lasterr).toBe(lasterr02)
    expect(log.events.filter((e) => e.type === 'alert').length).toBeLessThanOrEqual(1)
    await dg.close()
  })
})
