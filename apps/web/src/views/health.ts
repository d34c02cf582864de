import type { Config, PlRecord, SdRecord, VRecord } from '@plexa/engine'
import type { Alert, FinishedTask, GroupView, LabView, PendingImport } from '@plexa/protocol'
import { onlyCopiesOn } from './actions.ts'
import { failingWords, isFailing } from './diskNotice.ts'
import type { StateKey } from './colors.ts'
import { diskFails, failedDisks } from './failedDisks.ts'
import { dateTime, failsWords } from './format.ts'
import { type ConfigIndex, indexConfig } from './layout.ts'
import { splitBrainWords, splitSides } from './splitBrain.ts'

/**
 * Health first: what a group's volumes, disks and plexes mean for the administrator, derived from
 * the records, the stale maps and the lab (pure, so every view and its tests agree).
 *
 * A volume's redundancy counts its *healthy copies*: data plexes ENABLED ACTIVE, complete, on no
 * failed disk. A mirror down to one is "no redundancy"; a mirror that lost a copy but keeps two or
 * more is "degraded"; no healthy copy (or the volume detached) is "failed"; a volume built of one
 * data plex (a concat or a stripe) has no redundancy by design: it is "not mirrored", never "full
 * redundancy" (rule 237). A mirror in read-writeback (SYNC, NEEDSYNC) has no redundancy: its
 * copies are not known to agree until a resync of it completes (rule 239).
 */
export type Redundancy = 'full' | 'unmirrored' | 'differ' | 'degraded' | 'none' | 'failed' | 'stopped'

export const REDUNDANCY_ORDER: Redundancy[] = ['failed', 'none', 'differ', 'degraded', 'stopped', 'unmirrored', 'full']

/** A volume as whole as its layout makes it: every copy it has is healthy (a mirror with full redundancy, or an unmirrored volume whose one copy works). */
export function isWhole(r: Redundancy | undefined): boolean {
  return r === 'full' || r === 'unmirrored'
}

export const REDUNDANCY_WORDS: Record<Redundancy, string> = {
  full: 'full redundancy',
  unmirrored: 'not mirrored',
  differ: 'mirrors differ',
  degraded: 'degraded',
  none: 'no redundancy',
  failed: 'failed',
  stopped: 'stopped',
}

/** The state colour of each redundancy (the theme's state variables: colour, words and icon agree). */
export const REDUNDANCY_STATE: Record<Redundancy, StateKey> = { full: 'ok', unmirrored: 'offline', differ: 'failed', degraded: 'stale', none: 'failed', failed: 'failed', stopped: 'offline' }
export const REDUNDANCY_ICON: Record<Redundancy, string> = { full: '✓', unmirrored: '○', differ: '≠', degraded: '▲', none: '⚠', failed: '✕', stopped: '■' }

export interface VolumeHealth {
  volume: string
  redundancy: Redundancy
  healthy: number
  copies: number
  /** One line for the badge: "no redundancy: 1 of 2 copies". */
  words: string
  /** Why, in sentences: "plex mirvol-02 is DETACHED IOFAIL", "plex msvol-02 is on failed disk disk02". */
  problems: string[]
  /** Its DRL log plex cannot be used (on a failed or removed disk, or not ENABLED): why. A crash now needs a full resync (rule 238). */
  logLost?: string
}

/**
 * 'suspect': plexes failed with I/O errors on it and nothing says it works again; 'recovered': the
 * same, but the lab restored it and it answers now (its plexes wait for a resync, which will work);
 * 'out of date': it works, but data plexes on it are marked stale by the engine (`PL_PFLAG_STALE`:
 * the disk was replaced, or a start went on without it) and wait for a resync of the disk (rule 362).
 */
export type DiskStatus = 'ok' | 'failed' | 'removed' | 'suspect' | 'recovered' | 'out of date'

/** A disk that takes I/O with nothing wrong of its own (its plexes may still wait for a copy). */
function diskWorks(status: DiskStatus | undefined): boolean {
  return status === 'ok' || status === 'out of date'
}

/** A disk in the way of I/O: a resync or copy onto it leaves regions unsynchronised. */
export function diskIsBad(status: DiskStatus | undefined): boolean {
  return status === 'failed' || status === 'removed' || status === 'suspect'
}

export interface DiskHealth {
  disk: string
  status: DiskStatus
  /** "fails reads and writes (lab)", "removed", "I/O errors: plex mirvol-02 failed on it", "had I/O errors (…), now answering; resync it". */
  reason: string
  /** Every volume with a subdisk on it. */
  volumes: string[]
}

export interface PlexHealth {
  plex: string
  volume: string
  /** A problem of this plex, or undefined when it is a healthy copy (or a log that works). */
  problem?: string
  /** The failed disks it has a subdisk on. */
  failedDisks: string[]
  /** Every disk it has a subdisk on. */
  readonly disks: string[]
  /** A DRL log plex (every subdisk of it a log subdisk), no copy of the data. */
  readonly log?: boolean
}

