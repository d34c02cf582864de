import { readFile, rename, writeFile } from 'node:fs/promises'

/** A task that is running, as the server keeps it until it ends: what a restart finds interrupted. */
export interface RunningTask {
  taskId: string
  dg: string
  kind: string
  target: string
  volumes: string[]
  startedAt: number
  startedBy?: 'automatic' | 'restart'
  /** The interrupted task it continues (rule 425). */
  continues?: string
}

/**
 * The tasks running now, kept in one small JSON file (written whole to a temporary file, then
 * renamed in, one write at a time): a task still in it when the server starts again was running
 * when the last server stopped (a crash, or a stop while it ran), and its entry in the task
 * history says so (rule 425) instead of the task vanishing.
 */
export class RunningTasks {
  private readonly file: string
  private readonly tasks = new Map<string, RunningTask>()
  private chain: Promise<void> = Promise.resolve()
  private dirty = false

  constructor(file: string) {
    this.file = file
  }

  /**
   * The tasks the last server left running (an unreadable or torn file is none); they stay kept
   * here until the restart has settled each (`delete`), so a crash before that loses none.
   */
  async load(): Promise<RunningTask[]> {
    const text = await readFile(this.file, 'utf8').catch(() => '[]')
    let list: unknown
    try {
      list = JSON.parse(text)
    } catch {
      list = []
    }
    const left = Array.isArray(list) ? list.filter((t): t is RunningTask => typeof t?.taskId === 'string' && typeof t?.dg === 'string' && typeof t?.kind === 'string' && typeof t?.target === 'string' && Array.isArray(t?.volumes)) : []
    for (const t of left) this.tasks.set(t.taskId, t)
    return left
  }

  has(taskId: string): boolean {
    return this.tasks.has(taskId)
  }

  set(t: RunningTask): void {
    this.tasks.set(t.taskId, t)
    this.write()
  }

  delete(taskId: string): void {
    if (this.tasks.delete(taskId)) this.write()
  }

  written(): Promise<void> {
    return this.chain
  }

  private write(): void {
    if (this.dirty) return // the queued write takes the newest list
    this.dirty = true
    this.chain = this.chain
      .then(async () => {
        this.dirty = false
        await writeFile(`${this.file}.tmp`, JSON.stringify([...this.tasks.values()]))
        await rename(`${this.file}.tmp`, this.file)
      })
      .catch(() => {}) // a task not kept here only loses its "interrupted" entry after a crash
  }
}
