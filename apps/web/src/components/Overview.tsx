import { useMemo, useState } from 'react'
import { useShallow } from 'zustand/react/shallow'
import { api } from '../net/api.ts'
import { appStore, useApp } from '../store/appStore.ts'
import { ackAlert, ackAlerts, failureWords } from '../store/commands.ts'
import { type Action, groupActions, replaceDiskAction } from '../views/actions.ts'
import { type AttentionItem, attention, groupHealth } from '../views/health.ts'
import { clearFailingAction, copyingInto, copyingKey } from '../views/diskNotice.ts'
import { resolvedToAck } from '../views/alertStatus.ts'
import { TONE } from '../views/tone.ts'
import { namesUpTo } from '../views/format.ts'
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
  // rule 578: a volume a copy already runs into is not offered another resync (the engine refuses it)
  const copyKey = useApp((s) => copyingKey(Object.values(s.server.tasks)))
  const copying = useMemo(() => copyingInto(copyKey), [copyKey])
  const ackable = useMemo(() => resolvedToAck(alertMap, resolved), [alertMap, resolved])
  const items = useMemo(() => attention(groups, lab, Object.values(alertMap), finished, imports, resolved), [groups, lab, alertMap, finished, imports, resolved])
  // the volumes built of one copy (a concat, a stripe): whole, but with no redundancy (rule 237)
  const unmirrored = useMemo(() => groups.flatMap((g) => [...groupHealth(g, lab.disks).volumes.values()].filter((v) => v.redundancy === 'unmirrored').map((v) => (groups.length > 1 ? `${g.name}/${v.volume}` : v.volume))), [groups, lab])
  const g = (it: AttentionItem) => groups.find((x) => x.name === it.dg)
  const fix = (it: AttentionItem): { label: string; run: () => void; disabled?: string } | undefined => {
    const f = it.fix
    if (f.kind === 'choose-side') return { label: `Choose a side of ${it.dg}…`, run: () => appStore.getState().chooseSide(it.dg) }
    if (f.kind === 'import') {
      const how = [f.force ? 'without its missing disks, which stay NODEVICE until they return' : '', f.clearImport ? 'taking it over from the other host, which must be down: two hosts writing the same disks destroy its data' : ''].filter(Boolean).join('; ')
      const body = { ...(f.force ? { force: true } : {}), ...(f.clearImport ? { clearImport: true } : {}) }
      return { label: `Import ${it.dg}${f.force ? ' (force)' : ''}${f.clearImport ? ' (clear import)' : ''}`, run: () => appStore.getState().confirm({ id: 'import', label: 'Import disk group', route: 'POST /api/imports/:dg', params: { dg: it.dg }, body, destructive: true, warning: `${it.dg} is imported ${how}`, noDryRun: 'an import has no dry run: it is refused, changing nothing, if more disks are missing or another host holds it' }) }
    }
    const g = groups.find((x) => x.name === it.dg)
    if (!g) return undefined
    const pick = (sel: { kind: 'v' | 'dm'; name: string }, id: string): Action | undefined => groupActions(g, { dg: it.dg, ...sel }, role).find((a) => a.id === id)
    switch (f.kind) {
      case 'resync-volume': {
        const a = pick({ kind: 'v', name: f.volume }, 'resync')
        const running = copying.get(`${it.dg}/${f.volume}`)
        return a && { label: `Resync ${f.volume}`, run: () => appStore.getState().confirm(a), ...(running ? { disabled: `${running} copies into ${f.volume} now: its progress is under Running tasks` } : {}) }
      }
      case 'resync-disk': {
        const a = pick({ kind: 'dm', name: f.disk }, 'resyncdisk')
        return a && { label: `Resync disk ${f.disk}${it.covers ? ` (covers ${it.covers.join(', ')})` : ''}`, run: () => appStore.getState().confirm(a) }
      }
      case 'replace-disk': {
        const a = replaceDiskAction(g.config, it.dg, f.disk)
        // refused while it holds the only copy of a started volume (rule 296): disabled, saying why
        return { label: `Replace disk ${f.disk}`, run: () => appStore.getState().confirm(a), ...(a.disabled ? { disabled: a.disabled } : {}) }
      }
      case 'clear-failing': {
        const a = clearFailingAction(it.dg, f.disk)
        return { label: `Clear FAILING on ${f.disk}`, run: () => appStore.getState().confirm(a) }
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
      <div className="mb-2 flex flex-wrap items-center gap-2">
        <h2 className="font-semibold">Needs attention</h2>
        {/* rule 437: the alerts whose problem is over, acknowledged in one audited call */}
        {ackable.length > 1 && (
          <GuardedButton why={why} testId="ack-resolved" title={`acknowledge alerts ${ackable.map((id) => `#${id}`).join(', ')}: their problems are over`} onClick={() => void ackAlerts(ackable).catch((e: unknown) => setError(failureWords('Acknowledge', e)))}>
            Acknowledge all {ackable.length} resolved
          </GuardedButton>
        )}
      </div>
      {error && <p role="alert" className="text-danger">{error}</p>}
      {items.length === 0 && <p data-testid="all-well">✓ Nothing needs attention: {unmirrored.length ? 'every mirrored volume has full redundancy' : 'every volume has full redundancy'}, every disk works, no alert is open.</p>}
      <ul className="space-y-1">
        {items.map((it) => {
          const f = fix(it)
          return (
            <li key={it.key} data-testid={`attention-${it.key}`} data-resolved={it.resolved ? 'true' : undefined} className={`flex flex-wrap items-center gap-2 rounded border border-line p-1 ${TONE[it.resolved ? 'ok' : it.severity].text}`}>
              <span aria-hidden>{TONE[it.resolved ? 'ok' : it.severity].icon}</span>
              <span className="min-w-[16rem] flex-1"><strong>{it.resolved ? 'RESOLVED ' : ''}{it.severity.toUpperCase()}</strong> {it.text}{it.resolved && <span className="block">resolved: {it.resolved}; acknowledge it to clear it</span>}</span>
              {f && (
                <GuardedButton why={why ?? f.disabled} title={f.label} onClick={f.run}>
                  {f.label}
                </GuardedButton>
              )}
              {/* a disk the lab failed can also be replaced, as a real failed disk is */}
              {f && it.fix.kind === 'restore-disk' && g(it) && (() => {
                const replace = replaceDiskAction(g(it)!.config, it.dg, it.fix.disk)
                return (
                  <GuardedButton why={why ?? replace.disabled} title={`Replace disk ${it.fix.disk}`} onClick={() => appStore.getState().confirm(replace)}>
                    Replace disk {it.fix.disk}
                  </GuardedButton>
                )
              })()}
              {it.fix.kind === 'resync-volume' && copying.has(`${it.dg}/${it.fix.volume}`) && <span className="text-xs text-muted" data-testid="being-copied">being resynced: {copying.get(`${it.dg}/${it.fix.volume}`)} (under Running tasks)</span>}
              {it.waitsFor && <span className="text-xs text-muted" data-testid="waits-for">fix disk {it.waitsFor.join(', ')} first (its item above)</span>}
            </li>
          )
        })}
      </ul>
      {/* after what needs attention: no problem, but no redundancy either (rule 237) */}
      {unmirrored.length > 0 && <p data-testid="unmirrored" className="mt-2">○ Not mirrored, no redundancy by design (a disk failure under it loses its data): {namesUpTo(unmirrored, UNMIRRORED_NAMES)}.</p>}
    </section>
  )
}

/** How many unmirrored volumes the Overview names before it counts the rest (10,000 names are no reading, and a paragraph that long costs the first render seconds). */
const UNMIRRORED_NAMES = 12
