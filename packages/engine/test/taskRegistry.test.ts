// The task layer on its own (tasks/): a registry of running tasks and the events it sends.
import { describe, expect, it } from 'vitest'
import { createManualClock } from '../src/clock.ts'
import { EngineError } from '../src/errors.ts'
import { type EngineEvent, createEventBus } from '../src/events.ts'
import { PACE_RESERVE, PACE_SLICE_MS } from '../src/tasks/adaptivePace.ts'
import { TaskRegistry } from '../src/tasks/taskRegistry.ts'
import { expectCode } from './harness.ts'

function registry() {
  const clock = createManualClock(1000)
  const bus = createEventBus(clock)
  const events: EngineEvent[] = []
  bus.subscribe((e) => events.push(e))
  const seen: string[] = []
  const tasks = new TaskRegistry({
    bus, clock, group: () => 'dg', sleep: async (ms) => clock.advance(ms),
    started: (t) => seen.push(`started ${t.id}`), finished: (t) => seen.push(`finished ${t.id}`),
  })
  return { clock, events, seen, tasks }
}

describe('task registry (rule 126)', () => {
  it('a task sends progress as it starts, at most every 250 ms of clock time, and progress then finished as it ends', () => {
    const { clock, events, seen, tasks } = registry()
    const t = tasks.start('resync', 'v1', 4096)
    expect(seen).toEqual([`started ${t.id}`])
    expect(tasks.list()).toMatchObject([{ taskId: t.id, kind: 'resync', volume: 'v1', phase: 'resync', doneBytes: 0, totalBytes: 4096 }])
    tasks.progress(t, 1024)
    tasks.progress(t, 1024) // within 250 ms of the last event: none
    clock.advance(250)
    tasks.progress(t, 1024)
    tasks.finish(t, 'ok')
    expect(seen).toEqual([`started ${t.id}`, `finished ${t.id}`])
    expect(tasks.list()).toEqual([])
    expect(events.map((e) => (e.type === 'task.progress' ? `progress ${e.doneBytes} ${e.phase}` : e.type))).toEqual([
      'progress 0 resync', 'progress 1024 resync', 'progress 3072 resync', 'progress 3072 done', 'task.finished',
    ])
    expect(events.at(-1)).toMatchObject({ type: 'task.finished', dg: 'dg', taskId: t.id, outcome: 'ok' })
    expect(events.at(-1)).not.toHaveProperty('code')
  })

  it('a failed task reports its error code; an aborted one is aborted', () => {
    const { events, tasks } = registry()
    const a = tasks.start('verify', 'v1', 10)
    tasks.fail(a, new EngineError('VM_NOTSYNCED', 'x'))
    const b = tasks.start('verify', 'v1', 10)
    tasks.abort(b.id)
    expect(() => b.throwIfAborted()).toThrow(EngineError)
    tasks.fail(b, new EngineError('VM_ABORTED', 'x'))
    const finished = events.filter((e) => e.type === 'task.finished')
    expect(finished).toMatchObject([{ taskId: a.id, outcome: 'failed', code: 'VM_NOTSYNCED' }, { taskId: b.id, outcome: 'aborted', code: 'VM_ABORTED' }])
  })

  it('pause and resume send progress; a paused task waits at its gate; controls of an unknown task fail VM_NOT_FOUND', async () => {
    const { events, tasks } = registry()
    const t = tasks.start('attach', 'v1', 10)
    tasks.pause(t.id)
    expect(events.at(-1)).toMatchObject({ type: 'task.progress', phase: 'paused' })
    let passed = false
    const gate = t.gate().then(() => void (passed = true))
    await Promise.resolve()
    expect(passed).toBe(false)
    tasks.resume(t.id)
    await gate
    expect(passed).toBe(true)
    expect(events.at(-1)).toMatchObject({ type: 'task.progress', phase: 'attach' })
    await expectCode(() => tasks.pause('task-none'), 'VM_NOT_FOUND')
    await expectCode(() => tasks.throttle(t.id, -1), 'VM_INVALID_PARAM')
    tasks.throttle(t.id, 1 << 20)
    expect(tasks.list()[0]?.throttle).toBe(1 << 20)
  })
})

describe('an adaptive copy starts from the capacity of the last copy of its volume (rule 563)', () => {
  const MiB = 1 << 20
  /** A task on `volume` (throttled to `throttle` first when given) that copied `bytes` in `ms` after its first MiB, and ended. */
  const copied = (r: ReturnType<typeof registry>, volume: string, bytes: number, ms: number, throttle?: number) => {
    const t = r.tasks.start('resync', volume, bytes + MiB)
    // the time before its first bytes (its opening commits and flushes) is not its rate's
    r.clock.advance(500)
    if (throttle !== undefined) r.tasks.throttle(t.id, throttle)
    r.tasks.progress(t, MiB)
    r.clock.advance(ms)
    r.tasks.progress(t, bytes)
    r.tasks.finish(t, 'ok')
    return t
  }
  const adaptive = (r: ReturnType<typeof registry>, volume: string) => {
    const t = r.tasks.start('resync', volume, 100 * MiB)
    r.tasks.throttle(t.id, { adaptive: { latencyMs: 1 } })
    return t
  }

  it('the next adaptive copy of the volume starts limited at PACE_RESERVE of what the last unthrottled one moved a second; another volume starts unlimited', () => {
    const r = registry()
    expect(copied(r, 'v1', 20 * MiB, 100).capacity).toBe(200 * MiB)
    expect(adaptive(r, 'v1').throttle).toBe(PACE_RESERVE * 200 * MiB)
    expect(adaptive(r, 'v2').throttle).toBe(0)
  })

  it('a throttled copy, or one that ran for less than a slice, leaves the capacity the copy before it had; an adaptive one passes on its own', () => {
    const r = registry()
    copied(r, 'v1', 20 * MiB, 100)
    expect(copied(r, 'v1', 2 * MiB, 100, 20 * MiB).capacity).toBe(0)
    expect(copied(r, 'v1', 20 * MiB, PACE_SLICE_MS / 2).capacity).toBe(0)
    const a = adaptive(r, 'v1')
    expect(a.throttle).toBe(PACE_RESERVE * 200 * MiB)
    expect(a.capacity).toBe(200 * MiB)
    r.tasks.finish(a, 'aborted')
    expect(adaptive(r, 'v1').throttle).toBe(PACE_RESERVE * 200 * MiB)
  })
})
