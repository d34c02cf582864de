import { useMemo, useRef, useState } from 'react'
import { useAfterPaint } from '../views/useAfterPaint.ts'
import { useVisibleRange } from '../views/useWindow.ts'
import { type TreeRow, nameParts, treeRows } from '../views/treeRows.ts'
import { filterTree } from '../views/treeFilter.ts'
import { useShallow } from 'zustand/react/shallow'
import { appStore, useApp } from '../store/appStore.ts'
import { stateFill, stateStroke } from '../views/colors.ts'
import { type GroupHealth, groupHealth, unrepairedMismatches, withMismatches } from '../views/health.ts'
import { rowBadge, withRunningCopy } from '../views/treeBadges.ts'
import { type TaskView, plexStateWord } from '@plexa/protocol'
import { isCopy, volumesWaitingOnDisks } from '../views/diskNotice.ts'
import { DeportedGroups } from './DeportedGroups.tsx'

const ROW_H = 24
const NO_TASKS: TaskView[] = []
/** A row with something to notice has a second line for it, so the whole badge is read (never cut). */
const BADGE_ROW_H = 42
const KIND_WORDS = { dg: 'disk group', dm: 'disk', v: 'volume', pl: 'plex', sd: 'subdisk' } as const

type Item = TreeRow

/** The state shown after a row's name: a plex's as plexa print shows it (rule 466), NODEVICE on a failed disk (`h`). */
function stateOf(it: Item, h: GroupHealth | undefined): string {
  const r = it.rec
  if (!r) return ''
  if (it.kind === 'v') return `${r.v_kstate} ${r.v_state}`
  if (it.kind === 'pl') {
    const p = h?.plexes.get(it.name)
    return `${r.pl_kstate} ${plexStateWord({ pl_state: r.pl_state ?? '', pl_pflag: r.pl_pflag ?? 0, pl_tflag: r.pl_tflag ?? 0 }, !!p && !p.log && p.failedDisks.length > 0)}`
  }
  return (r.dm_pflag ?? 0) & 0x100 ? 'REMOVED' : ''
}

/** The array of last render while its items are the same objects. */
function useSame<T>(xs: T[]): T[] {
  const last = useRef(xs)
  if (last.current.length !== xs.length || xs.some((x, i) => x !== last.current[i])) last.current = xs
  return last.current
}

