import { describe, expect, it } from 'vitest'
import { call } from '../../server/test/harness.ts'
import { until } from '../../server/test/until.ts'
import { cliAgainstServer } from './harness.ts'

describe('plexa disk unrelocate (vxunreloc) and print -l', () => {
  const cli = cliAgainstServer()
  const as = cli.as
  const config = async () => (await call(cli.t.url, 'GET', '/api/dgs/tdg', { auth: cli.t.adminToken })).body.config
  const mir02 = async () => {
    const c = await config()
    const pl = c.plexes.find((p: { pl_name: string }) => p.pl_name === 'mir-02')
    return { pl, sds: c.subdisks.filter((s: { sd_plex_rid: number }) => s.sd_plex_rid === pl.pl_rid) as Array<{ sd_name: string; sd_dm_name: string; sd_dm_offset: number }> }
  }

  it('rules 506, 507: relocate without --wait says where the subdisk goes; print -l shows its original disk; unrelocate --dry-run, then --wait moves it back; nothing left is VM_NOT_RELOCATED', async () => {
    const [before] = (await mir02()).sds
    expect((await call(cli.t.url, 'POST', '/api/dgs/tdg/plexes/mir-02/det', { auth: cli.t.adminToken, body: {} })).status).toBe(200)
    // rule 507: the 202's notes, as the dry run gives them
    const reloc = await as(['disk', 'relocate', 'disk02', '--plex', 'mir-02'])
    expect(reloc.code, reloc.stderr).toBe(0)
    expect(reloc.stdout).toMatch(/^relocating plexes off disk02: \S+$/m)
    expect(reloc.stdout).toMatch(/^ {2}new subdisk disk03-\d\d on disk03 at [\d.]+ [KMG]?i?B, 16 MiB \(plex mir-02\)$/m)
    await until('mir-02 relocated and copied', async () => {
      const { pl, sds } = await mir02()
      return pl.pl_state === 'ACTIVE' && sds.every((s) => s.sd_dm_name === 'disk03') && sds[0]
    })
    const [moved] = (await mir02()).sds
    // rule 506: print -l says where its data was
    const long = await as(['print', '-l', moved!.sd_name])
    expect(long.code, long.stderr).toBe(0)
    expect(long.stdout.split('\n')).toEqual(expect.arrayContaining([`Subdisk:  ${moved!.sd_name}`, `info:     disk=disk03 offset=${moved!.sd_dm_offset} len=32768`, 'assoc:    vol=mir plex=mir-02 (offset=0)', `orig:     dmname=disk02 dmoffset=${before!.sd_dm_offset}`]))
    expect((await as(['print', '-l', 'disk01-01'])).stdout).not.toMatch(/^orig:/m)
    expect((await as(['print', '-l', '-v'])).code).toBe(2)
    // still marked failing by the relocation
    const failing = await as(['--json', 'disk', 'unrelocate', 'disk02'])
    expect(failing.code).toBe(5)
    expect(JSON.parse(failing.stdout)).toMatchObject({ error: { code: 'VM_DISK_FAILED' } })
    expect((await as(['disk', 'set', 'disk02', 'failing=off'])).code).toBe(0)
    const dry = await as(['disk', 'unrelocate', 'disk02', '--dry-run'])
    expect(dry.code, dry.stderr).toBe(0)
    expect(dry.stdout).toMatch(new RegExp(`^would move subdisk ${moved!.sd_name} of plex mir-02 \\(mir\\) from disk03 back to disk02-\\d\\d \\(disk02, offset ${before!.sd_dm_offset}, 32768 sectors\\)$`, 'm'))
    expect(dry.stdout).toMatch(/^would copy 16\.0 MiB$/m)
    const r = await as(['--json', 'disk', 'unrelocate', 'disk02', '--wait'])
    expect(r.code, r.stderr).toBe(0)
    expect(JSON.parse(r.stdout)).toMatchObject({ task: { outcome: 'ok', kind: 'unrelocate' }, relocatedLeft: 0 })
    const { pl, sds } = await mir02()
    expect(pl).toMatchObject({ pl_kstate: 'ENABLED', pl_state: 'ACTIVE' })
    expect(sds.map((s) => [s.sd_dm_name, s.sd_dm_offset])).toEqual([['disk02', before!.sd_dm_offset]])
    expect((await as(['print', '-l', sds[0]!.sd_name])).stdout).not.toMatch(/^orig:/m)
    const again = await as(['--json', 'disk', 'unrelocate', 'disk02'])
    expect(again.code).toBe(5)
    expect(JSON.parse(again.stdout)).toMatchObject({ error: { code: 'VM_NOT_RELOCATED' } })
    expect((await as(['disk', 'unrelocate', '--help'])).stdout).toMatch(/vxunreloc/)
  })
})
