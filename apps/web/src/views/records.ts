import type { Config } from '@plexa/engine'

/** A record of any kind by name, as a plain field map. */
export function findRecord(c: Config, kind: 'dg' | 'dm' | 'sd' | 'pl' | 'v', name: string): Record<string, unknown> | undefined {
  const r =
    kind === 'dg' ? (c.dg.dg_name === name ? c.dg : undefined)
    : kind === 'dm' ? c.disks.find((x) => x.dm_name === name)
    : kind === 'sd' ? c.subdisks.find((x) => x.sd_name === name)
    : kind === 'pl' ? c.plexes.find((x) => x.pl_name === name)
    : c.volumes.find((x) => x.v_name === name)
  return r as unknown as Record<string, unknown> | undefined
}
