import { Fragment, memo, useCallback, useEffect, useMemo, useRef, useState } from 'react'
import { useShallow } from 'zustand/react/shallow'
import { type GroupView, plexStateWord } from '@plexa/protocol'
import { type AppState, type Selection, appStore, useApp } from '../store/appStore.ts'
import { setAttr, setText, useStoreWrite } from '../store/useStoreWrite.ts'
import { HealthBadge } from './HealthBadge.tsx'
import { diskTrouble } from '../views/failedDisks.ts'
import { type VolumeHealth, unrepairedMismatches, volumeHealth } from '../views/health.ts'
import type { ServerState } from '../store/applyServerMessage.ts'
import { PATTERN, STATE_PATTERN_OPACITY, labelOver, stateFill, statePattern, stateStroke, subdiskState } from '../views/colors.ts'
import { type DrlCaption, drlCaption, lostLog, staleBytes } from '../views/drl.ts'
import { type ConfigIndex, type PlexBox, type Zoom, CHAR_W, PAD, WHOLE, indexConfig, layoutVolume, regionRects, volumeHeight } from '../views/layout.ts'
import { formatBytes, formatSectors, sectorsText } from '../views/units.ts'
import { useContentWidth, useVisibleRange } from '../views/useWindow.ts'
import { useWheelZoom } from '../views/useWheelZoom.ts'
import { volumeFocus } from '../views/zoomFocus.ts'
import { DrawingHead } from './DrawingHead.tsx'

/** Vertical space of a volume drawing around its SVG (caption row, border, padding, gap). */
const FRAME = 18
const CAPTION = 24
const LINE = 16
const GAP = 8
/** Space between the scroller's content edge and the SVG: the figure's border and padding. */
const INSET = 18
/** Slots of drawings kept for the volumes in view: more than ever fit in the window. */
const SLOTS = 256

type Trouble = Map<string, 'failed' | 'removed'>

/** An object's entries as a Map, once per object (a Map hashes a fresh name; an object interns it). */
const maps = new WeakMap<object, Map<string, unknown>>()
function byName<T>(o: Record<string, T>): Map<string, T> {
  let m = maps.get(o)
  if (!m) maps.set(o, (m = new Map(Object.entries(o))))
  return m as Map<string, T>
}

/** A volume's DRL caption and drawing height, by record: made again when its plexes or its DRL map change. */
const drawn = new WeakMap<GroupView['config']['volumes'][number], { plexes: unknown; dirty: unknown; stale: unknown; troubleKey: string; drl: DrlCaption | undefined; h: number }>()
function drawnOf(g: GroupView, ix: ConfigIndex, v: GroupView['config']['volumes'][number], dirty: GroupView['dirty'][string] | undefined, trouble: Trouble, troubleKey: string) {
  const plexes = ix.plexesByVolume.get(v.v_rid)
  const m = drawn.get(v)
  // without a DRL map there is no caption, whatever the stale maps say (unless its log is lost)
  if (m && m.plexes === plexes && m.dirty === dirty && m.troubleKey === troubleKey && (!dirty || m.stale === g.stale)) return m
  const lost = plexes ? lostLog(plexes, (p) => ix.sdsByPlex.get(p.pl_rid) ?? [], trouble) : undefined
  const next = { plexes, dirty, stale: g.stale, troubleKey, drl: drlCaption(v, plexes ?? [], dirty, g.stale, lost), h: FRAME + CAPTION + 4 + volumeHeight(ix, v) + GAP }
  drawn.set(v, next)
  return next
}

/** Lines a caption of `chars` characters takes at `width` pixels (12 px text). */
function lines(chars: number, width: number): number {
  return chars === 0 ? 0 : Math.ceil((chars * CHAR_W) / Math.max(100, width))
}

/**
 * Each volume a box of plexes, each plex its subdisks along the address space, with the DRL and
 * stale maps and resync progress over it. The drawings fill the width there is and zoom (buttons,
 * Ctrl + wheel) with an address ruler. Only the volumes in view are drawn.
 */
