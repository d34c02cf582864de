import type { Config, RecordChange, ResyncPlan } from '@plexa/engine'
import type { GroupView, LabView } from '@plexa/protocol'
import { type Action, isLogPlexNamed } from './actions.ts'
import { diskIsBad, groupHealth } from './health.ts'
import { formatBytes } from './units.ts'
import { decodeFlags } from './fields.ts'
import { type DeportReport, deportWords } from './deport.ts'
import { unrelocateWords } from './unrelocate.ts'

/** Field names of the records in words (the dry run's changes are read by people). */
const FIELD_WORDS: Record<string, string> = {
  kstate: 'kernel state', state: 'state', tutil: 'utility field (working)', putil: 'utility field (remembered)', comment: 'comment', v_name: 'volume', vol_rid: 'volume', tflag: 'flags', pflag: 'flags', detach_tid: 'detach transaction', log_sd: 'log subdisk', read_pol: 'read policy', pref_name: 'preferred plex', rwback_offset: 'read-writeback position', len: 'length',
}

function fieldWords(f: string): string {
  return FIELD_WORDS[f.replace(/^(dg|dm|sd|pl|v)_/, '')] ?? f
}

const KIND = { dg: 'disk group', dm: 'disk', sd: 'subdisk', pl: 'plex', v: 'volume' } as const

function recordOf(c: Config, ch: RecordChange): Record<string, unknown> | undefined {
  const list = { dg: [c.dg], dm: c.disks, sd: c.subdisks, pl: c.plexes, v: c.volumes }[ch.kind] as unknown as Array<Record<string, unknown>>
  return list.find((r) => r[`${ch.kind}_rid`] === ch.rid)
}

/** One change of a dry run in words: "plex mirvol-02: kernel state ENABLED → DETACHED, state ACTIVE → STALE". */
export function changeWords(c: Config, ch: RecordChange): string {
  const what = `${KIND[ch.kind]} ${ch.name}`
  if (ch.op === 'create') return `${what} is created`
  if (ch.op === 'delete') return `${what} is removed`
  const before = recordOf(c, ch)
  const shown = ch.fields.filter((f) => !/tid$|_tflag$/.test(f))
  const parts = shown.map((f) => {
    const from = before?.[f]
    const to = ch.after?.[f]
    // a flag word in its names ("DM_PFLAG_FAILING | 0x8"), never a bare number
    const text = (v: unknown) => (Array.isArray(v) ? v.filter(Boolean).join(' ') || '(empty)' : /_[pt]flag$/.test(f) && typeof v === 'number' ? decodeFlags(f, v) : String(v ?? '')) || '(empty)'
    return from !== undefined && to !== undefined ? `${fieldWords(f)} ${text(from)} → ${text(to)}` : fieldWords(f)
  })
  return `${what}: ${parts.length ? parts.join(', ') : 'internal fields change'}`
}

/**
 * What an action will do, in words, from its dry run and the health it leaves: the sentence an
 * administrator reads before confirming ("mirvol will have no redundancy until mirvol-02 is
 * reattached; 242.5 MiB to copy then").
 */
export function effectWords(a: Action, g: GroupView, lab: LabView['disks'], dry: { changes?: RecordChange[]; bytes?: number; copyBytes?: number; regions?: number; force?: boolean; notes?: string[] } & Partial<Pick<ResyncPlan, 'writes' | 'handBack'>>): string[] {
  const out: string[] = []
  const h = groupHealth(g, lab)
  const c = g.config
  const bytes = dry.bytes ?? dry.copyBytes
  const plexName = a.params.plex
  const pl = plexName ? c.plexes.find((p) => p.pl_name === plexName) : undefined
  if ((a.id === 'det' || a.id === 'dis') && pl?.pl_v_name) {
    const vh = h.volumes.get(pl.pl_v_name)
    const isHealthy = !h.plexes.get(pl.pl_name)?.problem
    const left = vh ? vh.healthy - (isHealthy ? 1 : 0) : 0
    const isLogPlex = isLogPlexNamed(c, pl.pl_name)
    if (isLogPlex) out.push(`${pl.pl_v_name} loses its dirty region log: after a crash every region is copied, not only the dirty ones`)
    else if (left <= 1) out.push(`${pl.pl_v_name} will have no redundancy until ${pl.pl_name} is ${a.id === 'det' ? 'reattached' : 'replaced'}${left === 0 ? ' (and no healthy copy at all)' : ''}`)
    else out.push(`${pl.pl_v_name} keeps ${left} healthy copies`)
    const size = c.volumes.find((v) => v.v_name === pl.pl_v_name)?.v_len
    if (a.id === 'det' && !isLogPlex && size) out.push(`reattaching ${pl.pl_name} copies up to ${formatBytes(size * 512)}`)
  }
  if (a.id === 'att' && bytes !== undefined) out.push(`${formatBytes(bytes)} to copy into ${plexName}; the volume stays in use meanwhile`)
  if ((a.id === 'resync' || a.id === 'resyncdisk') && bytes !== undefined) out.push(...resyncWords(a, g, lab, { ...dry, bytes }))
  // its notes say each subdisk made and removed, in place of the bare record changes
  if (a.id === 'unrelocate') return [...out, ...unrelocateWords(dry)]
  if (a.id === 'clearfailing') out.push(`disk ${a.params.name} is no longer FAILING: allocations may use it again`)
  if (a.id === 'deport') out.push(...deportWords(c.dg.dg_name, dry as Partial<DeportReport>))
  if (a.id === 'stop') out.push(`${a.params.volume} will be unavailable until started again; its NBD clients are disconnected`)
  for (const ch of dry.changes ?? []) out.push(changeWords(c, ch))
  return out
}

