import { useMemo, useRef } from 'react'
import { useScroll, visibleRange } from '../views/useWindow.ts'
import { byName, indexConfig } from '../views/layout.ts'
import { useShallow } from 'zustand/react/shallow'
import { type Selection, appStore, useApp } from '../store/appStore.ts'
import { stateFill, stateStroke } from '../views/colors.ts'
import { type GroupHealth, REDUNDANCY_ICON, REDUNDANCY_STATE, REDUNDANCY_WORDS, groupHealth } from '../views/health.ts'

const ROW_H = 24

interface Item extends Selection {
  depth: number
  /** The record a volume, plex or disk row shows the state of (read only for the rows in view). */
  rec?: { v_kstate?: string; v_state?: string; pl_kstate?: string; pl_state?: string; dm_pflag?: number }
  offline?: boolean
}

/** The state shown after a row's name. */
function stateOf(it: Item): string {
  const r = it.rec
  if (!r) return ''
  if (it.kind === 'v') return `${r.v_kstate} ${r.v_state}`
  if (it.kind === 'pl') return `${r.pl_kstate} ${r.pl_state}`
  return (r.dm_pflag ?? 0) & 0x100 ? 'REMOVED' : ''
}

/** What needs noticing on a row, from the group's health: a volume's redundancy, a failed disk, a plex in trouble. */
function healthOf(it: Item, h: GroupHealth | undefined): { text: string; state: 'ok' | 'stale' | 'failed' | 'offline'; why: string } | undefined {
  if (!h) return undefined
  if (it.kind === 'v') {
    const v = h.volumes.get(it.name)
    if (!v || v.redundancy === 'full') return undefined
    return { text: `${REDUNDANCY_ICON[v.redundancy]} ${REDUNDANCY_WORDS[v.redundancy].toUpperCase()}`, state: REDUNDANCY_STATE[v.redundancy] as 'stale', why: [v.words, ...v.problems].join('; ') }
  }
  if (it.kind === 'dm') {
    const d = h.disks.get(it.name)
    if (!d || d.status === 'ok') return undefined
    if (d.status === 'recovered') return { text: '▲ RESYNC IT', state: 'stale', why: `${d.reason}${d.volumes.length ? `; affects ${d.volumes.join(', ')}` : ''}` }
    return { text: `✕ ${d.status === 'suspect' ? 'I/O ERRORS' : d.status.toUpperCase()}`, state: 'failed', why: `${d.reason}${d.volumes.length ? `; affects ${d.volumes.join(', ')}` : ''}` }
  }
  if (it.kind === 'pl') {
    const p = h.plexes.get(it.name)
    if (!p?.problem) return undefined
    return { text: p.failedDisks.length ? '✕ ON FAILED DISK' : '▲ NEEDS RECOVERY', state: p.failedDisks.length ? 'failed' : 'stale', why: p.problem }
  }
  return undefined
}