export function VolumeView() {
  const groups = useApp(useShallow((s) => Object.values(s.server.groups)))
  const selection = useApp((s) => s.selection)
  // the latest verify of each volume that found plexes that differ (until a repair or a resync)
  const finished = useApp((s) => s.server.finished)
  const differ = useMemo(() => {
    const out = new Map<string, Mismatch>()
    for (const [key, t] of unrepairedMismatches(finished)) {
      const r = t.verify!
      out.set(key, { taskId: t.taskId, regionSectors: r.regionSectors, regions: r.mismatches.map((m) => m.region), plexes: new Set(r.mismatches.flatMap((m) => m.groups.flat())) })
    }
    return out
  }, [finished])
  const ref = useRef<HTMLDivElement>(null)
  const width = useContentWidth(ref)
  const [zoom, setZoom] = useState<Zoom>(WHOLE)
  const svgW = Math.max(200, width - INSET)
  // what each volume draws, once per configuration; only the heights follow the width
  const items = useMemo(() => {
    const out: Array<{ g: GroupView; ix: ConfigIndex; v: GroupView['config']['volumes'][number]; h: number; drl: DrlCaption | undefined; trouble: Trouble }> = []
    for (const g of groups) {
      const ix = indexConfig(g.config)
      const trouble: Trouble = new Map()
      // removed, or failing by what the engine knows of its device (a lab failure, a lost connection: rule 409)
      for (const d of g.config.disks) {
        const t = diskTrouble(g, d)
        if (t) trouble.set(d.dm_name, t.kind)
      }
      const dirtyOf = byName(g.dirty)
      const troubleKey = [...trouble].join()
      for (const v of ix.volumesByName) {
        const m = drawnOf(g, ix, v, dirtyOf.size ? dirtyOf.get(v.v_name) : undefined, trouble, troubleKey)
        out.push({ g, ix, v, drl: m.drl, trouble, h: m.h })
      }
    }
    return out
  }, [groups])
  const offsets = useMemo(() => {
    const o = [0]
    for (const it of items) o.push(o[o.length - 1]! + it.h + (it.drl ? LINE * lines(it.drl.text.length, svgW) : 0))
    return o
  }, [items, svgW])
  const [from, to] = useVisibleRange(ref, offsets)
  // a selection made elsewhere (the tree, the overview) brings its volume's drawing into view,
  // once per selection, and only when it is out of view: scrolling by hand is never undone
  const drawnNow = useRef({ items, offsets })
  drawnNow.current = { items, offsets }
  // (a selected disk: the first volume with a subdisk on it, unless one already is in view, so
  // a failed disk's plexes are seen when it is selected, rule 573)
  useEffect(() => {
    const el = ref.current
    if (!el || !selection || selection.kind === 'dg') return
    const { items: its, offsets: at } = drawnNow.current
    const g = its.find((it) => it.g.name === selection.dg)?.g
    const volumes = g ? volumesOfSelection(g, selection) : new Set<string>()
    const drawnAt = volumes.size ? its.flatMap((it, i) => (it.g === g && volumes.has(it.v.v_name) ? [i] : [])) : []
    const inView = (i: number) => at[i]! >= el.scrollTop && at[i + 1]! <= el.scrollTop + el.clientHeight
    if (drawnAt.length && !drawnAt.some(inView)) el.scrollTop = at[drawnAt[0]!]!
  }, [selection])
  // the buttons zoom centred on the selected record, read when they are pressed (rule 277)
  const focus = useCallback(() => {
    const { selection: sel, server } = appStore.getState()
    const g = sel && server.groups[sel.dg]
    return sel && g ? volumeFocus(g.config, sel) : undefined
  }, [])
  // Ctrl + wheel zooms around the pointer
  useWheelZoom(ref, zoom, setZoom, (x, box) => (x - box.left - 8 - INSET / 2 - PAD) / Math.max(1, svgW - 2 * PAD))
  return (
    <div className="flex h-full flex-col" data-testid="volume-pane">
      <DrawingHead zoom={zoom} onZoom={setZoom} what="volumes" focus={focus} />
      <div ref={ref} className="min-h-0 flex-1 overflow-auto bg-surface px-2" data-testid="volume-scroller">
        <section aria-label="volume view" style={{ height: offsets[offsets.length - 1], position: 'relative' }}>
          {width > 0 && items.slice(from, to).map((it, k) => (
            // keyed by slot (the item's index modulo SLOTS): a volume scrolling in takes over the
            // elements of the one that scrolled out, updated in place rather than created anew,
            // and the drawings that stay in view keep their slot, so they are not drawn again;
            // each slot is laid out and painted on its own (contain)
            <div key={(from + k) % SLOTS} style={{ position: 'absolute', top: offsets[from + k], left: 0, right: 0, height: offsets[from + k + 1]! - offsets[from + k]! - GAP, contain: 'strict' }}>
              {/* the health of the volumes in view alone: the group's whole health is not waited for */}
              <VolumeDrawing g={it.g} ix={it.ix} v={it.v} drl={it.drl} mismatch={differ.get(`${it.g.name}/${it.v.v_name}`)} trouble={it.trouble} health={volumeHealth(it.g, it.v)} selected={selection} width={svgW} zoom={zoom} />
            </div>
          ))}
        </section>
      </div>
    </div>
  )
}

