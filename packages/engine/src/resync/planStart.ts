import { fail } from '../errors.ts'
import { assertUnlocked, dissociatePlex, isLogPlex, removeRecord } from '../recordOps.ts'
import { logFlag, onMissingDisk } from '../records/plexState.ts'
import { type PlRecord, PL_PFLAG, PL_TFLAG, V_TFLAG } from '../records/types.ts'
import { RegionSet } from '../regionSet.ts'
import type { Draft } from '../txn.ts'
import { REGION_SECTORS } from './regionCopy.ts'

/** What starting a volume decided (`planStart`). */
export interface StartPlan {
  /** The volume crashed while written: its plexes may differ where writes were in flight. */
  crashed: boolean
  /** It was stopped in the middle of a read-writeback (NEEDSYNC), which goes on from v_rwback_offset. */
  needSync: boolean
  /** Plexes that were current and now miss every write (on a disk without its device): track their stale regions. */
  track: number[]
  /** Plexes it made write-only attach targets (tutil0 ATT): the ones this start hands back (rule 119). */
  handBack: number[]
  /** Rule 419: stale plexes left DETACHED because a disk under them fails every write now, with those disks. */
  waiting: Array<{ plex: string; disks: string[] }>
}

/**
 * vxvol start's decisions on the draft (D 28, 30-33, 36, 38; I79): cleans up TEMP* plexes,
 * enables the CLEAN/ACTIVE complete plexes as the sources, makes STALE/IOFAIL/EMPTY plexes
 * write-only attach targets (tutil0 ATT) or, with `delayRecover`, leaves them DETACHED, and tells
 * whether the volume needs crash recovery. Pure: it changes the draft and nothing else;
 * `wasWritten` says whether the kernel log has the volume written since its last start.
 */
