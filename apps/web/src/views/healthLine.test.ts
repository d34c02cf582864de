import { describe, expect, it } from 'vitest'
import { groupHealth } from './health.ts'
import { healthLine } from './healthLine.ts'
import { demo, labFailed } from './testGroups.ts'

describe('rule 411: Properties says the health of the selection', () => {
  it('411 a failed disk, the volume without its copy and the plex on it say so in one line; a healthy disk and copy say they work', () => {
    const g = demo()
    const lab = labFailed(g, 'disk02')
    const failed = groupHealth(lab.g, lab.lab)
    expect(healthLine(failed, 'dm', 'disk02')).toEqual({ tone: 'failed', text: 'FAILED: fails reads and writes (lab); affects mir, ms' })
    expect(healthLine(failed, 'v', 'mir')).toMatchObject({ tone: 'failed', text: expect.stringContaining('on failed disk disk02') })
    expect(healthLine(failed, 'pl', 'mir-02')).toMatchObject({ tone: 'failed', text: expect.stringContaining('mir-02') })
    const engine = groupHealth({ ...g, failing: { disk02: 'write' } }, [])
    expect(healthLine(engine, 'dm', 'disk02')).toMatchObject({ tone: 'failed', text: expect.stringContaining('the engine refuses I/O to it') })
    const ok = groupHealth(g, [])
    expect(healthLine(ok, 'dm', 'disk01')).toEqual({ tone: 'ok', text: 'works; holds mir, ms' })
    expect(healthLine(ok, 'pl', 'mir-01')).toEqual({ tone: 'ok', text: 'a healthy copy' })
    expect(healthLine(ok, 'pl', 'mir-03')).toEqual({ tone: 'ok', text: 'a log plex that works' })
    expect(healthLine(ok, 'sd', 'mir-01-sd0')).toBeUndefined()
  })
})