/** A volume's read policy as vxprint shows it: PREFER with its preferred plex (rule 363). */
function readPolicy(v: GroupView['config']['volumes'][number]): string {
  return v.v_read_pol === 'PREFER' ? `PREFER ${v.v_pref_name || '(no plex named)'}` : v.v_read_pol
}

/**
 * The volumes a selected volume, plex, subdisk or disk is drawn in, by name: the volume itself,
 * the plex's or the subdisk's volume, the volumes with a subdisk on the disk (none for a record of
 * no volume).
 */
function volumesOfSelection(g: GroupView, sel: Selection): Set<string> {
  if (sel.kind === 'v') return new Set([sel.name])
  const plexes = new Set(sel.kind === 'pl' ? [sel.name] : g.config.subdisks.filter((s) => (sel.kind === 'dm' ? s.sd_dm_name : s.sd_name) === sel.name).map((s) => s.sd_pl_name))
  return new Set(g.config.plexes.filter((p) => p.pl_v_name && plexes.has(p.pl_name)).map((p) => p.pl_v_name))
}

/** Where a verify found the plexes of a volume different (region numbers), and which plexes. */
interface Mismatch {
  taskId: string
  regionSectors: number
  regions: number[]
  plexes: Set<string>
}

interface DrawingProps {
  /** What the volume's latest verify found different, until it is mended. */
  mismatch: Mismatch | undefined
  g: GroupView
  ix: ConfigIndex
  v: GroupView['config']['volumes'][number]
  drl: DrlCaption | undefined
  trouble: Trouble
  /** Its redundancy (health.ts): the badge's colour and words. */
  health: VolumeHealth | undefined
  selected: Selection | undefined
  width: number
  zoom: Zoom
}