export function planStart(d: Draft, volume: string, o: { wasWritten: (vrid: number) => boolean; delayRecover: boolean; failsWrites?: (p: PlRecord) => string[] }): StartPlan {
  const plan: StartPlan = { crashed: false, needSync: false, track: [], handBack: [], waiting: [] }
  const v = d.vol(volume)
  assertUnlocked(v.v_tutil[0], volume)
  if (v.v_kstate === 'ENABLED') fail('VM_INVALID_PARAM', `volume ${volume} is already started`)
  // D 33: leftovers of interrupted non-atomic operations.
  for (const pl of d.plexesOf(v)) {
    switch (pl.pl_state) {
      case 'TEMP':
      case 'SNAPDIS':
        dissociatePlex(d, pl)
        break
      case 'TEMPRM':
        pl.pl_vol_rid = 0
        d.c.plexes.splice(d.c.plexes.indexOf(pl), 1)
        for (const sd of d.sdsOf(pl)) sd.sd_plex_rid = 0
        break
      case 'TEMPRMSD':
      case 'SNAPATT':
        pl.pl_vol_rid = 0
        removeRecord(d, pl.pl_name, true)
        break
    }
  }
  const plexes = d.plexesOf(v)
  const data = plexes.filter((p) => !isLogPlex(d, p))
  const logs = plexes.filter((p) => isLogPlex(d, p))
  if (data.length === 0) fail('VM_UNSTARTABLE', `volume ${volume} has no data plex`)
  const rw = PL_TFLAG.READ | PL_TFLAG.WRITE
  const enable = (p: PlRecord) => {
    p.pl_state = 'ACTIVE'
    p.pl_kstate = 'ENABLED'
    p.pl_tflag = (p.pl_tflag & ~0xf) | rw | logFlag(p) | (p.pl_contig_len >= v.v_len ? PL_TFLAG.COMPLETE : 0)
  }
  if (v.v_state === 'EMPTY' && data.every((p) => p.pl_state === 'EMPTY')) {
    // D 28: a never-initialised volume starts without copying.
    if (!data.some((p) => p.pl_contig_len >= v.v_len)) fail('VM_UNSTARTABLE', `volume ${volume} has no plex covering its length`)
    data.forEach(enable)
  } else {
    // D 50: a plex the kernel detached for errors is never a source; I79: nor one on a disk
    // without its device.
    const sources = data.filter((p) => (p.pl_state === 'CLEAN' || p.pl_state === 'ACTIVE') && !(p.pl_pflag & (PL_PFLAG.STALE | PL_PFLAG.KDETACH)) && !onMissingDisk(p))
    if (!sources.some((p) => p.pl_contig_len >= v.v_len)) fail('VM_UNSTARTABLE', `volume ${volume} has no CLEAN or ACTIVE complete plex`)
    plan.needSync = v.v_state === 'NEEDSYNC'
    plan.crashed = v.v_state !== 'CLEAN' && v.v_state !== 'EMPTY' && (o.wasWritten(v.v_rid) || v.v_state === 'SYNC' || plan.needSync)
    sources.forEach(enable)
    for (const p of data) {
      if (sources.includes(p) || p.pl_state === 'OFFLINE') continue
      if (onMissingDisk(p)) {
        // I79: it misses every write from now on; it is recovered when its disk returns.
        const wasCurrent = p.pl_state === 'CLEAN' || p.pl_state === 'ACTIVE'
        if (wasCurrent) plan.track.push(p.pl_rid)
        if (wasCurrent || p.pl_state === 'EMPTY') p.pl_state = 'STALE'
        p.pl_pflag |= PL_PFLAG.STALE // plexrec(4): a temporary disk failure made it out of date (rule 155)
        p.pl_kstate = 'DISABLED'
        p.pl_tflag &= ~0xf
        continue
      }
      const waitsFor = o.failsWrites?.(p) ?? []
      if (o.delayRecover || waitsFor.length > 0) {
        // rule 419: an attach onto a disk failing every write would fail: it waits, DETACHED, for
        // the disk to be restored or replaced (then a disk resync hands it back)
        if (waitsFor.length > 0) plan.waiting.push({ plex: p.pl_name, disks: waitsFor })
        // vxvol -o delayrecover: usable now, stale plexes wait for a resync or attach
        if (p.pl_state === 'EMPTY') p.pl_state = 'STALE'
        p.pl_kstate = 'DETACHED'
        continue
      }
      // STALE, IOFAIL, EMPTY: recovered by attaching after the start.
      Object.assign(p, { pl_state: 'STALE', pl_kstate: 'ENABLED', pl_tflag: (p.pl_tflag & ~0xf) | PL_TFLAG.WRITE })
      p.pl_tutil[0] = 'ATT'
      plan.handBack.push(p.pl_rid)
    }
    if (plan.crashed && sources.length > 1) v.v_state = 'SYNC'
  }
  for (const p of logs) {
    Object.assign(p, { pl_state: 'LOG', pl_kstate: 'ENABLED', pl_tflag: (p.pl_tflag & ~0xf) | rw | logFlag(p) })
    // rule 343: a log plex detached by its log's failure is recovered by the start, which rewrites the log
    if (!onMissingDisk(p)) p.pl_pflag &= ~PL_PFLAG.KDETACH
  }
  v.v_kstate = 'ENABLED'
  if (v.v_state !== 'SYNC') v.v_state = 'ACTIVE'
  if (!plan.needSync) v.v_rwback_offset = 0
  v.v_tflag = V_TFLAG.READ | V_TFLAG.WRITE | (v.v_state === 'SYNC' ? V_TFLAG.RWBACK : 0)
  return plan
}

/**
 * The regions a crash left inconsistent, which recovery copies: after a NEEDSYNC stop, those
 * from v_rwback_offset on (the ones before were recovered before the stop, rule 74); after a
 * crash, the DRL's dirty regions, or every region without a usable log (`fullResync`). None
 * for a volume that needs no recovery.
 */
export function planRecovery(o: { plan: StartPlan; len: number; rwbackOffset: number; logged: RegionSet | undefined }): { regions: RegionSet | undefined; fullResync: boolean } {
  const n = Math.ceil(o.len / REGION_SECTORS)
  if (o.plan.needSync) {
    const regions = new RegionSet(n)
    for (let g = Math.ceil(o.rwbackOffset / REGION_SECTORS); g < n; g++) regions.add(g)
    return { regions, fullResync: false }
  }
  if (!o.plan.crashed) return { regions: undefined, fullResync: false }
  return { regions: o.logged ?? RegionSet.all(n), fullResync: o.logged === undefined }
}
