import { useEffect, useMemo, useState } from 'react'
import { useAfterPaint } from '../views/useAfterPaint.ts'
import { useShallow } from 'zustand/react/shallow'
import type { Alert } from '@plexa/protocol'
import { useMedia } from '../views/useMedia.ts'
import { ackAlert, failureWords } from '../store/commands.ts'
import { stateFill, stateStroke } from '../views/colors.ts'
import { useResolvedAlerts } from '../store/useResolvedAlerts.ts'
import { alertCountWords } from '../views/alertStatus.ts'
import { useWhyNot } from '../store/useWhyNot.ts'
import { GuardedButton } from './GuardedButton.tsx'
import { type AttentionItem, REDUNDANCY_ICON, REDUNDANCY_ORDER, REDUNDANCY_STATE, REDUNDANCY_WORDS, importItem, stripCounts, unrepairedMismatches } from '../views/health.ts'
import { appStore, useApp } from '../store/appStore.ts'

/**
 * Health first: across the top, each group's volumes by redundancy, failed disks, plexes that need
 * a copy, running tasks and open alerts; under it every open critical alert, until acknowledged.
 * The page title carries the count of open alerts, so a background tab says it too.
 */
export function HealthStrip({ onOverview }: { onOverview: () => void }) {
  // the counts follow a new configuration in a render of their own, after the drawings in view
  // are painted (they need every volume's health: at 200,000 subdisks that takes a while)
  const groups = useAfterPaint(useApp(useShallow((s) => Object.values(s.server.groups))))
  const lab = useApp((s) => s.server.lab.disks)
  // the group of each running task: a progress report renders nothing here
  const taskGroups = useApp(useShallow((s) => Object.values(s.server.tasks).map((t) => t.dg)))
  const alertMap = useApp((s) => s.server.alerts)
  const resolved = useResolvedAlerts()
  const open = useMemo(() => Object.values(alertMap).filter((a) => !a.acked).sort((a, b) => b.lastAt - a.lastAt), [alertMap])
  // a resolved alert waits to be acknowledged, but is no live problem: no banner, no red
  const critical = open.filter((a) => a.severity === 'critical' && !resolved.has(a.id))
  const live = open.length - resolved.size
  const finished = useApp((s) => s.server.finished)
  const imports = useApp((s) => s.server.imports)
  const differ = useMemo(() => unrepairedMismatches(finished), [finished])
  const counts = groups.map((g) => stripCounts(g, lab, taskGroups, differ))
  const bad = counts.reduce((n, c) => n + c.byRedundancy.failed + c.byRedundancy.none + c.byRedundancy.differ + c.failedDisks.length, 0)
  useEffect(() => {
    document.title = `${open.length ? `(${open.length}) ` : ''}${bad ? '⚠ ' : ''}Plexa`
  }, [open.length, bad])
  return (
    <div className="col-span-3">
      {/* the groups' counts take the width there is and wrap inside it; the alert count and
          Needs attention stay together at the right of the first line, at 1024 px too */}
      <section aria-label="health" data-testid="health-strip" className="flex items-start gap-x-4 border-b border-line bg-panel px-3 py-1 text-xs">
        <div className="flex min-w-0 flex-1 flex-wrap items-center gap-x-4 gap-y-1">
        {counts.map((c) => (
          <div key={c.dg} className="flex flex-wrap items-center gap-2" data-testid={`health-dg-${c.dg}`}>
            <strong>{c.dg}</strong>
            {REDUNDANCY_ORDER.filter((r) => c.byRedundancy[r] > 0).map((r) => (
              <span key={r} data-testid={`count-${r}`} className="rounded border px-1 text-fg" style={{ background: stateFill(REDUNDANCY_STATE[r]), borderColor: stateStroke(REDUNDANCY_STATE[r]) }}>
                <span aria-hidden>{REDUNDANCY_ICON[r]} </span>{c.byRedundancy[r]} {REDUNDANCY_WORDS[r]}
              </span>
            ))}
            {c.failedDisks.length > 0 && (
              <span data-testid="failed-disks" className="rounded border px-1 font-semibold text-fg" style={{ background: stateFill('failed'), borderColor: stateStroke('failed') }}>
                <span aria-hidden>✕ </span>failed disk{c.failedDisks.length > 1 ? 's' : ''}: {c.failedDisks.join(', ')}
              </span>
            )}
            {c.stalePlexes > 0 && <span>{c.stalePlexes} plex{c.stalePlexes > 1 ? 'es' : ''} to recover</span>}
            {/* no task running is nothing to notice: said in the task monitor, not here (one line at 1024 px, rule 365) */}
            {c.runningTasks > 0 && <span data-testid="running-tasks">{c.runningTasks} task{c.runningTasks === 1 ? '' : 's'} running</span>}
          </div>
        ))}
        </div>
        <div className="flex shrink-0 items-center gap-2" data-testid="health-right">
        <span data-testid="alert-count" title={alertCountWords(open.length, resolved.size)} className={`rounded px-1 ${open.length ? 'border font-semibold text-fg' : ''}`} style={open.length ? { background: stateFill(critical.length ? 'failed' : live ? 'stale' : 'ok'), borderColor: stateStroke(critical.length ? 'failed' : live ? 'stale' : 'ok') } : {}}>
          {alertCountWords(open.length, resolved.size, 'strip')}
        </span>
        <button className="rounded border border-line px-2" onClick={onOverview}>Needs attention</button>
        </div>
      </section>
      {imports.filter((p) => !p.deported).map((p) => <ImportBanner key={p.name} item={importItem(p)} onOverview={onOverview} />)}
      <CriticalBanners critical={critical} />
    </div>
  )
}

