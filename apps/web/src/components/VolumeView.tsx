import { memo, useMemo, useRef } from 'react'
import { useShallow } from 'zustand/react/shallow'
import type { GroupView } from '@plexa/protocol'
import { type Selection, appStore, useApp } from '../store/appStore.ts'
import type { ServerState } from '../store/applyServerMessage.ts'
import { stateColor } from '../views/colors.ts'
import { type ConfigIndex, type PlexBox, byName, indexConfig, layoutVolume, regionRects, volumeHeight } from '../views/layout.ts'
import { useScroll, visibleRange } from '../views/useWindow.ts'

const WIDTH = 760
const GAP = 12
const CAPTION = 30

/**
 * Each volume a box of plexes, each plex its subdisks along the address space, with the DRL and
 * stale maps and resync progress over it. Only the volumes in view are drawn.
 */
export function VolumeView() {
  const groups = useApp(useShallow((s) => Object.values(s.server.groups)))
  const selection = useApp((s) => s.selection)
  const items = useMemo(() => {
    const out: Array<{ g: GroupView; ix: ConfigIndex; v: GroupView['config']['volumes'][number]; h: number }> = []
    for (const g of groups) {
      const ix = indexConfig(g.config)
      for (const v of [...g.config.volumes].sort((a, b) => byName(a.v_name, b.v_name))) out.push({ g, ix, v, h: CAPTION + volumeHeight(ix, v) + GAP })
    }
    return out
  }, [groups])
  const offsets = useMemo(() => {
    const o = [0]
    for (const it of items) o.push(o[o.length - 1]! + it.h)
    return o
  }, [items])
  const ref = useRef<HTMLDivElement>(null)
  const { top, height } = useScroll(ref)
  const [from, to] = visibleRange(offsets, top, height)
  return (
    <div ref={ref} className="h-full overflow-auto p-2" data-testid="volume-scroller">
      <section aria-label="volume view" style={{ height: offsets[offsets.length - 1], position: 'relative' }}>
        {items.slice(from, to).map((it, k) => (
          <div key={`${it.g.name}/${it.v.v_name}`} style={{ position: 'absolute', top: offsets[from + k], left: 0, right: 0 }}>
            <VolumeDrawing g={it.g} ix={it.ix} v={it.v} selected={selection} />
          </div>
        ))}
      </section>
    </div>
  )
}