/** The object tree: disk groups, their disks, and volumes > plexes > subdisks, with a filter. Arrow keys move. */
export function Tree() {
  // the rows and their health follow a new configuration in a render of their own, after the
  // drawings in view are painted (at 200,000 subdisks the rows take a while)
  const groups = useAfterPaint(useApp(useShallow((s) => Object.values(s.server.groups))))
  const waiting = useApp(useShallow((s) => s.server.imports.filter((p) => !p.deported).map((p) => p.name)))
  const selection = useApp((s) => s.selection)
  const lab = useApp((s) => s.server.lab.disks)
  const finished = useApp((s) => s.server.finished)
  const differ = useMemo(() => unrepairedMismatches(finished), [finished])
  // the same map while every group's health is the same object (a DRL map refresh, a task report)
  const healths = useSame(groups.map((g) => withMismatches(groupHealth(g, lab), differ)))
  const health = useMemo(() => new Map(healths.map((h) => [h.dg, h])), [healths])
  // the copies running into what waits on a disk (rule 435): that disk says it is being resynced;
  // the same empty list while there are none, so a progress report renders no row
  const onDisks = useMemo(() => new Set(healths.flatMap((h) => [...volumesWaitingOnDisks(h)])), [healths])
  const copying = useApp(useShallow((s) => (onDisks.size ? Object.values(s.server.tasks).filter((t) => isCopy(t) && (t.volumes ?? [t.volume]).some((v) => onDisks.has(`${t.dg}/${v}`))) : NO_TASKS)))
  const [query, setQuery] = useState('')
  // one small object a row, strings built only for the rows in view; made again only for what changed
  const all = useMemo(() => (groups.length === 1 ? treeRows(groups[0]!) : groups.flatMap(treeRows)), [groups])
  // what each row has to notice (undefined for most): a row with a badge is two lines tall
  const allBadges = useMemo(() => all.map((it) => rowBadge(it, health.get(it.dg))), [all, health])
  // the filter keeps the rows whose name, state or badge has the text, with the rows above them
  const { items, badges } = useMemo(() => {
    const q = query.trim().toLowerCase()
    if (!q) return { items: all, badges: allBadges }
    const kept = filterTree(all, (i) => all[i]!.name.toLowerCase().includes(q) || stateOf(all[i]!, health.get(all[i]!.dg)).toLowerCase().includes(q) || (allBadges[i]?.said.toLowerCase().includes(q) ?? false))
    return { items: kept.map((i) => all[i]!), badges: kept.map((i) => allBadges[i]) }
  }, [all, allBadges, query])
  const refs = useRef(new Map<number, HTMLLIElement>())
  const focusNext = useRef<number | undefined>(undefined)
  const scroller = useRef<HTMLElement>(null)
  const offsets = useMemo(() => {
    const out = [0]
    for (const b of badges) out.push(out.at(-1)! + (b ? BADGE_ROW_H : ROW_H))
    return out
  }, [badges])
  const [from, to] = useVisibleRange(scroller, offsets, 200)
  const index = items.findIndex((i) => selection && i.dg === selection.dg && i.kind === selection.kind && i.name === selection.name)
  const move = (to: number) => {
    const i = Math.max(0, Math.min(items.length - 1, to))
    const it = items[i]
    if (!it) return
    appStore.getState().select({ dg: it.dg, kind: it.kind, name: it.name })
    const el = scroller.current
    if (el && (offsets[i]! < el.scrollTop || offsets[i + 1]! > el.scrollTop + el.clientHeight)) el.scrollTop = offsets[i]! - el.clientHeight / 2
    const li = refs.current.get(i)
    if (li) li.focus()
    else focusNext.current = i // rendered after the scroll: focus it then
  }
  return (
    <div className="flex h-full flex-col">
    <div className="flex items-center gap-1 px-2 pt-1 text-xs">
      <input type="search" aria-label="filter objects" placeholder="filter: name, state, problem" className="min-w-0 flex-1 rounded border border-slate-400 bg-surface px-1 text-fg" value={query} onChange={(e) => setQuery(e.target.value)} />
      {query.trim() && <span data-testid="tree-count" className="text-muted">{items.length} of {all.length}</span>}
    </div>
    <DeportedGroups />
    <nav aria-label="objects" ref={scroller} className="min-h-0 flex-1 overflow-auto bg-surface px-1 py-2 text-sm">
      {/* nothing imported is not nothing there: the groups waiting for an import are named (rule 407) */}
      {groups.length === 0 && waiting.length > 0 && <p data-testid="tree-waiting" className="text-xs text-muted">No disk group is imported. Waiting for an import: {waiting.join(', ')} (see the line above).</p>}
      <ul role="tree" aria-label="object tree" style={{ height: offsets.at(-1), position: 'relative' }}>
        {items.slice(from, to).map((it, k) => {
          const i = from + k
          const hh = withRunningCopy(badges[i], it, health.get(it.dg), copying)
          const state = stateOf(it, health.get(it.dg))
          const [head, tail] = it.kind === 'pl' || it.kind === 'sd' ? nameParts(it.name) : [it.name, '']
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
            // the whole line on hover, also where a narrow pane cuts a long name's states
            title={`${KIND_WORDS[it.kind]} ${it.name}${it.offline ? ' (offline)' : ''}${state ? ` ${state}` : ''}${hh ? `: ${hh.said}` : ''}`}
            className={`cursor-pointer rounded px-1 py-0.5 outline-none focus:ring-2 focus:ring-blue-500 ${i === index ? 'bg-blue-100 dark:bg-blue-900' : 'hover:bg-slate-100 dark:hover:bg-slate-800'}`}
            // 12 px a level: at 1024 px a demo plex's name stays whole beside its longest state words (DETACHED NODEVICE, rule 576)
            style={{ paddingLeft: `${it.depth * 12 + 4}px`, position: 'absolute', top: offsets[i], height: offsets[i + 1]! - offsets[i]!, left: 0, right: 0 }}
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
            {/* the accessible name is the whole state in words, whatever the width: kind, name, states, what to notice and why */}
            {/* a name too long for the pane is cut (ellipsis), never the state after it: the state word stays whole */}
            {/* the end of a plex or subdisk name ("-01") stays whole too: the ellipsis is in the middle (rule 241) */}
            {/* (the name is said whole once: head and tail are two boxes, which the accessible name would part) */}
            <span className="flex min-w-0 items-baseline">
              <span className="sr-only">{KIND_WORDS[it.kind]} {it.name}{it.offline && ' (offline)'}</span>
              <span className="min-w-0 truncate" data-testid={`tree-name-${it.name}`} aria-hidden>
                <span className="mr-1 text-xs text-muted">{{ dg: 'DG', dm: 'D', v: 'V', pl: 'PL', sd: 'SD' }[it.kind]}</span>
                {head}
                {!tail && it.offline && ' (offline)'}
              </span>
              {tail && <span className="shrink-0 whitespace-pre" data-testid={`tree-tail-${it.name}`} aria-hidden>{tail}{it.offline && ' (offline)'}</span>}
              {state && <span className="shrink-0 whitespace-pre text-xs text-muted" data-testid={`tree-state-${it.name}`}> {state}</span>}
            </span>
            {/* what needs noticing has a line of its own, so no width cuts it off */}
            {hh && <span data-testid={`tree-health-${it.name}`} title={hh.why} aria-hidden className="ml-4 whitespace-nowrap rounded border px-0.5 text-xs font-semibold text-fg" style={{ background: stateFill(hh.state), borderColor: stateStroke(hh.state) }}>{hh.text}</span>}
            {hh && <span className="sr-only">, {hh.said}</span>}
          </li>
          )
        })}
      </ul>
      {query.trim() && items.length === 0 && <p className="text-xs text-muted">Nothing matches “{query.trim()}”.</p>}
    </nav>
    </div>
  )
}
