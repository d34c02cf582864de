import type { Config } from '@plexa/engine'
import type { GroupView, RouteKey } from '@plexa/protocol'
import type { Selection } from '../store/appStore.ts'
import { failedDisks } from './failedDisks.ts'
import { type OperationForm, operationsFor } from './operations.ts'
import { unrelocateAction } from './unrelocate.ts'

/** One thing an administrator can do to the selection, with why it is not allowed when it is not. */
export interface Action {
  id: string
  label: string
  route: RouteKey
  params: Record<string, string>
  body: Record<string, unknown>
  /** Needs a confirmation with its dry-run preview. */
  destructive: boolean
  disabled?: string
  /** What it means for redundancy, said before it is done. */
  warning?: string
  /** Offers a Force choice, explained. */
  force?: string
  /** What the dialog says instead of a dry run, for an action that has none (repair, abort). */
  noDryRun?: string
  /** An everyday operation's form (views/operations.ts): its dialog asks for the values, then dry-runs them. */
  form?: OperationForm
}

/**
 * The confirmation's title: the action and what it acts on ("Resync mirvol?"); a repair names the
 * plex it copies from ("Repair from mirvol-01?"), the volume being in its warning (rule 171).
 */
export function confirmTitle(a: Action): string {
  if (a.id === 'repair' && typeof a.body.source === 'string') return `Repair from ${a.body.source}?`
  if (a.id === 'unrelocate') return `Move the subdisks relocated off ${a.params.disk} back to it?`
  if (a.id === 'deport' || a.id === 'import') return `${a.label.replace('…', '')} ${a.params.dg}?`
  const target = Object.entries(a.params).filter(([k]) => k !== 'dg').map(([, v]) => v).join(' ')
  return `${[a.label, target].filter(Boolean).join(' ')}?`
}

/**
 * The object an action is about, from its parameters (a plex, a volume, a disk), or for a task
 * control the volume of the task (`volumeOfTask`); undefined when it names none.
 */
export function actionObject(a: Action, volumeOfTask: (task: string) => { dg: string; volume: string } | undefined = () => undefined): Selection | undefined {
  const { dg, plex, volume, disk, task } = a.params
  if (dg && plex) return { dg, kind: 'pl', name: plex }
  if (dg && volume) return { dg, kind: 'v', name: volume }
  if (dg && disk) return { dg, kind: 'dm', name: disk }
  const t = task ? volumeOfTask(task) : undefined
  return t && { dg: t.dg, kind: 'v', name: t.volume }
}

/** Is plex `name` a log plex (every subdisk of it a log subdisk)? */
export function isLogPlexNamed(c: Config, name: string): boolean {
  return c.subdisks.filter((s) => s.sd_pl_name === name).every((s) => s.sd_is_log)
}

/**
 * Replace disk (vxdiskadm replace): a new blank image file of the disk's size takes its place; every
 * data plex with a subdisk there is detached and entirely stale until a resync copies it back; a
 * log plex there holds no volume data: it stays ENABLED LOG and the volume's next log write
 * re-initialises its log on the new image (rule 236).
 */
export function replaceDiskAction(c: Config, dg: string, disk: string, disabled?: string): Action {
  const dm = c.disks.find((d) => d.dm_name === disk)
  const bytes = dm ? (dm.dm_pub_offset + dm.dm_pub_len) * 512 : 0
  const plexes = [...new Set(c.subdisks.filter((s) => s.sd_dm_name === disk && s.sd_pl_name).map((s) => s.sd_pl_name))].sort()
  const isLog = (pl: string) => isLogPlexNamed(c, pl)
  const only = onlyCopiesOn(c, disk)
  const lostPlexes = new Set(only.flatMap((o) => o.plexes))
  const [logs, data] = [plexes.filter(isLog), plexes.filter((pl) => !isLog(pl) && !lostPlexes.has(pl))]
  // the engine refuses to take a started volume's last plex away (VM_LAST_PLEX), force or not
  const started = only.filter((o) => o.started).map((o) => o.volume)
  const refused = started.length ? `${disk} holds the only copy of ${started.join(', ')}, which ${started.length > 1 ? 'are' : 'is'} started: a replace is refused (VM_LAST_PLEX). Stop ${started.join(', ')} first (${started.length > 1 ? 'their' : 'its'} data on ${disk} is lost unless ${disk} comes back), or remove ${started.length > 1 ? 'them' : 'it'}` : undefined
  const words = [
    ...only.map((o) => `${o.plexes.join(', ')} ${o.plexes.length > 1 ? 'are' : 'is'} the only copy of ${o.volume}: ${o.plexes.length > 1 ? 'they come' : 'it comes'} back stale with nothing to copy from, so ${o.volume}'s data is lost; re-create it and restore it from a backup, or remove it`),
    ...(data.length ? [`${data.join(', ')} ${data.length > 1 ? 'are' : 'is'} detached and entirely stale until a resync of disk ${disk} copies ${data.length > 1 ? 'them' : 'it'} back`] : []),
    ...(logs.length ? [`log plex ${logs.join(', ')} stays ENABLED LOG: ${logs.length > 1 ? 'they hold' : 'it holds'} no volume data, and the next write to the volume writes the log afresh on the new image`] : []),
  ]
  const after = words.length ? `: ${words.join('; ')}` : ': no plex is on it'
  return { id: 'replace', label: 'Replace disk', route: 'POST /api/dgs/:dg/disks/:disk/replace', params: { dg, disk }, body: { sizeBytes: bytes }, destructive: true, warning: `a new blank ${Math.round(bytes / 1048576)} MiB image takes the place of ${disk}, whose data is no longer read${after}`, ...((disabled ?? refused) ? { disabled: (disabled ?? refused)! } : {}) }
}

