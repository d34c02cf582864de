// A volume that fails raises a critical alert naming it (rule 294); an alert whose problem is over is
// resolved by the server for good, so the problem coming back is a new alert (rule 295).
import { describe, expect, it } from 'vitest'
import type { Alert } from '@plexa/protocol'
import { groupCalls, testServers } from './harness.ts'
import { until } from './until.ts'

describe('volume failure alerts and resolution (rules 294, 295)', () => {
  const testServer = testServers()

  const setup = async () => {
    const t = await testServer()
    return groupCalls(t)
  }

  it('294: a concat whose only plex fails its writes raises one critical alert naming the volume, its plex and disk; it is resolved once the disk answers again', async () => {
    const { alerts, post, write } = await setup()
    expect((await post('/api/lab/dgs/tdg/disks/disk03/fail', { mode: 'both' })).status).toBe(200)
    for (let i = 0; i < 5; i++) expect(await write('cat')).toBe('VM_IO')
    let failed: Alert[] = []
    await until('the volume failure alert', async () => (failed = (await alerts()).filter((a) => a.code === 'VM_IO' && a.object === 'cat')).length > 0)
    expect(failed).toHaveLength(1)
    expect(failed[0]).toMatchObject({ severity: 'critical', count: 1, dg: 'tdg' })
    expect(failed[0]!.message).toContain('cat-01')
    expect(failed[0]!.message).toContain('disk03')
    expect(failed[0]!.resolved).toBeUndefined()
    // mir keeps two data plexes off disk03: its writes succeed, no failure alert for it
    expect(await write('mir')).toBe('ok')
    expect((await alerts()).some((a) => a.code === 'VM_IO' && a.object === 'mir')).toBe(false)
    expect((await post('/api/lab/dgs/tdg/disks/disk03/restore')).status).toBe(200)
    await until('the failure resolved', async () => !!(await alerts()).find((a) => a.id === failed[0]!.id)?.resolved)
    expect(await write('cat')).toBe('ok')
    // failing again is a new alert, with its own time
    expect((await post('/api/lab/dgs/tdg/disks/disk03/fail', { mode: 'both' })).status).toBe(200)
    expect(await write('cat')).toBe('VM_IO')
    await until('a new failure alert', async () => (await alerts()).filter((a) => a.code === 'VM_IO' && a.object === 'cat').length === 2)
    const [old, fresh] = (await alerts()).filter((a) => a.code === 'VM_IO' && a.object === 'cat')
    expect(old!.resolved).toBeDefined()
    expect(fresh!.resolved).toBeUndefined()
    expect(fresh!.id).toBeGreaterThan(old!.id)
    expect(fresh!.at).toBeGreaterThanOrEqual(old!.resolved!.at)
  })

  it('295: a plex alert resolved once its plex is healthy again stays resolved when the plex goes stale later (a disk replace), and it is not counted into', async () => {
    const { alerts, post, write, config } = await setup()
    expect((await post('/api/lab/dgs/tdg/disks/disk02/fail', { mode: 'both' })).status).toBe(200)
    expect(await write('mir')).toBe('ok')
    let detached: Alert | undefined
    await until('the detach alert', async () => !!(detached = (await alerts()).find((a) => a.object === 'mir-02')))
    expect((await post('/api/lab/dgs/tdg/disks/disk02/restore')).status).toBe(200)
    expect((await post('/api/dgs/tdg/disks/disk02/resync', { force: false })).status).toBe(202)
    await until('the detach alert resolved', async () => !!(await alerts()).find((a) => a.id === detached!.id)?.resolved)
    const resolved = (await alerts()).find((a) => a.id === detached!.id)!
    // the plex goes stale again without an alert (a replace): the old alert stays resolved, unchanged
    expect((await post('/api/dgs/tdg/disks/disk02/replace', { sizeBytes: 64 << 20 })).status).toBe(200)
    await until('the replace committed', async () => (await config()).plexes.some((p) => p.pl_name === 'mir-02' && p.pl_state !== 'ACTIVE'))
    expect((await alerts()).find((a) => a.id === detached!.id)).toEqual(resolved)
  })
})
