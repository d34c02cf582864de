import { describe, expect, it } from 'vitest'
import type { Command } from 'commander'
import { buildProgram } from '../src/cli.ts'

/** The verbs under `plexa vol` and `plexa disk evacuate`: the everyday operations a script chains. */
function operations(): Array<{ name: string; cmd: Command }> {
  const program = buildProgram()
  const vol = program.commands.find((c) => c.name() === 'vol')!
  const disk = program.commands.find((c) => c.name() === 'disk')!
  const ops = ['mirror', 'unmirror', 'grow', 'shrink', 'addlog', 'rmlog']
  return [
    ...vol.commands.filter((c) => ops.includes(c.name())).map((cmd) => ({ name: `vol ${cmd.name()}`, cmd })),
    ...disk.commands.filter((c) => c.name() === 'evacuate').map((cmd) => ({ name: 'disk evacuate', cmd })),
  ]
}

describe('288: every everyday operation takes --wait and --dry-run, so one script line fits them all', () => {
  it('finds the seven operations', () => {
    expect(operations().map((o) => o.name).sort()).toEqual(['disk evacuate', 'vol addlog', 'vol grow', 'vol mirror', 'vol rmlog', 'vol shrink', 'vol unmirror'])
  })
  it.each(operations().map((o) => [o.name, o.cmd] as const))('%s', (_name, cmd) => {
    const flags = cmd.options.map((o) => o.long)
    expect(flags).toContain('--wait')
    expect(flags).toContain('--dry-run')
  })
})
