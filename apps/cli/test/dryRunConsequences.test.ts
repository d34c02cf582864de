// Rule 432: dry runs and results say what happens in words: replace's plexes and the resync after
// it, unmirror's loss, addlog's nothing-copied, a resize too small for the units to show.
import { describe, expect, it } from 'vitest'
import { replaceText } from '../src/replaceWords.ts'
import { cliAgainstServer } from './harness.ts'

describe('432: consequences in words', () => {
  const cli = cliAgainstServer()
  const { as } = cli

  it('I432 disk replace --dry-run names each plex with the state it comes back in and why, and what the resync after it copies; the replace itself gives the exact bytes', async () => {
    expect((await as(['lab', 'fail-disk', 'disk02'])).code).toBe(0)
    const dry = await as(['disk', 'replace', 'disk02', '--size', '64m', '--dry-run'])
    expect(dry.code, dry.stderr).toBe(0)
    expect(dry.stdout).not.toMatch(/pl_state|pl_pflag/)
    expect(dry.stdout).toMatch(/^ {2}mir-02 of mir becomes DETACHED RECOVER: /m)
    expect(dry.stdout).toMatch(/^ {2}then plexa resync disk disk02 copies them back: at most 16\.0 MiB/m)
    const done = await as(['disk', 'replace', 'disk02', '--size', '64m'])
    expect(done.code, done.stderr).toBe(0)
    expect(done.stdout).toMatch(/^ {2}mir-02 of mir is DETACHED RECOVER: /m)
    expect(done.stdout).toMatch(/^ {2}then plexa resync disk disk02 copies them back: 16\.0 MiB$/m)
  })

  it('I432 a kernel-detached plex comes back STALE, said so', () => {
    const c = { volumes: [{ v_name: 'mirvol', v_rid: 1, v_len: 1048576 }], plexes: [{ pl_name: 'mirvol-01', pl_vol_rid: 1 }] } as never
    const text = replaceText('disk01', { dryRun: true, changes: [{ op: 'update', kind: 'pl', name: 'mirvol-01', fields: ['pl_state'], after: { pl_kstate: 'DETACHED', pl_state: 'STALE', pl_pflag: 0x2 | 0x4 } }] }, c)
    expect(text.split('\n')).toEqual([
      'would replace the device of disk01 (dry run, nothing changed):',
      expect.stringMatching(/^ {2}mirvol-01 of mirvol becomes DETACHED STALE: the kernel detached it/),
      '  then plexa resync disk disk01 copies them back: at most 512.0 MiB (the lengths of their volumes)',
    ])
  })

  it('I432 a one-sector grow shows the exact sector counts and bytes; addlog says it copies nothing, not "0 B"', async () => {
    const grow = await as(['vol', 'grow', 'cat', '+1', '--dry-run'])
    expect(grow.code, grow.stderr).toBe(0)
    expect(grow.stdout).toMatch(/^ {2}cat: 16384 sectors \(8388608 bytes\) would become 16385 sectors \(8389120 bytes\), 1 sector \(512 bytes\) more$/m)
    const log = await as(['vol', 'addlog', 'mir', '--dry-run'])
    expect(log.code, log.stderr).toBe(0)
    expect(log.stdout).not.toMatch(/0 B/)
    expect(log.stdout).toMatch(/^ {2}would copy nothing: the new log starts clean/m)
  })
})
