import { useCallback, useMemo, useRef, useState } from 'react'
import { useShallow } from 'zustand/react/shallow'
import type { PlRecord, SdRecord } from '@plexa/engine'
import { appStore, useApp } from '../store/appStore.ts'
import { PATTERN, STATE_PATTERN_OPACITY, hasStale, labelOver, stateFill, statePattern, stateStroke, subdiskState } from '../views/colors.ts'
import { type Zoom, CHAR_W, WHOLE, byName, indexConfig, layoutDisk, rulerTicks } from '../views/layout.ts'
import { regionsOnDisk } from '../views/regionsOnDisk.ts'
import { diskTrouble } from '../views/failedDisks.ts'
import { failsWords } from '../views/format.ts'
import { failingWords, isFailing } from '../views/diskNotice.ts'
import { formatSectors, sectorsText } from '../views/units.ts'
import { useContentWidth, useVisibleRange } from '../views/useWindow.ts'
import { useWheelZoom } from '../views/useWheelZoom.ts'
import { diskFocus } from '../views/zoomFocus.ts'
import { DrawingHead } from './DrawingHead.tsx'

/** The stale pieces of a subdisk's box: its plex's stale regions where they lie on the disk. */
function staleRects(sd: SdRecord, pl: PlRecord, st: { regions: number[]; regionSectors: number }, volumeSectors: number, at: (o: number) => number, box: { x: number; w: number }) {
  const out: Array<{ x: number; w: number }> = []
  for (const [a, b] of regionsOnDisk(sd, pl, st.regions, st.regionSectors, volumeSectors)) {
    const x0 = Math.max(box.x, at(a))
    const x1 = Math.min(box.x + box.w, at(b))
    if (x1 > x0 - 1) out.push({ x: x0, w: Math.max(2, x1 - x0) })
  }
  return out
}

/** A subdisk's whole name over the bar while it has the focus or the pointer (its box may be too narrow for it). */
function FocusName({ x, w, width, text }: { x: number; w: number; width: number; text: string }) {
  const tw = Math.min(width, text.length * CHAR_W + 10)
  const left = Math.max(0, Math.min(x + w / 2 - tw / 2, width - tw))
  return (
    <g aria-hidden="true" className="pointer-events-none" data-testid="disk-focus-name">
      <rect x={left} y={8} width={tw} height={18} rx={2} style={{ fill: 'var(--c-bg)', stroke: 'var(--c-select)' }} />
      <text x={left + 5} y={21} fontSize={11} style={{ fill: 'var(--c-fg)' }}>{text}</text>
    </g>
  )
}

/** A disk's row: its name line (name, state, sizes), then its bar across the whole width. */
const ROW_H = 56
const NAME_H = 18
const BAR_H = 34

/**
 * Each disk a bar on one scale (the largest disk fills the width): private region, subdisks at
 * their offsets, each named with its volume and plex and coloured by that plex's state (as in the
 * volume view), free extents with their sizes; a failed or removed disk says so beside its name.
 */
