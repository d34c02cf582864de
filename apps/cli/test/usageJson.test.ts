import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { Command } from 'commander'
import { buildProgram, runCli } from '../src/cli.ts'

/** Every verb below `program`, as the words that name it (`['make', 'volume']`), leaves only. */
function leafCommands(program: Command, path: string[] = []): Array<{ path: string[]; cmd: Command }> {
  return program.commands.flatMap((c) => {
    if (c.name() === 'help' || c.name() === 'serve') return [] // serve passes its options to the server
    const here = [...path, c.name()]
    return c.commands.length ? leafCommands(c, here) : [{ path: here, cmd: c }]
  })
}

/** runCli in this process, with what it writes to stdout and stderr. Nothing reaches a server:
 * every case is refused before a request (the URL is a closed port). */
async function run(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = ''
  let stderr = ''
  const outs = [
    vi.spyOn(process.stdout, 'write').mockImplementation((s) => ((stdout += String(s)), true)),
    vi.spyOn(process.stderr, 'write').mockImplementation((s) => ((stderr += String(s)), true)),
    vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void (stdout += `${a.join(' ')}\n`)),
    vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void (stderr += `${a.join(' ')}\n`)),
  ]
  try {
    const code = await runCli(['--url', 'http://127.0.0.1:9', '--token', 'plx_none', ...argv])
    return { code, stdout, stderr }
  } finally {
    for (const s of outs) s.mockRestore()
  }
}

const leaves = leafCommands(buildProgram())
const withArgs = leaves.filter((l) => l.cmd.registeredArguments.some((a) => a.required))
/** Bad numbers and choices, refused by plexa's own parsers or commander's. */
const badValues = [
  ['make', 'volume', 'v1', '12x'],
  ['make', 'volume', 'v1', '1g', '--nmirror', 'abc'],
  ['make', 'volume', 'v1', '1g', '--layout', 'raid9'],
  ['task', 'throttle', 'task-1', 'fast'],
  ['task', 'throttle', 'task-1', '--adaptive', 'soon'],
  ['resync', 'disk', 'disk01', '--mode', 'sloppy'],
]

describe('270: a usage error with --json', () => {
  beforeEach(() => {
    process.exitCode = undefined
  })
  afterEach(() => {
    process.exitCode = undefined
  })

  it('finds the verbs to check', () => {
    expect(leaves.length).toBeGreaterThan(15)
    expect(withArgs.length).toBeGreaterThan(10)
  })

  it.each([
    ...leaves.map((l) => ({ what: `${l.path.join(' ')}: unknown option`, argv: [...l.path, '--no-such-option'] })),
    ...withArgs.map((l) => ({ what: `${l.path.join(' ')}: missing argument`, argv: l.path })),
    ...badValues.map((argv) => ({ what: `${argv.join(' ')}: bad value`, argv })),
    { what: 'unknown command', argv: ['frobnicate'] },
    { what: 'no command', argv: [] },
    { what: 'no subcommand', argv: ['make'] },
  ])('$what: one JSON error with VM_USAGE on stdout, nothing on stderr, exit 2', async ({ argv }) => {
    const json = await run(['--json', ...argv])
    expect({ code: json.code, stderr: json.stderr }).toEqual({ code: 2, stderr: '' })
    expect(JSON.parse(json.stdout)).toMatchObject({ error: { code: 'VM_USAGE', message: expect.any(String) } })
    // without --json, the usage stays on stderr for a person to read, after plexa's own line
    const text = await run(argv)
    expect(text.code).toBe(2)
    expect(text.stdout).toBe('')
    expect(text.stderr).toMatch(/^plexa: VM_USAGE: /m)
  })
})
