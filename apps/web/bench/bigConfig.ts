import type { Config } from '@plexa/engine'

/**
 * A configuration of `disks` disks and `volumes` 2-way mirrored concat volumes, each plex of
 * `sdsPerPlex` subdisks spread round-robin over the disks (the render benchmark's sizes).
 */
export function bigConfig(disks: number, volumes: number, sdsPerPlex: number): Config {
  const c = { tid: 1, nextRid: 1, dg: { dg_name: 'bigdg', dg_dgid: 'x', dg_rid: 0 }, disks: [], subdisks: [], plexes: [], volumes: [] } as unknown as Config
  let rid = 1
  const PUB = 4_000_000
  for (let d = 0; d < disks; d++) c.disks.push({ dm_name: `disk${d}`, dm_rid: rid++, dm_priv_len: 4096, dm_pub_len: PUB, dm_pflag: 0, dm_device: `/dev/d${d}`, dm_putil: ['', '', ''], dm_tutil: ['', '', ''], dm_comment: '' } as never)
  const used = new Array<number>(disks).fill(0)
  let next = 0
  for (let v = 0; v < volumes; v++) {
    const vrid = rid++
    const len = 65536
    c.volumes.push({ v_name: `vol${v}`, v_rid: vrid, v_len: len, v_kstate: 'ENABLED', v_state: 'ACTIVE', v_read_pol: 'SELECT', v_pref_name: '', v_putil: ['', '', ''], v_tutil: ['', '', ''], v_comment: '' } as never)
    for (let p = 0; p < 2; p++) {
      const prid = rid++
      c.plexes.push({ pl_name: `vol${v}-0${p + 1}`, pl_rid: prid, pl_vol_rid: vrid, pl_v_name: `vol${v}`, pl_layout: 'CONCAT', pl_ncol: 1, pl_st_width: 0, pl_len: len, pl_contig_len: len, pl_kstate: 'ENABLED', pl_state: 'ACTIVE', pl_tflag: 3, pl_tutil: ['', '', ''], pl_putil: ['', '', ''], pl_comment: '' } as never)
      for (let s = 0; s < sdsPerPlex; s++) {
        const d = next++ % disks
        const slen = len / sdsPerPlex
        c.subdisks.push({ sd_name: `sd${c.subdisks.length}`, sd_rid: rid++, sd_plex_rid: prid, sd_pl_name: `vol${v}-0${p + 1}`, sd_dm_rid: c.disks[d]!.dm_rid, sd_dm_name: `disk${d}`, sd_dm_offset: used[d], sd_len: slen, sd_pl_offset: s * slen, sd_column: 0, sd_is_log: false, sd_putil: ['', '', ''], sd_tutil: ['', '', ''], sd_comment: '' } as never)
        used[d]! += slen
      }
    }
  }
  return c
}
