import type { Config } from '@plexa/engine'
import type { GroupView, LabView } from '@plexa/protocol'

/** Small groups for the health and alert tests: mir (mirror + log), ms (mirrored stripes), cat. */
export type P = { name: string; vol: string; k?: string; st?: string; disks: string[]; log?: boolean; pflag?: number }

export function group(plexes: P[], vols: Array<{ name: string; k?: string }>, removed: string[] = []): GroupView {
  // records carry their rids, as the engine's do (the index the health shares with the layout is by rid)
  const rid = (name: string) => 1 + [...vols.map((v) => v.name), ...plexes.map((p) => p.name)].indexOf(name)
  const config = {
    tid: 1,
    nextRid: 100,
    dg: { dg_name: 'dg' },
    disks: ['disk01', 'disk02', 'disk03'].map((d) => ({ dm_name: d, dm_pflag: removed.includes(d) ? 0x100 : 0 })),
    subdisks: plexes.flatMap((p) => p.disks.map((d, i) => ({ sd_name: `${p.name}-sd${i}`, sd_pl_name: p.name, sd_plex_rid: rid(p.name), sd_dm_name: d, sd_is_log: p.log ?? false }))),
    plexes: plexes.map((p) => ({ pl_name: p.name, pl_rid: rid(p.name), pl_v_name: p.vol, pl_vol_rid: rid(p.vol), pl_kstate: p.k ?? 'ENABLED', pl_state: p.st ?? 'ACTIVE', pl_pflag: p.pflag ?? 0, pl_tutil: ['', '', ''] })),
    volumes: vols.map((v) => ({ v_name: v.name, v_rid: rid(v.name), v_kstate: v.k ?? 'ENABLED', v_state: 'ACTIVE' })),
  } as unknown as Config
  return { name: 'dg', config, forcedOffline: false, dirty: {}, stale: {} }
}

export const demo = (over: Partial<Record<string, Partial<P>>> = {}) =>
  group(
    [
      { name: 'mir-01', vol: 'mir', disks: ['disk01'] },
      { name: 'mir-02', vol: 'mir', disks: ['disk02'] },
      { name: 'mir-03', vol: 'mir', disks: ['disk03'], log: true },
      { name: 'ms-01', vol: 'ms', disks: ['disk01', 'disk03'] },
      { name: 'ms-02', vol: 'ms', disks: ['disk02', 'disk03'] },
      { name: 'cat-01', vol: 'cat', disks: ['disk03'] },
    ].map((p) => ({ ...p, ...over[p.name] })),
    [{ name: 'mir' }, { name: 'ms' }, { name: 'cat' }],
  )

/**
 * A lab failure of `disk` as the server sends it: in the lab's list, and in the group's `failing`
 * (the engine's `failingDisks()`, which lists a device the lab fails as any other that fails).
 */
export function labFailed(g: GroupView, disk: string, failed: 'read' | 'write' | 'both' = 'both', failedAt?: number): { g: GroupView; lab: LabView['disks'] } {
  return { g: { ...g, failing: { ...g.failing, [disk]: failed } }, lab: [{ dg: g.name, disk, failed, latencyMs: 0, ...(failedAt !== undefined ? { failedAt } : {}) }] }
}