export interface GroupHealth {
  dg: string
  volumes: Map<string, VolumeHealth>
  disks: Map<string, DiskHealth>
  plexes: Map<string, PlexHealth>
  /** The plexes of a volume (grouped once, when first asked for: no walk over every plex per volume). */
  plexesOf(volume: string): readonly PlexHealth[]
}

const REMOVED = 0x100
/** plexrec(4) PL_PFLAG_STALE: a disk replacement (or a start without its disk) made the plex's contents out of date. */
const PL_STALE = 0x2

const cache = new WeakMap<GroupView, { lab: LabView['disks']; h: GroupHealth }>()
/** By configuration: a new group view whose records, stale maps and lab are the same (a DRL map refresh) keeps its health. */
const byConfig = new WeakMap<GroupView['config'], { name: string; lab: LabView['disks']; stale: string; h: GroupHealth }>()

/** The health of one group (memoised per group view and lab state: the store replaces them on change). */
export function groupHealth(g: GroupView, lab: LabView['disks']): GroupHealth {
  const hit = cache.get(g)
  if (hit && hit.lab === lab) return hit.h
  const stale = JSON.stringify(g.stale) + JSON.stringify(g.failing ?? {})
  const same = byConfig.get(g.config)
  const h = same && same.name === g.name && same.lab === lab && same.stale === stale ? same.h : computeHealth(g, lab)
  cache.set(g, { lab, h })
  byConfig.set(g.config, { name: g.name, lab, stale, h })
  return h
}

/** Shared by every record without any (never changed: the health is read, not edited). */
const NO_DISKS = Object.freeze([]) as unknown as string[]
const NO_PLEXES: readonly PlRecord[] = Object.freeze([])
const NO_SDS: readonly SdRecord[] = Object.freeze([])

