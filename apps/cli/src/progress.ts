import cliProgress from 'cli-progress'
import type { TaskView } from '@plexa/protocol'
import { duration, human } from './units.ts'

/**
 * `--wait`'s progress bar on a terminal (cli-progress): done and total in units (MiB, GiB), the rate
 * per second, the ETA with its unit (rule 246). cli-progress fills its own {total} and {eta} tokens
 * with the bar's raw numbers (bytes, bare seconds), so the format uses tokens of its own.
 */
const FORMAT = '{task} [{bar}] {percentage}% | {done} of {size} | {rate}/s | ETA {etaText} | {phase}'

export interface TaskProgress {
  show(t: Pick<TaskView, 'doneBytes' | 'totalBytes' | 'rate' | 'etaSeconds' | 'phase'>): void
  stop(): void
}

export function taskProgress(stream: NodeJS.WritableStream, taskId: string): TaskProgress {
  const bar = new cliProgress.SingleBar({ format: FORMAT, stream, hideCursor: true }, cliProgress.Presets.shades_classic)
  let started = false
  return {
    show(t) {
      const payload = { task: taskId, done: human(t.doneBytes), size: human(t.totalBytes), rate: human(t.rate), etaText: duration(t.etaSeconds), phase: t.phase }
      if (!started) {
        bar.start(Math.max(1, t.totalBytes), t.doneBytes, payload)
        started = true
      } else {
        bar.setTotal(Math.max(1, t.totalBytes))
        bar.update(t.doneBytes, payload)
      }
    },
    stop() {
      if (started) bar.stop()
    },
  }
}

/**
 * `plexa task list`: one line a running task, sizes in units and the ETA with its unit (rule 246):
 * what it works on (`disk disk02`, `volume mirvol`) and, last, every volume it covers (rule 293).
 */
export function taskListText(tasks: ReadonlyArray<Pick<TaskView, 'taskId' | 'kind' | 'volume' | 'target' | 'volumes' | 'doneBytes' | 'totalBytes' | 'rate' | 'etaSeconds' | 'phase'>>): string {
  if (!tasks.length) return 'no running tasks'
  const line = (f: string[]) => f.map((x, i) => (i < f.length - 1 ? x.padEnd([10, 9, 16, 10, 10, 10, 12, 8][i]!) : x)).join(' ')
  return [
    line(['TASK', 'KIND', 'TARGET', 'DONE', 'TOTAL', 'RATE/s', 'ETA', 'PHASE', 'VOLUMES']),
    ...tasks.map((t) => line([t.taskId, t.kind, t.target ?? `volume ${t.volume}`, human(t.doneBytes), human(t.totalBytes), human(t.rate), duration(t.etaSeconds), t.phase, (t.volumes?.length ? t.volumes : [t.volume]).join(',')])),
  ].join('\n')
}
