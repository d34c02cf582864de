import { Fragment, useMemo, useState } from 'react'
import { api } from '../net/api.ts'
import { appStore, useApp } from '../store/appStore.ts'
import { GROUPS, type Kind, fieldViews } from '../views/fields.ts'
import { breakParts } from '../views/breakParts.ts'
import { findRecord } from '../views/records.ts'
import { groupHealth, unrepairedMismatches, withMismatches } from '../views/health.ts'
import { healthLine } from '../views/healthLine.ts'
import { stateFill, stateStroke } from '../views/colors.ts'
import { useWhyNot } from '../store/useWhyNot.ts'
import { clearFailingAction, failingWords, isFailing } from '../views/diskNotice.ts'
import { GuardedButton } from './GuardedButton.tsx'
import { RelocatedNote } from './RelocatedNote.tsx'

const EDITABLE = ['comment', 'putil0', 'putil1', 'putil2']
const KIND_WORD: Record<Kind, string> = { dg: 'disk group', dm: 'disk', sd: 'subdisk', pl: 'plex', v: 'volume' }

/**
 * The selected record for people: fields grouped (identity, state, layout, flags, I/O, utility),
 * each with its meaning on hover, sizes in bytes and sectors, flags decoded, read-only ones marked;
 * comment and util fields editable, following live changes, with errors inline and saves confirmed.
 */
export function Properties() {
  const selection = useApp((s) => s.selection)
  const group = useApp((s) => (s.selection ? s.server.groups[s.selection.dg] : undefined))
  const role = useApp((s) => s.server.user?.role)
  const lab = useApp((s) => s.server.lab.disks)
  // plexes a verify found different are no full redundancy here either, as in the tree and the drawing (rules 170, 574)
  const finished = useApp((s) => s.server.finished)
  const differ = useMemo(() => unrepairedMismatches(finished), [finished])
  if (!selection || !group) return <p className="p-2 text-sm text-muted">Select an object to see its properties.</p>
  const rec = findRecord(group.config, selection.kind, selection.name)
  if (!rec) return <p className="p-2 text-sm text-muted">{selection.name} no longer exists.</p>
  const prefix = `${selection.kind}_`
  const fields = fieldViews(selection.kind, rec)
  return (
    <section aria-label="properties" className="h-full overflow-auto p-2 text-xs">
      <h2 className="mb-1 text-sm font-semibold">{KIND_WORD[selection.kind]} {selection.name}</h2>
      <HealthLine line={healthLine(withMismatches(groupHealth(group, lab), differ), selection.kind, selection.name)} />
      {selection.kind === 'dm' && isFailing(rec as { dm_pflag: number }) && <FailingNote dg={selection.dg} disk={selection.name} />}
      {(selection.kind === 'dm' || selection.kind === 'sd') && <RelocatedNote group={group} kind={selection.kind} name={selection.name} />}
      <p className="mt-2 text-muted">Hover a field for its meaning. <abbr title="read-only: only the engine changes it">RO</abbr> marks read-only fields.</p>
      {GROUPS.map((g) => {
        const rows = fields.filter((f) => f.group === g)
        if (rows.length === 0) return null
        return (
          <section key={g} aria-label={g} className="mt-2">
            <h3 className="border-b border-line font-semibold">{g}</h3>
            {/* fixed columns; names and values wrap only between their pieces (breakParts): a long value (a disk id, a path) stays in the pane */}
            <table className="w-full table-fixed">
              <tbody>
                {rows.map((f) => (
                  <tr key={f.key} className="border-b border-panel align-top" title={f.meaning || undefined}>
                    {/* a name wraps after an underscore, never inside a word, and RO stays whole (rule 242) */}
                    <th scope="row" className="w-2/5 pr-2 text-left font-normal text-muted [overflow-wrap:break-word]">
                      <Pieces text={f.key} />
                      {f.readOnly && <> <abbr title="read-only" className="whitespace-nowrap text-[10px] no-underline">RO</abbr></>}
                    </th>
                    {/* the title has the whole value: a piece longer than the column is cut with an ellipsis (rule 274) */}
                    <td className="text-ellipsis font-mono [overflow-clip-margin:2px] [overflow:clip]" data-testid={`field-${f.key}`} title={f.exact ?? f.text}><Pieces text={f.text} /></td>
                  </tr>
                ))}
              </tbody>
            </table>
          </section>
        )
      })}
      {/* rule 470: identity, state and layout first (as VEA's Properties); the editors last */}
      {role === 'admin' && selection.kind !== 'dg' && (
        <section aria-label="edit" className="mt-3">
          <h3 className="border-b border-line font-semibold">Edit</h3>
          {selection.kind === 'v' && <ReadPolicy dg={selection.dg} name={selection.name} value={String(rec.v_read_pol)} preferred={String(rec.v_pref_name ?? '')} plexes={dataPlexes(group.config, selection.name)} />}
          {EDITABLE.map((f) => <EditField key={`${selection.dg}/${selection.name}-${f}`} dg={selection.dg} name={selection.name} field={f} value={f === 'comment' ? String(rec[`${prefix}comment`] ?? '') : String((rec[`${prefix}putil`] as string[] | undefined)?.[Number(f.slice(-1))] ?? '')} />)}
        </section>
      )}
    </section>
  )
}

