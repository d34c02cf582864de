import { describe, expect, it } from 'vitest'
import type { Config } from '@plexa/engine'
import { PACKED_CONFIG_VERSION, type ServerMessage, isPackedConfig, packConfig, packHello, unpackConfig, unpackServerMessage } from '../src/index.ts'

const util = (): [string, string, string] => ['', '', '']

/** A configuration of `volumes` mirrored concat volumes over `disks` disks, with real field sets. */
function config(disks: number, volumes: number): Config {
  const c = { tid: 7, nextRid: 1, dg: { dg_name: 'dg', dg_rid: 1 }, disks: [], subdisks: [], plexes: [], volumes: [] } as unknown as Config
  let rid = 2
  for (let d = 0; d < disks; d++) c.disks.push({ dm_name: `disk${d}`, dm_rid: rid++, dm_diskid: `1700000000.${d}.host`, dm_priv_len: 2048, dm_pub_len: 2_000_000, dm_pflag: d === 1 ? 0x100 : 0, dm_device: `/dev/d${d}`, dm_putil: util(), dm_tutil: util(), dm_comment: d === 0 ? 'spare' : '' } as never)
  const used = new Array<number>(disks).fill(0)
  for (let v = 0; v < volumes; v++) {
    const vrid = rid++
    c.volumes.push({ v_name: `vol${v}`, v_rid: vrid, v_len: 4096 + v, v_kstate: 'ENABLED', v_state: v % 3 ? 'ACTIVE' : 'CLEAN', v_putil: ['', v === 2 ? 'label' : '', ''], v_tutil: util(), v_comment: '' } as never)
    for (let p = 0; p < 2; p++) {
      const prid = rid++
      c.plexes.push({ pl_name: `vol${v}-0${p + 1}`, pl_rid: prid, pl_vol_rid: vrid, pl_v_name: `vol${v}`, pl_layout: 'CONCAT', pl_ncol: 1, pl_st_width: 0, pl_len: 4096 + v, pl_kstate: 'ENABLED', pl_state: 'ACTIVE', pl_tflag: 11, pl_tutil: util(), pl_putil: util(), pl_comment: '' } as never)
      const d = (v * 2 + p) % disks
      c.subdisks.push({ sd_name: `sd${c.subdisks.length}`, sd_rid: rid++, sd_plex_rid: prid, sd_pl_name: `vol${v}-0${p + 1}`, sd_dm_rid: c.disks[d]!.dm_rid, sd_dm_name: `disk${d}`, sd_dm_offset: used[d], sd_len: 4096 + v, sd_pl_offset: 0, sd_column: 0, sd_is_log: false, sd_putil: util(), sd_tutil: util(), sd_comment: '' } as never)
      used[d]! += 4096 + v
    }
  }
  c.nextRid = rid
  return c
}

describe('packConfig / unpackConfig (the column form of the snapshot, rule 145)', () => {
  it('gives back records equal to the ones packed, in their order', () => {
    const c = config(6, 40)
    const p = packConfig(c)
    expect(p.format).toBe('columns')
    expect(p.version).toBe(PACKED_CONFIG_VERSION)
    expect(isPackedConfig(p)).toBe(true)
    expect(unpackConfig(JSON.parse(JSON.stringify(p)))).toEqual(c)
  })

  it('writes a field every record shares once, interns repeated strings, delta codes ascending integers and keeps unique names as they are', () => {
    const p = packConfig(config(6, 40))
    const sd = p.tables.subdisks.columns
    expect(sd.sd_comment).toEqual({ t: 'same', v: '' })
    expect(sd.sd_putil).toEqual({ t: 'same', v: ['', '', ''] })
    expect(sd.sd_dm_name!.t).toBe('str')
    expect(sd.sd_rid!.t).toBe('delta')
    expect(sd.sd_name!.t).toBe('raw')
    expect(p.tables.volumes.columns.v_putil!.t).toBe('any')
  })

  it('keeps a field some records lack absent from them, and mixed types, fractions and negative numbers as they are', () => {
    const c = config(3, 4)
    delete (c.volumes[1] as Partial<Config['volumes'][number]>).v_comment
    ;(c.volumes[2] as unknown as Record<string, unknown>).v_comment = 5
    ;(c.disks[0] as unknown as Record<string, unknown>).dm_pub_len = 1.5
    ;(c.disks[2] as unknown as Record<string, unknown>).dm_pflag = -3
    const back = unpackConfig(JSON.parse(JSON.stringify(packConfig(c))))
    expect(back).toEqual(c)
    expect('v_comment' in back.volumes[1]!).toBe(false)
  })

  it('gives every record its own util arrays (a change to one record changes no other)', () => {
    const back = unpackConfig(packConfig(config(3, 4)))
    back.subdisks[0]!.sd_putil[0] = 'x'
    expect(back.subdisks[1]!.sd_putil[0]).toBe('')
  })

  it('packs an empty configuration', () => {
    const c = config(0, 0)
    expect(unpackConfig(packConfig(c))).toEqual(c)
  })

  it('is a fraction of the JSON of the records at a large size', () => {
    const c = config(1000, 5000)
    expect(JSON.stringify(packConfig(c)).length).toBeLessThan(JSON.stringify(c).length / 4)
  })
})

describe('packHello / unpackServerMessage', () => {
  it('unpacks a packed hello into the hello it was made from and passes other messages as they are', () => {
    const hello: Extract<ServerMessage, { type: 'hello' }> = {
      type: 'hello',
      protocol: 1,
      seq: 3,
      user: { name: 'admin', role: 'admin' },
      snapshot: { seq: 3, groups: [{ name: 'dg', config: config(3, 5), forcedOffline: false, dirty: {}, stale: { 'vol1-01': { regionSectors: 128, full: false, regions: [1, 2], syncErrors: [] } } }], tasks: [], lab: { enabled: false, disks: [], loads: [] }, history: { events: [], alerts: [], tasks: [], audit: [] } },
    }
    const wire = JSON.parse(JSON.stringify(packHello(hello)))
    expect(wire.packed).toBe('columns')
    expect(isPackedConfig(wire.snapshot.groups[0].config)).toBe(true)
    expect(unpackServerMessage(wire)).toEqual(hello)
    const pong: ServerMessage = { type: 'pong' }
    expect(unpackServerMessage(pong)).toBe(pong)
    expect(unpackServerMessage(hello)).toBe(hello)
  })
})
