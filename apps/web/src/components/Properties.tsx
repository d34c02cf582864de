import { useState } from 'react'
import { api } from '../net/api.ts'
import { useApp } from '../store/appStore.ts'
import { findRecord } from '../views/records.ts'

const EDITABLE = ['comment', 'putil0', 'putil1', 'putil2']

/** Every field of the selected record; comment and util fields editable, errors inline. */
export function Properties() {
  const selection = useApp((s) => s.selection)
  const group = useApp((s) => (s.selection ? s.server.groups[s.selection.dg] : undefined))
  const role = useApp((s) => s.server.user?.role)
  if (!selection || !group) return <p className="p-2 text-sm text-slate-500">Select an object to see its properties.</p>
  const rec = findRecord(group.config, selection.kind, selection.name)
  if (!rec) return <p className="p-2 text-sm text-slate-500">{selection.name} no longer exists.</p>
  const prefix = `${selection.kind}_`
  return (
    <section aria-label="properties" className="h-full overflow-auto p-2 text-xs">
      <h2 className="mb-1 text-sm font-semibold">{selection.name}</h2>
      {role === 'admin' && selection.kind === 'v' && <ReadPolicy dg={selection.dg} name={selection.name} value={String(rec.v_read_pol)} plexes={group.config.plexes.filter((p) => p.pl_v_name === selection.name).map((p) => p.pl_name)} />}
      {role === 'admin' && selection.kind !== 'dg' && EDITABLE.map((f) => <EditField key={`${selection.name}-${f}`} dg={selection.dg} name={selection.name} field={f} value={f === 'comment' ? String(rec[`${prefix}comment`] ?? '') : String((rec[`${prefix}putil`] as string[] | undefined)?.[Number(f.slice(-1))] ?? '')} />)}
      <table className="mt-2 w-full">
        <tbody>
          {Object.entries(rec).map(([k, v]) => (
            <tr key={k} className="border-b border-slate-100 dark:border-slate-800">
              <th scope="row" className="pr-2 text-left font-normal text-slate-500">{k}</th>
              <td className="break-all font-mono">{Array.isArray(v) ? JSON.stringify(v) : String(v)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  )
}

function EditField({ dg, name, field, value }: { dg: string; name: string; field: string; value: string }) {
  const [text, setText] = useState(value)
  const [error, setError] = useState<string>()
  const save = async () => {
    try {
      await api('PATCH /api/dgs/:dg/records/:name', { dg, name }, { fields: { [field]: text } })
      setError(undefined)
    } catch (e) {
      setError(`${(e as { code: string }).code}: ${(e as Error).message}`)
    }
  }
  return (
    <label className="mb-1 block">
      <span className="text-slate-500">{field}</span>
      <span className="flex gap-1">
        <input aria-label={`edit ${field}`} className="flex-1 rounded border px-1 dark:bg-slate-700" value={text} onChange={(e) => setText(e.target.value)} onKeyDown={(e) => e.key === 'Enter' && void save()} />
        <button className="rounded border px-1" onClick={() => void save()}>Save</button>
      </span>
      {error && <span role="alert" className="text-red-700 dark:text-red-300">{error}</span>}
    </label>
  )
}

function ReadPolicy({ dg, name, value, plexes }: { dg: string; name: string; value: string; plexes: string[] }) {
  const [error, setError] = useState<string>()
  const change = async (fields: Record<string, string>) => {
    try {
      await api('PATCH /api/dgs/:dg/records/:name', { dg, name }, { fields })
      setError(undefined)
    } catch (e) {
      setError(`${(e as { code: string }).code}: ${(e as Error).message}`)
    }
  }
  return (
    <label className="mb-1 block">
      <span className="text-slate-500">read policy</span>
      <select aria-label="read policy" className="ml-1 rounded border dark:bg-slate-700" value={value} onChange={(e) => void change(e.target.value === 'PREFER' ? { read_pol: 'PREFER', pref_name: plexes[0] ?? '' } : { read_pol: e.target.value })}>
        {['ROUND', 'PREFER', 'SELECT'].map((p) => <option key={p}>{p}</option>)}
      </select>
      {error && <span role="alert" className="block text-red-700 dark:text-red-300">{error}</span>}
    </label>
  )
}
