import { useApp } from '../store/appStore.ts'
import { describeAudit } from '../views/describeEvent.ts'
import { dateTime } from '../views/format.ts'

/** The audit log, newest first, as sentences: who did what, when, and how it ended. */
export function AuditPanel() {
  const audit = useApp((s) => s.server.audit)
  return (
    // focusable: a long log scrolls with the keyboard too
    <section aria-label="audit log" tabIndex={0} className="h-full overflow-auto p-1 text-xs outline-none focus:ring-2 focus:ring-blue-500">
      {audit.length === 0 && <p className="text-muted">Nothing audited yet.</p>}
      <ol>
        {[...audit].reverse().map((e) => (
          <li key={e.id} className={e.result === 'ok' ? '' : 'text-amber-800 dark:text-amber-300'}>
            <span className="text-muted">{dateTime(e.at)}</span> {describeAudit(e)}
          </li>
        ))}
      </ol>
    </section>
  )
}
