import { useEffect, useRef, useState } from 'react'
import { api } from '../net/api.ts'
import { appStore, useApp } from '../store/appStore.ts'
import { failureWords } from '../store/commands.ts'
import { type Imported, type Side, importedWords, keepWords, sideWords, splitSides } from '../views/splitBrain.ts'
import { useFocusReturn } from '../views/useFocusReturn.ts'
import { keepTabInside } from './Confirm.tsx'

/** The split-brain dialog for the group the store names (`choosingSide`), from the Overview or the health strip. */
export function SplitBrainHost() {
  const dg = useApp((s) => s.choosingSide)
  const pending = useApp((s) => s.server.imports.find((p) => p.name === s.choosingSide))
  const [done, setDone] = useState<{ dg: string; result: Imported }>()
  const close = () => {
    setDone(undefined)
    appStore.getState().chooseSide(undefined)
  }
  if (!dg) return null
  // the import's result stays until it is read, though the group no longer waits (the snapshot after the import drops it)
  if (done?.dg === dg) return <SplitBrainDialog dg={dg} sides={[]} result={done.result} onClose={close} onImported={() => {}} />
  const sides = pending && splitSides(pending)
  if (!sides) return null
  return <SplitBrainDialog key={dg} dg={dg} sides={sides} onClose={close} onImported={(result) => setDone({ dg, result })} />
}

/**
 * Rule 408: choosing the side of a split brain whose configuration is kept. Each side with its
 * disks and newest tid, and what keeping it does to the other, in plain words; nothing is chosen at
 * first, and Import needs a side and the box saying the other side's changes go. The import goes
 * through the typed client (`POST /api/imports/:dg` with `selectcp`, the chosen side's first disk
 * id); what it came to (the sides overruled and what they held, the alert) stays in the dialog.
 * Cancel has the focus, Escape cancels, Tab stays inside, the focus goes back where it was.
 */
function SplitBrainDialog({ dg, sides, result, onClose, onImported }: { dg: string; sides: readonly Side[]; result?: Imported; onClose: () => void; onImported: (r: Imported) => void }) {
  useFocusReturn()
  const [keep, setKeep] = useState<number>()
  const [sure, setSure] = useState(false)
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string>()
  const live = useApp((s) => s.server.connection === 'live')
  const admin = useApp((s) => s.server.user?.role === 'admin')
  const ref = useRef<HTMLDialogElement>(null)
  const cancelRef = useRef<HTMLButtonElement>(null)
  useEffect(() => {
    ref.current?.showModal?.()
    cancelRef.current?.focus()
  }, [])
  const blocked = !admin ? 'only an administrator imports a disk group' : !live ? 'the server cannot be reached' : keep === undefined ? 'choose the side whose configuration is kept' : !sure ? 'tick the box: the other side\'s changes go' : busy ? 'importing…' : undefined
  const run = () => {
    const side = sides[keep!]!
    setBusy(true)
    setError(undefined)
    api('POST /api/imports/:dg', { dg }, { selectcp: side.diskids[0]! }).then(onImported, (e: unknown) => {
      setBusy(false)
      setError(failureWords(`Import of ${dg}`, e))
    })
  }
  return (
    <dialog ref={ref} aria-label={`split brain of ${dg}`} data-testid="split-brain" className="m-auto max-h-[90vh] max-w-2xl overflow-auto rounded-lg bg-surface p-4 text-sm text-fg shadow-xl" onCancel={onClose} onKeyDown={(e) => keepTabInside(e, ref.current)}>
      <h2 className="mb-2 font-semibold">{result ? `${dg} is imported` : `Choose a side of ${dg}`}</h2>
      {result ? (
        <div role="status" data-testid="split-brain-result">
          <ul className="mb-3 list-disc pl-4">{importedWords(result).map((t) => <li key={t}>{t}</li>)}</ul>
        </div>
      ) : (
        <>
          <p className="mb-2">The configuration copies on the disks of {dg} went separate ways: each side was changed without the other, so neither holds everything. {dg} stays not imported, and nothing is written, until you choose the side whose configuration is kept.</p>
          <fieldset className="mb-2 rounded border border-line p-2">
            <legend className="px-1 font-semibold">Keep the configuration of</legend>
            {sides.map((s, i) => (
              <label key={s.diskids.join()} className="mb-2 block" data-testid={`side-${i + 1}`}>
                <input type="radio" name="side" checked={keep === i} onChange={() => setKeep(i)} aria-describedby={`side-what-${i}`} /> <strong>side {i + 1}: {sideWords(s)}</strong>
                <ul id={`side-what-${i}`} className="ml-6 list-disc pl-4 text-xs">
                  {keepWords(dg, sides, i).map((t) => <li key={t}>{t}</li>)}
                </ul>
              </label>
            ))}
          </fieldset>
          <label className="mb-2 block font-semibold">
            <input type="checkbox" checked={sure} onChange={(e) => setSure(e.target.checked)} /> I understand: the other side&apos;s configuration changes are dropped (reported, not kept)
          </label>
          {error && <p role="alert" className="mb-2 text-danger" data-testid="split-brain-error">{error}</p>}
          {blocked && <p className="mb-2 text-xs" id="split-why" data-testid="split-brain-blocked">Import is not available: {blocked}.</p>}
        </>
      )}
      <div className="flex justify-end gap-2">
        <button ref={cancelRef} className="rounded border border-line px-3 py-1" onClick={onClose}>{result ? 'Close' : 'Cancel'}</button>
        {!result && <button className="rounded bg-accent px-3 py-1 text-accent-ink disabled:cursor-not-allowed disabled:opacity-60" disabled={blocked !== undefined} aria-describedby={blocked ? 'split-why' : undefined} onClick={run}>{keep === undefined ? 'Import' : `Import keeping side ${keep + 1}`}</button>}
      </div>
    </dialog>
  )
}
