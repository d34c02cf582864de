import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type TestServer, call, testServer } from './harness.ts'
import { until } from './until.ts'

const dg = '/api/dgs/tdg'
const MiB = 1024 * 1024

interface Rec {
  v_name?: string
  v_len?: number
  pl_name?: string
  pl_v_name?: string
  pl_layout?: string
  pl_ncol?: number
  pl_st_width?: number
  pl_state?: string
}

describe('the everyday operations on striped plexes over HTTP (rules 397, 398, 399, 402, 404)', () => {
  let t: TestServer
  const post = (path: string, body: unknown = {}) => call(t.url, 'POST', path, { auth: t.adminToken, body })
  const config = async () => (await call(t.url, 'GET', dg, { auth: t.adminToken })).body.config as { volumes: Rec[]; plexes: Rec[] }
  beforeAll(async () => {
    t = await testServer()
    for (const name of ['disk04', 'disk05']) expect((await post(`${dg}/disks`, { name, sizeBytes: 64 * MiB })).status).toBe(200)
    // a started 2-column stripe of 4 MiB on disk01 and disk02, beside mir's plexes
    expect((await post(`${dg}/assist`, { name: 'str', len: 8192, layout: 'stripe', ncol: 2, stwidth: 128, disks: ['disk01', 'disk02'] })).status).toBe(200)
    await until('str started', async () => (await config()).volumes.some((v) => v.v_name === 'str' && (v as { v_kstate?: string }).v_kstate === 'ENABLED'))
  })
  afterAll(async () => {
    await t?.close()
  })

  it('I397 I404 a grow dry run says the rounding to whole stripes and where each column grows; the grow gives the rounded length', async () => {
    const dry = await post(`${dg}/volumes/str/grow`, { by: 1000, dryRun: true })
    expect(dry.status).toBe(200)
    expect(dry.body.notes[0]).toContain('9192 sectors rounded up to 9216 sectors')
    expect(dry.body.notes.filter((n: string) => /^subdisk \S+ on disk0[12] grows in place by 256 KiB/.test(n))).toHaveLength(2)
    const r = await post(`${dg}/volumes/str/grow`, { by: 1000 })
    expect(r.status).toBe(202)
    await until('str grown', async () => (await config()).volumes.find((v) => v.v_name === 'str')?.v_len === 9216)
    expect((await config()).plexes.find((p) => p.pl_name === 'str-01')).toMatchObject({ pl_layout: 'STRIPE', pl_ncol: 2 })
  })

  it('I402 I404 vol mirror of a striped volume: the dry run names each new subdisk and its place; the new plex is striped alike, on the new disks', async () => {
    const dry = await post(`${dg}/volumes/str/mirror`, { dryRun: true })
    expect(dry.status).toBe(200)
    const placed = dry.body.notes.filter((n: string) => /^new subdisk disk0[45]-\d\d on disk0[45] at [\d.]+ [KMG]?i?B, 2\.25 MiB \(plex str-02, column [01]\)$/.test(n))
    expect(placed).toHaveLength(2)
    expect((await post(`${dg}/volumes/str/mirror`)).status).toBe(202)
    await until('str-02 ACTIVE', async () => (await config()).plexes.find((p) => p.pl_name === 'str-02')?.pl_state === 'ACTIVE')
    expect((await config()).plexes.find((p) => p.pl_name === 'str-02')).toMatchObject({ pl_layout: 'STRIPE', pl_ncol: 2, pl_st_width: 128 })
  })

  it('I399 I397 a forced shrink of the mirror of stripes rounds up to whole stripes and cuts every column', async () => {
    // the mirror's copy hands the volume back (rule 373: VM_BUSY until then)
    const r = await until('the shrink past the copy', async () => {
      const x = await post(`${dg}/volumes/str/shrink`, { len: 4000, force: true })
      return x.status === 409 && x.body.error.code === 'VM_BUSY' ? undefined : x
    })
    expect(r.status).toBe(200)
    expect(r.body.notes[0]).toContain('4000 sectors rounded up to 4096 sectors')
    expect(r.body.notes.filter((n: string) => / is cut by /.test(n))).toHaveLength(4)
    expect((await config()).volumes.find((v) => v.v_name === 'str')?.v_len).toBe(4096)
  })

  it('I400 I404 disk evacuate moves each subdisk off the disk, a column onto the one disk holding no other column or plex of its volume; the dry run says where', async () => {
    const dry = await post(`${dg}/disks/disk01/evacuate`, { dryRun: true })
    expect(dry.status).toBe(200)
    expect(dry.body.notes.filter((n: string) => /^new subdisk disk03-\d\d on disk03 at [\d.]+ [KMG]?i?B, 1 MiB \(plex str-01, column 0\)$/.test(n))).toHaveLength(1)
    const r = await until('the evacuation past the copies', async () => {
      const x = await post(`${dg}/disks/disk01/evacuate`)
      return x.status === 409 && x.body.error.code === 'VM_BUSY' ? undefined : x
    })
    expect(r.status).toBe(202)
    const left = async () => ((await call(t.url, 'GET', dg, { auth: t.adminToken })).body.config.subdisks as Array<{ sd_dm_name: string }>).filter((x) => x.sd_dm_name === 'disk01').length
    await until('disk01 empty', async () => (await left()) === 0)
    expect((await config()).plexes.find((p) => p.pl_name === 'str-01')).toMatchObject({ pl_layout: 'STRIPE', pl_ncol: 2, pl_state: 'ACTIVE' })
  })
})