/**
 * Rules 233, 234: what a resync's dry run says it does, all of it: the bytes, every plex it writes
 * by volume (with Force, what it overwrites) and every plex it hands back to its volume with the
 * state change ("plex mirvol-02: DETACHED STALE → ENABLED ACTIVE"). A dry run without the lists
 * (an older server) falls back to the plexes in trouble on the disk (rule 174).
 */
function resyncWords(a: Action, g: GroupView, lab: LabView['disks'], dry: { bytes: number; regions?: number; force?: boolean } & Partial<Pick<ResyncPlan, 'writes' | 'handBack'>>): string[] {
  const out: string[] = []
  const back = dry.handBack ?? []
  if (dry.bytes > 0) out.push(`${formatBytes(dry.bytes)} to copy (${dry.regions ?? '?'} region(s))`)
  else out.push(back.length ? 'nothing to copy' : 'nothing to copy: every copy is current')
  if (dry.writes?.length) {
    const list = dry.writes.map((w) => `${w.volume} (plex ${w.plexes.join(', ')})`).join(', ')
    out.push(dry.force ? `it overwrites ${list}` : `it covers ${list}`)
  } else if (a.id === 'resyncdisk' && dry.bytes && !dry.writes) out.push(diskResyncCovers(g, lab, a.params.disk ?? ''))
  for (const h of back) out.push(`plex ${h.plex}: ${h.from.kstate} ${h.from.state} → ${h.to.kstate} ${h.to.state} (handed back to ${h.volume})`)
  return out
}

/**
 * Rule 174: what a disk resync brings back, by volume: each plex in trouble with a subdisk on the
 * disk ("mirvol: plex mirvol-02; msvol: plex msvol-02").
 */
export function diskResyncCovers(g: GroupView, lab: LabView['disks'], disk: string): string {
  const byVolume = new Map<string, string[]>()
  for (const p of groupHealth(g, lab).plexes.values()) {
    if (!p.problem || !p.disks.includes(disk)) continue
    byVolume.set(p.volume, [...(byVolume.get(p.volume) ?? []), p.plex])
  }
  if (!byVolume.size) return `no plex on ${disk} is known to be in trouble: it copies what the stale maps say`
  return `it covers ${[...byVolume].map(([v, plexes]) => `${v} (plex ${plexes.join(', ')})`).join(', ')}`
}

/** Warnings that stand out in a confirmation: a failed disk in the way, a log plex, an abort. */
export function dangerWords(a: Action, g: GroupView, lab: LabView['disks']): string[] {
  const out: string[] = []
  const h = groupHealth(g, lab)
  if (a.id === 'resyncdisk') {
    const d = h.disks.get(a.params.disk ?? '')
    if (d && diskIsBad(d.status)) out.push(`disk ${d.disk} is ${d.status === 'suspect' ? 'failing' : d.status} (${d.reason}): a resync writes to it and will leave regions unsynchronised (VM_NOTSYNCED). Restore or replace the disk first.`)
  }
  if (a.id === 'resync') {
    const bad = h.plexesOf(a.params.volume ?? '').filter((p) => p.failedDisks.length)
    if (bad.length) out.push(`plex ${bad.map((p) => p.plex).join(', ')} is on failed disk ${[...new Set(bad.flatMap((p) => p.failedDisks))].join(', ')}: its regions will stay unsynchronised until the disk is restored or replaced.`)
  }
  if (a.id === 'att' && a.params.plex) {
    const p = h.plexes.get(a.params.plex)
    if (p?.failedDisks.length) out.push(`${p.plex} is on failed disk ${p.failedDisks.join(', ')}: the copy will fail.`)
  }
  return out
}
