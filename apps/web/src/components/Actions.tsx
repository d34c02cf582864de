import { type RefObject, useRef } from 'react'
import { api } from '../net/api.ts'
import { appStore, useApp } from '../store/appStore.ts'
import { runAction } from '../store/commands.ts'
import { type Action, disabledSummary, groupActions, noActionsWords } from '../views/actions.ts'
import { useFlipFocus } from '../views/useFlipFocus.ts'
import { isShownFor, taskStatus } from '../views/taskStatus.ts'
import { TONE } from '../views/tone.ts'
import { diskFailureEffect, groupHealth } from '../views/health.ts'
import { NOT_LIVE } from '../store/useWhyNot.ts'
import { GuardedButton } from './GuardedButton.tsx'

/** The selection's actions; destructive ones confirm with their dry-run preview. */
export function Actions() {
  const selection = useApp((s) => s.selection)
  const group = useApp((s) => (s.selection ? s.server.groups[s.selection.dg] : undefined))
  const role = useApp((s) => s.server.user?.role)
  const lab = useApp((s) => s.server.lab)
  const live = useApp((s) => s.server.connection === 'live')
  // where the focus goes when a lab button it was on turns into its opposite
  const toolbar = useRef<HTMLDivElement>(null)
  if (!selection || !group) return <div className="flex border-b border-slate-200 p-2 text-sm empty:hidden dark:border-slate-700"><ActionStatus /></div>
  // with the server unreachable nothing can be done: every action says so
  const actions = groupActions(group, selection, role).map((a) => (live || a.disabled ? a : { ...a, disabled: NOT_LIVE }))
  return (
    <div className="flex flex-wrap items-center gap-2 border-b border-slate-200 p-2 text-sm dark:border-slate-700" role="toolbar" aria-label="actions" ref={toolbar} tabIndex={-1}>
      {actions.map((a) => (
        <GuardedButton key={a.id} why={a.disabled} title={a.warning ?? a.label} label={`${a.label} ${selection.name}`} className="rounded border border-slate-400 px-2 py-0.5 hover:bg-slate-100 dark:hover:bg-slate-800" onClick={() => (a.destructive || a.force || a.form ? appStore.getState().confirm(a) : void runAction(a, a.body))}>
          {a.label}
        </GuardedButton>
      ))}
      {actions.length === 0 && <span className="text-xs text-muted" data-testid="no-actions">{noActionsWords(group.config, selection)}</span>}
      {disabledSummary(actions) && <span className="text-xs text-slate-500" data-testid="disabled-reason">{disabledSummary(actions)}</span>}
      {lab.enabled && role === 'admin' && selection.kind === 'dm' && <LabDisk dg={selection.dg} disk={selection.name} failed={lab.disks.find((d) => d.dg === selection.dg && d.disk === selection.name)?.failed ?? 'none'} effect={() => diskFailureEffect(groupHealth(group, lab.disks), selection.name)} live={live} toolbar={toolbar} />}
      {lab.enabled && role === 'admin' && selection.kind === 'v' && <LabLoad dg={selection.dg} volume={selection.name} running={lab.loads.some((l) => l.dg === selection.dg && l.volume === selection.name && l.running)} live={live} toolbar={toolbar} />}
      <ActionStatus />
    </div>
  )
}

/** What the last action came to: a task it started is followed to its real outcome. */
function ActionStatus() {
  const message = useApp((s) => s.actionMessage)
  const selection = useApp((s) => s.selection)
  const tasks = useApp((s) => s.server.tasks)
  const finished = useApp((s) => s.server.finished)
  if (!message || !isShownFor(message, selection)) return null
  const { text, tone } = taskStatus(message, tasks, finished)
  return <span role="status" data-testid="action-status" data-tone={tone} className={`text-xs ${TONE[tone].text}`}><span aria-hidden>{TONE[tone].icon} </span>{text}</span>
}

/** A lab fault injection, confirmed like any dangerous action (Cancel has the focus). */
function labFailAction(dg: string, disk: string, effect: string[]): Action {
  return {
    id: 'labfail',
    label: 'Lab: fail disk',
    route: 'POST /api/lab/dgs/:dg/disks/:disk/fail',
    params: { dg, disk },
    body: { mode: 'both' },
    destructive: true,
    warning: `every read and write of ${disk} will fail until it is restored: plexes on it are detached at their next I/O; ${effect.length ? effect.join('; ') : 'no volume is on it'}`,
    noDryRun: 'a lab fault injection has no dry run: it fails the disk (reads and writes) at once',
  }
}

function LabDisk({ dg, disk, failed, effect, live, toolbar }: { dg: string; disk: string; failed: string; effect: () => string[]; live: boolean; toolbar: RefObject<HTMLDivElement | null> }) {
  const flip = useFlipFocus(failed === 'none' ? 'ok' : 'failed', toolbar)
  const why = live ? undefined : NOT_LIVE
  return failed === 'none' ? (
    <LabButton key="fail" why={why} tone="border-red-500 text-red-700 dark:text-red-300" flip={flip} onClick={() => appStore.getState().confirm(labFailAction(dg, disk, effect()))}>Lab: fail disk</LabButton>
  ) : (
    <LabButton key="restore" why={why} tone="border-green-600 text-green-700 dark:text-green-300" flip={flip} onClick={() => void runAction({ id: 'labrestore', label: 'Lab: restore disk', route: 'POST /api/lab/dgs/:dg/disks/:disk/restore', params: { dg, disk }, body: {}, destructive: false }, {})}>Lab: restore disk</LabButton>
  )
}

function LabLoad({ dg, volume, running, live, toolbar }: { dg: string; volume: string; running: boolean; live: boolean; toolbar: RefObject<HTMLDivElement | null> }) {
  const flip = useFlipFocus(running ? 'running' : 'stopped', toolbar)
  const why = live ? undefined : NOT_LIVE
  return running ? (
    <LabButton key="stop" why={why} tone="border-amber-600" flip={flip} onClick={() => void api('POST /api/lab/load/stop', {}, { dg, volume })}>Lab: stop write load</LabButton>
  ) : (
    <LabButton key="start" why={why} tone="border-amber-600" flip={flip} onClick={() => void api('POST /api/lab/load', {}, { dg, volume, writesPerSecond: 200 })}>Lab: start write load</LabButton>
  )
}

/** A lab button: disabled with its reason (still in the Tab order) while the server cannot be reached. */
function LabButton({ why, tone, flip, onClick, children }: { why: string | undefined; tone: string; flip: ReturnType<typeof useFlipFocus>; onClick: () => void; children: string }) {
  return <GuardedButton why={why} title={children} className={`rounded border px-2 py-0.5 ${tone}`} onFocus={flip.onFocus} onBlur={flip.onBlur} onClick={onClick}>{children}</GuardedButton>
}
