import type { FinishedTask, TaskView } from '@plexa/protocol'
import type { Selection } from '../store/appStore.ts'
import { type Tone, describeTask, taskTone } from './describeEvent.ts'

/** What the last action came to, as the actions bar says it; a started task is followed to its end. */
export interface ActionMessage {
  text: string
  tone: Tone
  /** The task it started, and the newest task-history id when it started (ids restart with a server; history ids do not). */
  task?: { id: string; after: number }
  /** The object it was about; undefined for one about none (a task control of a task of no volume). */
  about?: Selection
}

/**
 * Whether the actions bar of `selection` shows the message (rule 240): under the object it was
 * about, or where nothing is selected (the bar of no object), never under another object.
 */
export function isShownFor(m: ActionMessage, selection: Selection | undefined): boolean {
  if (!m.about || !selection) return true
  return m.about.dg === selection.dg && m.about.kind === selection.kind && m.about.name === selection.name
}

/**
 * The words beside the actions for a message: for a task, what it is doing now (running with its
 * percent, paused) and then its real outcome from the task history (ok with what it copied,
 * failed with its code and the regions it left, aborted after how much, a verify's mismatches).
 */
export function taskStatus(m: ActionMessage, running: Record<string, TaskView>, finished: readonly FinishedTask[]): { text: string; tone: Tone } {
  if (!m.task) return { text: m.text, tone: m.tone }
  const { id, after } = m.task
  let done: FinishedTask | undefined
  for (let i = finished.length - 1; i >= 0 && !done; i--) if (finished[i]!.taskId === id && finished[i]!.id > after) done = finished[i]
  if (done) return { text: `task ${id}: ${describeTask(done)}`, tone: taskTone(done) }
  const t = running[id]
  if (!t) return { text: `${m.text}: task ${id} started`, tone: 'info' }
  const pct = Math.floor((t.doneBytes * 100) / Math.max(1, t.totalBytes))
  return { text: `${m.text}: task ${id} ${t.phase === 'paused' ? 'paused' : 'running'} at ${pct}%`, tone: 'info' }
}