/** The object tree: disk groups, their disks, and volumes > plexes > subdisks. Arrow keys move. */
export function Tree() {
  const groups = useApp(useShallow((s) => Object.values(s.server.groups)))
  const selection = useApp((s) => s.selection)
  const lab = useApp((s) => s.server.lab.disks)
  const health = useMemo(() => new Map(groups.map((g) => [g.name, groupHealth(g, lab)])), [groups, lab])
  // one small object a row, strings built only for the rows in view: 36,000 rows at the large scale
  const items = useMemo(() => {
    const out: Item[] = []
    for (const g of groups) {
      const c = g.config
      const dg = g.name
      out.push({ dg, kind: 'dg', name: dg, depth: 0, offline: g.forcedOffline })
      for (const d of [...c.disks].sort((a, b) => byName(a.dm_name, b.dm_name))) out.push({ dg, kind: 'dm', name: d.dm_name, depth: 1, rec: d })
      const ix = indexConfig(c)
      for (const v of [...c.volumes].sort((a, b) => byName(a.v_name, b.v_name))) {
        out.push({ dg, kind: 'v', name: v.v_name, depth: 1, rec: v })
        for (const p of ix.plexesByVolume.get(v.v_rid) ?? []) {
          out.push({ dg, kind: 'pl', name: p.pl_name, depth: 2, rec: p })
          for (const s of ix.sdsByPlex.get(p.pl_rid) ?? []) out.push({ dg, kind: 'sd', name: s.sd_name, depth: 3 })
        }
      }
    }
    return out
  }, [groups])
  const refs = useRef(new Map<number, HTMLLIElement>())
  const focusNext = useRef<number | undefined>(undefined)
  const scroller = useRef<HTMLElement>(null)
  const { top, height } = useScroll(scroller)
  const offsets = useMemo(() => Array.from({ length: items.length + 1 }, (_, i) => i * ROW_H), [items])
  const [from, to] = visibleRange(offsets, top, height, 200)
  const index = items.findIndex((i) => selection && i.dg === selection.dg && i.kind === selection.kind && i.name === selection.name)
  const move = (to: number) => {
    const i = Math.max(0, Math.min(items.length - 1, to))
    const it = items[i]
    if (!it) return
    appStore.getState().select({ dg: it.dg, kind: it.kind, name: it.name })
    const el = scroller.current
    if (el && (i * ROW_H < el.scrollTop || (i + 1) * ROW_H > el.scrollTop + el.clientHeight)) el.scrollTop = i * ROW_H - el.clientHeight / 2
    const li = refs.current.get(i)
    if (li) li.focus()
    else focusNext.current = i // rendered after the scroll: focus it then
  }
  return (
    <nav aria-label="objects" ref={scroller} className="h-full overflow-auto p-2 text-sm">
      <ul role="tree" aria-label="object tree" style={{ height: items.length * ROW_H, position: 'relative' }}>
        {items.slice(from, to).map((it, k) => {
          const i = from + k
          return (
          <li
            key={`${it.dg}/${it.kind}/${it.name}`}
            ref={(el) => {
              if (el) {
                refs.current.set(i, el)
                if (focusNext.current === i) {
                  focusNext.current = undefined
                  el.focus()
                }
              } else refs.current.delete(i)
            }}
            role="treeitem"
            aria-level={it.depth + 1}
            aria-selected={i === index}
            tabIndex={i === index || (index < 0 && i === 0) ? 0 : -1}
            data-testid={`tree-${it.kind}-${it.name}`}
            className={`cursor-pointer truncate rounded px-1 py-0.5 outline-none focus:ring-2 focus:ring-blue-500 ${i === index ? 'bg-blue-100 dark:bg-blue-900' : 'hover:bg-slate-100 dark:hover:bg-slate-800'}`}
            style={{ paddingLeft: `${it.depth * 14 + 4}px`, position: 'absolute', top: i * ROW_H, height: ROW_H, left: 0, right: 0 }}
            onClick={() => move(i)}
            onKeyDown={(e) => {
              if (e.key === 'ArrowDown') move(i + 1)
              else if (e.key === 'ArrowUp') move(i - 1)
              else if (e.key === 'Home') move(0)
              else if (e.key === 'End') move(items.length - 1)
              else return
              e.preventDefault()
            }}
          >
            <span className="mr-1 text-xs text-muted">{{ dg: 'DG', dm: 'D', v: 'V', pl: 'PL', sd: 'SD' }[it.kind]}</span>
            {it.name}
            {it.offline && ' (offline)'}
            {/* what needs noticing comes before the states, so a narrow tree never cuts it off */}
            {(() => {
              const hh = healthOf(it, health.get(it.dg))
              return hh && <span data-testid={`tree-health-${it.name}`} title={hh.why} className="ml-1 rounded border px-0.5 text-xs font-semibold text-fg" style={{ background: stateFill(hh.state), borderColor: stateStroke(hh.state) }}>{hh.text}</span>
            })()}
            {stateOf(it) && <span className="ml-1 text-xs text-muted">{stateOf(it)}</span>}
          </li>
          )
        })}
      </ul>
    </nav>
  )
}
