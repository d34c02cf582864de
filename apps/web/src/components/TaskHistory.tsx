import { useMemo } from 'react'
import { useApp } from '../store/appStore.ts'
import { describeTask, taskTone } from '../views/describeEvent.ts'
import { dateTime } from '../views/format.ts'
import { TONE } from '../views/tone.ts'
import { formatBytes } from '../views/units.ts'
import { supersededReports } from '../views/verifyReports.ts'
import { repairRegions } from '../store/commands.ts'
import { useWhyNot } from '../store/useWhyNot.ts'
import { GuardedButton } from './GuardedButton.tsx'

/**
 * Finished tasks, newest first, each with its outcome (ok, failed with its code, aborted, regions
 * left); a verify's mismatches listed with where they are and which plexes agree, each leading to
 * a repair from the plex the administrator trusts.
 */
export function TaskHistory() {
  const finished = useApp((s) => s.server.finished)
  const why = useWhyNot()
  // the newest verify that found differences opens by itself; the others expand on request
  const superseded = useMemo(() => supersededReports(finished), [finished])
  const newestMismatch = [...finished].reverse().find((t) => t.verify?.mismatchCount && !superseded.has(t.id))?.id
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
              {t.sync?.volumes?.some((x) => !x.synced) && (
                <p className="ml-4" data-testid={`not-synced-${t.taskId}`}>
                  not synchronised: {t.sync.volumes.filter((x) => !x.synced).map((x) => `${x.volume} (${x.reason === 'VM_NOT_STARTED' ? 'not started' : `left ${x.plexes?.join(', ') || 'stale'}`})`).join(', ')}
                </p>
              )}
              {t.verify && (
                <details data-testid={`verify-report-${t.taskId}`} open={t.verify.mismatchCount > 0 && t.id === newestMismatch ? true : undefined}>
                  <summary className="cursor-pointer">verify report of {t.verify.volume}: {t.verify.mismatchCount === 1 ? '1 region differs' : t.verify.mismatchCount ? `${t.verify.mismatchCount} regions differ` : 'every region agrees'}, {t.verify.regionsChecked} checked ({formatBytes(t.verify.regionSectors * 512)} each)</summary>
                  {t.verify.mismatchCount === 0 && <p className="ml-4">the plexes hold the same data in all {t.verify.regionsChecked} regions</p>}
                  {t.verify.mismatchCount > 0 && (
                    <>
                      <ul className="ml-4" aria-label={`mismatches of ${t.taskId}`}>
                        {t.verify.mismatches.map((m) => (
                          <li key={m.region}>
                            region {m.region} at {formatBytes(m.offset)} ({formatBytes(m.length)}): {m.groups.map((g) => g.join(' = ')).join(' ≠ ')}
                          </li>
                        ))}
                      </ul>
                      {t.verify.mismatchCount > t.verify.mismatches.length && <p className="ml-4">and {t.verify.mismatchCount - t.verify.mismatches.length} more regions (not listed: the server keeps the first {t.verify.mismatches.length})</p>}
                      {superseded.has(t.id) && (
                        <p className="ml-4" data-testid={`superseded-${t.taskId}`}>
                          superseded by {superseded.get(t.id)!.kind} {superseded.get(t.id)!.taskId} ({dateTime(superseded.get(t.id)!.finishedAt)}): this report no longer offers a repair; see the newer one
                        </p>
                      )}
                      {!superseded.has(t.id) && t.verify.mismatches.length > 0 && <span className="flex flex-wrap gap-1">
                        {t.verify.mismatches[0]!.groups.flat().map((plex) => (
                          <GuardedButton key={plex} why={why} title={`copy ${plex} over the other plexes in these regions`} onClick={() => repairRegions(t.dg, t.verify!.volume, plex, t.verify!.mismatches.map((m) => m.region))}>
                            Repair from {plex}
                          </GuardedButton>
                        ))}
                      </span>}
                    </>
                  )}
                </details>
              )}
            </li>
          )
        })}
      </ol>
    </section>
  )
}
