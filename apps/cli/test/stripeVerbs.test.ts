import { beforeAll, describe, expect, it } from 'vitest'
import { call } from '../../server/test/harness.ts'
import { cliAgainstServer } from './harness.ts'

describe('plexa vol grow, shrink and mirror of a striped volume (rules 397, 398, 402, 404)', () => {
  const srv = cliAgainstServer()
  const as = srv.as
  beforeAll(async () => {
    for (const name of ['disk04', 'disk05']) expect((await call(srv.t.url, 'POST', '/api/dgs/tdg/disks', { auth: srv.t.adminToken, body: { name, sizeBytes: 64 << 20 } })).status).toBe(200)
    const r = await as(['make', 'volume', 'str', '4m', '--layout', 'stripe', '--ncol', '2', '--stwidth', '128', '--disks', 'disk01,disk02'])
    expect(r.code, r.stderr).toBe(0)
  })

  it('I397 I404 vol grow --dry-run says the rounding to whole stripes, each column growing in place, and the rounded size after; --wait gives it', async () => {
    const dry = await as(['vol', 'grow', 'str', '+1000', '--dry-run'])
    expect(dry.code, dry.stderr).toBe(0)
    expect(dry.stdout).toMatch(/^ {2}str: 9192 sectors rounded up to 9216 sectors/m)
    expect(dry.stdout.match(/^ {2}subdisk \S+ on disk0[12] grows in place by 256 KiB to 2\.25 MiB \(plex str-01, column [01]\)$/gm)).toHaveLength(2)
    expect(dry.stdout).toMatch(/^ {2}str: 8192 sectors \(4\.0 MiB\) would become 9216 sectors \(4\.5 MiB\)$/m)
    const r = await as(['--json', 'vol', 'grow', 'str', '+1000', '--wait'])
    expect(r.code, r.stderr).toBe(0)
    expect(JSON.parse(r.stdout)).toMatchObject({ volume: { name: 'str', len: 9216 } })
  })

  it('I402 I404 vol mirror --dry-run of a striped volume names each new subdisk, its disk, place and size; the mirror is striped alike', async () => {
    const dry = await as(['vol', 'mirror', 'str', '--dry-run'])
    expect(dry.code, dry.stderr).toBe(0)
    expect(dry.stdout.match(/^ {2}new subdisk disk0[45]-01 on disk0[45] at 0 B, 2\.25 MiB \(plex str-02, column [01]\)$/gm)).toHaveLength(2)
    const r = await as(['vol', 'mirror', 'str', '--wait'])
    expect(r.code, r.stderr).toBe(0)
    const plexes = (await call(srv.t.url, 'GET', '/api/dgs/tdg', { auth: srv.t.adminToken })).body.config.plexes as Array<{ pl_name: string; pl_layout: string; pl_ncol: number }>
    expect(plexes.find((p) => p.pl_name === 'str-02')).toMatchObject({ pl_layout: 'STRIPE', pl_ncol: 2 })
  })

  it('I400 I404 disk evacuate --dry-run says where each subdisk goes, a column onto a disk holding no other column or plex of its volume; --wait moves them all', async () => {
    const dry = await as(['disk', 'evacuate', 'disk01', '--dry-run'])
    expect(dry.code, dry.stderr).toBe(0)
    expect(dry.stdout).toMatch(/^ {2}new subdisk disk03-\d\d on disk03 at [\d.]+ [KMG]?i?B, 2\.25 MiB \(plex str-01, column 0\)$/m)
    const r = await as(['disk', 'evacuate', 'disk01', '--wait'])
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toMatch(/done, disk01 holds 0 subdisks$/m)
  })
})