/**
 * The volumes whose every data plex has a subdisk on `disk` (a concat or stripe there, or a mirror
 * with all its copies on it): losing the disk loses their data, no resync can bring it back, and
 * the engine refuses to replace the disk while they are started (rule 296).
 */
export function onlyCopiesOn(c: Config, disk: string): Array<{ volume: string; plexes: string[]; started: boolean }> {
  const out: Array<{ volume: string; plexes: string[]; started: boolean }> = []
  // one pass over each table: a group may hold thousands of volumes
  const isLog = new Map<string, boolean>()
  for (const s of c.subdisks) if (s.sd_pl_name) isLog.set(s.sd_pl_name, (isLog.get(s.sd_pl_name) ?? true) && s.sd_is_log)
  const on = new Set(c.subdisks.filter((s) => s.sd_dm_name === disk && s.sd_pl_name).map((s) => s.sd_pl_name))
  const vols = new Set(c.plexes.filter((p) => on.has(p.pl_name) && p.pl_vol_rid).map((p) => p.pl_vol_rid))
  const dataOf = new Map<number, string[]>()
  for (const p of c.plexes) if (vols.has(p.pl_vol_rid) && !isLog.get(p.pl_name)) dataOf.set(p.pl_vol_rid, [...(dataOf.get(p.pl_vol_rid) ?? []), p.pl_name])
  for (const v of c.volumes) {
    const data = dataOf.get(v.v_rid)
    if (!data || !data.every((n) => on.has(n))) continue
    out.push({ volume: v.v_name, plexes: data.sort(), started: v.v_kstate !== 'DISABLED' })
  }
  return out
}


/** A log plex as the engine tells one (`isLogPlexRec`): it has subdisks, every one a log subdisk. */
function holdsOnlyLogs(c: Config, plex: string): boolean {
  const sds = c.subdisks.filter((s) => s.sd_pl_name === plex)
  return sds.length > 0 && sds.every((s) => s.sd_is_log)
}

/**
 * Why a copy into the volume (attach of `except`, a resync) has nothing to read from, as the
 * engine refuses it (VM_NOTSYNCED, rule 341): no other data plex is current (ENABLED ACTIVE), or
 * every current one is on a disk in `failed`. Undefined when one can be read.
 */
export function noSourceReason(c: Config, vrid: number, failed: ReadonlySet<string>, except?: string): string | undefined {
  const current = c.plexes.filter((p) => p.pl_vol_rid === vrid && p.pl_name !== except && p.pl_kstate === 'ENABLED' && p.pl_state === 'ACTIVE' && !holdsOnlyLogs(c, p.pl_name))
  if (current.length === 0) return 'no current plex to copy from: every other copy is detached or stale (VM_NOTSYNCED)'
  const on = current.map((p) => ({ p: p.pl_name, disks: [...new Set(c.subdisks.filter((s) => s.sd_pl_name === p.pl_name && failed.has(s.sd_dm_name)).map((s) => s.sd_dm_name))] }))
  if (on.some((x) => x.disks.length === 0)) return undefined
  return `nothing to copy from: ${on.map((x) => `plex ${x.p} is on failed disk ${x.disks.join(', ')}`).join(', ')} (VM_NOTSYNCED)`
}

/**
 * The actions of the selection, pure: the web and its tests compute the same list. `failed`: the
 * disks that fail reads (`failedDisks(g, 'read')`), for the copies that would have nothing to read;
 * `writeFailed`: the disks that fail writes (`failedDisks(g, 'write')`), for the copies onto them that
 * would fail and the space that must not be chosen there (rule 409).
 */
