import { describe, expect, it } from 'vitest'
import { call } from '../../server/test/harness.ts'
import { cliAgainstServer } from './harness.ts'

describe('plexa disk set, disk relocate and dg set (spare disks, hot relocation)', () => {
  const cli = cliAgainstServer()
  const as = cli.as

  it('rule 338, 474: disk set spare=on marks the disk, print shows it SPARE; dg set hotreloc=off turns hot relocation off, dg list shows hotreloc=off/on', async () => {
    const r = await as(['disk', 'set', 'disk03', 'spare=on'])
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toMatch(/update dm disk03/)
    expect((await as(['print', '-ht'])).stdout).toMatch(/^dm disk03 .* SPARE$/m)
    const bad = await as(['--json', 'disk', 'set', 'disk03', 'spare=maybe'])
    expect(bad.code).toBe(5)
    expect(JSON.parse(bad.stdout)).toMatchObject({ error: { code: 'VM_INVALID_PARAM' } })
    expect((await as(['disk', 'set', 'disk03', 'spare'])).code).toBe(2)
    const off = await as(['dg', 'set', 'hotreloc=off'])
    expect(off.code, off.stderr).toBe(0)
    const pflag = () => call(cli.t.url, 'GET', '/api/dgs/tdg', { auth: cli.t.adminToken }).then((x) => x.body.config.dg.dg_pflag as number)
    expect((await pflag()) & 0x2).toBe(0x2)
    // rule 474: dg list shows the setting, in words and in --json
    const listed = async () => [JSON.parse((await as(['--json', 'dg', 'list'])).stdout).groups[0].hotreloc, (await as(['dg', 'list'])).stdout.match(/^tdg .*(hotreloc=\w+)$/m)?.[1]]
    expect(await listed()).toEqual([false, 'hotreloc=off'])
    expect((await as(['dg', 'set', 'hotreloc=on'])).code).toBe(0)
    expect((await pflag()) & 0x2).toBe(0)
    expect(await listed()).toEqual([true, 'hotreloc=on'])
  })

  it('rule 472: a setting to the value it has (dg set hotreloc=off with it off, disk set failing=off with it off) changes nothing: exit 0, no transaction (unchanged, no changes, the tid as before), said so, not committed', async () => {
    const tidOf = () => call(cli.t.url, 'GET', '/api/dgs/tdg', { auth: cli.t.adminToken }).then((x) => x.body.config.tid as number)
    expect((await as(['dg', 'set', 'hotreloc=off'])).code).toBe(0) // the test before turned it on
    const tid = await tidOf()
    for (const args of [['dg', 'set', 'hotreloc=off'], ['disk', 'set', 'disk01', 'failing=off']]) {
      const j = await as(['--json', ...args])
      expect(j.code, j.stderr).toBe(0)
      expect(JSON.parse(j.stdout)).toEqual({ dryRun: false, tid, changes: [], unchanged: true })
      const text = await as(args)
      expect([text.code, /^nothing changed/.test(text.stdout), /committed/.test(text.stdout)]).toEqual([0, true, false])
      const dry = await as([...args, '--dry-run'])
      expect([dry.code, /^nothing would change/.test(dry.stdout)]).toEqual([0, true])
    }
    expect(await tidOf()).toBe(tid)
    // a setting that changes something still commits one transaction
    const on = await as(['--json', 'dg', 'set', 'hotreloc=on'])
    expect(JSON.parse(on.stdout)).toMatchObject({ dryRun: false, tid: tid + 1, changes: [expect.objectContaining({ kind: 'dg' })] })
    expect(JSON.parse(on.stdout).unchanged).toBeUndefined()
    expect((await as(['dg', 'set', 'hotreloc=off'])).code).toBe(0)
  })

  it('rules 339, 404: disk relocate --dry-run says what would go where; --wait relocates and copies; a volume that is not redundant exits with VM_LAST_PLEX', async () => {
    expect((await call(cli.t.url, 'POST', '/api/dgs/tdg/plexes/mir-02/det', { auth: cli.t.adminToken, body: {} })).status).toBe(200)
    const dry = await as(['disk', 'relocate', 'disk02', '--plex', 'mir-02', '--dry-run'])
    expect(dry.code, dry.stderr).toBe(0)
    expect(dry.stdout).toMatch(/^would relocate plex mir-02 of mir: disk02-01 -> disk03-\d\d \(disk03, offset \d+, 32768 sectors\)$/m)
    expect(dry.stdout).toMatch(/^would copy 16\.0 MiB$/m)
    // rule 404: where the new subdisk goes, as vol grow --dry-run says it
    expect(dry.stdout).toMatch(/^ {2}new subdisk disk03-\d\d on disk03 at [\d.]+ [KMG]?i?B, 16 MiB \(plex mir-02\)$/m)
    const r = await as(['--json', 'disk', 'relocate', 'disk02', '--plex', 'mir-02', '--wait'])
    expect(r.code, r.stderr).toBe(0)
    expect(JSON.parse(r.stdout)).toMatchObject({ task: { outcome: 'ok', kind: 'relocate' } })
    const c = (await call(cli.t.url, 'GET', '/api/dgs/tdg', { auth: cli.t.adminToken })).body.config
    const pl = c.plexes.find((p: { pl_name: string }) => p.pl_name === 'mir-02')
    expect(pl).toMatchObject({ pl_kstate: 'ENABLED', pl_state: 'ACTIVE' })
    expect(c.subdisks.filter((s: { sd_plex_rid: number }) => s.sd_plex_rid === pl.pl_rid).map((s: { sd_dm_name: string }) => s.sd_dm_name)).toEqual(['disk03'])
    const last = await as(['--json', 'disk', 'relocate', 'disk03', '--plex', 'cat-01'])
    expect(last.code).toBe(5)
    expect(JSON.parse(last.stdout)).toMatchObject({ error: { code: 'VM_LAST_PLEX' } })
  })
})