const VolumeDrawing = memo(function VolumeDrawing({ mismatch, g, ix, v, drl, trouble, health, selected, width, zoom }: DrawingProps) {
  const box = useMemo(() => layoutVolume(ix, v, width, zoom), [ix, v, width, zoom])
  const dirty = g.dirty[v.v_name]
  // a running task's progress takes the caption's room: the badge leaves its kernel state to its tooltip (rule 573)
  const busy = useApp((s) => volumeTask(s, g.name, v.v_name) !== undefined)
  const isSel = (kind: string, name: string) => selected?.dg === g.name && selected.kind === kind && selected.name === name
  // a plex relates to its volume, its own subdisks and their disks: its own list, not the group's
  const related = (p: PlexBox) =>
    selected?.dg === g.name && ((selected.kind === 'v' && selected.name === v.v_name) || (selected.kind === 'sd' && p.subdisks.some((s) => s.sd.sd_name === selected.name)) || (selected.kind === 'dm' && p.subdisks.some((s) => s.sd.sd_dm_name === selected.name)))
  const select = (kind: 'v' | 'pl' | 'sd', name: string) => appStore.getState().select({ dg: g.name, kind, name })
  const keys = (kind: 'pl' | 'sd', name: string) => (e: React.KeyboardEvent) => {
    if (e.key !== 'Enter' && e.key !== ' ') return
    e.preventDefault()
    select(kind, name)
  }
  return (
    <figure data-testid={`volume-${v.v_name}`} aria-label={`volume ${v.v_name} ${v.v_kstate} ${v.v_state}${health ? ` ${health.words}` : ''}`} className={`h-full overflow-hidden rounded border p-2 ${isSel('v', v.v_name) ? 'border-[var(--c-select)]' : 'border-line'}`}>
      {/* one line whatever the width: the badges never wrap over the DRL caption under it (rule 241); the size gives way */}
      <figcaption className="flex h-6 min-w-0 items-center gap-2 overflow-hidden whitespace-nowrap text-sm">
        <button className="shrink-0 font-semibold hover:underline" onClick={() => select('v', v.v_name)}>{v.v_name}</button>
        <HealthBadge dg={g.name} health={health} kstate={v.v_kstate} state={v.v_state} compact={busy} />
        <span className="min-w-0 truncate text-xs text-muted" title={`${sectorsText(v.v_len)} · read policy ${readPolicy(v)}`} data-testid={`read-policy-${v.v_name}`}>{formatSectors(v.v_len)} · read policy {readPolicy(v)}</span>
        <Progress dg={g.name} volume={v.v_name} />
      </figcaption>
      {drl && <p className="text-xs leading-4 text-fg" data-testid={`dirty-${v.v_name}`} title={drl.hover}>{drl.text}</p>}
      <svg width={width} height={box.h} aria-label={`layout of ${v.v_name}`} role="group" className="mt-1 block">
        <g aria-hidden="true">
          <line x1={PAD} x2={width - PAD} y1={12} y2={12} style={{ stroke: 'var(--c-line)' }} />
          {/* the ticks one path: a volume scrolling in makes a few elements, not two for each tick */}
          <path d={box.ticks.map((t) => `M${t.x} 9V15`).join('')} style={{ stroke: 'var(--c-muted)' }} />
          {box.ticks.map((t) => (
            <text key={t.sectors} x={Math.min(Math.max(t.x, PAD + 2), width - PAD - 2)} y={8} fontSize={10} textAnchor={t.x < PAD + 20 ? 'start' : t.x > width - PAD - 20 ? 'end' : 'middle'} style={{ fill: 'var(--c-muted)' }}>{t.label}</text>
          ))}
          <rect x={box.maps.x} y={box.maps.y} width={box.maps.w} height={box.maps.h} style={{ fill: 'var(--c-panel)' }} />
          {dirty && regionRects(dirty.regions, dirty.regionSectors, v.v_len, box.maps, box.at).map((r, i) => <rect key={`d${i}`} x={r.x} y={r.y} width={r.w} height={r.h / 2} fill={`url(#${PATTERN.dirty})`} data-testid={`dirty-region-${v.v_name}`} />)}
          <CopiedBand dg={g.name} volume={v.v_name} box={box} />
        </g>
        {box.plexes.map((p) => {
          // a log plex holds no copy of the data: it is drawn as a log in its state, never with a
          // data plex's stale map (the engine may track one for a new log plex; the DRL caption ignores it too, rule 361)
          const st = p.log ? undefined : g.stale[p.plex.pl_name]
          const staleText = st?.full ? ' · all stale' : st?.regions.length ? ` · ${st.regions.length} stale region${st.regions.length === 1 ? '' : 's'} (${formatBytes(staleBytes(st, v))})` : ''
          const layout = p.log ? 'log plex' : p.plex.pl_layout === 'STRIPE' ? `stripe, ${p.lanes} columns of ${formatSectors(p.plex.pl_st_width)}` : 'concat'
          const preferred = v.v_read_pol === 'PREFER' && v.v_pref_name === p.plex.pl_name ? ' · preferred for reads' : ''
          // the state as plexa print shows it: NODEVICE in its place on a failed disk (rule 466)
          const visible = `${p.plex.pl_name} ${p.plex.pl_kstate} ${plexStateWord(p.plex, !p.log && p.subdisks.some((s) => trouble.get(s.sd.sd_dm_name)))}${p.plex.pl_tutil[0] ? ` ${p.plex.pl_tutil[0]}` : ''}${staleText} · ${layout}${preferred}`
          const selPl = isSel('pl', p.plex.pl_name)
          const rel = related(p)
          return (
            <Fragment key={p.plex.pl_name}>
              <g data-testid={`plex-${p.plex.pl_name}`} data-related={rel || undefined} aria-label={`plex ${visible}`} role="button" tabIndex={0} onClick={() => select('pl', p.plex.pl_name)} onKeyDown={keys('pl', p.plex.pl_name)} className="drawn cursor-pointer">
                <title>{`${visible} · ${formatSectors(p.plex.pl_len)} (${sectorsText(p.plex.pl_len)})`}</title>
                <rect className="outline" x={p.x - 2} y={p.y} width={p.w + 4} height={p.h} rx={3} style={{ fill: 'transparent', stroke: selPl ? 'var(--c-select)' : rel ? 'var(--c-related)' : 'var(--c-line)' }} strokeWidth={selPl ? 2.5 : rel ? 2 : 1} strokeDasharray={p.plex.pl_kstate === 'ENABLED' ? undefined : '4 2'} />
                <text x={p.x + 2} y={p.y + 12} fontSize={11} style={{ fill: 'var(--c-fg)' }} className="pointer-events-none select-none">{visible}</text>
              </g>
              {p.holes.map((h, i) => (
                <g key={`h${i}`} data-testid={`hole-${p.plex.pl_name}`}>
                  <title>{h.full}</title>
                  <rect x={h.x} y={h.y} width={h.w} height={h.h} fill={`url(#${PATTERN.hole})`} style={{ stroke: 'var(--c-line)' }} strokeDasharray="3 2" />
                  {h.label && <text x={h.x + 4} y={h.y + 13} fontSize={11} style={{ fill: 'var(--c-muted)' }} className="pointer-events-none">{h.label}</text>}
                </g>
              ))}
              {p.subdisks.map((s) => {
                const t = trouble.get(s.sd.sd_dm_name)
                const sk = subdiskState(p.plex.pl_kstate, p.plex.pl_state, !!t)
                const selSd = isSel('sd', s.sd.sd_name)
                return (
                  <g key={s.sd.sd_name} data-testid={`sd-${s.sd.sd_name}`} role="button" tabIndex={0} aria-label={`subdisk ${s.full}${t ? `, disk ${t}` : ''}`} aria-pressed={selSd} onClick={() => select('sd', s.sd.sd_name)} onKeyDown={keys('sd', s.sd.sd_name)} className="drawn cursor-pointer">
                    <title>{`${s.full} (${sectorsText(s.sd.sd_len)} at ${sectorsText(s.sd.sd_dm_offset)} on the disk${s.column >= 0 ? `, plex offset ${sectorsText(s.sd.sd_pl_offset)}` : ''})${t ? `; disk ${t}` : ''}`}</title>
                    <rect className="outline" x={s.x} y={s.y} width={s.w} height={s.h} rx={2} style={{ fill: stateFill(sk), stroke: selSd ? 'var(--c-select)' : stateStroke(sk) }} strokeWidth={selSd ? 2.5 : 1} />
                    {statePattern(sk) && <rect x={s.x} y={s.y} width={s.w} height={s.h} rx={2} fill={`url(#${statePattern(sk)})`} opacity={STATE_PATTERN_OPACITY} className="pointer-events-none" data-testid={`state-pattern-${s.sd.sd_name}`} />}
                    {t && <rect x={s.x} y={s.y} width={s.w} height={s.h} fill={`url(#${PATTERN.failed})`} opacity={0.45} className="pointer-events-none" />}
                    {s.label && <text id={labelId(g.name, s.sd.sd_name)} x={s.x + 4} y={s.y + 13} fontSize={11} style={labelOver(stateFill(sk))} className="pointer-events-none select-none" aria-hidden="true">{s.label}</text>}
                  </g>
                )
              })}
              {mismatch?.plexes.has(p.plex.pl_name) &&
                regionRects(mismatch.regions, mismatch.regionSectors, v.v_len, p.band, box.at).map((r, i) => (
                  // plexes that differ: a bracketed mark of its own (vertical bars), not the stale hatch or the dirty dots
                  <rect key={`m${i}`} data-testid={`mismatch-${p.plex.pl_name}`} x={r.x} y={r.y} width={Math.max(3, r.w)} height={r.h} fill={`url(#${PATTERN.mismatch})`} style={{ stroke: 'var(--c-fg)' }} strokeWidth={1.5} opacity={0.7} className="pointer-events-none">
                    <title>{`verify ${mismatch.taskId}: the plexes differ here`}</title>
                  </rect>
                ))}
              {st && (st.full ? [p.band] : regionRects(st.regions, st.regionSectors, v.v_len, p.band, box.at)).map((r, i) => <rect key={`s${i}`} data-testid={`stale-${p.plex.pl_name}`} x={r.x} y={r.y + 1} width={r.w} height={r.h - 2} fill={`url(#${PATTERN.stale})`} opacity={0.4} className="pointer-events-none" />)}
              {(st || mismatch?.plexes.has(p.plex.pl_name)) && (
                // the subdisks' names again over the stale hatch and the differ marks, each with its
                // halo: no mark drawn over the plex runs through a name (rules 462, 577)
                <g aria-hidden="true" className="pointer-events-none" data-testid={`labels-over-${p.plex.pl_name}`}>
                  {p.subdisks.map((s) => s.label && <use key={s.sd.sd_name} href={`#${labelId(g.name, s.sd.sd_name)}`} />)}
                </g>
              )}
            </Fragment>
          )
        })}
      </svg>
    </figure>
  )
})

