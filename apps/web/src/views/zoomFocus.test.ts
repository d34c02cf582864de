import { describe, expect, it } from 'vitest'
import type { Config } from '@plexa/engine'
import { diskFocus, volumeFocus, zoomOn } from './zoomFocus.ts'

const MiB = 2048 // sectors
const sd = (name: string, plName: string, dmName: string, plOff: number, len: number, dmOff: number, column = 0, log = false) => ({ sd_name: name, sd_pl_name: plName, sd_dm_name: dmName, sd_pl_offset: plOff, sd_len: len, sd_dm_offset: dmOff, sd_column: column, sd_is_log: log })
const cfg = {
  disks: [
    { dm_name: 'd1', dm_priv_len: 24 * MiB, dm_pub_len: 1000 * MiB },
    { dm_name: 'd9', dm_priv_len: 0, dm_pub_len: 512 * MiB },
  ],
  volumes: [{ v_rid: 2, v_name: 'v', v_len: 1000 * MiB }],
  plexes: [
    { pl_name: 'v-01', pl_v_name: 'v', pl_vol_rid: 2, pl_layout: 'CONCAT', pl_ncol: 1 },
    { pl_name: 'v-02', pl_v_name: 'v', pl_vol_rid: 2, pl_layout: 'STRIPE', pl_ncol: 2 },
    { pl_name: 'v-03', pl_v_name: 'v', pl_vol_rid: 2, pl_layout: 'CONCAT', pl_ncol: 1 },
  ],
  subdisks: [
    sd('d1-01', 'v-01', 'd1', 0, 250 * MiB, 0),
    sd('d1-02', 'v-01', 'd1', 250 * MiB, 750 * MiB, 250 * MiB),
    sd('d9-01', 'v-02', 'd9', 0, 250 * MiB, 0, 0),
    sd('d9-02', 'v-02', 'd9', 250 * MiB, 250 * MiB, 250 * MiB, 0),
    sd('d1-03', 'v-03', 'd1', 0, 2, 1000 * MiB - 2, 0, true),
  ],
} as unknown as Config

describe('zoomFocus (rule 277)', () => {
  it('277: places a selection along the volume view: a concat piece at its plex offset, a stripe piece at offset × columns, a plex or volume over its pieces', () => {
    expect(volumeFocus(cfg, { kind: 'sd', name: 'd1-01' })).toEqual({ from: 0, to: 0.25 })
    expect(volumeFocus(cfg, { kind: 'sd', name: 'd9-02' })).toEqual({ from: 0.5, to: 1 })
    expect(volumeFocus(cfg, { kind: 'pl', name: 'v-01' })).toEqual({ from: 0, to: 1 })
    expect(volumeFocus(cfg, { kind: 'v', name: 'v' })).toEqual({ from: 0, to: 1 })
    // a log subdisk holds no volume addresses
    expect(volumeFocus(cfg, { kind: 'sd', name: 'd1-03' })).toBeUndefined()
    expect(volumeFocus(cfg, { kind: 'sd', name: 'gone' })).toBeUndefined()
  })

  it('277: places a selection along the disk view: a disk its bar, a subdisk its box after the private region', () => {
    const span = 1024 * MiB
    expect(diskFocus(cfg, { kind: 'dm', name: 'd9' }, span)).toEqual({ from: 0, to: 0.5 })
    expect(diskFocus(cfg, { kind: 'sd', name: 'd1-02' }, span)).toEqual({ from: 274 / 1024, to: 1 })
    expect(diskFocus(cfg, { kind: 'pl', name: 'v-02' }, span)).toEqual({ from: 0, to: 500 / 1024 })
  })

  it('277: zooms centred on the focus as far as the ends allow, so it stays in view; without one, around the middle in view', () => {
    const whole = { from: 0, to: 1 }
    expect(zoomOn(whole, 4, { from: 0.5, to: 0.75 })).toEqual({ from: 0.5, to: 0.75 })
    expect(zoomOn(whole, 4, { from: 0, to: 0.1 })).toEqual({ from: 0, to: 0.25 })
    expect(zoomOn(whole, 4, { from: 0.95, to: 1 })).toEqual({ from: 0.75, to: 1 })
    // zooming out of a part far from the selection brings the selection back
    expect(zoomOn({ from: 0.75, to: 1 }, 0.5, { from: 0, to: 0.1 })).toEqual({ from: 0, to: 0.5 })
    expect(zoomOn({ from: 0.25, to: 0.75 }, 2)).toEqual({ from: 0.375, to: 0.625 })
  })
})
