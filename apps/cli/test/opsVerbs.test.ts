import { describe, expect, it } from 'vitest'
import { cliAgainstServer } from './harness.ts'

describe('plexa vol mirror, unmirror, grow, shrink and disk evacuate', () => {
  const { as } = cliAgainstServer()

  it('rules 300, 301, 303, 305, 306: plexa --help and vol --help list the verbs', async () => {
    // commander wraps the description: compare with the white space folded
    expect((await as(['--help'])).stdout.replace(/\s+/g, ' ')).toContain('vol volume operations (vxvol, vxassist): start, stop, init, mirror, unmirror, grow, shrink, addlog, rmlog')
    const vol = (await as(['vol', '--help'])).stdout
    expect(vol).toMatch(/^\s+mirror \[options\] <volume>/m)
    expect(vol).toMatch(/^\s+unmirror \[options\] <volume> \[plex\]/m)
    expect(vol).toMatch(/^\s+grow \[options\] <volume> <size>/m)
    expect(vol).toMatch(/^\s+shrink \[options\] <volume> <size>/m)
    expect((await as(['disk', '--help'])).stdout).toMatch(/^\s+evacuate \[options\] <disk> \[todisk\.\.\.\]/m)
  })

  it('rules 300, 376: vol mirror --dry-run says the records and the bytes; --wait follows the copy and names the new plex ENABLED ACTIVE; task show gives the bytes it wrote', async () => {
    const dry = await as(['--json', 'vol', 'mirror', 'mir', '--dry-run'])
    expect(dry.code).toBe(0)
    expect(JSON.parse(dry.stdout)).toMatchObject({ dryRun: true, copyBytes: 16 << 20 })
    expect((await as(['vol', 'mirror', 'mir', '--dry-run'])).stdout).toMatch(/^ {2}create pl mir-04/m)
    const r = await as(['vol', 'mirror', 'mir', '--wait'])
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toMatch(/^task-\d+: done, attached mir-04 to mir, copied 16\.0 MiB; mir-04 is ENABLED ACTIVE$/m)
    // rule 376: its task history entry gives the bytes it wrote, not '-'
    const id = /^(task-\d+): done/m.exec(r.stdout)![1]!
    expect(JSON.parse((await as(['--json', 'task', 'show', id])).stdout)).toMatchObject({ writtenBytes: 16 << 20 })
    expect((await as(['task', 'show', id])).stdout).toMatch(/^ {2}written: {2}16\.0 MiB to its target plexes$/m)
    // disk01 and disk02 hold mir's data plexes: none is left for another mirror
    const full = await as(['--json', 'vol', 'mirror', 'mir', '--disks', 'disk01'])
    expect(full.code).toBe(5)
    expect(JSON.parse(full.stdout)).toMatchObject({ error: { code: 'VM_INVALID_PARAM' } })
  })

  it('rule 301: vol unmirror removes the plex named, and refuses the last complete plex with exit 5', async () => {
    const r = await as(['vol', 'unmirror', 'mir', 'mir-02'])
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toMatch(/^removed mir-02 from mir$/m)
    expect((await as(['print', 'mir'])).stdout).not.toMatch(/pl mir-02/)
    const last = await as(['--json', 'vol', 'unmirror', 'cat'])
    expect(last.code).toBe(5)
    expect(JSON.parse(last.stdout)).toMatchObject({ error: { code: 'VM_LAST_PLEX' } })
  })

  it('rules 303, 376: vol grow --dry-run says the zeros it would write; vol grow +SIZE --wait grows by it and says the new length and the bytes it wrote', async () => {
    const dry = await as(['--json', 'vol', 'grow', 'cat', '10m', '--dry-run'])
    expect(dry.code, dry.stderr).toBe(0)
    expect(JSON.parse(dry.stdout)).toMatchObject({ dryRun: true, copyBytes: 2 << 20 })
    const r = await as(['vol', 'grow', 'cat', '+1m', '--wait'])
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toMatch(/^task-\d+: done, cat is 18432 sectors \(9\.0 MiB\)$/m)
    const grown = /^(task-\d+): done/m.exec(r.stdout)![1]!
    expect((await as(['task', 'show', grown])).stdout).toMatch(/^ {2}written: {2}1\.0 MiB to its target plexes$/m)
    const down = await as(['--json', 'vol', 'grow', 'cat', '1m'])
    expect(down.code).toBe(5)
    expect(JSON.parse(down.stdout)).toMatchObject({ error: { code: 'VM_INVALID_PARAM' } })
  })

  it('rule 305: vol shrink refuses a started volume with exit 5 (VM_VOL_ENABLED); --force shrinks it', async () => {
    const refused = await as(['--json', 'vol', 'shrink', 'cat', '--by', '1m'])
    expect(refused.code).toBe(5)
    expect(JSON.parse(refused.stdout)).toMatchObject({ error: { code: 'VM_VOL_ENABLED' } })
    const r = await as(['--json', 'vol', 'shrink', 'cat', '4m', '--force'])
    expect(r.code, r.stderr).toBe(0)
    expect(JSON.parse(r.stdout).changes.find((c: { name: string }) => c.name === 'cat').after.v_len).toBe(8192)
  })

  it('rules 306, 376: disk evacuate --dry-run says the bytes; --wait moves every plex off the disk and says it holds none', async () => {
    // by now mir has mir-01 on disk01, mir-04 and its log on disk03; disk02 is free
    const dry = await as(['--json', 'disk', 'evacuate', 'disk01', '--dry-run'])
    expect(dry.code, dry.stderr).toBe(0)
    expect(JSON.parse(dry.stdout)).toMatchObject({ dryRun: true, copyBytes: 16 << 20 })
    const r = await as(['disk', 'evacuate', 'disk01', 'disk02', '--wait'])
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toMatch(/^task-\d+: done, disk01 holds 0 subdisks$/m)
    // rule 289: its task history entry names the disk and the volumes it moved, not one volume
    const id = /^(task-\d+): done/m.exec(r.stdout)![1]!
    const shown = await as(['--json', 'task', 'show', id])
    expect(JSON.parse(shown.stdout)).toMatchObject({ target: 'disk disk01', volumes: ['mir'], writtenBytes: 16 << 20 })
    const self = await as(['--json', 'disk', 'evacuate', 'disk02', 'disk02'])
    expect(self.code).toBe(5)
    expect(JSON.parse(self.stdout)).toMatchObject({ error: { code: 'VM_INVALID_PARAM' } })
  })

  it('rule 364: disk evacuate fails as every operation does: an unknown disk exits 4, a refusal 5, a missing argument 2, one JSON error with --json and nothing on stderr', async () => {
    const cases: Array<[args: string[], exit: number, code: string]> = [
      [['disk', 'evacuate', 'nosuch'], 4, 'VM_NOT_FOUND'],
      [['disk', 'evacuate', 'disk02', 'nosuch'], 4, 'VM_NOT_FOUND'],
      [['disk', 'evacuate', 'disk03', 'disk03'], 5, 'VM_INVALID_PARAM'],
      [['disk', 'evacuate'], 2, 'VM_USAGE'],
      [['vol', 'mirror', 'nosuch'], 4, 'VM_NOT_FOUND'],
    ]
    for (const [args, exit, code] of cases) {
      const json = await as(['--json', ...args])
      expect([json.code, JSON.parse(json.stdout).error.code, json.stderr], args.join(' ')).toEqual([exit, code, ''])
      const text = await as(args)
      expect(text.code, args.join(' ')).toBe(exit)
      expect(text.stderr, args.join(' ')).toContain(`plexa: ${code}: `)
    }
  })

  it('rule 308: vol addlog adds a log plex, vol rmlog removes it; a volume without a mirror is refused with exit 5', async () => {
    const add = await as(['--json', 'vol', 'addlog', 'mir'])
    expect(add.code, add.stderr).toBe(0)
    const made = JSON.parse(add.stdout).changes.find((c: { kind: string; op: string }) => c.kind === 'pl' && c.op === 'create').name as string
    const rm = await as(['vol', 'rmlog', 'mir', made])
    expect(rm.code, rm.stderr).toBe(0)
    expect(rm.stdout).toContain(`delete pl ${made}`)
    const cat = await as(['--json', 'vol', 'addlog', 'cat'])
    expect(cat.code).toBe(5)
    expect(JSON.parse(cat.stdout)).toMatchObject({ error: { code: 'VM_INVALID_PARAM' } })
  })
})
