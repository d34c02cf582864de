import type { Config } from '@plexa/engine'

/** Groups for the everyday operations' tests: disks with real free space, plexes with their subdisks laid out on them. */

/** Sectors in a MiB. */
export const MiB = 2048
export type Pl = { name: string; vol: string; disks: string[]; layout?: string; st?: string; k?: string; log?: boolean; len?: number }

/**
 * A group of disks of `diskMiB` public MiB each; each plex's subdisks lie at the start of its
 * disks, one after another, each as long as the plex (a log subdisk 2 sectors).
 */
export function group(plexes: Pl[], vols: Array<{ name: string; len: number; k?: string; st?: string; tutil?: string }>, o: { disks?: number; diskMiB?: number; profile?: string } = {}): Config {
  const disks = Array.from({ length: o.disks ?? 4 }, (_, i) => ({ dm_name: `disk0${i + 1}`, dm_rid: 100 + i, dm_pub_len: (o.diskMiB ?? 1024) * MiB, dm_pflag: 0, dm_tflag: 0 }))
  const at = new Map<string, number>()
  const rid = (n: string) => 1 + [...vols.map((v) => v.name), ...plexes.map((p) => p.name)].indexOf(n)
  const subdisks = plexes.flatMap((p, j) =>
    p.disks.map((d, i) => {
      const len = p.log ? 2 : (p.len ?? vols.find((v) => v.name === p.vol)!.len)
      const offset = at.get(d) ?? 0
      at.set(d, offset + len)
      return { sd_name: `${d}-${j}${i}`, sd_pl_name: p.name, sd_plex_rid: rid(p.name), sd_dm_name: d, sd_dm_rid: disks.find((x) => x.dm_name === d)!.dm_rid, sd_dm_offset: offset, sd_len: len, sd_is_log: p.log ?? false }
    }),
  )
  const plexRecs = plexes.map((p) => {
    const len = p.log ? 0 : (p.len ?? vols.find((v) => v.name === p.vol)!.len)
    return { pl_name: p.name, pl_rid: rid(p.name), pl_v_name: p.vol, pl_vol_rid: rid(p.vol), pl_kstate: p.k ?? 'ENABLED', pl_state: p.st ?? (p.log ? 'LOG' : 'ACTIVE'), pl_layout: p.layout ?? 'CONCAT', pl_pflag: 0, pl_contig_len: len, pl_len: len, pl_tutil: ['', '', ''] }
  })
  const volumes = vols.map((v) => ({ v_name: v.name, v_rid: rid(v.name), v_len: v.len, v_kstate: v.k ?? 'ENABLED', v_state: v.st ?? 'ACTIVE', v_tutil: [v.tutil ?? '', '', ''] }))
  return { tid: 1, nextRid: 1000, dg: { dg_name: 'dg', dg_profile: o.profile ?? 'classic' }, disks, subdisks, plexes: plexRecs, volumes } as unknown as Config
}

export const mirvol = (over: Partial<Pl> = {}, vol: { k?: string; st?: string; tutil?: string } = {}, o = {}) =>
  group(
    [
      { name: 'mirvol-01', vol: 'mirvol', disks: ['disk01'] },
      { name: 'mirvol-02', vol: 'mirvol', disks: ['disk02'], ...over },
      { name: 'mirvol-03', vol: 'mirvol', disks: ['disk03'], log: true },
      { name: 'catvol-01', vol: 'catvol', disks: ['disk04'] },
    ],
    [{ name: 'mirvol', len: 256 * MiB, ...vol }, { name: 'catvol', len: 128 * MiB }],
    o,
  )

