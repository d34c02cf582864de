import { api } from '../net/api.ts'
import { appStore, useApp } from '../store/appStore.ts'
import { runAction } from '../store/commands.ts'
import { actionsFor } from '../views/actions.ts'

/** The selection's actions; destructive ones confirm with their dry-run preview. */
export function Actions() {
  const selection = useApp((s) => s.selection)
  const group = useApp((s) => (s.selection ? s.server.groups[s.selection.dg] : undefined))
  const role = useApp((s) => s.server.user?.role)
  const lab = useApp((s) => s.server.lab)
  const live = useApp((s) => s.server.connection === 'live')
  const message = useApp((s) => s.actionMessage)
  if (!selection || !group) return null
  // with the server unreachable nothing can be done: every action says so
  const actions = actionsFor(group.config, selection, role).map((a) => (live || a.disabled ? a : { ...a, disabled: 'the server cannot be reached' }))
  return (
    <div className="flex flex-wrap items-center gap-2 border-b border-slate-200 p-2 text-sm dark:border-slate-700" role="toolbar" aria-label="actions">
      {actions.map((a) => (
        // a disabled action stays in the Tab order (aria-disabled), so its reason is heard
        <button
          key={a.id}
          aria-disabled={a.disabled !== undefined || undefined}
          aria-describedby={a.disabled ? `why-${a.id}` : undefined}
          title={a.disabled ?? a.warning ?? a.label}
          aria-label={`${a.label} ${selection.name}`}
          className="rounded border border-slate-400 px-2 py-0.5 hover:bg-slate-100 aria-disabled:cursor-not-allowed aria-disabled:opacity-60 dark:hover:bg-slate-800"
          onClick={() => a.disabled === undefined && (a.destructive || a.force ? appStore.getState().confirm(a) : void runAction(a, a.body))}
        >
          {a.label}
          {a.disabled && <span id={`why-${a.id}`} className="sr-only">{`: not allowed, ${a.disabled}`}</span>}
        </button>
      ))}
      {actions.filter((a) => a.disabled).length > 0 && <span className="text-xs text-slate-500" data-testid="disabled-reason">{actions.find((a) => a.disabled)!.disabled}</span>}
      {lab.enabled && role === 'admin' && selection.kind === 'dm' && <LabDisk dg={selection.dg} disk={selection.name} failed={lab.disks.find((d) => d.dg === selection.dg && d.disk === selection.name)?.failed ?? 'none'} />}
      {lab.enabled && role === 'admin' && selection.kind === 'v' && <LabLoad dg={selection.dg} volume={selection.name} running={lab.loads.some((l) => l.dg === selection.dg && l.volume === selection.name && l.running)} />}
      {message && <span role="status" className="text-xs">{message}</span>}
    </div>
  )
}

function LabDisk({ dg, disk, failed }: { dg: string; disk: string; failed: string }) {
  return failed === 'none' ? (
    <button className="rounded border border-red-500 px-2 py-0.5 text-red-700 dark:text-red-300" onClick={() => void api('POST /api/lab/dgs/:dg/disks/:disk/fail', { dg, disk }, { mode: 'both' })}>Lab: fail disk</button>
  ) : (
    <button className="rounded border border-green-600 px-2 py-0.5 text-green-700 dark:text-green-300" onClick={() => void api('POST /api/lab/dgs/:dg/disks/:disk/restore', { dg, disk })}>Lab: restore disk</button>
  )
}

function LabLoad({ dg, volume, running }: { dg: string; volume: string; running: boolean }) {
  return running ? (
    <button className="rounded border border-amber-600 px-2 py-0.5" onClick={() => void api('POST /api/lab/load/stop', {}, { dg, volume })}>Lab: stop write load</button>
  ) : (
    <button className="rounded border border-amber-600 px-2 py-0.5" onClick={() => void api('POST /api/lab/load', {}, { dg, volume, writesPerSecond: 200 })}>Lab: start write load</button>
  )
}
