// Rule 386: one --json shape for every task-starting verb with --wait, so a script reads the task's
// id and outcome the same way everywhere: `{task: {taskId, kind, outcome, ...}, ...}` on success,
// `{error: {code, message, taskId}}` when the task it followed failed; a usage error carries the
// usage commander shows in text mode.
import { describe, expect, it } from 'vitest'
import { badStretchAfterProbe, cliAgainstServer } from './harness.ts'

const TASK = { taskId: expect.stringMatching(/^task-\d+$/), kind: expect.any(String), outcome: 'ok' }

describe('--json --wait has one shape (rule 386)', () => {
  const cli = cliAgainstServer()
  const { as } = cli
  const json = async (args: string[]) => {
    const r = await as(['--json', ...args])
    return { code: r.code, body: JSON.parse(r.stdout) as Record<string, unknown> & { task?: { taskId: string }; error?: { code: string; taskId?: string } } }
  }

  it('every task-starting verb answers {task: {taskId, kind, outcome}, ...} when its task ends ok', async () => {
    const runs = [
      ['resync', 'volume', 'mir', '--force', '--wait'],
      ['resync', 'disk', 'disk01', '--force', '--wait'],
      ['vol', 'grow', 'cat', '+1m', '--wait'],
      ['vol', 'mirror', 'mir', '--disks', 'disk03', '--wait'],
      ['plex', 'det', 'mir-04'],
      ['plex', 'att', 'mir', 'mir-04', '--wait'],
    ]
    const ids: string[] = []
    for (const args of runs) {
      const r = await json(args)
      expect([args.join(' '), r.code]).toEqual([args.join(' '), 0])
      if (!args.includes('--wait')) continue
      expect(r.body.task, args.join(' ')).toMatchObject(TASK)
      ids.push(r.body.task!.taskId)
      // a resync keeps its report beside the task
      if (args[0] === 'resync') expect(r.body.report).toMatchObject({ regionsCopied: expect.any(Number), bytesCopied: expect.any(Number) })
    }
    expect(new Set(ids).size).toBe(ids.length)
  })

  it('a --wait whose task fails gives {error: {code, message, taskId}} for the attach and the disk resync alike', async () => {
    const dg = cli.t.srv.services.storage.group('tdg').dg
    expect((await as(['plex', 'det', 'mir-02'])).code).toBe(0)
    await dg.write('mir', 0, Buffer.alloc(65536, 7))
    // writes that fail without the device knowing it fails (a bad stretch past the sector rule 455's probe tries, not a failed disk, which rule 418 refuses up front)
    const restore = badStretchAfterProbe(cli.t, 'tdg', 'mir-02', 'disk02')
    const att = await json(['plex', 'att', 'mir', 'mir-02', '--wait'])
    expect(att.code).toBe(6)
    expect(att.body.error).toMatchObject({ code: 'VM_NOTSYNCED', taskId: expect.stringMatching(/^task-\d+$/) })
    const disk = await json(['resync', 'disk', 'disk02', '--wait'])
    expect(disk.code).toBe(6)
    expect(disk.body.error).toMatchObject({ code: expect.stringMatching(/^VM_/), taskId: expect.stringMatching(/^task-\d+$/) })
    expect(disk.body.error!.taskId).not.toBe(att.body.error!.taskId)
    // the id names the task: task show has it
    const shown = await json(['task', 'show', disk.body.error!.taskId!])
    expect(shown.body).toMatchObject({ taskId: disk.body.error!.taskId, outcome: 'failed' })
    restore()
  })

  it('a usage error under --json carries the usage text', async () => {
    const r = await json(['resync', 'volume'])
    expect(r.code).toBe(2)
    expect(r.body.error).toMatchObject({ code: 'VM_USAGE', usage: expect.stringContaining('Usage: plexa resync volume') })
  })
})
