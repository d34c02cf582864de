import { useMemo, useState } from 'react'
import { useShallow } from 'zustand/react/shallow'
import { api } from '../net/api.ts'
import { appStore, useApp } from '../store/appStore.ts'
import { ackAlert, failureWords } from '../store/commands.ts'
import { type Action, actionsFor } from '../views/actions.ts'
import { type AttentionItem, attention } from '../views/health.ts'
import { TONE } from '../views/tone.ts'
import { useResolvedAlerts } from '../store/useResolvedAlerts.ts'
import { useWhyNot } from '../store/useWhyNot.ts'
import { GuardedButton } from './GuardedButton.tsx'

/**
 * What needs attention, worst first, each with the action that fixes it: a resync (previewed with
 * its dry run in the confirmation), a disk to replace or restore, an alert to acknowledge.
 */
export function Overview() {
  const groups = useApp(useShallow((s) => Object.values(s.server.groups)))
  const lab = useApp((s) => s.server.lab)
  const alertMap = useApp((s) => s.server.alerts)
  const role = useApp((s) => s.server.user?.role)
  const why = useWhyNot()
  const resolved = useResolvedAlerts()
  const [error, setError] = useState<string>()
  const finished = useApp((s) => s.server.finished)
  const imports = useApp((s) => s.server.imports)
  const items = useMemo(() => attention(groups, lab, Object.values(alertMap), finished, imports, resolved), [groups, lab, alertMap, finished, imports, resolved])
  const fix = (it: AttentionItem): { label: string; run: () => void } | undefined => {
    const f = it.fix
    if (f.kind === 'import') {
      const how = [f.force ? 'without its missing disks, which stay NODEVICE until they return' : '', f.clearImport ? 'taking it over from the other host, which must be down: two hosts writing the same disks destroy its data' : ''].filter(Boolean).join('; ')
      const body = { ...(f.force ? { force: true } : {}), ...(f.clearImport ? { clearImport: true } : {}) }
      return { label: `Import ${it.dg}${f.force ? ' (force)' : ''}${f.clearImport ? ' (clear import)' : ''}`, run: () => appStore.getState().confirm({ id: 'import', label: 'Import disk group', route: 'POST /api/imports/:dg', params: { dg: it.dg }, body, destructive: true, warning: `${it.dg} is imported ${how}`, noDryRun: 'an import has no dry run: it is refused, changing nothing, if more disks are missing or another host holds it' }) }
    }
    const g = groups.find((x) => x.name === it.dg)
    if (!g) return undefined
    const pick = (sel: { kind: 'v' | 'dm'; name: string }, id: string): Action | undefined => actionsFor(g.config, { dg: it.dg, ...sel }, role).find((a) => a.id === id)
    switch (f.kind) {
      case 'resync-volume': {
        const a = pick({ kind: 'v', name: f.volume }, 'resync')
        return a && { label: `Resync ${f.volume}`, run: () => appStore.getState().confirm(a) }
      }
      case 'resync-disk': {
        const a = pick({ kind: 'dm', name: f.disk }, 'resyncdisk')
        return a && { label: `Resync disk ${f.disk}${it.covers ? ` (covers ${it.covers.join(', ')})` : ''}`, run: () => appStore.getState().confirm(a) }
      }
      case 'replace-disk': {
        const dm = g.config.disks.find((d) => d.dm_name === f.disk)
        const bytes = dm ? (dm.dm_pub_offset + dm.dm_pub_len) * 512 : 0
        return { label: `Replace disk ${f.disk}`, run: () => appStore.getState().confirm({ id: 'replace', label: 'Replace disk', route: 'POST /api/dgs/:dg/disks/:disk/replace', params: { dg: it.dg, disk: f.disk }, body: { sizeBytes: bytes }, destructive: true, warning: `a new ${Math.round(bytes / 1048576)} MiB image takes the place of ${f.disk}; its plexes are then resynchronised` }) }
      }
      case 'restore-disk':
        return { label: `Restore disk ${f.disk} (lab)`, run: () => void api('POST /api/lab/dgs/:dg/disks/:disk/restore', { dg: it.dg, disk: f.disk }).catch((e: unknown) => setError(failureWords('Restore', e))) }
      case 'ack':
        return { label: `Acknowledge #${f.alert}`, run: () => void ackAlert(f.alert).catch((e: unknown) => setError(failureWords('Acknowledge', e))) }
      case 'verify':
        return undefined
      case 'none':
        return undefined
    }
  }
  return (
    <section aria-label="needs attention" className="h-full overflow-auto p-3 text-sm">
      <h2 className="mb-2 font-semibold">Needs attention</h2>
      {error && <p role="alert" className="text-danger">{error}</p>}
      {items.length === 0 && <p data-testid="all-well">✓ Nothing needs attention: every volume has full redundancy, every disk works, no alert is open.</p>}
      <ul className="space-y-1">
        {items.map((it) => {
          const f = fix(it)
          return (
            <li key={it.key} data-testid={`attention-${it.key}`} data-resolved={it.resolved ? 'true' : undefined} className={`flex items-center gap-2 rounded border border-line p-1 ${TONE[it.resolved ? 'ok' : it.severity].text}`}>
              <span aria-hidden>{TONE[it.resolved ? 'ok' : it.severity].icon}</span>
              <span className="flex-1"><strong>{it.resolved ? 'RESOLVED ' : ''}{it.severity.toUpperCase()}</strong> {it.text}{it.resolved && <span className="block">resolved: {it.resolved}; acknowledge it to clear it</span>}</span>
              {f && (
                <GuardedButton why={why} title={f.label} onClick={f.run}>
                  {f.label}
                </GuardedButton>
              )}
              {!f && it.fix.kind === 'none' && !it.key.endsWith('/mismatch') && <span className="text-xs text-muted">restore or replace its failed disk first</span>}
            </li>
          )
        })}
      </ul>
    </section>
  )
}