/** The element id of a subdisk's label in the volume view (drawn again over the plex's marks). */
function labelId(dg: string, sd: string): string {
  return `vv-label-${dg}-${sd}`
}

const taskIndexes = new WeakMap<ServerState['tasks'], Map<string, ServerState['tasks'][string]>>()

/** Running tasks by `dg/volume`, built once per task table (every drawing in view asks). */
function tasksByVolume(tasks: ServerState['tasks']) {
  let ix = taskIndexes.get(tasks)
  if (!ix) {
    ix = new Map()
    for (const t of Object.values(tasks)) if (t.volume && !ix.has(`${t.dg}/${t.volume}`)) ix.set(`${t.dg}/${t.volume}`, t)
    taskIndexes.set(tasks, ix)
  }
  return ix
}

/** This volume's running task, if any. */
function volumeTask(s: AppState, dg: string, volume: string) {
  return tasksByVolume(s.server.tasks).get(`${dg}/${volume}`)
}

/**
 * The running task's phase, bar and figures in the caption. React renders it when a task starts,
 * changes phase or ends; its reports write the bar and the figures (useStoreWrite, rule 251).
 */
function Progress({ dg, volume }: { dg: string; volume: string }) {
  const phase = useApp((s) => volumeTask(s, dg, volume)?.phase)
  const bar = useRef<HTMLProgressElement>(null)
  const figures = useRef<HTMLSpanElement>(null)
  useStoreWrite((s) => volumeTask(s, dg, volume), (t) => {
    if (!t || !bar.current) return
    if (bar.current.max !== Math.max(1, t.totalBytes)) bar.current.max = Math.max(1, t.totalBytes)
    if (bar.current.value !== t.doneBytes) bar.current.value = t.doneBytes
    setText(figures.current, `${Math.floor((t.doneBytes * 100) / Math.max(1, t.totalBytes))}% · ${formatBytes(t.doneBytes)} of ${formatBytes(t.totalBytes)}`)
  }, [dg, volume, phase])
  if (!phase) return null
  return (
    <span className="ml-auto flex shrink-0 items-center gap-1 text-xs" data-testid={`progress-${volume}`}>
      {phase}
      <progress ref={bar} className="h-2 w-12 xl:w-24" aria-label={`${phase} progress of ${volume}`} />
      <span ref={figures} />
    </span>
  )
}

