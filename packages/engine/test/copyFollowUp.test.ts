import { describe, expect, it } from 'vitest'
import type { DiskGroup } from '../src/diskGroup.ts'
import { expectCode, rec } from './harness.ts'
import { LEN, startedMirror } from './opsHarness.ts'

/**
 * Every copy-starting operation on v1, started at once (their checks run before their first
 * await): what each one settles with.
 */
function everyCopy(dg: DiskGroup): Array<Promise<unknown>> {
  const settle = (p: Promise<unknown>) => p.then(() => 'accepted', (e: { code?: string }) => e.code ?? String(e))
  return [dg.resyncVolume('v1', true), dg.resyncVolume('v1', false), dg.resyncDisk('disk01', true), dg.addMirror('v1'), dg.growVolume('v1', 2 * LEN), dg.attachPlex('v1', 'v1-02')].map(settle)
}

describe('no copy starts on a volume while another one finishes (rule 373)', () => {
  it('373: as an attach task ends, until its plex is enabled, every copy on the volume is refused VM_BUSY', async () => {
    const { dg } = await startedMirror()
    await dg.detachPlex('v1-02')
    let tries: Array<Promise<unknown>> = []
    dg.subscribe((e) => {
      if (e.type === 'task.finished' && e.kind === 'attach' && tries.length === 0) tries = everyCopy(dg)
    })
    await dg.attachPlex('v1', 'v1-02')
    expect(tries).toHaveLength(6)
    // attaching the plex being attached is refused for its lock (tutil0 ATT), the rest VM_BUSY
    expect(await Promise.all(tries)).toEqual([...Array(5).fill('VM_BUSY'), 'VM_LOCKED'])
    expect([rec(dg, 'v1-02').pl_kstate, rec(dg, 'v1-02').pl_state]).toEqual(['ENABLED', 'ACTIVE'])
    await dg.close()
  })

  it('373: as a resync task ends, until it has handed its plexes back, every copy on the volume is refused VM_BUSY', async () => {
    const { dg } = await startedMirror()
    await dg.detachPlex('v1-02')
    await dg.write('v1', 0, Buffer.alloc(4096, 1))
    let tries: Array<Promise<unknown>> = []
    dg.subscribe((e) => {
      if (e.type === 'task.finished' && e.kind === 'resync' && tries.length === 0) tries = everyCopy(dg)
    })
    await (await dg.resyncVolume('v1', false)).done
    expect(await Promise.all(tries)).toEqual(Array(6).fill('VM_BUSY'))
    expect([rec(dg, 'v1-02').pl_kstate, rec(dg, 'v1-02').pl_state]).toEqual(['ENABLED', 'ACTIVE'])
    // once handed back, the volume takes a copy again
    await (await dg.resyncVolume('v1', true)).done
    await dg.close()
  })

  it('373: while an attach task runs, every copy on the volume is refused VM_BUSY', async () => {
    const { dg } = await startedMirror()
    await dg.detachPlex('v1-02')
    let tries: Array<Promise<unknown>> = []
    await dg.attachPlex('v1', 'v1-02', { onTask: () => (tries = everyCopy(dg)) })
    expect(await Promise.all(tries)).toEqual([...Array(5).fill('VM_BUSY'), 'VM_LOCKED'])
    await dg.close()
  })
})
