// Review 4 item 5: the everyday verbs a script needs without curl (rule 427): vol verify, vol
// repair, vol remove, dg adddisk, dg rmdisk, with --json, --wait and the exit codes of the others.
import { describe, expect, it } from 'vitest'
import { cliAgainstServer } from './harness.ts'

describe('427: vol verify | repair | remove and dg adddisk | rmdisk', () => {
  const cli = cliAgainstServer()
  const { as } = cli
  const json = async (args: string[]) => {
    const r = await as(['--json', ...args])
    return { code: r.code, body: JSON.parse(r.stdout) as any } // eslint-disable-line @typescript-eslint/no-explicit-any
  }
  const config = () => cli.t.srv.services.storage.group('tdg').dg.config()

  it('I427 vol verify --wait: exit 0 with {task, report} when the plexes agree; exit 6 VM_NOTSYNCED naming the regions after one plex was changed below the volume manager; vol repair --wait copies them back', async () => {
    const dry = await json(['vol', 'verify', 'mir', '--dry-run'])
    expect(dry).toMatchObject({ code: 0, body: { dryRun: true, bytes: 16 << 20 } })
    const same = await json(['vol', 'verify', 'mir', '--wait'])
    expect(same.code).toBe(0)
    expect(same.body).toMatchObject({ task: { kind: 'verify', outcome: 'ok' }, report: { volume: 'mir', mismatches: [] } })
    // silent corruption of region 3 on mir-02 only
    const g = cli.t.srv.services.storage.group('tdg')
    const sd = config().subdisks.find((s) => s.sd_pl_name === 'mir-02')!
    const dm = config().disks.find((d) => d.dm_name === sd.sd_dm_name)!
    await g.devices.get(dm.dm_name)!.write((dm.dm_pub_offset + sd.sd_dm_offset) * 512 + 3 * 512 * 1024, Buffer.alloc(4096, 0xee))
    const differ = await json(['vol', 'verify', 'mir', '--wait'])
    expect(differ.code).toBe(6)
    expect(differ.body.error).toMatchObject({ code: 'VM_NOTSYNCED', taskId: expect.stringMatching(/^task-\d+$/), details: { mismatches: [{ region: 3 }] } })
    const repair = await json(['vol', 'repair', 'mir', 'mir-01', '--regions', '3', '--wait'])
    expect(repair.code).toBe(0)
    expect(repair.body).toMatchObject({ task: { kind: 'repair', outcome: 'ok' }, report: { regionsCopied: 1 } })
    expect((await json(['vol', 'verify', 'mir', '--wait'])).code).toBe(0)
  })

  it('I427 vol repair without --wait gives the task id; a bad --regions or a --dry-run (the route has none) is a usage error, exit 2', async () => {
    const r = await json(['vol', 'repair', 'mir', 'mir-01'])
    expect(r.code).toBe(0)
    expect(r.body.taskId).toMatch(/^task-\d+$/)
    expect((await json(['vol', 'repair', 'mir', 'mir-01', '--regions', '3,x'])).body.error.code).toBe('VM_USAGE')
    expect((await json(['vol', 'repair', 'mir', 'mir-01', '--dry-run'])).code).toBe(2)
    expect((await json(['vol', 'repair', 'mir', 'nosuch', '--wait'])).code).toBe(5)
  })

  it('I427 dg adddisk --size adds a new disk, rmdisk removes it; a disk holding subdisks is refused VM_BUSY_ASSOC, exit 5, and stays', async () => {
    expect((await json(['dg', 'adddisk'])).code).toBe(2)
    const dry = await json(['dg', 'adddisk', '--size', '32m', '--dry-run'])
    expect(dry).toMatchObject({ code: 0, body: { dryRun: true, disk: 'disk04' } })
    expect(config().disks.map((d) => d.dm_name)).toEqual(['disk01', 'disk02', 'disk03'])
    const add = await json(['dg', 'adddisk', '--size', '32m', '--name', 'extra1'])
    expect(add.code).toBe(0)
    expect(config().disks.map((d) => d.dm_name)).toContain('extra1')
    const busy = await json(['dg', 'rmdisk', 'disk03'])
    expect([busy.code, busy.body.error.code]).toEqual([5, 'VM_BUSY_ASSOC'])
    expect(config().disks.map((d) => d.dm_name)).toContain('disk03')
    expect((await json(['dg', 'rmdisk', 'extra1'])).code).toBe(0)
    expect(config().disks.map((d) => d.dm_name)).not.toContain('extra1')
  })

  it('I427 vol remove refuses a started volume VM_VOL_ENABLED, exit 5, changing nothing; --force --dry-run lists what goes and changes nothing; --force stops and removes it with its plexes and subdisks', async () => {
    const refused = await json(['vol', 'remove', 'cat'])
    expect([refused.code, refused.body.error.code]).toEqual([5, 'VM_VOL_ENABLED'])
    const tid = cli.t.srv.services.storage.group('tdg').dg.tid
    const dry = await json(['vol', 'remove', 'cat', '--force', '--dry-run'])
    expect(dry.code).toBe(0)
    expect(dry.body.remove.map((r: { kind: string }) => r.kind)).toEqual(['sd', 'pl', 'v'])
    expect(cli.t.srv.services.storage.group('tdg').dg.tid).toBe(tid)
    expect(config().volumes.find((v) => v.v_name === 'cat')?.v_kstate).toBe('ENABLED')
    expect((await json(['vol', 'remove', 'nosuch', '--force'])).code).toBe(4)
    const gone = await json(['vol', 'remove', 'cat', '--force'])
    expect(gone.code).toBe(0)
    expect(config().volumes.map((v) => v.v_name)).toEqual(['mir'])
    expect(config().plexes.filter((p) => p.pl_name.startsWith('cat'))).toEqual([])
    expect(config().subdisks.filter((s) => s.sd_pl_name?.startsWith('cat'))).toEqual([])
  })
})
