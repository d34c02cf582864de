import type { DiskGroup, TxResult } from '@plexa/engine'
import type { BodyOf, QueryOf, ReplyOf, RouteKey } from '@plexa/protocol'
import type { Principal } from '../auth/users.ts'
import type { TaskMeta } from '../history/history.ts'
import type { Services } from '../services.ts'

/** What a handler gets of its request: parsed parameters and body, the caller, query and cookies. */
export interface Ctx<K extends RouteKey> {
  params: Record<string, string>
  body: BodyOf<K>
  who: Principal | undefined
  /** The query string's fields, validated by the route's query schema (rule 384). */
  query: QueryOf<K>
  sessionId: string | undefined
  clientKey: string
  cookies: Map<string, string>
}

/** A handler's answer: its body has the shape of the route's response schema (the typecheck says so). */
export interface Reply<B = unknown> {
  status?: number
  body: B
  headers?: Record<string, string | string[]>
}

/** The route table: one handler per route of the protocol's `Api`. */
export type Handlers = { [K in RouteKey]: (s: Services, ctx: Ctx<K>) => Promise<Reply<ReplyOf<K>>> }

export function ok<B>(body: B, status = 200): Reply<B> {
  return { status, body }
}

/** The disk group named by the route's `:dg`. */
export function dgOf(s: Services, ctx: { params: Record<string, string> }): DiskGroup {
  return s.storage.group(ctx.params.dg!).dg
}

/** A transaction result, or 200 with `dryRun: true` and the planned changes. */
export function tx(r: TxResult): Reply<TxResult> {
  return ok(r)
}

interface Accepted {
  accepted: true
  taskId: string
  notes?: string[]
}

/** What a started task answers: 202 with its id, and the operation's notes when it has some (rule 468). */
function accepted(taskId: string, notes?: string[]): Reply<Accepted> {
  return ok({ accepted: true, taskId, ...(notes ? { notes } : {}) }, 202)
}

/**
 * Starts a task (`start` gives its handle once started): 202 with its id, its outcome (`done`)
 * recorded in the task history. The claim is made within `starting`, so a task that ends before
 * `start` returns is still recorded as this request's.
 */
export function taskStarted(s: Services, dg: DiskGroup, kind: string, meta: TaskMeta, start: () => Promise<{ id: string; done: Promise<unknown> }>): Promise<Reply<Accepted>> {
  return s.history.starting(async () => {
    const task = await start()
    s.history.claim(dg.name, task.id, kind, meta, task.done)
    return accepted(task.id)
  })
}

/** What a long operation answers when it finished before starting a task. */
type Finished<R> = [R] extends [void] ? { done: true } : R

/**
 * Waits until a long operation has either finished or started its task; answers `taskStarted`'s
 * 202 then, with the operation's notes (`onNotes`, told before its first task starts, rule 468).
 * The first task's outcome is the operation's (an attach whose copy left regions behind fails), and
 * its entry in the task history lists every task the operation started (`tasks`); each later one
 * (an evacuation's next move) is recorded with its own outcome (rule 469).
 */
export function untilTask<R>(s: Services, dg: DiskGroup, kind: string, on: string | { target: string; volumes: string[] }, run: (onTask: (id: string) => void, onNotes: (notes: string[]) => void) => Promise<R>): Promise<Reply<Finished<R> | Accepted>> {
  // a volume's name, or what a task over several names (an evacuation: the disk and its volumes)
  const tasks: string[] = []
  const scope = { ...(typeof on === 'string' ? { target: `volume ${on}`, volumes: [on] } : on), tasks }
  return new Promise((resolve, reject) => {
    let answered = false
    let notes: string[] | undefined
    // the operation's outcome, known once `run` returns (onTask comes before that)
    let known!: (done: Promise<R>) => void
    const outcome = new Promise<R>((r) => (known = r))
    const done: Promise<R> = run(
      (id) => {
        tasks.push(id)
        // claimed by id as the task starts, before it can end; the first task answers
        if (answered) return s.history.adopt(dg.name, id, kind, { target: scope.target, volumes: scope.volumes })
        answered = true
        s.history.claim(dg.name, id, kind, scope, outcome)
        resolve(accepted(id, notes))
      },
      (n) => void (notes = n),
    )
    known(done)
    // an operation that fails before it starts a task rejects `done`, answered below; no claim waits on it
    outcome.catch(() => {})
    done.then(
      (r) => {
        if (!answered) {
          answered = true
          resolve(ok((r ?? { done: true }) as Finished<R>))
        }
      },
      (e) => {
        if (!answered) {
          answered = true
          reject(e)
        }
      },
    )
  })
}
