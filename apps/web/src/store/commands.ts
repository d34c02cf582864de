import type { HistoryItem } from '@plexa/protocol'
import { ApiError, api } from '../net/api.ts'
import { appStore } from './appStore.ts'
import { prependHistory } from './applyServerMessage.ts'

/**
 * What components ask of the server, in one place: each command calls the API and leaves the
 * answer in the store (or throws an ApiError whose words the caller shows).
 */

/** Acknowledges an alert (admins; audited by the server). The stream brings the change. */
export async function ackAlert(id: number): Promise<void> {
  await api('POST /api/alerts/:alert/ack', { alert: String(id) })
}

/** Loads the page of history before what is loaded. */
export async function loadOlderEvents(limit = 200): Promise<void> {
  const before = appStore.getState().server.oldestEvent
  if (!before) return
  const r = (await api('GET /api/history', {}, undefined, { before: String(before), limit: String(limit) })) as { events: HistoryItem[] }
  appStore.setState((s) => ({ server: prependHistory(s.server, r.events) }))
}

/** Words for a failure: what failed, why, and the code to search for. */
export function failureWords(what: string, e: unknown): string {
  if (e instanceof ApiError) {
    if (e.code === 'VM_UNREACHABLE') return `${what} failed: the server cannot be reached (${e.message})`
    return `${what} failed: ${e.message} (${e.code})`
  }
  return `${what} failed: ${e instanceof Error ? e.message : String(e)}`
}