/** A plex's health; the disks it is on are listed when asked for (a few rows are, not 100,000). */
class PlexState implements PlexHealth {
  readonly plex: string
  readonly volume: string
  readonly failedDisks: string[]
  readonly problem?: string
  readonly log?: boolean
  readonly #sds: readonly SdRecord[]
  #disks: string[] | undefined
  constructor(plex: string, volume: string, failedDisks: string[], problem: string | undefined, sds: readonly SdRecord[], log: boolean) {
    this.plex = plex
    this.volume = volume
    this.failedDisks = failedDisks
    if (problem) this.problem = problem
    if (log) this.log = true
    this.#sds = sds
  }
  get disks(): string[] {
    return (this.#disks ??= [...new Set(this.#sds.map((s) => s.sd_dm_name))])
  }
}

/** A disk's health; the volumes on it are found when asked for. */
class DiskState implements DiskHealth {
  readonly disk: string
  readonly status: DiskStatus
  readonly reason: string
  readonly #find: (disk: string) => string[]
  #volumes: string[] | undefined
  constructor(disk: string, status: DiskStatus, reason: string, find: (disk: string) => string[]) {
    this.disk = disk
    this.status = status
    this.reason = reason
    this.#find = find
  }
  get volumes(): string[] {
    return (this.#volumes ??= this.#find(this.disk))
  }
}

/** What a volume's health was computed from: when all of it is the same objects, so is the health. */
interface VolumeInputs {
  v: VRecord
  plexes: readonly PlRecord[]
  sds: Array<readonly SdRecord[]>
  /** Per plex: -1 all stale, else its stale regions (0 for none). */
  stale: number[]
  health: VolumeHealth
  plexHealth: PlexHealth[]
}

/**
 * Each volume's health with what it was computed from, by volume record: the next health of its
 * group (a configuration delta, a map refresh) computes again only the volumes whose records,
 * plex list, subdisk lists, stale counts or failed disks are not the same objects and numbers, so
 * a change at 200,000 subdisks costs a walk over the volumes, not a rebuild of every health; and
 * a drawing asks for the health of the volumes it shows alone (volumeHealth).
 */
const volumeMemo = new WeakMap<VRecord, VolumeInputs & { bad: string }>()

/** The stale maps by plex name (looking a fresh string up in a Map hashes it; in an object it interns it). */
type StaleOf = ReadonlyMap<string, GroupView['stale'][string]>
const staleMaps = new WeakMap<GroupView['stale'], StaleOf>()
function staleOf(g: GroupView): StaleOf {
  let m = staleMaps.get(g.stale)
  if (!m) staleMaps.set(g.stale, (m = new Map(Object.entries(g.stale))))
  return m
}

/**
 * The disks in the way of a copy that a volume's health counts: removed, or whose device fails
 * (`failedDisks`: `GroupView.failing`, a lab failure and a lost NBD connection alike, rule 409).
 */
interface Bad {
  disks: ReadonlySet<string>
  key: string
}
const badDisks = new WeakMap<GroupView['config'], { failing: GroupView['failing']; bad: Bad }>()
function badOf(g: GroupView): Bad {
  const hit = badDisks.get(g.config)
  if (hit && hit.failing === g.failing) return hit.bad
  const disks = failedDisks(g, 'any')
  const bad = { disks, key: [...disks].join('\n') }
  badDisks.set(g.config, { failing: g.failing, bad })
  return bad
}

/**
 * Rule 409: why the engine refuses I/O to a disk whose device it knows fails every read or write
 * (`GroupView.failing`), in words; undefined for a disk that works.
 */
export function engineFailWords(g: GroupView, disk: string): string | undefined {
  const f = diskFails(g, disk)
  return f && `its device fails ${failsWords(f)}: the engine refuses I/O to it (a lost connection or a device gone)`
}

/** A volume's inputs and health: the memo's when nothing it comes from changed. */
function volumeEntry(g: GroupView, ix: ConfigIndex, v: VRecord, bad: Bad): VolumeInputs {
  const plexes = ix.plexesByVolume.get(v.v_rid) ?? NO_PLEXES
  const stale = staleOf(g)
  const was = volumeMemo.get(v)
  if (was && was.bad === bad.key && sameInputs(was, v, plexes, ix, stale)) return was
  const m = volumeInputs(ix, stale, v, plexes, bad)
  volumeMemo.set(v, m)
  return m
}

/** The health of one volume of a group, without the rest of the group's (what a drawing in view needs). */
export function volumeHealth(g: GroupView, v: VRecord): VolumeHealth {
  return volumeEntry(g, indexConfig(g.config), v, badOf(g)).health
}

function staleCount(st: GroupView['stale'][string] | undefined): number {
  return st ? (st.full ? -1 : st.regions.length) : 0
}

function sameInputs(m: VolumeInputs, v: VRecord, plexes: readonly PlRecord[], ix: ConfigIndex, stale: StaleOf): boolean {
  if (m.v !== v || m.plexes !== plexes) return false
  for (let i = 0; i < plexes.length; i++) {
    const p = plexes[i]!
    if (m.sds[i] !== (ix.sdsByPlex.get(p.pl_rid) ?? NO_SDS) || m.stale[i] !== (stale.size ? staleCount(stale.get(p.pl_name)) : 0)) return false
  }
  return true
}

function volumeInputs(ix: ConfigIndex, stale: StaleOf, v: VRecord, plexes: readonly PlRecord[], { disks: bad, key }: Bad): VolumeInputs & { bad: string } {
  const problems: string[] = []
  const plexHealth: PlexHealth[] = []
  const sdsOf: Array<readonly SdRecord[]> = []
  const staleOf: number[] = []
  let healthy = 0
  let copies = 0
  let logLost: string | undefined
  for (const p of plexes) {
    const sds = ix.sdsByPlex.get(p.pl_rid) ?? NO_SDS
    sdsOf.push(sds)
    // a log plex: every subdisk of it is a log subdisk (as the engine tells them)
    const log = sds.length > 0 && sds.every((s) => s.sd_is_log)
    if (!log) copies++
    let failedDisks = NO_DISKS
    if (bad.size) for (const s of sds) if (bad.has(s.sd_dm_name) && !failedDisks.includes(s.sd_dm_name)) failedDisks = [...failedDisks, s.sd_dm_name]
    const st = stale.size ? staleCount(stale.get(p.pl_name)) : 0
    staleOf.push(st)
    let problem: string | undefined
    if (p.pl_kstate !== 'ENABLED' && v.v_kstate === 'ENABLED') problem = `plex ${p.pl_name} is ${p.pl_kstate} ${p.pl_state}`
    else if (!log && p.pl_state !== 'ACTIVE' && v.v_kstate === 'ENABLED') problem = `plex ${p.pl_name} is ${p.pl_state}`
    else if (!log && st !== 0 && v.v_kstate === 'ENABLED') problem = `plex ${p.pl_name} has ${st < 0 ? 'all' : st} stale region${st !== 1 ? 's' : ''}`
    if (failedDisks.length) problem = `${problem ? `${problem}; it` : `plex ${p.pl_name}`} is on failed disk ${failedDisks.join(', ')}`
    if (p.pl_tutil[0] && !problem && !log) problem = `plex ${p.pl_name} is being worked on (${p.pl_tutil[0]})`
    if (log && problem && v.v_kstate === 'ENABLED') {
      problem = `${problem}: its dirty region log is lost, a crash would need a full resync of ${v.v_name}`
      logLost ??= problem
    }
    plexHealth.push(new PlexState(p.pl_name, v.v_name, failedDisks, problem, sds, log))
    if (problem) problems.push(problem)
    else if (!log) healthy++
  }
  // read-writeback (a forced resync, a crash recovery, aborted or running): the copies are not
  // known to hold the same data until a resync of the volume completes
  const unsynced = v.v_kstate === 'ENABLED' && copies > 1 && healthy > 0 && v.v_state !== 'ACTIVE' && v.v_state !== 'CLEAN'
  // rule 479: every data plex stale (the only copy was on a replaced disk): nothing to resync from
  if (copies > 0 && plexes.every((p, i) => (p.pl_pflag & PL_STALE) !== 0 || (sdsOf[i]!.length > 0 && sdsOf[i]!.every((s) => s.sd_is_log)))) problems.unshift(`volume ${v.v_name} lost its data: no plex holds a current copy to resync from; re-create it or restore it from a backup`)
  if (unsynced) problems.unshift(`volume ${v.v_name} is ${v.v_state}: its plexes are not known to hold the same data until a resync of it completes`)
  let redundancy: Redundancy
  if (v.v_kstate === 'DISABLED') redundancy = 'stopped'
  else if (v.v_kstate === 'DETACHED' || healthy === 0) redundancy = 'failed'
  else if (unsynced) redundancy = 'none'
  else if (healthy === copies) redundancy = copies === 1 ? 'unmirrored' : 'full'
  else if (healthy === 1) redundancy = 'none'
  else redundancy = 'degraded'
  const of = `${healthy} of ${copies} ${copies === 1 ? 'copy' : 'copies'} healthy`
  const base = redundancy === 'full' ? `full redundancy: ${copies} copies` : redundancy === 'unmirrored' ? 'not mirrored: 1 copy, no redundancy' : redundancy === 'stopped' ? 'stopped' : unsynced ? `no redundancy: ${copies} copies, not known to agree (volume ${v.v_state})` : `${REDUNDANCY_WORDS[redundancy]}: ${of}`
  const words = logLost ? `${base}; DRL log lost` : base
  return { v, plexes, sds: sdsOf, stale: staleOf, plexHealth, bad: key, health: { volume: v.v_name, redundancy, healthy, copies, words, problems, ...(logLost ? { logLost } : {}) } }
}

/**
 * The disks to blame for plexes in trouble, from the disks each lies on: the ones every such plex
 * has in common, else each one that a plex lies on alone (a stripe over disk01 and disk02 failing
 * with a mirror on disk02 alone points at disk02, not disk01).
 */
function culprits(plexDisks: ReadonlyArray<ReadonlySet<string>>): Set<string> {
  const common = plexDisks.length ? [...plexDisks[0]!].filter((d) => plexDisks.every((set) => set.has(d))) : []
  return new Set(common.length ? common : plexDisks.filter((set) => set.size === 1).flatMap((set) => [...set]))
}

function computeHealth(g: GroupView, lab: LabView['disks']): GroupHealth {
  const c = g.config
  // the layout's index (built once per configuration, shared with the drawings): a group may
  // hold 200,000 subdisks, so nothing here filters a whole table per record
  const ix = indexConfig(c)
  const disksOf = (p: PlRecord) => (ix.sdsByPlex.get(p.pl_rid) ?? NO_SDS).map((s) => s.sd_dm_name)
  const labOf = new Map(lab.filter((x) => x.dg === g.name).map((x) => [x.disk, x]))
  // the volumes with a subdisk on a disk, asked for only for the disks that are shown or in trouble
  let byDisk: Map<string, Set<string>> | undefined
  const volumesOn = (disk: string) => {
    if (!byDisk) {
      byDisk = new Map()
      for (const p of c.plexes) {
        if (!p.pl_v_name) continue
        for (const s of ix.sdsByPlex.get(p.pl_rid) ?? NO_SDS) {
          const set = byDisk.get(s.sd_dm_name)
          if (set) set.add(p.pl_v_name)
          else byDisk.set(s.sd_dm_name, new Set([p.pl_v_name]))
        }
      }
    }
    return [...(byDisk.get(disk) ?? [])].sort()
  }
  // disks: failed (lab), removed (no device), suspect (plexes failed with I/O errors on it: the
  // culprits among the disks under the failed plexes)
  // a disk whose device fails (the engine's list, lab failures in it), or one the lab failed
  // before a restore, is the one a failed plex over it failed on
  const labFailed = new Set(Object.keys(g.failing ?? {}))
  for (const x of lab) if (x.dg === g.name && x.failedAt !== undefined) labFailed.add(x.disk)
  const ioFailed = c.plexes.filter((p) => p.pl_state === 'IOFAIL').map((p) => {
    const on = disksOf(p)
    return new Set(on.some((d) => labFailed.has(d)) ? on.filter((d) => labFailed.has(d)) : on)
  })
  const suspects = culprits(ioFailed)
  const failedOn = (disk: string) => c.plexes.filter((p) => p.pl_state === 'IOFAIL' && disksOf(p).includes(disk)).map((p) => p.pl_name)
  // the data plexes the engine marked stale (a replacement, a start without the disk), by the
  // disk that made them so, found as a failed plex's disk is (a replaced disk02 under mirvol-02 and
  // msvol-02, over disk01 and disk02, is disk02)
  const isLogPlex = (p: PlRecord) => (ix.sdsByPlex.get(p.pl_rid) ?? NO_SDS).every((s) => s.sd_is_log)
  // rule 479: only a stale plex another data plex of its volume can be copied from waits for a
  // resync; the only copy lost has no source (its volume says it lost its data)
  const sourced = new Set(c.plexes.filter((p) => p.pl_vol_rid && !(p.pl_pflag & PL_STALE) && (p.pl_state === 'ACTIVE' || p.pl_state === 'CLEAN') && !isLogPlex(p)).map((p) => p.pl_vol_rid))
  const stalePlexes = c.plexes.filter((p) => p.pl_pflag & PL_STALE && p.pl_v_name && sourced.has(p.pl_vol_rid) && !isLogPlex(p))
  const staleDisks = stalePlexes.map((p) => new Set(disksOf(p)))
  const markedStale = new Map<string, string[]>()
  for (const disk of culprits(staleDisks)) markedStale.set(disk, stalePlexes.filter((_, i) => staleDisks[i]!.has(disk)).map((p) => p.pl_name))
  const disks = new Map<string, DiskHealth>()
  for (const d of c.disks) {
    const ld = labOf.get(d.dm_name)
    // what its device fails: the engine's word alone (`diskFails`), a lab failure or another; the
    // lab's list only says the lab did it (the reason's "(lab)")
    const fails = diskFails(g, d.dm_name)
    // the lab failed it once and restored it: it answers now
    const answering = !fails && ld?.failed === 'none' && ld.failedAt !== undefined
    let status: DiskStatus = 'ok'
    let reason = ''
    if (fails && ld && ld.failed !== 'none') [status, reason] = ['failed', `fails ${failsWords(fails)} (lab)`]
    else if (d.dm_pflag & REMOVED) [status, reason] = ['removed', 'removed: its device is missing']
    else if (fails) [status, reason] = ['failed', engineFailWords(g, d.dm_name)!]
    else if (suspects.has(d.dm_name) && answering) [status, reason] = ['recovered', `had I/O errors (${dateTime(ld.failedAt!)}), now answering; resync it: plex ${failedOn(d.dm_name).join(', ')} waits for it`]
    else if (suspects.has(d.dm_name)) [status, reason] = ['suspect', `I/O errors: plex ${failedOn(d.dm_name).join(', ')} failed on it`]
    else if (markedStale.has(d.dm_name)) {
      const plexes = markedStale.get(d.dm_name)!
      ;[status, reason] = ['out of date', `works, but ${plexes.length > 1 ? 'plexes' : 'plex'} ${plexes.join(', ')} on it ${plexes.length > 1 ? 'are' : 'is'} stale (a replacement or an absence of the disk): resync disk ${d.dm_name} to copy ${plexes.length > 1 ? 'them' : 'it'} back`]
    }
    disks.set(d.dm_name, new DiskState(d.dm_name, status, reason, volumesOn))
  }
  // the volumes' health, each computed again only when what it comes from changed
  const bad = badOf(g)
  const plexes = new Map<string, PlexHealth>()
  const volumes = new Map<string, VolumeHealth>()
  for (const v of c.volumes) {
    const m = volumeEntry(g, ix, v, bad)
    for (const p of m.plexHealth) plexes.set(p.plex, p)
    volumes.set(v.v_name, m.health)
  }
  let byVolume: Map<string, PlexHealth[]> | undefined
  const plexesOf = (volume: string): readonly PlexHealth[] => {
    if (!byVolume) {
      byVolume = new Map()
      for (const p of plexes.values()) {
        const l = byVolume.get(p.volume)
        if (l) l.push(p)
        else byVolume.set(p.volume, [p])
      }
    }
    return byVolume.get(volume) ?? []
  }
  return { dg: g.name, volumes, disks, plexes, plexesOf }
}

/** One thing that needs attention, with what fixes it. */
export interface AttentionItem {
  key: string
  dg: string
  severity: 'critical' | 'warning'
  text: string
  /** For an alert whose problem is gone: why (it only waits to be acknowledged). */
  resolved?: string
  /** For a disk resync: the volumes it covers, each also listed with a resync of its own (rule 174). */
  covers?: string[]
  /** For a volume that waits for a failed disk (no fix of its own): that disk, fixed by its own item (rule 240). */
  waitsFor?: string[]
  fix:
    | { kind: 'resync-volume'; volume: string }
    | { kind: 'replace-disk' | 'restore-disk' | 'resync-disk' | 'clear-failing'; disk: string }
    | { kind: 'ack'; alert: number }
    | { kind: 'verify'; volume: string }
    | { kind: 'import'; force: boolean; clearImport: boolean }
    /** A split brain (rule 407): the administrator chooses the side whose configuration is kept (SplitBrainDialog). */
    | { kind: 'choose-side' }
    | { kind: 'none' }
}

/**
 * A group the server did not import (rule 131): why, and the import that brings it up: with force
 * when disks are missing (vxdg -f), clearing the import when another host holds it (vxdg -C).
 */
export function importItem(p: PendingImport): AttentionItem {
  const sides = splitSides(p)
  if (sides) return { key: `import/${p.name}`, dg: p.name, severity: 'critical', text: `disk group ${p.name} is not imported: ${splitBrainWords(p, sides)}`, fix: { kind: 'choose-side' } }
  const missing = p.disks?.map((d) => `${d.disk || d.device} (${d.reason})`).join(', ')
  const why = p.code === 'VM_BUSY' && p.importedBy ? `host ${p.importedBy} has it imported: clear that import only if that host is down` : p.code === 'VM_MISSING_DISKS' && missing ? `disks without a usable device: ${missing}; importing with force brings it up without them (NODEVICE)` : `${p.code}: ${p.reason}`
  const fixable = p.code === 'VM_BUSY' || p.code === 'VM_MISSING_DISKS'
  return { key: `import/${p.name}`, dg: p.name, severity: 'critical', text: `disk group ${p.name} is not imported: ${why}`, fix: fixable ? { kind: 'import', force: p.code === 'VM_MISSING_DISKS', clearImport: p.code === 'VM_BUSY' } : { kind: 'none' } }
}

/** The overview: every volume not fully redundant, every failed disk, plexes that differ, every open alert. */
export function attention(groups: GroupView[], lab: LabView, alerts: Alert[], finished: readonly FinishedTask[] = [], imports: readonly PendingImport[] = [], resolved: ReadonlyMap<number, string> = new Map()): AttentionItem[] {
  // a deported group is the administrator's doing, not a problem: the tree offers its import (rule 454)
  const out: AttentionItem[] = imports.filter((p) => !p.deported).map(importItem)
  for (const [key, t] of unrepairedMismatches(finished)) {
    const [dg, volume] = splitKey(key)
    out.push({ key: `${key}/mismatch`, dg, severity: 'critical', text: `volume ${volume}: its plexes differ in ${t.verify!.mismatchCount} region(s) (verify ${t.taskId}); choose the plex whose data is right in the task history's verify report`, fix: { kind: 'none' } })
  }
  for (const g of groups) {
    const h = groupHealth(g, lab.disks)
    for (const d of h.disks.values()) {
      // a working disk whose plexes are out of date: its volumes' items (and rule 299's disk resync) say it
      if (d.status === 'ok' || d.status === 'out of date') continue
      const affects = d.volumes.length ? `; affects ${d.volumes.join(', ')}` : ''
      // the lab restores only what it failed: a disk the engine knows fails (a lost connection) is replaced (rule 409)
      const labFailed = lab.disks.some((x) => x.dg === g.name && x.disk === d.disk && x.failed !== 'none')
      const fix: AttentionItem['fix'] = d.status === 'failed' && lab.enabled && labFailed ? { kind: 'restore-disk', disk: d.disk } : d.status === 'suspect' || d.status === 'recovered' ? { kind: 'resync-disk', disk: d.disk } : { kind: 'replace-disk', disk: d.disk }
      const what = d.status === 'suspect' ? 'has I/O errors' : d.status === 'recovered' ? 'answers again' : d.status
      out.push({ key: `${g.name}/dm/${d.disk}`, dg: g.name, severity: d.status === 'recovered' ? 'warning' : 'critical', text: `disk ${d.disk} ${what}: ${d.reason}${affects}${d.status === 'recovered' ? '' : onlyCopyWords(g.config, d.disk, lab.enabled && labFailed)}`, fix })
    }
    // rule 436: a disk left FAILING (by hot relocation) that works again: check it, then clear the mark
    for (const dm of g.config.disks) {
      if (!isFailing(dm) || diskIsBad(h.disks.get(dm.dm_name)?.status)) continue
      out.push({ key: `${g.name}/dm/${dm.dm_name}/failing`, dg: g.name, severity: 'warning', text: `disk ${dm.dm_name} is ${failingWords(dm.dm_name)} (hot relocation moved its failed subdisks off it)`, fix: { kind: 'clear-failing', disk: dm.dm_name } })
    }
    for (const v of h.volumes.values()) {
      if (v.redundancy === 'stopped') continue
      const failedDisks = [...new Set(h.plexesOf(v.volume).flatMap((p) => p.failedDisks))]
      const fix: Pick<AttentionItem, 'fix' | 'waitsFor'> = failedDisks.length ? { fix: { kind: 'none' }, waitsFor: failedDisks } : { fix: { kind: 'resync-volume', volume: v.volume } }
      if (isWhole(v.redundancy)) {
        // whole, but without its log: a crash would copy the whole volume (rule 238)
        if (v.logLost) out.push({ key: `${g.name}/v/${v.volume}`, dg: g.name, severity: 'warning', text: `volume ${v.volume}: ${v.logLost}`, ...fix })
        continue
      }
      out.push({ key: `${g.name}/v/${v.volume}`, dg: g.name, severity: v.redundancy === 'degraded' ? 'warning' : 'critical', text: `volume ${v.volume}: ${v.words} (${v.problems.join('; ')})`, ...fix })
    }
  }
  for (const g of groups) suggestDiskResync(out, g, groupHealth(g, lab.disks))
  coverByDiskResync(out, groups, lab)
  // a resolved alert only waits to be acknowledged: it says why it is over, and comes last
  for (const a of alerts) {
    if (a.acked) continue
    const over = resolved.get(a.id)
    out.push({ key: `alert/${a.id}`, dg: a.dg, severity: a.severity, text: `alert #${a.id} ${a.code}: ${a.message}${a.count > 1 ? ` (seen ${a.count} times)` : ''}`, ...(over ? { resolved: over } : {}), fix: { kind: 'ack', alert: a.id } })
  }
  const own = (x: AttentionItem) => (x.resolved ? 2 : x.severity === 'critical' ? 0 : 1)
  // a disk resync that covers volumes comes with the worst of them, before them (rule 174)
  const coveredRank = (x: AttentionItem) => Math.min(...out.filter((y) => y.dg === x.dg && y.fix.kind === 'resync-volume' && x.covers!.includes(y.fix.volume)).map(own))
  const ranks = new Map(out.map((x) => [x, x.covers ? Math.min(own(x), coveredRank(x)) : own(x)]))
  const rank = (x: AttentionItem) => ranks.get(x)!
  return out.sort((a, b) => rank(a) - rank(b))
}

/**
 * Rule 296: for a disk in trouble that holds the only copy of volumes, the truth and what can be
 * done: their data is on it alone, lost unless the disk comes back; restore it (in the lab), or stop
 * them, replace the disk and restore them from a backup, or remove them.
 */
function onlyCopyWords(c: Config, disk: string, lab: boolean): string {
  const only = onlyCopiesOn(c, disk)
  if (!only.length) return ''
  const names = only.map((o) => o.volume).join(', ')
  const many = only.length > 1
  const started = only.some((o) => o.started)
  return `; ${disk} holds the only copy of ${names}: ${many ? 'their' : 'its'} data is lost unless ${disk} comes back, and no resync can copy it back. ${lab ? `Restore ${disk} (lab) to get it back; otherwise ` : 'Otherwise '}${started ? `stop ${names}, ` : ''}replace ${disk} and re-create ${names} from a backup, or remove ${many ? 'them' : 'it'}`
}

/**
 * Rule 299: a working disk under the plexes in trouble of two or more volumes (after a replace,
 * say, every data plex on it comes back stale) gets an item of its own whose fix is one resync of
 * the disk, as `plexa disk replace` advises; `coverByDiskResync` then lists it first and says which
 * volumes it covers.
 */
function suggestDiskResync(out: AttentionItem[], g: GroupView, h: GroupHealth): void {
  const byDisk = new Map<string, string[]>()
  for (const x of out) {
    if (x.dg !== g.name || x.fix.kind !== 'resync-volume') continue
    const troubled = h.plexesOf(x.fix.volume).filter((p) => p.problem && !p.log)
    const disks = troubled.length ? troubled[0]!.disks.filter((d) => troubled.every((p) => p.disks.includes(d))) : []
    for (const d of disks) byDisk.set(d, [...(byDisk.get(d) ?? []), x.fix.volume])
  }
  for (const [disk, volumes] of byDisk) {
    if (volumes.length < 2 || !diskWorks(h.disks.get(disk)?.status) || out.some((x) => x.dg === g.name && 'disk' in x.fix && x.fix.kind !== 'clear-failing' && x.fix.disk === disk)) continue
    const plexes = volumes.flatMap((v) => h.plexesOf(v).filter((p) => p.problem && !p.log && p.disks.includes(disk)).map((p) => p.plex))
    out.push({ key: `${g.name}/dm/${disk}/resync`, dg: g.name, severity: 'warning', text: `disk ${disk} works, but the plexes on it need a copy (${plexes.join(', ')})`, fix: { kind: 'resync-disk', disk } })
  }
}

/**
 * Rule 174: a disk resync whose disk holds every plex in trouble of volumes the overview would
 * resync one by one covers them: it is recommended first (listed before them, with the worst of
 * them), saying which volumes it covers, and each covered volume says the disk resync covers it.
 */
function coverByDiskResync(out: AttentionItem[], groups: GroupView[], lab: LabView): void {
  for (const disk of out.filter((x) => x.fix.kind === 'resync-disk')) {
    const name = (disk.fix as { disk: string }).disk
    const g = groups.find((x) => x.name === disk.dg)
    if (!g) continue
    const h = groupHealth(g, lab.disks)
    const troubled = (volume: string) => h.plexesOf(volume).filter((p) => p.problem)
    const covered = out.filter((x) => x.dg === disk.dg && x.fix.kind === 'resync-volume' && troubled(x.fix.volume).length > 0 && troubled(x.fix.volume).every((p) => p.disks.includes(name)))
    if (!covered.length) continue
    const names = covered.map((x) => (x.fix as { volume: string }).volume)
    disk.text = `${disk.text}; one resync of disk ${name} covers ${names.join(', ')}`
    disk.covers = names
    for (const x of covered) x.text = `${x.text}; the resync of disk ${name} covers it`
    // the disk's item before the first volume it covers
    out.splice(out.indexOf(disk), 1)
    out.splice(Math.min(...covered.map((x) => out.indexOf(x))), 0, disk)
  }
}

/**
 * What failing a disk would do to each volume on it, from the health now: the volumes left
 * without redundancy or without any copy (an unmirrored one among them), degraded, or without
 * their DRL log. For the lab's fail dialog, said before it is done.
 */
export function diskFailureEffect(h: GroupHealth, disk: string): string[] {
  const out: string[] = []
  for (const name of h.disks.get(disk)?.volumes ?? []) {
    const v = h.volumes.get(name)
    if (!v || v.redundancy === 'stopped' || v.redundancy === 'failed') continue
    const on = h.plexesOf(name).filter((p) => !p.problem && p.disks.includes(disk))
    const lost = on.filter((p) => !p.log).length
    const left = v.healthy - lost
    if (lost === 0) {
      const logs = h.plexesOf(name).filter((p) => p.log && !p.problem)
      if (on.length && logs.every((p) => p.disks.includes(disk))) out.push(`${name} loses its DRL log: a crash would need a full resync`)
    } else if (left <= 0) out.push(`${name} fails${v.copies === 1 ? ' (not mirrored)' : ''}: no copy of its data is left to read`)
    else if (left === 1) out.push(`${name} will have no redundancy`)
    else out.push(`${name} is degraded: ${left} of ${v.copies} copies left`)
  }
  return out
}

/** The health strip's counts for one group. */
export interface StripCounts {
  dg: string
  byRedundancy: Record<Redundancy, number>
  failedDisks: string[]
  stalePlexes: number
  runningTasks: number
}

const countsCache = new WeakMap<GroupHealth, Omit<StripCounts, 'runningTasks'>>()

/**
 * The strip's counts (`taskGroups`: the group of each running task); what comes from the health
 * is counted once per health (not at every task report); a fully redundant volume whose plexes a
 * verify found different counts as "mirrors differ" (rule 170).
 */
export function stripCounts(g: GroupView, lab: LabView['disks'], taskGroups: readonly string[], mismatches: ReadonlyMap<string, FinishedTask> = new Map()): StripCounts {
  const h = groupHealth(g, lab)
  let counts = countsCache.get(h)
  if (!counts) {
    const byRedundancy: Record<Redundancy, number> = { full: 0, unmirrored: 0, differ: 0, degraded: 0, none: 0, failed: 0, stopped: 0 }
    for (const v of h.volumes.values()) byRedundancy[v.redundancy]++
    let stalePlexes = 0
    for (const p of h.plexes.values()) if (p.problem) stalePlexes++
    counts = { dg: g.name, byRedundancy, failedDisks: [...h.disks.values()].filter((d) => diskIsBad(d.status)).map((d) => d.disk), stalePlexes }
    countsCache.set(h, counts)
  }
  const byRedundancy = { ...counts.byRedundancy }
  for (const key of mismatches.keys()) {
    const [dg, volume] = splitKey(key)
    if (dg === g.name && h.volumes.get(volume)?.redundancy === 'full') byRedundancy.full--, byRedundancy.differ++
  }
  return { ...counts, byRedundancy, runningTasks: taskGroups.filter((dg) => dg === g.name).length }
}

function splitKey(key: string): [string, string] {
  const at = key.indexOf('/')
  return [key.slice(0, at), key.slice(at + 1)]
}

/**
 * Rule 170: a volume whose plexes a verify found different (and no repair, resync of it or clean
 * verify mended since) has no full redundancy: its mirrors differ. A fully redundant volume reads
 * "mirrors differ"; any other keeps its redundancy; both say where and which verify found it.
 */
export function withMismatch(v: VolumeHealth, differ: FinishedTask | undefined): VolumeHealth {
  if (!differ?.verify?.mismatchCount) return v
  const problem = `its plexes differ in ${differ.verify.mismatchCount} region(s) (verify ${differ.taskId}): repair from the plex whose data is right`
  const redundancy: Redundancy = v.redundancy === 'full' ? 'differ' : v.redundancy
  const words = redundancy === 'differ' ? `mirrors differ: ${v.copies} copies, not known to hold the same data` : v.words
  return { ...v, redundancy, words, problems: [...v.problems, problem] }
}

/** A group's health with rule 170 laid over it: the volumes whose mirrors differ (the same health when none does). */
export function withMismatches(h: GroupHealth, mismatches: ReadonlyMap<string, FinishedTask>): GroupHealth {
  let volumes: Map<string, VolumeHealth> | undefined
  for (const [key, t] of mismatches) {
    const [dg, volume] = splitKey(key)
    const v = dg === h.dg ? h.volumes.get(volume) : undefined
    if (!v) continue
    volumes ??= new Map(h.volumes)
    volumes.set(volume, withMismatch(v, t))
  }
  return volumes ? { ...h, volumes } : h
}

/**
 * Volumes whose latest verify found plexes that differ and that no repair or forced resync has
 * mended since, by `dg/volume`, with that verify (its report says where and which plexes agree).
 */
export function unrepairedMismatches(finished: readonly FinishedTask[]): Map<string, FinishedTask> {
  const out = new Map<string, FinishedTask>()
  for (const t of finished) {
    for (const v of t.volumes) {
      const key = `${t.dg}/${v}`
      if (t.kind === 'verify' && t.outcome === 'ok') {
        if (t.verify?.mismatchCount) out.set(key, t)
        else out.delete(key)
      } else if ((t.kind === 'repair' || t.kind === 'resync') && t.outcome === 'ok' && out.has(key) && t.target === `volume ${v}`) out.delete(key)
    }
  }
  return out
}