const VolumeDrawing = memo(function VolumeDrawing({ g, ix, v, selected }: { g: GroupView; ix: ConfigIndex; v: GroupView['config']['volumes'][number]; selected: Selection | undefined }) {
  const box = useMemo(() => layoutVolume(ix, v, WIDTH), [ix, v])
  const dirty = g.dirty[v.v_name]
  const isSel = (kind: string, name: string) => selected?.dg === g.name && selected.kind === kind && selected.name === name
  // a plex relates to its volume, its own subdisks and their disks: its own list, not the group's
  const related = (p: PlexBox) =>
    selected?.dg === g.name && ((selected.kind === 'v' && selected.name === v.v_name) || (selected.kind === 'sd' && p.subdisks.some((s) => s.sd.sd_name === selected.name)) || (selected.kind === 'dm' && p.subdisks.some((s) => s.sd.sd_dm_name === selected.name)))
  const select = (kind: 'v' | 'pl' | 'sd', name: string) => appStore.getState().select({ dg: g.name, kind, name })
  return (
    <figure data-testid={`volume-${v.v_name}`} aria-label={`volume ${v.v_name} ${v.v_kstate} ${v.v_state}`} className={`rounded border p-2 ${isSel('v', v.v_name) ? 'border-blue-600' : 'border-slate-300 dark:border-slate-600'}`}>
      <figcaption className="flex items-center gap-2 text-sm">
        <button className="font-semibold hover:underline" onClick={() => select('v', v.v_name)}>{v.v_name}</button>
        <span className="rounded px-1 text-xs text-white" style={{ background: stateColor(v.v_kstate, v.v_state) }}>{v.v_kstate} {v.v_state}</span>
        <span className="text-xs text-slate-500">{(v.v_len / 2048).toFixed(0)} MiB · {v.v_read_pol}</span>
        {dirty && dirty.regions.length > 0 && <span className="text-xs text-amber-700 dark:text-amber-300" data-testid={`dirty-${v.v_name}`}>DRL: {dirty.regions.length} dirty region(s), recovery would copy {(dirty.recoveryBytes / 1048576).toFixed(1)} MiB</span>}
        <Progress dg={g.name} volume={v.v_name} />
      </figcaption>
      <svg width={WIDTH} height={box.h - 14} role="img" aria-label={`layout of ${v.v_name}`} className="mt-1 max-w-full">
        {dirty && regionRects(dirty.regions, dirty.regionSectors, v.v_len, { x: 8, y: 2, w: WIDTH - 16, h: 4 }).map((r, i) => <rect key={`d${i}`} {...{ x: r.x, y: r.y, width: r.w, height: r.h }} fill="#D55E00" opacity={0.8} />)}
        <CopiedBand dg={g.name} volume={v.v_name} />
        {box.plexes.map((p) => {
          const st = g.stale[p.plex.pl_name]
          const color = stateColor(p.plex.pl_kstate, p.plex.pl_state)
          const label = `plex ${p.plex.pl_name} ${p.plex.pl_kstate} ${p.plex.pl_state}${p.plex.pl_tutil[0] ? ` ${p.plex.pl_tutil[0]}` : ''}`
          return (
            <g key={p.plex.pl_name} data-testid={`plex-${p.plex.pl_name}`} data-related={related(p) || undefined} aria-label={label} role="button" tabIndex={0} onClick={() => select('pl', p.plex.pl_name)} onKeyDown={(e) => (e.key === 'Enter' || e.key === ' ') && select('pl', p.plex.pl_name)} className="cursor-pointer outline-none focus:outline-2 focus:outline-blue-500">
              <rect x={p.x} y={p.y - 14} width={p.w} height={p.h} fill="none" stroke={isSel('pl', p.plex.pl_name) ? '#2563eb' : related(p) ? '#60a5fa' : '#94a3b8'} strokeWidth={isSel('pl', p.plex.pl_name) ? 2 : 1} strokeDasharray={p.plex.pl_kstate === 'ENABLED' ? undefined : '4 2'} />
              {p.holes.map((h, i) => <rect key={`h${i}`} x={h.x} y={h.y - 14} width={h.w} height={h.h} fill="url(#hole)" stroke="#94a3b8" strokeDasharray="2 2" />)}
              {p.subdisks.map((s) => (
                <rect key={s.sd.sd_name} data-testid={`sd-${s.sd.sd_name}`} x={s.x} y={s.y - 14} width={s.w} height={s.h} fill={color} opacity={isSel('sd', s.sd.sd_name) ? 1 : 0.75} stroke="#fff" onClick={(e) => { e.stopPropagation(); select('sd', s.sd.sd_name) }}>
                  <title>{`${s.sd.sd_name} on ${s.sd.sd_dm_name} at ${s.sd.sd_dm_offset}, ${s.sd.sd_len} sectors${s.column > 0 ? `, column ${s.column}` : ''}`}</title>
                </rect>
              ))}
              {st && !st.full && regionRects(st.regions, st.regionSectors, v.v_len, { x: p.x, y: p.y + p.h - 18, w: p.w, h: 3 }).map((r, i) => <rect key={`s${i}`} x={r.x} y={r.y} width={r.w} height={r.h} fill="#E69F00" />)}
              <text x={p.x + 4} y={p.y + 4} fontSize={11} fill="currentColor" className="pointer-events-none select-none" style={{ paintOrder: 'stroke' }} stroke="white" strokeWidth={3}>
                {p.plex.pl_name} · {p.plex.pl_kstate} {p.plex.pl_state}{p.plex.pl_tutil[0] ? ` · ${p.plex.pl_tutil[0]}` : ''}{p.log ? ' · LOG' : ''}{st?.full ? ' · all stale' : st?.regions.length ? ` · ${st.regions.length} stale region(s)` : ''}
              </text>
            </g>
          )
        })}
        <defs>
          <pattern id="hole" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">
            <line x1="0" y1="0" x2="0" y2="6" stroke="#cbd5e1" strokeWidth="2" />
          </pattern>
        </defs>
      </svg>
    </figure>
  )
})

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

/** This volume's running task, if any (only these small parts redraw when it reports). */
function useVolumeTask(dg: string, volume: string) {
  return useApp(
    useShallow((s) => {
      const t = tasksByVolume(s.server.tasks).get(`${dg}/${volume}`)
      return t ? { doneBytes: t.doneBytes, totalBytes: t.totalBytes, phase: t.phase } : undefined
    }),
  )
}

function Progress({ dg, volume }: { dg: string; volume: string }) {
  const task = useVolumeTask(dg, volume)
  if (!task) return null
  return (
    <span className="ml-auto flex items-center gap-1 text-xs" data-testid={`progress-${volume}`}>
      {task.phase}
      <progress max={task.totalBytes} value={task.doneBytes} className="h-2 w-32" aria-label={`${task.phase} progress of ${volume}`} />
      {Math.floor((task.doneBytes * 100) / Math.max(1, task.totalBytes))}%
    </span>
  )
}

/** What the running copy has done, drawn over the address space. */
function CopiedBand({ dg, volume }: { dg: string; volume: string }) {
  const task = useVolumeTask(dg, volume)
  if (!task) return null
  return (
    <rect data-testid={`copied-${volume}`} x={8} y={0} width={((WIDTH - 16) * task.doneBytes) / Math.max(1, task.totalBytes)} height={2} fill="#009E73">
      <title>{`${task.phase}: copied so far`}</title>
    </rect>
  )
}