/** What the running copy has done, drawn over the address space (in the zoom's coordinates); its reports move it (useStoreWrite). */
function CopiedBand({ dg, volume, box }: { dg: string; volume: string; box: ReturnType<typeof layoutVolume> }) {
  const phase = useApp((s) => volumeTask(s, dg, volume)?.phase)
  const rect = useRef<SVGRectElement>(null)
  const title = useRef<HTMLTitleElement>(null)
  useStoreWrite((s) => volumeTask(s, dg, volume), (t) => {
    if (!t) return
    const end = (box.volume.v_len * t.doneBytes) / Math.max(1, t.totalBytes)
    const x0 = box.at(Math.max(box.from, 0))
    const x1 = Math.min(box.maps.x + box.maps.w, box.at(Math.min(end, box.to)))
    setAttr(rect.current, 'x', String(x0))
    setAttr(rect.current, 'width', String(Math.max(0, x1 - x0)))
    setText(title.current, `${t.phase}: ${formatBytes(t.doneBytes)} of ${formatBytes(t.totalBytes)} copied`)
  }, [dg, volume, phase, box])
  if (!phase) return null
  return (
    <rect ref={rect} data-testid={`copied-${volume}`} y={box.maps.y + box.maps.h / 2} width={0} height={box.maps.h / 2} style={{ fill: 'var(--c-copied)' }}>
      <title ref={title} />
    </rect>
  )
}
