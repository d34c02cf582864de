import { fail } from '../errors.ts'
import type { RecordChange } from '../events.ts'
import type { GroupParts } from '../groupParts.ts'
import { assertUnlocked, associatePlex, dissociatePlex, makeRecord, removeRecord, type MakeRecord } from '../recordOps.ts'
import { isLogPlexRec } from '../records/plexState.ts'
import { type Config, type PlRecord, PL_PFLAG, type VRecord } from '../records/types.ts'
import { runPlexCopy } from '../resync/plexCopy.ts'
import type { Draft } from '../txn.ts'
import { SECTOR_SIZE } from '../units.ts'
import { linkLog } from './volumeLog.ts'

/** The lock a stopped volume's evacuation holds on it (v_tutil0), so no start runs meanwhile. */
const EVAC_LOCK = 'EVAC'

/** Where an offline move reads the plex's data from. */
export type OfflineSource = { kind: 'self' } | { kind: 'other'; plex: string } | { kind: 'none' }

/** Is `p` a current complete copy of `v` (CLEAN or ACTIVE, not marked stale or kernel-detached)? */
function isCurrent(v: VRecord, p: PlRecord): boolean {
  return (p.pl_state === 'CLEAN' || p.pl_state === 'ACTIVE') && !(p.pl_pflag & (PL_PFLAG.STALE | PL_PFLAG.KDETACH)) && p.pl_contig_len >= v.v_len
}

/**
 * Rule 344: where a stopped volume's plex `pl` moved off its disk takes its data from: itself
 * while its disks read (the replacement is then the same copy, in the same state); else, for a
 * current plex of a CLEAN volume, another current plex that reads (they hold the same data);
 * nothing for a plex that holds no current data (STALE, IOFAIL, EMPTY: the replacement is stale
 * everywhere). A current plex that cannot be read and has no such twin is refused VM_NOTSYNCED
 * before anything changes: moving it would lose the only copy of its data.
 */
export function offlineSource(c: Config, v: VRecord, pl: PlRecord, unreadable: (p: PlRecord) => string[]): OfflineSource {
  if (isLogPlexRec(c, pl)) return unreadable(pl).length ? { kind: 'none' } : { kind: 'self' }
  const failed = unreadable(pl)
  if (failed.length === 0) return { kind: 'self' }
  if (!isCurrent(v, pl)) return { kind: 'none' }
  const twin = v.v_state === 'CLEAN' ? c.plexes.find((p) => p.pl_vol_rid === v.v_rid && p !== pl && !isLogPlexRec(c, p) && isCurrent(v, p) && unreadable(p).length === 0) : undefined
  if (twin) return { kind: 'other', plex: twin.pl_name }
  return fail('VM_NOTSYNCED', `plex ${pl.pl_name} of stopped volume ${v.v_name} is on failed disk ${failed.join(', ')} and no other clean copy of ${v.v_name} can be read: its data cannot be moved`)
}

/**
 * vxevac of a stopped volume's plex (rule 344), crash-safe in three steps: (1) one transaction
 * makes the replacement's records and associates it TEMPRMSD (a crash from here on: the next
 * start removes it with its subdisks, the volume as it was) with the volume locked (v_tutil0
 * EVAC: no start meanwhile); (2) the data is copied into it with the volume stopped (`source`;
 * a log plex's log subdisk is copied as it is, so a crash image survives the move); (3) one
 * transaction gives it the old plex's state and removes the old plex with its subdisks (and
 * unlocks), the stale map following the data: the old one's when copied from it, none when copied
 * from a current twin, stale everywhere when nothing was copied.
 */
export async function moveOffline(p: GroupParts, m: { volume: string; old: string; plex: string; records: MakeRecord[]; log: boolean; source: OfflineSource }, onTask?: (taskId: string) => void): Promise<{ changes: RecordChange[]; tid: number }> {
  const made = await p.transact('dm.evac', (d) => {
    const v = d.vol(m.volume)
    assertUnlocked(v.v_tutil[0], m.volume)
    if (v.v_kstate !== 'DISABLED') fail('VM_VOL_ENABLED', `volume ${m.volume} was started: its plexes are moved live`)
    for (const rec of m.records) makeRecord(d, rec)
    if (m.log) linkLog(d, m.plex)
    const np = d.plex(m.plex)
    associatePlex(d, v, np)
    np.pl_state = 'TEMPRMSD'
    v.v_tutil[0] = EVAC_LOCK
  })
  const unlock = (d: Draft) => {
    const v = d.c.volumes.find((x) => x.v_name === m.volume)
    if (v && v.v_tutil[0] === EVAC_LOCK) v.v_tutil[0] = ''
  }
  try {
    const cfg = p.store.current()
    const v = cfg.volumes.find((x) => x.v_name === m.volume)!
    const np = cfg.plexes.find((x) => x.pl_name === m.plex)!
    const from = m.source.kind === 'self' ? m.old : m.source.kind === 'other' ? m.source.plex : undefined
    const src = from === undefined ? undefined : cfg.plexes.find((x) => x.pl_name === from)!
    if (m.log) await copyLogSubdisk(p, cfg, src, np)
    else if (src) await runPlexCopy(p.sync, v, src, np, onTask)
    const oldRid = cfg.plexes.find((x) => x.pl_name === m.old)!.pl_rid
    const inherited = m.source.kind === 'self' ? p.stale.get(oldRid) : undefined
    const moved = await p.transact('dm.evac', (d) => {
      const old = d.plex(m.old)
      const neu = d.plex(m.plex)
      neu.pl_state = old.pl_state
      neu.pl_pflag |= old.pl_pflag & (PL_PFLAG.STALE | PL_PFLAG.KDETACH)
      dissociatePlex(d, old)
      removeRecord(d, old.pl_name, true)
      unlock(d)
    }, {}, false, () => {
      p.stale.drop(oldRid)
      if (m.source.kind === 'none' && !m.log) p.stale.setFull(np.pl_rid)
      else if (inherited?.full) p.stale.setFull(np.pl_rid)
      else if (inherited) {
        p.stale.track(np.pl_rid)
        for (const g of inherited.regions) p.stale.add(np.pl_rid, g, g)
      }
    })
    return { changes: [...made.changes, ...moved.changes], tid: moved.tid }
  } catch (e) {
    // the replacement stays TEMPRMSD (the next start removes it); the volume is unlocked
    await p.transact('dm.evac.failed', unlock).catch(() => {})
    throw e
  }
}

/**
 * Copies the old log subdisk's bytes to the new one's (both the same length), or zeros without a
 * readable old one (no image there, never what the space held before), then flushes.
 */
async function copyLogSubdisk(p: GroupParts, c: Config, from: PlRecord | undefined, to: PlRecord): Promise<void> {
  const b = c.subdisks.find((s) => s.sd_rid === to.pl_log_sd_rid)
  const db = b && p.ioMap().device(b.sd_dm_rid)
  if (!b || !db) fail('VM_IO', `the new log subdisk of ${to.pl_name} has no device`)
  const a = from && c.subdisks.find((s) => s.sd_rid === from.pl_log_sd_rid)
  const da = a && p.ioMap().device(a.sd_dm_rid)
  const bytes = a && da ? await da.read(a.sd_dev_offset * SECTOR_SIZE, a.sd_len * SECTOR_SIZE) : Buffer.alloc(b.sd_len * SECTOR_SIZE)
  await db.write(b.sd_dev_offset * SECTOR_SIZE, bytes)
  await db.flush()
}
