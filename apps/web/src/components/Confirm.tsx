import { type KeyboardEvent, useEffect, useRef, useState } from 'react'
import { api } from '../net/api.ts'
import { appStore, useApp } from '../store/appStore.ts'
import { failureWords, runAction } from '../store/commands.ts'
import { type Action, confirmTitle } from '../views/actions.ts'
import { dangerWords, effectWords } from '../views/effect.ts'
import { type FormValues, initialValues, operationBody, operationWords } from '../views/operations.ts'
import { useFocusReturn } from '../views/useFocusReturn.ts'
import { OperationFields } from './OperationFields.tsx'

/** The one confirmation dialog, for whichever view asked (store.pending). */
export function ConfirmHost() {
  const pending = useApp((s) => s.pending)
  if (!pending) return null
  const close = () => appStore.getState().confirm(undefined)
  return <Confirm key={`${pending.id}:${JSON.stringify(pending.params)}`} action={pending} onClose={close} onConfirm={(body) => { close(); void runAction(pending, body) }} />
}

/**
 * A confirmation: what the action will do in words from its dry run, what stands in its way
 * (a failed disk, a log plex), and the Force choice explained. Cancel has the focus, so Enter
 * cancels; Confirm is disabled, with the reason, while the server cannot be reached or the dry
 * run refused the action. An everyday operation (`action.form`) asks for its values first, checks
 * them inline and dry-runs each complete set as it is typed (rules 320-323); its first field has
 * the focus then (Enter in it does nothing).
 */
function Confirm({ action, onClose, onConfirm }: { action: Action; onClose: () => void; onConfirm: (body: Record<string, unknown>) => void }) {
  useFocusReturn()
  const [force, setForce] = useState(false)
  const form = action.form
  const [values, setValues] = useState<FormValues>(() => (form ? initialValues(form) : {}))
  const filled = form ? operationBody(form, values) : undefined
  const [preview, setPreview] = useState<{ text: string[]; error?: string }>()
  const group = useApp((s) => s.server.groups[action.params.dg ?? ''])
  const lab = useApp((s) => s.server.lab.disks)
  const live = useApp((s) => s.server.connection === 'live')
  const ref = useRef<HTMLDialogElement>(null)
  const cancelRef = useRef<HTMLButtonElement>(null)
  const fieldsRef = useRef<HTMLDivElement>(null)
  const body = filled ? (filled.body ?? {}) : action.force ? { ...action.body, force } : action.body
  const bodyKey = filled?.issues ? undefined : JSON.stringify(body)
  useEffect(() => {
    ref.current?.showModal?.()
    const first = fieldsRef.current?.querySelector<HTMLElement>('input, select')
    if (first) first.focus()
    else cancelRef.current?.focus() // the safe choice: Enter cancels, Escape cancels
  }, [])
  useEffect(() => {
    let on = true
    if (action.noDryRun) {
      setPreview({ text: [action.noDryRun] })
      return
    }
    setPreview(undefined)
    if (bodyKey === undefined) return // the form is not complete: its fields say what is missing
    api(action.route, action.params as never, { ...body, dryRun: true } as never).then(
      // the Force choice is the dialog's: the dry run's words say what it overwrites then
      (r) => on && setPreview({ text: !group ? [] : form ? operationWords(action, group.config, body, r as Parameters<typeof operationWords>[3]) : effectWords(action, group, lab, { ...(r as Parameters<typeof effectWords>[3]), force: body.force === true }) }),
      (e: unknown) => on && setPreview({ text: [], error: failureWords('The dry run', e) }),
    )
    return () => void (on = false)
  }, [action, force, bodyKey]) // eslint-disable-line react-hooks/exhaustive-deps
  const dangers = group ? dangerWords(action, group, lab) : []
  const blocked = !live ? 'the server cannot be reached: nothing can be done until it answers again' : filled?.issues ? 'the form is not complete or not valid (see its fields)' : preview?.error ? 'the dry run refused it (above)' : !preview ? 'waiting for the dry run' : undefined
  return (
    <dialog ref={ref} aria-label={`confirm ${action.label}`} className="m-auto max-h-[90vh] max-w-xl overflow-auto rounded-lg bg-surface p-4 text-sm text-fg shadow-xl" onCancel={onClose} onKeyDown={(e) => keepTabInside(e, ref.current)}>
      <h2 className="mb-2 font-semibold">{confirmTitle(action)}</h2>
      {action.warning && <p className="mb-2 font-semibold text-amber-800 dark:text-amber-300" role="alert">⚠ {action.warning}</p>}
      {dangers.map((d) => <p key={d} className="mb-2 font-semibold text-danger" role="alert" data-testid="danger">✕ {d}</p>)}
      {form && <div ref={fieldsRef} data-testid="operation-fields"><OperationFields form={form} values={values} issues={filled?.issues ?? {}} onChange={setValues} /></div>}
      {action.force && (
        <div className="mb-2">
          <label className="font-semibold">
            <input type="checkbox" checked={force} onChange={(e) => setForce(e.target.checked)} aria-describedby="force-what" /> Force: copy every region, even from a plex that is not known good
          </label>
          <span id="force-what" className="block text-xs text-muted">{action.force}</span>
          {force && <p role="alert" data-testid="force-warning" className="mt-1 font-semibold text-amber-800 dark:text-amber-300">⚠ With Force, what the other plexes hold is overwritten wherever it differs, even if theirs was the right data. If a verify found the plexes differ, use Repair from the plex you trust instead.</p>}
        </div>
      )}
      <div data-testid="dry-run" className="mb-3 max-h-48 overflow-auto rounded bg-panel p-2 text-xs">
        {!preview && (bodyKey === undefined ? 'the dry run runs once the fields are filled in' : 'computing the dry run…')}
        {preview?.error && <span className="text-danger">{preview.error}</span>}
        {preview && !preview.error && (
          <>
            {!action.noDryRun && <div className="font-semibold">What it will do (dry run, nothing changed yet):</div>}
            <ul className="list-disc pl-4">{preview.text.map((t) => <li key={t}>{t}</li>)}</ul>
          </>
        )}
      </div>
      {blocked && <p className="mb-2 text-xs" id="confirm-why" data-testid="confirm-blocked">Confirm is not available: {blocked}.</p>}
      <div className="flex justify-end gap-2">
        <button ref={cancelRef} className="rounded border border-line px-3 py-1" onClick={onClose}>Cancel</button>
        <button className="rounded bg-accent px-3 py-1 text-accent-ink disabled:cursor-not-allowed disabled:opacity-60" disabled={blocked !== undefined} aria-describedby={blocked ? 'confirm-why' : undefined} onClick={() => onConfirm(body)}>Confirm</button>
      </div>
    </dialog>
  )
}

/**
 * Tab and Shift+Tab go round the dialog's controls: past the last one to the first, before the
 * first to the last. A modal <dialog> alone lets the focus leave once, to the page's <body>.
 */
export function keepTabInside(e: KeyboardEvent<HTMLDialogElement>, dialog: HTMLDialogElement | null): void {
  if (e.key !== 'Tab' || !dialog) return
  const items = [...dialog.querySelectorAll<HTMLElement>('button:not([disabled]), input:not([disabled]), select:not([disabled]), a[href], [tabindex]:not([tabindex="-1"])')]
  const [first, last] = [items[0], items.at(-1)]
  if (!first || !last) return
  const at = document.activeElement
  if (!e.shiftKey && (at === last || !dialog.contains(at))) {
    e.preventDefault()
    first.focus()
  } else if (e.shiftKey && (at === first || !dialog.contains(at))) {
    e.preventDefault()
    last.focus()
  }
}