export function actionsFor(c: Config, sel: Selection, role: string | undefined, failed: ReadonlySet<string> = new Set(), writeFailed: ReadonlySet<string> = new Set()): Action[] {
  const viewer = role !== 'admin' ? 'viewers cannot change anything' : undefined
  const out: Action[] = []
  if (sel.kind === 'pl') {
    const pl = c.plexes.find((p) => p.pl_name === sel.name)
    if (!pl) return out
    const v = c.volumes.find((x) => x.v_rid === pl.pl_vol_rid)
    const p = { dg: sel.dg, plex: pl.pl_name }
    const others = v ? c.plexes.filter((x) => x.pl_vol_rid === v.v_rid && x !== pl && x.pl_kstate === 'ENABLED' && x.pl_state === 'ACTIVE' && x.pl_contig_len >= v.v_len) : []
    const last = v && v.v_kstate === 'ENABLED' && others.length === 0 ? `${pl.pl_name} is the last complete plex of ${v.v_name}` : undefined
    const redundancy = v && others.length === 1 ? `${v.v_name} will have no redundancy` : undefined
    const locked = pl.pl_tutil[0] ? `locked by ${pl.pl_tutil[0]}` : undefined
    out.push({ id: 'det', label: 'Detach', route: 'POST /api/dgs/:dg/plexes/:plex/det', params: p, body: {}, destructive: true, ...(redundancy ? { warning: redundancy } : {}), ...(viewer ?? locked ?? last ?? (!v ? 'not associated with a volume' : pl.pl_kstate !== 'ENABLED' ? 'not enabled' : undefined) ? { disabled: viewer ?? locked ?? last ?? (!v ? 'not associated with a volume' : 'not enabled') } : {}) })
    const attReason = viewer ?? locked ?? (!v ? 'not associated with a volume' : pl.pl_kstate === 'ENABLED' && pl.pl_state === 'ACTIVE' ? 'already attached' : v.v_kstate === 'ENABLED' && !holdsOnlyLogs(c, pl.pl_name) ? (noTargetReason(c, pl.pl_name, writeFailed) ?? noSourceReason(c, v.v_rid, failed, pl.pl_name)) : undefined)
    out.push({ id: 'att', label: 'Attach', route: 'POST /api/dgs/:dg/plexes/:plex/att', params: p, body: { volume: v?.v_name ?? '' }, destructive: false, ...(attReason ? { disabled: attReason } : {}) })
    const disReason = viewer ?? locked ?? (!v ? 'not associated' : last)
    out.push({ id: 'dis', label: 'Dissociate', route: 'POST /api/dgs/:dg/plexes/:plex/dis', params: p, body: {}, destructive: true, ...(redundancy ? { warning: redundancy } : {}), ...(disReason ? { disabled: disReason } : {}) })
    const repairReason = viewer ?? (!v || v.v_kstate !== 'ENABLED' ? 'the volume is not started' : pl.pl_kstate !== 'ENABLED' || pl.pl_state !== 'ACTIVE' ? 'only an ACTIVE plex can be the source' : others.length === 0 ? 'no other plex to repair' : undefined)
    out.push({ id: 'repair', label: 'Repair from this plex', route: 'POST /api/dgs/:dg/volumes/:volume/repair', params: { dg: sel.dg, volume: v?.v_name ?? '' }, body: { source: pl.pl_name }, destructive: true, noDryRun: 'a repair has no dry run: it copies every region of the volume from this plex', warning: `every other plex of ${v?.v_name ?? 'the volume'} is overwritten with ${pl.pl_name}'s data`, ...(repairReason ? { disabled: repairReason } : {}) })
  } else if (sel.kind === 'v') {
    const v = c.volumes.find((x) => x.v_name === sel.name)
    if (!v) return out
    const p = { dg: sel.dg, volume: v.v_name }
    const on = v.v_kstate === 'ENABLED'
    const resyncReason = viewer ?? (!on ? 'not started' : noSourceReason(c, v.v_rid, failed))
    out.push({ id: 'start', label: 'Start', route: 'POST /api/dgs/:dg/volumes/:volume/start', params: p, body: {}, destructive: false, ...(viewer ?? (on ? 'already started' : undefined) ? { disabled: viewer ?? 'already started' } : {}) })
    out.push({ id: 'stop', label: 'Stop', route: 'POST /api/dgs/:dg/volumes/:volume/stop', params: p, body: {}, destructive: true, warning: `${v.v_name} will be unavailable until started again`, ...(viewer ?? (!on ? 'not started' : undefined) ? { disabled: viewer ?? 'not started' } : {}) })
    out.push({ id: 'resync', label: 'Resync', route: 'POST /api/dgs/:dg/volumes/:volume/resync', params: p, body: { force: false }, destructive: true, force: 'Without Force, only regions marked stale are copied, from a plex that is up to date there. With Force, every region is copied: the first plex in preference order that is not marked stale there is written over every other plex (read-writeback). Nothing checks that its data is right: after a crash without a dirty region log, or where a verify found the plexes differ, it may be the wrong copy.', ...(resyncReason ? { disabled: resyncReason } : {}) })
    out.push({ id: 'verify', label: 'Verify', route: 'POST /api/dgs/:dg/volumes/:volume/verify', params: p, body: {}, destructive: false, ...(viewer ?? (!on ? 'not started' : undefined) ? { disabled: viewer ?? 'not started' } : {}) })
  } else if (sel.kind === 'dm') {
    const p = { dg: sel.dg, disk: sel.name }
    // a copy onto a disk that fails writes fails (rule 409): restore or replace it first
    const diskWhy = viewer ?? (writeFailed.has(sel.name) ? `${sel.name} fails writes: nothing can be copied onto it; restore or replace it first` : undefined)
    out.push({ id: 'resyncdisk', label: 'Resync disk', route: 'POST /api/dgs/:dg/disks/:disk/resync', params: p, body: { force: false }, destructive: true, force: 'Without Force, only the stale copies of regions with an extent on this disk are refreshed, from a plex that is up to date there. With Force, every such region is copied, stale or not (AIX lvm_resyncpv Force): the first plex in preference order that is not marked stale is written over every other copy, on other disks too. Nothing checks that its data is right: it may be the wrong copy.', ...(diskWhy ? { disabled: diskWhy } : {}) })
    out.push(replaceDiskAction(c, sel.dg, sel.name, viewer))
  }
  // rule 504: vxunreloc, on the disk the subdisks came from and on each relocated subdisk
  const origin = sel.kind === 'dm' ? sel.name : sel.kind === 'sd' ? c.subdisks.find((s) => s.sd_name === sel.name)?.sd_orig_dmname : undefined
  const back = origin ? unrelocateAction(c, sel.dg, origin, viewer, new Set([...failed, ...writeFailed])) : undefined
  if (back) out.push(back)
  out.push(...operationsFor(c, sel, role, new Set([...failed, ...writeFailed, ...iofailDisks(c)])))
  return out
}

