import { fail } from '../errors.ts'
import type { Lineage } from './lineage.ts'
import { deriveConfig } from '../records/derive.ts'
import { type Config, type RecordKind, NODEV, TEMPORARY_FIELDS, emptyUtil } from '../records/types.ts'

/** The persistent part of a configuration, with its lineage (config/lineage.ts): what goes into the on-disk copies. */
export function toStored(c: Config, lineage: Lineage = []): unknown {
  const strip = (kind: RecordKind, rec: object) => {
    const out: Record<string, unknown> = { ...rec }
    for (const f of TEMPORARY_FIELDS[kind]) delete out[f]
    return out
  }
  return {
    format: 1,
    tid: c.tid,
    nextRid: c.nextRid,
    dg: strip('dg', c.dg),
    disks: c.disks.map((r) => strip('dm', r)),
    subdisks: c.subdisks.map((r) => strip('sd', r)),
    plexes: c.plexes.map((r) => strip('pl', r)),
    volumes: c.volumes.map((r) => strip('v', r)),
    lineage,
  }
}

/**
 * Rebuilds a configuration from its stored form as a restart sees it: every temporary field at
 * its reset value (kernel states DISABLED, util and flags empty), derived fields recomputed,
 * minors handed out again to associated plexes.
 */
export function fromStored(json: unknown): Config {
  const s = json as Record<string, unknown>
  if (
    typeof s !== 'object' || s === null || s.format !== 1 || typeof s.tid !== 'number' || typeof s.nextRid !== 'number' ||
    typeof s.dg !== 'object' || ![s.disks, s.subdisks, s.plexes, s.volumes].every(Array.isArray)
  ) {
    fail('VM_CONFIG_CORRUPT', 'the configuration copy has an unknown shape')
  }
  const { format: _format, lineage: _lineage, ...rest } = s
  const c = structuredClone(rest) as unknown as Config
  Object.assign(c.dg, { dg_tutil: emptyUtil(), dg_tflag: 0, dg_import_id: 0 })
  for (const d of c.disks) Object.assign(d, { dm_tutil: emptyUtil(), dm_tflag: 0, dm_device: '', dm_sd_num: 0 })
  for (const sd of c.subdisks) {
    // rule 500: a copy written before subdisks recorded their original disk has no such fields: never relocated
    const orig = typeof sd.sd_orig_dmname === 'string' && sd.sd_orig_dmname !== '' && typeof sd.sd_orig_dmoffset === 'number'
    Object.assign(sd, { sd_orig_dmname: orig ? sd.sd_orig_dmname : '', sd_orig_dmoffset: orig ? sd.sd_orig_dmoffset : 0 })
    Object.assign(sd, { sd_tutil: emptyUtil(), sd_lock: 0, sd_tflag: 0, sd_da_name: '', sd_dm_name: '' })
  }
  let minor = 0
  for (const pl of c.plexes) {
    Object.assign(pl, {
      pl_tutil: emptyUtil(), pl_lock: 0, pl_compact: 1, pl_tflag: 0, pl_kstate: 'DISABLED',
      pl_minor: pl.pl_vol_rid ? minor++ : NODEV, pl_lasterr: 0, pl_len: 0, pl_contig_len: 0, pl_dev: NODEV, pl_ncol: 1,
    })
  }
  for (const v of c.volumes) {
    Object.assign(v, {
      v_tutil: emptyUtil(), v_rec_lock: 0, v_data_lock: 0, v_lasterr: 0, v_kstate: 'DISABLED',
      v_r_all: 2, v_r_some: 7, v_w_all: 2, v_w_some: 7, v_current_read_pol: v.v_read_pol, v_tflag: 0,
      v_iosize: 1, v_rwback_offset: 0, v_logserial: 0,
    })
  }
  deriveConfig(c)
  return c
}
