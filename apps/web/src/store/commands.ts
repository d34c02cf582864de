import type { HistoryItem } from '@plexa/protocol'
import { type Action, actionObject, confirmTitle } from '../views/actions.ts'
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

/** Acknowledges the alerts the administrator sees (not one raised since): one audited call. */
export async function ackAlerts(ids: number[]): Promise<void> {
  await api('POST /api/alerts/ack', {}, { ids })
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

/** Runs an action (confirmed when it needed it); what it came to goes to the actions bar. */
export async function runAction(a: Action, body: Record<string, unknown>): Promise<void> {
  const { say, server } = appStore.getState()
  // the task history's newest id now: the task's outcome is the first entry after it with its id
  const after = server.finished.at(-1)?.id ?? 0
  // the message belongs to what the action was about, and names it (rule 240)
  const taskOf = (id: string) => {
    const t = server.tasks[id]
    return t?.volume ? { dg: t.dg, volume: t.volume } : undefined
  }
  const about = actionObject(a, taskOf)
  const at = about ? { about } : {}
  const label = confirmTitle(a).replace(/\?$/, '')
  try {
    const r = await api(a.route, a.params as never, body as never)
    // a task it started (202 Accepted) or asked to stop is followed to its outcome
    const task = 'taskId' in r && !('finished' in r) ? { id: r.taskId, after } : undefined
    say(task ? { text: 'accepted' in r ? label : `${label}: asked`, tone: 'info', task, ...at } : { text: `${label}: done`, tone: 'ok', ...at })
  } catch (e) {
    say({ text: failureWords(label, e), tone: 'warning', ...at })
  }
}

/**
 * Pauses, resumes or throttles a running task (bytes per second, or the adaptive mode's
 * foreground write p99 target); a refusal goes to the actions bar.
 */
export async function controlTask(op: 'pause' | 'resume' | 'throttle', task: string, throttle: number | { adaptive: { latencyMs: number } } = 0): Promise<void> {
  try {
    if (op === 'throttle') await api('POST /api/tasks/:task/throttle', { task }, typeof throttle === 'number' ? { bytesPerSecond: throttle } : throttle)
    else await api(op === 'pause' ? 'POST /api/tasks/:task/pause' : 'POST /api/tasks/:task/resume', { task })
  } catch (e) {
    appStore.getState().say({ text: failureWords(`${op[0]!.toUpperCase()}${op.slice(1)} ${task}`, e), tone: 'warning' })
  }
}

/** Opens the confirmation of a repair of the given regions from the plex the administrator trusts. */
export function repairRegions(dg: string, volume: string, source: string, regions: number[]): void {
  appStore.getState().confirm({
    id: 'repair',
    label: 'Repair from',
    route: 'POST /api/dgs/:dg/volumes/:volume/repair',
    params: { dg, volume },
    body: { source, regions },
    destructive: true,
    warning: `the other plexes of ${volume} are overwritten with ${source}'s data in ${regions.length} region(s): choose the plex whose data is right`,
    noDryRun: `a repair has no dry run: it copies region(s) ${regions.slice(0, 10).join(', ')}${regions.length > 10 ? ', …' : ''} from ${source}`,
  })
}