/** A window this low (a 1024x768 screen) gives its height to the drawings: two or more critical banners fold into one line (rule 439). */
export const LOW_WINDOW = '(max-height: 900px)'

/**
 * The open critical alerts, each a banner (the newest three, then how many more); in a low window
 * two or more fold into one line, "✕ 2 critical alerts: #22 VM_IO, #21 VM_IO", that a button
 * unfolds (rule 439).
 */
function CriticalBanners({ critical }: { critical: readonly Alert[] }) {
  const low = useMedia(LOW_WINDOW)
  const [open, setOpen] = useState(false)
  if (!critical.length) return null
  const text = (a: Alert) => `${a.code}: ${a.message}${a.count > 1 ? ` (seen ${a.count} times)` : ''}`
  const banners = (
    <>
      {critical.slice(0, 3).map((a) => <CriticalBanner key={a.id} id={a.id} text={text(a)} />)}
      {critical.length > 3 && <p className="border-b border-line px-3 text-xs">and {critical.length - 3} more critical alerts (see Alerts)</p>}
    </>
  )
  if (!low || critical.length < 2) return banners
  return (
    <>
      <div role="alert" data-testid="banners-folded" className="flex items-center gap-2 border-b px-3 py-0.5 text-sm font-semibold text-fg" style={{ background: stateFill('failed'), borderColor: stateStroke('failed') }}>
        <span aria-hidden>✕</span>
        <span className="min-w-0 truncate" title={critical.map((a) => `#${a.id} ${text(a)}`).join('\n')}>{critical.length} critical alerts: {critical.map((a) => `#${a.id} ${a.code}`).join(', ')}</span>
        <button className="ml-auto shrink-0 rounded border border-current px-2 text-xs" aria-expanded={open} aria-controls="critical-banners" onClick={() => setOpen(!open)}>{open ? 'Hide them' : `Show all ${critical.length}`}</button>
      </div>
      <div id="critical-banners" hidden={!open}>{open && banners}</div>
    </>
  )
}

function CriticalBanner({ id, text }: { id: number; text: string }) {
  const why = useWhyNot('viewers cannot acknowledge alerts')
  const [error, setError] = useState<string>()
  return (
    <div role="alert" data-testid={`banner-${id}`} className="flex items-center gap-2 border-b px-3 py-1 text-sm font-semibold text-fg" style={{ background: stateFill('failed'), borderColor: stateStroke('failed') }}>
      <span aria-hidden>✕</span>
      <span>CRITICAL alert #{id} {text}</span>
      {error && <span className="font-normal">{error}</span>}
      <GuardedButton why={why} className="ml-auto rounded border border-current px-2 text-xs" title="acknowledge: you have seen it" label={`Acknowledge alert #${id}`} onClick={() => void ackAlert(id).catch((e: unknown) => setError(failureWords('Acknowledge', e)))}>
        Acknowledge
      </GuardedButton>
    </div>
  )
}

/**
 * A disk group the server did not import, on every view (rule 407): why, and what to do: choose
 * the side of a split brain here, or see the Overview's item for an import with force or clearing
 * another host's import.
 */
function ImportBanner({ item, onOverview }: { item: AttentionItem; onOverview: () => void }) {
  const why = useWhyNot('viewers cannot import a disk group')
  return (
    <div role="alert" data-testid={`import-banner-${item.dg}`} className="flex items-center gap-2 border-b px-3 py-1 text-sm font-semibold text-fg" style={{ background: stateFill('failed'), borderColor: stateStroke('failed') }}>
      <span aria-hidden>✕</span>
      <span className="min-w-0 flex-1">CRITICAL {item.text}</span>
      {item.fix.kind === 'choose-side' ? (
        <GuardedButton why={why} className="shrink-0 rounded border border-current px-2 text-xs" title={`choose the side of ${item.dg} whose configuration is kept`} onClick={() => appStore.getState().chooseSide(item.dg)}>
          Choose a side…
        </GuardedButton>
      ) : (
        <button className="shrink-0 rounded border border-current px-2 text-xs" onClick={onOverview}>Needs attention</button>
      )}
    </div>
  )
}
