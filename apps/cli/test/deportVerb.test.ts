import { describe, expect, it } from 'vitest'
import { cliAgainstServer, plexa } from './harness.ts'

describe('plexa dg deport and dg import: vxdg deport and import from the command line (rule 453)', () => {
  const cli = cliAgainstServer()

  it('453 refused with its code while a volume is started (exit 5, VM_VOL_ENABLED naming it); --dry-run changes nothing; deported, dg list says so, a second deport is VM_OFFLINE; dg import brings it back', async () => {
    const { as } = cli
    const started = await as(['--json', 'dg', 'deport', 'tdg'])
    expect([started.code, JSON.parse(started.stdout).error]).toEqual([5, expect.objectContaining({ code: 'VM_VOL_ENABLED', details: { volumes: ['mir', 'cat'] } })])
    const text = await as(['dg', 'deport', 'tdg'])
    expect([text.code, text.stderr]).toEqual([5, expect.stringContaining('VM_VOL_ENABLED')])
    for (const v of ['mir', 'cat']) expect((await as(['vol', 'stop', v])).code).toBe(0)
    const dry = await as(['--json', 'dg', 'deport', '--dry-run', 'tdg'])
    expect([dry.code, JSON.parse(dry.stdout)]).toEqual([0, { name: 'tdg', dryRun: true, disks: ['disk01', 'disk02', 'disk03'], volumes: ['mir', 'cat'] }])
    expect(cli.t.srv.services.storage.groups.has('tdg')).toBe(true)
    const done = await as(['dg', 'deport', 'tdg'])
    expect([done.code, done.stdout]).toEqual([0, expect.stringMatching(/^deported tdg: disks disk01, disk02, disk03; volumes mir, cat/)])
    expect((await as(['dg', 'list'])).stdout).toMatch(/^tdg\s+deported\s/m)
    const again = await as(['--json', 'dg', 'deport', 'tdg'])
    expect([again.code, JSON.parse(again.stdout).error.code]).toEqual([5, 'VM_OFFLINE'])
    const unknown = await as(['--json', 'dg', 'deport', 'nodg'])
    expect([unknown.code, JSON.parse(unknown.stdout).error.code]).toEqual([4, 'VM_NOT_FOUND'])
    const back = await as(['--json', 'dg', 'import', 'tdg'])
    expect([back.code, JSON.parse(back.stdout).name]).toEqual([0, 'tdg'])
    expect((await as(['dg', 'list'])).stdout).toMatch(/^tdg\s+imported\s/m)
    expect(cli.t.srv.services.storage.group('tdg').dg.config().volumes.map((v) => v.v_name)).toEqual(['mir', 'cat'])
  })

  it('473 with the only group deported, print and a verb needing a group are refused VM_OFFLINE (exit 5) naming it deported, not an empty print with exit 0', async () => {
    const { as } = cli
    for (const v of ['mir', 'cat']) await as(['vol', 'stop', v])
    expect((await as(['dg', 'deport', 'tdg'])).code).toBe(0)
    const groups = [{ name: 'tdg', deported: true, code: 'VM_OFFLINE' }]
    for (const args of [['print'], ['print', '-v'], ['vol', 'start', 'mir']]) {
      const j = await as(['--json', ...args])
      expect([j.code, JSON.parse(j.stdout).error]).toEqual([5, expect.objectContaining({ code: 'VM_OFFLINE', details: { groups } })])
      const text = await as(args)
      expect([text.code, text.stdout, text.stderr.includes('plexa dg import tdg')]).toEqual([5, '', true])
    }
    expect((await as(['dg', 'import', 'tdg'])).code).toBe(0)
    expect((await as(['print'])).stdout).toMatch(/^v {2}mir /m)
  })

  it('453 dg deport has help naming what it needs', async () => {
    const help = await plexa(['dg', 'deport', '--help'])
    expect([help.code, help.stdout]).toEqual([0, expect.stringMatching(/Usage: plexa dg deport \[options\] <group>[\s\S]*--dry-run/)])
  })
})