export function DiskView() {
  const groups = useApp(useShallow((s) => Object.values(s.server.groups)))
  const selection = useApp((s) => s.selection)
  const [zoom, setZoom] = useState<Zoom>(WHOLE)
  // the subdisk with the focus or the pointer: its whole name is written over the bar
  const [focused, setFocused] = useState<string>()
  const rows = useMemo(() => groups.flatMap((g) => {
    const ix = indexConfig(g.config)
    const plexes = new Map<string, PlRecord>(g.config.plexes.map((p) => [p.pl_name, p]))
    const volumeOf = (pl: string) => plexes.get(pl)?.pl_v_name ?? ''
    const lengths = new Map(g.config.volumes.map((v) => [v.v_rid, v.v_len]))
    const volumeLen = (pl: PlRecord) => lengths.get(pl.pl_vol_rid) ?? pl.pl_len
    return [...g.config.disks].sort((a, b) => byName(a.dm_name, b.dm_name)).map((dm) => ({ g, ix, dm, plexes, volumeOf, volumeLen }))
  }), [groups])
  const span = useMemo(() => rows.reduce((m, r) => Math.max(m, r.dm.dm_priv_len + r.dm.dm_pub_len), 1), [rows])
  const ref = useRef<HTMLDivElement>(null)
  const width = useContentWidth(ref)
  const barW = Math.max(120, width)
  const offsets = useMemo(() => Array.from({ length: rows.length + 1 }, (_, i) => i * ROW_H), [rows])
  const [from, to] = useVisibleRange(ref, offsets)
  // the buttons zoom centred on the selected record, read when they are pressed (rule 277)
  const focus = useCallback(() => {
    const { selection: sel, server } = appStore.getState()
    const g = sel && server.groups[sel.dg]
    return sel && g ? diskFocus(g.config, sel, span) : undefined
  }, [span])
  // Ctrl + wheel zooms around the pointer, as in the volume view (the bars start after the scroller's padding)
  useWheelZoom(ref, zoom, setZoom, (x, box) => (x - box.left - 8) / barW)
  const ticks = rulerTicks(zoom.from * span, zoom.to * span, barW)
  const tx = (t: number) => ((t / span - zoom.from) / (zoom.to - zoom.from)) * barW
  return (
    <div className="flex h-full flex-col" data-testid="disk-pane">
      <DrawingHead zoom={zoom} onZoom={setZoom} what="disks" focus={focus}>
        <svg width={barW} height={16} aria-hidden="true" className="block">
          <line x1={0} x2={barW} y1={13} y2={13} style={{ stroke: 'var(--c-line)' }} />
          {ticks.map((t) => {
            const x = tx(t)
            return (
              <g key={t}>
                <line x1={x} x2={x} y1={10} y2={16} style={{ stroke: 'var(--c-muted)' }} />
                <text x={x} y={9} fontSize={10} textAnchor={tx(t) < 20 ? 'start' : tx(t) > barW - 20 ? 'end' : 'middle'} style={{ fill: 'var(--c-muted)' }}>{formatSectors(t)}</text>
              </g>
            )
          })}
        </svg>
      </DrawingHead>
      <div ref={ref} className="min-h-0 flex-1 overflow-auto bg-surface px-2">
        <section aria-label="disk view" style={{ height: rows.length * ROW_H, position: 'relative' }}>
          {width > 0 && rows.slice(from, to).map(({ g, ix, dm, plexes, volumeOf, volumeLen }, k) => {
            const bar = layoutDisk(ix, dm, barW, 0, BAR_H, volumeOf, zoom, span)
            // removed, or failing by what the engine knows of its device, a lab failure or a lost
            // connection alike (rule 409); what failed in words (rule 363): "FAILED (reads and
            // writes)", never the API's "both"
            const t = diskTrouble(g, dm)
            const trouble = t?.kind === 'removed' ? 'REMOVED' : t ? `FAILED (${failsWords(t.fails)})` : ''
            const stateOf = (pl: PlRecord | undefined) => (pl ? subdiskState(pl.pl_kstate, pl.pl_state, !!trouble) : trouble ? 'failed' : undefined)
            // the fill of a subdisk's box, under its labels' halo
            const labelFill = (plex: string) => { const sk = stateOf(plexes.get(plex)); return sk ? stateFill(sk) : 'var(--c-panel)' }
            // rule 436: hot relocation left it FAILING: no allocation uses it until the mark is cleared
            const failing = isFailing(dm)
            const selectedHere = selection?.dg === g.name && selection.kind === 'dm' && selection.name === dm.dm_name
            const select = (kind: 'dm' | 'sd', name: string) => appStore.getState().select({ dg: g.name, kind, name })
            return (
              <div key={`${g.name}/${dm.dm_name}`} className="text-xs" data-testid={`disk-${dm.dm_name}`} style={{ position: 'absolute', top: (from + k) * ROW_H, left: 0, right: 0, height: ROW_H }}>
                <div className="flex items-center gap-2 whitespace-nowrap" style={{ height: NAME_H }}>
                  <button className={`text-left text-sm font-semibold hover:underline ${selectedHere ? 'underline decoration-2' : ''}`} aria-pressed={selectedHere} onClick={() => select('dm', dm.dm_name)}>{dm.dm_name}</button>
                  {trouble && <span className="rounded border px-1 font-semibold leading-4 text-fg" style={{ background: stateFill('failed'), borderColor: stateStroke('failed') }} data-testid={`disk-state-${dm.dm_name}`}>{trouble}</span>}
                  {failing && <span className="rounded border px-1 font-semibold leading-4 text-fg" style={{ background: stateFill('stale'), borderColor: stateStroke('stale') }} title={failingWords(dm.dm_name)} data-testid={`disk-failing-${dm.dm_name}`}>FAILING: excluded from allocation</span>}
                  <span className="truncate text-muted" title={`${sectorsText(dm.dm_pub_len)} public, ${sectorsText(bar.freeSectors)} free, ${sectorsText(dm.dm_priv_len)} private`}>{formatSectors(dm.dm_pub_len)} public · {formatSectors(bar.freeSectors)} free · private region {formatSectors(dm.dm_priv_len)}</span>
                </div>
                <svg width={barW} height={BAR_H} role="group" aria-label={`disk ${dm.dm_name}${trouble ? ` ${trouble}` : ''}${failing ? `, ${failingWords(dm.dm_name)}` : ''}`} className="block">
                  <rect x={0} y={0} width={bar.end} height={BAR_H} style={{ fill: 'var(--c-free)', stroke: trouble ? stateStroke('failed') : 'var(--c-line)' }} strokeWidth={trouble ? 2 : 1} />
                  {bar.privateRegion.w > 0 && (
                    <g>
                      <title>{`${bar.privateRegion.full} (${sectorsText(dm.dm_priv_len)}): disk header and configuration copy`}</title>
                      <rect x={bar.privateRegion.x} y={0} width={bar.privateRegion.w} height={BAR_H} style={{ fill: 'var(--c-private)' }} />
                      {bar.privateRegion.label && <text x={bar.privateRegion.x + 4} y={21} fontSize={11} style={{ fill: 'var(--c-private-ink)' }}>{bar.privateRegion.label}</text>}
                    </g>
                  )}
                  {bar.free.map((f, i) => (
                    <g key={`f${i}`} data-testid={`free-${dm.dm_name}`}>
                      <title>{f.full}</title>
                      {f.label && <text x={f.x + 4} y={21} fontSize={11} style={{ fill: 'var(--c-muted)' }}>{f.label}</text>}
                    </g>
                  ))}
                  {[...bar.subdisks].sort((a, b) => b.w - a.w).map((s) => {
                    const pl = plexes.get(s.sd.sd_pl_name)
                    const sk = stateOf(pl)
                    // a stale plex on a disk that works: the volume view's stale pattern over the
                    // pieces of this subdisk its stale regions lie on (all of it when all is stale)
                    // (a log subdisk holds no copy of the data: never drawn with a stale map, rule 361)
                    const st = pl && !trouble && !s.sd.sd_is_log ? g.stale[pl.pl_name] : undefined
                    const stale = st?.full ? [{ x: s.x, w: s.w }] : st && hasStale(st) ? staleRects(s.sd, pl!, st, volumeLen(pl!), bar.at, s) : []
                    const vol = volumeOf(s.sd.sd_pl_name)
                    const rel = selection?.dg === g.name && ((selection.kind === 'v' && selection.name === vol) || (selection.kind === 'pl' && selection.name === s.sd.sd_pl_name) || (selection.kind === 'sd' && selection.name === s.sd.sd_name))
                    const sel = selection?.dg === g.name && selection.kind === 'sd' && selection.name === s.sd.sd_name
                    return (
                      <g key={s.sd.sd_name} data-testid={`disk-sd-${s.sd.sd_name}`} data-related={rel || undefined} role="button" tabIndex={0} aria-pressed={sel} aria-label={`subdisk ${s.full}${trouble ? `, disk ${trouble}` : ''}`} className="drawn cursor-pointer" onFocus={() => setFocused(s.sd.sd_name)} onBlur={() => setFocused(undefined)} onMouseEnter={() => setFocused(s.sd.sd_name)} onMouseLeave={() => setFocused(undefined)} onClick={() => select('sd', s.sd.sd_name)} onKeyDown={(e) => { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); select('sd', s.sd.sd_name) } }}>
                        <title>{`${s.full} (${sectorsText(s.sd.sd_len)} at ${sectorsText(s.sd.sd_dm_offset)})`}</title>
                        <rect className="outline" x={s.x} y={1} width={s.w} height={BAR_H - 2} rx={2} style={{ fill: sk ? stateFill(sk) : 'var(--c-panel)', stroke: rel ? 'var(--c-select)' : sk ? stateStroke(sk) : 'var(--c-line)' }} strokeWidth={rel ? 2.5 : 1} />
                        {sk && statePattern(sk) && <rect x={s.x} y={1} width={s.w} height={BAR_H - 2} rx={2} fill={`url(#${statePattern(sk)})`} opacity={STATE_PATTERN_OPACITY} className="pointer-events-none" data-testid={`disk-state-pattern-${s.sd.sd_name}`} />}
                        {trouble && <rect x={s.x} y={1} width={s.w} height={BAR_H - 2} fill={`url(#${PATTERN.failed})`} opacity={0.45} className="pointer-events-none" />}
                        {stale.map((r, i) => <rect key={`s${i}`} x={r.x} y={2} width={r.w} height={BAR_H - 4} fill={`url(#${PATTERN.stale})`} opacity={0.4} className="pointer-events-none" data-testid={`disk-stale-${s.sd.sd_name}`} />)}
                        {s.label && <text x={s.x + 4} y={s.owner ? 14 : 21} fontSize={11} style={labelOver(labelFill(s.sd.sd_pl_name))} aria-hidden="true" className="pointer-events-none select-none">{s.label}</text>}
                      </g>
                    )
                  })}
                  {bar.subdisks.map((s) => s.owner && (
                    // the second line (plex and volume) is not part of the box's button: its name says it all
                    <text key={`o-${s.sd.sd_name}`} x={s.x + 4} y={28} fontSize={11} style={labelOver(labelFill(s.sd.sd_pl_name))} aria-hidden="true" className="pointer-events-none select-none">{s.owner}</text>
                  ))}
                  {bar.subdisks.map((s) => s.aside && <text key={`a-${s.sd.sd_name}`} x={s.x + s.w + 4} y={21} fontSize={11} style={{ fill: 'var(--c-fg)' }} aria-hidden="true" className="pointer-events-none select-none" data-testid={`aside-${s.sd.sd_name}`}>{s.aside}</text>)}
                  {focused && bar.subdisks.filter((s) => s.sd.sd_name === focused).map((s) => <FocusName key="focus" x={s.x} w={s.w} width={barW} text={s.full} />)}
                </svg>
              </div>
            )
          })}
        </section>
      </div>
    </div>
  )
}
