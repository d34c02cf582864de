import { useApp } from '../store/appStore.ts'
import { describeTask, taskTone } from '../views/describeEvent.ts'
import { dateTime } from '../views/format.ts'
import { TONE } from '../views/tone.ts'
import { formatBytes } from '../views/units.ts'
import { repairRegions } from '../store/commands.ts'

/**
 * Finished tasks, newest first, each with its outcome (ok, failed with its code, aborted, regions
 * left); a verify's mismatches listed with where they are and which plexes agree, each leading to
 * a repair from the plex the administrator trusts.
 */
export function TaskHistory() {
  const finished = useApp((s) => s.server.finished)
  const admin = useApp((s) => s.server.user?.role === 'admin')
  const live = useApp((s) => s.server.connection === 'live')
  return (
    <section aria-label="task history" className="min-h-0 flex-1 overflow-auto p-1 text-xs">
      {finished.length === 0 && <p className="text-muted">No finished tasks yet.</p>}
      <ol>
        {[...finished].reverse().map((t) => {
          const tone = taskTone(t)
          return (
            <li key={t.id} data-testid={`finished-${t.taskId}`} data-outcome={t.outcome} className={`border-b border-line py-0.5 ${TONE[tone].text}`}>
              <span className="text-muted">{dateTime(t.finishedAt)}</span> <span aria-hidden>{TONE[tone].icon}</span> <strong>{t.outcome === 'ok' && t.verify?.mismatchCount ? 'MISMATCH' : t.outcome.toUpperCase()}</strong> {t.taskId}: {describeTask(t)}
              {t.sync && t.sync.failedCount > 0 && (
                <details>
                  <summary className="cursor-pointer">{t.sync.failedCount} region(s) not copied</summary>
                  <ul className="ml-4">{t.sync.failedRegions.slice(0, 50).map((f, i) => <li key={i}>{f.volume} region {f.region} → {f.plex}: {f.reason}</li>)}</ul>
                </details>
              )}
              {t.verify && t.verify.mismatchCount > 0 && (
                <details open data-testid={`verify-report-${t.taskId}`}>
                  <summary className="cursor-pointer">verify report: {t.verify.mismatchCount} region(s) differ</summary>
                  <ul className="ml-4">
                    {t.verify.mismatches.slice(0, 50).map((m) => (
                      <li key={m.region}>
                        region {m.region} at {formatBytes(m.offset)} ({formatBytes(m.length)}): {m.groups.map((g) => g.join(' = ')).join(' ≠ ')}
                      </li>
                    ))}
                  </ul>
                  <span className="flex flex-wrap gap-1">
                    {t.verify.mismatches[0]!.groups.flat().map((plex) => (
                      <button key={plex} className="rounded border border-line px-2 text-fg disabled:opacity-60" disabled={!admin || !live} title={!admin ? 'viewers cannot change anything' : !live ? 'the server is unreachable' : `copy ${plex} over the other plexes in these regions`} onClick={() => repairRegions(t.dg, t.verify!.volume, plex, t.verify!.mismatches.map((m) => m.region))}>
                        Repair from {plex}
                      </button>
                    ))}
                  </span>
                </details>
              )}
            </li>
          )
        })}
      </ol>
    </section>
  )
}
