import { useEffect, useRef, useState } from 'react'
import { api } from '../net/api.ts'
import { useApp } from '../store/appStore.ts'
import { type Action, actionsFor } from '../views/actions.ts'
import { useFocusReturn } from '../views/useFocusReturn.ts'

/** The selection's actions; destructive ones confirm with their dry-run preview. */
export function Actions() {
  const selection = useApp((s) => s.selection)
  const group = useApp((s) => (s.selection ? s.server.groups[s.selection.dg] : undefined))
  const role = useApp((s) => s.server.user?.role)
  const lab = useApp((s) => s.server.lab)
  const [pending, setPending] = useState<Action>()
  const [message, setMessage] = useState<string>()
  if (!selection || !group) return null
  const actions = actionsFor(group.config, selection, role)
  const run = async (a: Action, body: Record<string, unknown>) => {
    try {
      const r = await api(a.route, a.params as never, body as never)
      setMessage('taskId' in r ? `${a.label}: task ${r.taskId} started` : `${a.label}: done`)
    } catch (e) {
      setMessage(`${a.label} failed: ${(e as { code: string }).code}: ${(e as Error).message}`)
    }
  }
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
          onClick={() => a.disabled === undefined && (a.destructive || a.force ? setPending(a) : void run(a, a.body))}
        >
          {a.label}
          {a.disabled && <span id={`why-${a.id}`} className="sr-only">{`: not allowed, ${a.disabled}`}</span>}
        </button>
      ))}
      {actions.filter((a) => a.disabled).length > 0 && <span className="text-xs text-slate-500" data-testid="disabled-reason">{actions.find((a) => a.disabled)!.disabled}</span>}
      {lab.enabled && role === 'admin' && selection.kind === 'dm' && <LabDisk dg={selection.dg} disk={selection.name} failed={lab.disks.find((d) => d.dg === selection.dg && d.disk === selection.name)?.failed ?? 'none'} />}
      {lab.enabled && role === 'admin' && selection.kind === 'v' && <LabLoad dg={selection.dg} volume={selection.name} running={lab.loads.some((l) => l.dg === selection.dg && l.volume === selection.name && l.running)} />}
      {message && <span role="status" className="text-xs">{message}</span>}
      {pending && <Confirm action={pending} onClose={() => setPending(undefined)} onConfirm={(body) => { setPending(undefined); void run(pending, body) }} />}
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

/** The confirmation: the dry run's record changes, bytes to copy, and the redundancy warning. */
function Confirm({ action, onClose, onConfirm }: { action: Action; onClose: () => void; onConfirm: (body: Record<string, unknown>) => void }) {
  useFocusReturn()
  const [force, setForce] = useState(false)
  const [preview, setPreview] = useState<{ text: string[]; bytes?: number; error?: string }>()
  const ref = useRef<HTMLDialogElement>(null)
  const confirmRef = useRef<HTMLButtonElement>(null)
  const body = action.force ? { ...action.body, force } : action.body
  useEffect(() => {
    ref.current?.showModal?.()
    confirmRef.current?.focus() // Enter confirms, Escape cancels
  }, [])
  useEffect(() => {
    let live = true
    if (action.id === 'repair') {
      setPreview({ text: ['(repair copies every region; it has no dry run)'] })
      return
    }
    api(action.route, action.params as never, { ...body, dryRun: true } as never).then(
      (r) => live && setPreview({ text: ('changes' in r ? r.changes : []).map((c) => `${c.op} ${c.kind} ${c.name}${c.fields.length ? `: ${c.fields.join(', ')}` : ''}`), bytes: 'bytes' in r ? r.bytes : 'copyBytes' in r ? r.copyBytes : undefined }),
      (e) => live && setPreview({ text: [], error: `${(e as { code: string }).code}: ${(e as Error).message}` }),
    )
    return () => void (live = false)
  }, [action, force]) // eslint-disable-line react-hooks/exhaustive-deps
  return (
    <dialog ref={ref} aria-label={`confirm ${action.label}`} className="m-auto max-w-lg rounded-lg p-4 text-sm shadow-xl dark:bg-slate-800 dark:text-slate-100" onCancel={onClose}>
      <h2 className="mb-2 font-semibold">{action.label} {Object.values(action.params).slice(1).join(' ')}?</h2>
      {action.warning && <p className="mb-2 font-semibold text-amber-700 dark:text-amber-300" role="alert">{action.warning}</p>}
      {action.force && (
        <label className="mb-2 block">
          <input type="checkbox" checked={force} onChange={(e) => setForce(e.target.checked)} aria-label="force" /> Force
          <span className="block text-xs text-slate-600 dark:text-slate-300">{action.force}</span>
        </label>
      )}
      <div data-testid="dry-run" className="mb-3 max-h-40 overflow-auto rounded bg-slate-100 p-2 font-mono text-xs dark:bg-slate-900">
        {!preview && 'computing the dry run…'}
        {preview?.error && <span className="text-red-700">{preview.error}</span>}
        {preview && !preview.error && (
          <>
            <div>Dry run (nothing changed yet):</div>
            {preview.text.map((t) => <div key={t}>{t}</div>)}
            {preview.bytes !== undefined && <div>bytes to copy: {(preview.bytes / 1048576).toFixed(1)} MiB</div>}
          </>
        )}
      </div>
      <div className="flex justify-end gap-2">
        <button className="rounded border px-3 py-1" onClick={onClose}>Cancel</button>
        <button ref={confirmRef} className="rounded bg-blue-700 px-3 py-1 text-white" onClick={() => onConfirm(body)}>Confirm</button>
      </div>
    </dialog>
  )
}
