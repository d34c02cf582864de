// Rules 468, 469: an evacuation that moves several subdisks (a task each) is followed to its end
// by `disk evacuate --wait`, every task reported with its own outcome; its 202 carries the notes
// of its dry run (where each new subdisk goes).
import { describe, expect, it } from 'vitest'
import { until } from '../../server/test/until.ts'
import { cliAgainstServer } from './harness.ts'

type Entry = { taskId: string; outcome: string; tasks?: string[] }

describe('468, 469: disk evacuate of a disk holding several subdisks', () => {
  const cli = cliAgainstServer()
  const { as } = cli
  const history = async () => (JSON.parse((await as(['--json', 'task', 'list', '--history'])).stdout) as { history: Entry[] }).history

  it('I468 the 202 of an evacuation carries the notes of its dry run', async () => {
    // disk03 holds cat-01, c2-01 and mir's log; disk04 is empty
    expect((await as(['dg', 'adddisk', '--size', '64m', '--name', 'disk04'])).code).toBe(0)
    expect((await as(['make', 'volume', 'c2', '4m', '--disks', 'disk03'])).code).toBe(0)
    const dry = await as(['--json', 'disk', 'evacuate', 'disk03', 'disk04', '--dry-run'])
    expect(dry.code, dry.stdout).toBe(0)
    const notes = (JSON.parse(dry.stdout) as { notes: string[] }).notes
    expect(notes.length).toBeGreaterThan(1)
    const r = await as(['--json', 'disk', 'evacuate', 'disk03', 'disk04'])
    expect(r.code, r.stderr).toBe(0)
    const accepted = JSON.parse(r.stdout) as { accepted: true; taskId: string; notes?: string[] }
    expect(accepted.notes).toEqual(notes)
    // the whole evacuation's end: the first task's entry
    await until('the evacuation', async () => (await history()).some((t) => t.taskId === accepted.taskId))
  })

  it('I469 --wait follows every task the evacuation starts and reports each; the first task\'s history entry lists them all', async () => {
    const r = await as(['--json', 'disk', 'evacuate', 'disk04', 'disk03', '--wait'])
    expect(r.code, r.stderr).toBe(0)
    const out = JSON.parse(r.stdout) as { task: Entry; tasks: Entry[]; subdisksLeft: number }
    expect(out.subdisksLeft).toBe(0)
    // cat-01's and c2-01's subdisks, each a move task of its own
    expect(out.tasks.length).toBeGreaterThanOrEqual(2)
    expect(out.tasks.every((t) => t.outcome === 'ok')).toBe(true)
    expect(out.task.tasks).toEqual(out.tasks.map((t) => t.taskId))
    const entries = await history()
    for (const id of out.task.tasks!) expect(entries.find((t) => t.taskId === id)?.outcome, id).toBe('ok')
  })

  it('I468 the 202 of vol mirror and vol grow carries the notes of their dry runs', async () => {
    const dry = JSON.parse((await as(['--json', 'vol', 'mirror', 'cat', '--disks', 'disk04', '--dry-run'])).stdout) as { notes: string[] }
    expect(dry.notes.length).toBeGreaterThan(0)
    const r = JSON.parse((await as(['--json', 'vol', 'mirror', 'cat', '--disks', 'disk04'])).stdout) as { taskId: string; notes?: string[] }
    expect(r.notes).toEqual(dry.notes)
    await until('the mirror', async () => (await history()).some((t) => t.taskId === r.taskId))
    const grow = JSON.parse((await as(['--json', 'vol', 'grow', 'c2', '+1m', '--dry-run'])).stdout) as { notes: string[] }
    expect(grow.notes.length).toBeGreaterThan(0)
    const g = JSON.parse((await as(['--json', 'vol', 'grow', 'c2', '+1m'])).stdout) as { taskId: string; notes?: string[] }
    expect(g.notes).toEqual(grow.notes)
    await until('the grow', async () => (await history()).some((t) => t.taskId === g.taskId))
  })
})