/**
 * Text that wraps only between its pieces (`breakParts`: after | , _ / . or a space, rules 242,
 * 274), never inside one; a piece wider than its column is cut with an ellipsis.
 */
function Pieces({ text }: { text: string }) {
  return breakParts(text).map((part, i) => (
    <Fragment key={i}>
      {i > 0 && <wbr />}
      <span className="whitespace-nowrap">{part}</span>
    </Fragment>
  ))
}

type Status = { kind: 'saving' | 'saved' } | { kind: 'error'; text: string } | undefined

/** Saves fields of a record; what happened is shown next to the control. */
function useSave(dg: string, name: string) {
  const [status, setStatus] = useState<Status>()
  const save = async (fields: Record<string, string>): Promise<boolean> => {
    setStatus({ kind: 'saving' })
    try {
      await api('PATCH /api/dgs/:dg/records/:name', { dg, name }, { fields })
      setStatus({ kind: 'saved' })
      return true
    } catch (e) {
      setStatus({ kind: 'error', text: `${(e as { code: string }).code}: ${(e as Error).message}` })
      return false
    }
  }
  return { status, setStatus, save }
}

function StatusLine({ status, what }: { status: Status; what: string }) {
  if (!status) return null
  if (status.kind === 'error') return <span role="alert" className="block text-danger">{status.text}</span>
  return <span role="status" className="block text-muted">{status.kind === 'saving' ? `saving ${what}…` : `Saved ${what}.`}</span>
}

/**
 * One editable field. Until it is edited it follows the record live; once edited, a change made
 * elsewhere is announced with the new value, and Save asks before overwriting it.
 */
function EditField({ dg, name, field, value }: { dg: string; name: string; field: string; value: string }) {
  const [text, setText] = useState(value)
  // the record's value the text was edited from
  const [base, setBase] = useState(value)
  const [asking, setAsking] = useState(false)
  const { status, setStatus, save } = useSave(dg, name)
  const why = useApp((s) => s.server.connection === 'live') ? undefined : 'the server cannot be reached'
  const edited = text !== base
  if (!edited && value !== base) {
    // not edited: follow the record
    setBase(value)
    setText(value)
  }
  const changedUnder = edited && value !== base
  const commit = async () => {
    if (why) return
    if (changedUnder && !asking) {
      setAsking(true)
      return
    }
    setAsking(false)
    if (await save({ [field]: text })) setBase(text)
  }
  const takeTheirs = () => {
    setText(value)
    setBase(value)
    setAsking(false)
    setStatus(undefined)
  }
  return (
    <div className="mb-1">
      <label className="block">
        <span className="text-muted">{field}</span>
        <span className="flex gap-1">
          <input aria-label={`edit ${field}`} className="min-w-0 flex-1 rounded border border-line bg-surface px-1 text-fg" value={text} onChange={(e) => { setText(e.target.value); setStatus(undefined) }} onKeyDown={(e) => e.key === 'Enter' && void commit()} />
          <button className="rounded border border-line px-1 aria-disabled:cursor-not-allowed aria-disabled:opacity-60" aria-disabled={why !== undefined || undefined} title={why} onClick={() => void commit()}>
            {asking ? 'Overwrite' : 'Save'}
            {why && <span className="sr-only">{`: not allowed, ${why}`}</span>}
          </button>
        </span>
      </label>
      {changedUnder && (
        <span role="alert" className="block text-danger" data-testid={`conflict-${field}`}>
          Changed elsewhere to “{value || '(empty)'}” while you edited{asking ? ': Overwrite replaces it with yours.' : '.'}{' '}
          <button className="underline" onClick={takeTheirs}>Use the new value</button>
        </span>
      )}
      <StatusLine status={status} what={field} />
    </div>
  )
}

