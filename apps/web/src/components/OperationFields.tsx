import { type ReactNode, useId } from 'react'
import type { FormValues, OperationForm } from '../views/operations.ts'
import { parseSize } from '../views/operations.ts'
import { formatSectors, sectorsText } from '../views/units.ts'

type Issues = Partial<Record<keyof FormValues, string>>

/**
 * The fields of an everyday operation's dialog (views/operations.ts): what it asks for, each with
 * its label, what a size typed means ("= 64 MiB, 131,072 sectors") and what is wrong inline.
 */
export function OperationFields({ form, values, issues, onChange }: { form: OperationForm; values: FormValues; issues: Issues; onChange: (v: FormValues) => void }) {
  const set = (patch: FormValues) => onChange({ ...values, ...patch })
  switch (form.kind) {
    case 'mirror':
      return <DiskChoice label={`Put the new mirror on (none chosen: any disk holding no plex of ${form.volume})`} disks={form.disks} free={form.free} values={values} set={set} />
    case 'addlog':
      return <DiskChoice label="Put the log on (none chosen: a disk holding no data plex of the volume when one has room)" disks={form.disks} free={form.free} values={values} set={set} />
    case 'evacuate':
      return <DiskChoice label={`Move the subdisks to (none chosen: any disk holding no other plex of their volume)`} disks={form.disks} free={form.free} values={values} set={set} />
    case 'rmlog':
      return <PlexChoice label="Log plex to remove" plexes={form.plexes.map((name) => ({ name, note: '' }))} values={values} set={set} issue={issues.plex} />
    case 'unmirror': {
      const chosen = form.plexes.find((p) => p.name === values.plex)
      return (
        <>
          <PlexChoice label="Plex to remove" plexes={form.plexes.map((p) => ({ name: p.name, note: p.last ? ' (the last complete current copy)' : '' }))} values={values} set={set} issue={issues.plex} />
          {chosen?.last && <ForceChoice values={values} set={set} issue={issues.force} label={`Remove ${chosen.name} anyway: ${form.volume}'s data would have no copy (it is lost)`} />}
        </>
      )
    }
    case 'grow':
    case 'shrink':
      return (
        <>
          <SizeField label={`New size of ${form.volume} (now ${formatSectors(form.len)}, ${sectorsText(form.len)})`} values={values} set={set} issue={issues.size} />
          {form.kind === 'shrink' && form.started && <ForceChoice values={values} set={set} issue={issues.force} label={`${form.volume} is started: shrink it anyway; the data beyond the new end is gone`} />}
        </>
      )
    case 'create':
      return <CreateFields form={form} values={values} set={set} issues={issues} />
  }
}

function CreateFields({ form, values, set, issues }: { form: Extract<OperationForm, { kind: 'create' }>; values: FormValues; set: (v: FormValues) => void; issues: Issues }) {
  const layout = values.layout ?? 'concat'
  const mirrored = layout === 'mirror' || layout === 'mirror-stripe'
  const striped = layout === 'stripe' || layout === 'mirror-stripe'
  return (
    <>
      <TextField label={`Name (at most ${form.nameMax} characters)`} value={values.name ?? ''} onChange={(name) => set({ name })} issue={issues.name} maxLength={64} />
      <SizeField label="Size" values={values} set={set} issue={issues.size} />
      <Field label="Layout">
        {(id) => (
          <select id={id} className="rounded border border-line bg-surface px-1 py-0.5" value={layout} onChange={(e) => set({ layout: e.target.value, ...(e.target.value === 'mirror' || e.target.value === 'mirror-stripe' ? {} : { log: false }) })}>
            <option value="concat">concat</option>
            <option value="stripe">stripe</option>
            <option value="mirror">mirror</option>
            <option value="mirror-stripe">mirror-stripe</option>
          </select>
        )}
      </Field>
      {mirrored && <TextField label="Mirrors (nmirror)" value={values.nmirror ?? ''} onChange={(nmirror) => set({ nmirror })} issue={issues.nmirror} inputMode="numeric" />}
      {striped && <TextField label="Columns (ncol)" value={values.ncol ?? ''} onChange={(ncol) => set({ ncol })} issue={issues.ncol} inputMode="numeric" />}
      {mirrored && (
        <Check checked={values.log ?? false} onChange={(log) => set({ log })} issue={issues.log}>
          Dirty region log: after a crash only the dirty regions are copied
        </Check>
      )}
      <DiskChoice label="Use only these disks (none chosen: any with free space)" disks={form.disks} free={form.free} values={values} set={set} />
    </>
  )
}

