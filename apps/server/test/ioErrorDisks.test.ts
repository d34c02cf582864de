import { describe, expect, it } from 'vitest'
import type { Config } from '@plexa/engine'
import { ioErrorDisks } from '../src/ioErrorDisks.ts'

// msvol-02: a stripe of two columns (disk01, disk02), 64 KiB (128 sectors) stripe units
const config = {
  disks: [{ dm_name: 'disk01', dm_pflag: 0 }, { dm_name: 'disk02', dm_pflag: 0 }],
  plexes: [{ pl_name: 'msvol-02', pl_rid: 7, pl_layout: 'STRIPE', pl_st_width: 128, pl_ncol: 2 }],
  subdisks: [
    { sd_name: 'disk01-02', sd_plex_rid: 7, sd_dm_name: 'disk01', sd_column: 0, sd_pl_offset: 0, sd_len: 8192, sd_is_log: false },
    { sd_name: 'disk02-02', sd_plex_rid: 7, sd_dm_name: 'disk02', sd_column: 1, sd_pl_offset: 0, sd_len: 8192, sd_is_log: false },
  ],
} as unknown as Config
const ev = (op: 'read' | 'write' | 'flush', offset: number, length: number) => ({ type: 'io.error' as const, dg: 'dg', volume: 'msvol', plex: 'msvol-02', disk: 'disk01,disk02', op, offset, length, code: 'VM_IO' as const })
const none = () => false

describe('rule 173: an I/O error names the disk(s) whose I/O failed, not every disk of a striped plex', () => {
  it('173: a range in one stripe unit is on one disk', () => {
    expect(ioErrorDisks(config, ev('write', 128 * 512, 4096), none)).toEqual(['disk02'])
    expect(ioErrorDisks(config, ev('read', 0, 4096), none)).toEqual(['disk01'])
  })
  it('173: a range over both columns names the one known to fail (the lab, no device, removed), else both', () => {
    expect(ioErrorDisks(config, ev('write', 0, 512 * 1024), (d) => d === 'disk02')).toEqual(['disk02'])
    expect(ioErrorDisks(config, ev('write', 0, 512 * 1024), none)).toEqual(['disk01', 'disk02'])
  })
  it('173: a flush is of every disk of the plex, narrowed to the failing one', () => {
    expect(ioErrorDisks(config, ev('flush', 0, 0), (d) => d === 'disk02')).toEqual(['disk02'])
    expect(ioErrorDisks(config, ev('flush', 0, 0), none)).toEqual(['disk01', 'disk02'])
  })
})