/** The data plexes of a volume by name (a log plex holds no copy of the data: it is never read). */
function dataPlexes(c: { plexes: ReadonlyArray<{ pl_name: string; pl_v_name: string }>; subdisks: ReadonlyArray<{ sd_pl_name: string; sd_is_log: boolean }> }, volume: string): string[] {
  return c.plexes.filter((p) => p.pl_v_name === volume && !c.subdisks.every((s) => s.sd_pl_name !== p.pl_name || s.sd_is_log)).map((p) => p.pl_name)
}

/**
 * The read policy and, for PREFER, which plex is preferred (vxprint shows it beside PREFER): a
 * choice of the volume's data plexes, so PREFER never silently means the first one (rule 363).
 */
function ReadPolicy({ dg, name, value, preferred, plexes }: { dg: string; name: string; value: string; preferred: string; plexes: string[] }) {
  const { status, save } = useSave(dg, name)
  const live = useApp((s) => s.server.connection === 'live')
  const why = live ? undefined : 'the server cannot be reached'
  return (
    <div className="mb-1">
      <label className="block">
        <span className="text-muted">read policy</span>
        <select aria-label="read policy" disabled={!live} title={why} className="ml-1 rounded border border-line bg-surface text-fg" value={value} onChange={(e) => void save(e.target.value === 'PREFER' ? { read_pol: 'PREFER', pref_name: plexes.includes(preferred) ? preferred : (plexes[0] ?? '') } : { read_pol: e.target.value })}>
          {['ROUND', 'PREFER', 'SELECT'].map((p) => <option key={p}>{p}</option>)}
        </select>
        {value === 'PREFER' && (
          <>
            <span className="ml-2 text-muted">reads from</span>
            <select aria-label="preferred plex" disabled={!live} title={why} className="ml-1 rounded border border-line bg-surface text-fg" value={preferred} onChange={(e) => void save({ read_pol: 'PREFER', pref_name: e.target.value })}>
              {!plexes.includes(preferred) && <option value={preferred}>{preferred || '(none)'}</option>}
              {plexes.map((p) => <option key={p}>{p}</option>)}
            </select>
          </>
        )}
      </label>
      <StatusLine status={status} what="read policy" />
    </div>
  )
}

/** The selection's health above its fields (rule 411): a failed disk says so here too, with why. */
function HealthLine({ line }: { line: ReturnType<typeof healthLine> }) {
  if (!line) return null
  return (
    <p data-testid="properties-health" data-tone={line.tone} className={`mb-1 rounded px-1 ${line.tone !== 'ok' ? 'border font-semibold text-fg' : 'text-muted'}`} style={line.tone !== 'ok' ? { background: stateFill(line.tone), borderColor: stateStroke(line.tone) } : {}}>
      <span aria-hidden>{line.tone === 'failed' ? '✕ ' : line.tone === 'stale' ? '▲ ' : '✓ '}</span>
      {line.text}
    </p>
  )
}

/**
 * Rule 436: a disk hot relocation left FAILING: what it means, what to do, and the button that
 * clears the mark (confirmed with its dry run; viewers see why not).
 */
function FailingNote({ dg, disk }: { dg: string; disk: string }) {
  const why = useWhyNot()
  return (
    <p data-testid="failing-note" className="mb-1 rounded border px-1 py-0.5 text-fg" style={{ background: stateFill('stale'), borderColor: stateStroke('stale') }}>
      <span className="font-semibold">▲ </span>{failingWords(disk)}{' '}
      <GuardedButton why={why} className="rounded border border-line bg-surface px-1 text-fg" title={`clear the FAILING mark of ${disk}`} onClick={() => appStore.getState().confirm(clearFailingAction(dg, disk))}>
        Clear FAILING
      </GuardedButton>
    </p>
  )
}