/**
 * The disks under a data plex an I/O error detached (IOFAIL) that is not back yet: no new space is
 * chosen there, as the engine's allocation refuses it (`diskFault`, rule 372: "resync the disk or
 * attach the plex first"), rule 409.
 */
export function iofailDisks(c: Config): Set<string> {
  const plexes = new Set(c.plexes.filter((p) => p.pl_vol_rid && p.pl_state === 'IOFAIL').map((p) => p.pl_name))
  return new Set(c.subdisks.filter((s) => plexes.has(s.sd_pl_name)).map((s) => s.sd_dm_name))
}

/**
 * The actions of the selection in group `g`, with the disks that fail reads and writes as the
 * engine tells them (`failedDisks`: `GroupView.failing`, lab failures included): what the toolbar
 * and the Overview's fixes offer alike.
 */
export function groupActions(g: GroupView, sel: Selection, role: string | undefined): Action[] {
  return actionsFor(g.config, sel, role, failedDisks(g, 'read'), failedDisks(g, 'write'))
}

/** Why an attach of plex `plex` would fail: it lies on a disk in `writeFailed`, which takes no copy (rule 409). */
export function noTargetReason(c: Config, plex: string, writeFailed: ReadonlySet<string>): string | undefined {
  const on = [...new Set(c.subdisks.filter((s) => s.sd_pl_name === plex && writeFailed.has(s.sd_dm_name)).map((s) => s.sd_dm_name))]
  return on.length ? `plex ${plex} is on disk ${on.join(', ')}, which fails writes: it cannot hold a current copy (a copy onto it fails); restore or replace the disk first` : undefined
}

/**
 * The toolbar's line on what is not allowed: the reason alone when every action has the same one
 * ("viewers cannot change anything"), else the first disabled action named with its reason
 * ("Start: already started"), so a reason is never read as another button's. Each button says
 * its own in its description and tooltip.
 */
export function disabledSummary(actions: readonly Action[]): string | undefined {
  const off = actions.filter((a) => a.disabled)
  if (!off.length) return undefined
  if (off.length === actions.length && off.every((a) => a.disabled === off[0]!.disabled)) return off[0]!.disabled
  return `${off[0]!.label}: ${off[0]!.disabled}`
}

/**
 * Why the selection has no action of its own, and where to act instead (rule 298): a subdisk is
 * acted on through its plex or its disk. Undefined for a selection that has actions (a disk group
 * has Create volume, rule 320).
 */
export function noActionsWords(c: Config, sel: Selection): string | undefined {
  if (sel.kind === 'sd') {
    const sd = c.subdisks.find((s) => s.sd_name === sel.name)
    if (!sd) return undefined
    return `a subdisk has no actions of its own: act on ${sd.sd_pl_name ? `its plex ${sd.sd_pl_name} or ` : ''}its disk ${sd.sd_dm_name}`
  }
  return undefined
}