/** A labelled control with its inline issue, described by it. */
function Field({ label, issue, children }: { label: string; issue?: string | undefined; children: (id: string, describedBy: string | undefined) => ReactNode }) {
  const id = useId()
  return (
    <div className="mb-2">
      <label htmlFor={id} className="block font-semibold">{label}</label>
      {children(id, issue ? `${id}-issue` : undefined)}
      {issue && <span id={`${id}-issue`} role="alert" data-testid="field-issue" className="block text-xs text-danger">✕ {issue}</span>}
    </div>
  )
}

function TextField({ label, value, onChange, issue, maxLength, inputMode, hint }: { label: string; value: string; onChange: (v: string) => void; issue?: string | undefined; maxLength?: number; inputMode?: 'numeric'; hint?: string | undefined }) {
  return (
    <Field label={label} issue={issue}>
      {(id, describedBy) => (
        <>
          <input id={id} type="text" autoComplete="off" spellCheck={false} className="w-64 rounded border border-line bg-surface px-1 py-0.5" value={value} maxLength={maxLength} inputMode={inputMode} aria-invalid={issue ? true : undefined} aria-describedby={describedBy} onChange={(e) => onChange(e.target.value)} />
          {hint && <span className="ml-2 text-xs text-muted" data-testid="size-means">{hint}</span>}
        </>
      )}
    </Field>
  )
}

/** A size with its unit, and what it comes to as the administrator types it. */
function SizeField({ label, values, set, issue }: { label: string; values: FormValues; set: (v: FormValues) => void; issue?: string | undefined }) {
  const sectors = parseSize(values.size ?? '')
  return <TextField label={`${label}: a number with a unit (64m, 1.5g, 2048s)`} value={values.size ?? ''} onChange={(size) => set({ size })} issue={issue} maxLength={32} hint={sectors === undefined ? undefined : `= ${formatSectors(sectors)}, ${sectorsText(sectors)}`} />
}

function Check({ checked, onChange, issue, children }: { checked: boolean; onChange: (v: boolean) => void; issue?: string | undefined; children: string }) {
  const id = useId()
  return (
    <div className="mb-2">
      <label className="font-semibold">
        <input type="checkbox" checked={checked} onChange={(e) => onChange(e.target.checked)} aria-describedby={issue ? id : undefined} /> {children}
      </label>
      {issue && <span id={id} role="alert" data-testid="field-issue" className="block text-xs text-danger">✕ {issue}</span>}
    </div>
  )
}

/** The explicit choice a destructive operation needs, in words of what it destroys. */
function ForceChoice({ values, set, issue, label }: { values: FormValues; set: (v: FormValues) => void; issue?: string | undefined; label: string }) {
  return (
    <div data-testid="force-choice" className="mb-2 rounded border border-red-700 p-2 dark:border-red-400">
      <Check checked={values.force ?? false} onChange={(force) => set({ force })} issue={issue}>{label}</Check>
    </div>
  )
}

function PlexChoice({ label, plexes, values, set, issue }: { label: string; plexes: Array<{ name: string; note: string }>; values: FormValues; set: (v: FormValues) => void; issue?: string | undefined }) {
  return (
    <Field label={label} issue={issue}>
      {(id, describedBy) => (
        <select id={id} className="rounded border border-line bg-surface px-1 py-0.5" value={values.plex ?? ''} aria-describedby={describedBy} onChange={(e) => set({ plex: e.target.value, force: false })}>
          {plexes.map((p) => <option key={p.name} value={p.name}>{p.name}{p.note}</option>)}
        </select>
      )}
    </Field>
  )
}

/** Optional target disks: none checked leaves the choice to the server's allocator. */
function DiskChoice({ label, disks, free, values, set }: { label: string; disks: string[]; free: Record<string, number> | undefined; values: FormValues; set: (v: FormValues) => void }) {
  const chosen = values.disks ?? []
  const toggle = (d: string, on: boolean) => set({ disks: on ? [...chosen, d].filter((x, i, a) => a.indexOf(x) === i) : chosen.filter((x) => x !== d) })
  return (
    <fieldset className="mb-2">
      <legend className="font-semibold">{label}</legend>
      {disks.length === 0 && <span className="text-xs text-muted">no other usable disk</span>}
      <div className="flex flex-wrap gap-x-3">
        {disks.map((d) => (
          <label key={d} className="whitespace-nowrap">
            <input type="checkbox" checked={chosen.includes(d)} onChange={(e) => toggle(d, e.target.checked)} /> {d}
            {free?.[d] !== undefined && <span className="text-xs text-muted"> ({formatSectors(free[d])} free)</span>}
          </label>
        ))}
      </div>
    </fieldset>
  )
}
