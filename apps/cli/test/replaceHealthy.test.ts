// Rule 465: a disk replacement that would take a started volume's only copy is refused in the
// replacement's words (which volumes and plexes, whether the disk is healthy), and a dry run of a
// healthy disk's replacement says it is healthy.
import { describe, expect, it } from 'vitest'
import { cliAgainstServer } from './harness.ts'

describe('465: disk replace of a healthy disk', () => {
  const cli = cliAgainstServer()
  const { as } = cli

  it('I465 refuses VM_LAST_PLEX naming the unmirrored volumes and plexes on the disk and that it is healthy, nothing changed', async () => {
    const before = (await as(['print'])).stdout
    const r = await as(['--json', 'disk', 'replace', 'disk03', '--size', '64m', '--dry-run'])
    expect(r.code, r.stderr).toBe(5)
    const { error } = JSON.parse(r.stdout) as { error: { code: string; details?: { volumes?: string[]; plexes?: string[]; healthy?: boolean } } }
    expect(error.code).toBe('VM_LAST_PLEX')
    expect(error.details).toEqual({ volumes: ['cat'], plexes: ['cat-01'], healthy: true })
    const real = await as(['--json', 'disk', 'replace', 'disk03', '--size', '64m'])
    expect(real.code, real.stderr).toBe(5)
    expect(JSON.parse(real.stdout).error.details).toEqual({ volumes: ['cat'], plexes: ['cat-01'], healthy: true })
    expect((await as(['print'])).stdout).toBe(before)
  })

  it('I465 a dry run says a healthy disk is healthy (a note); a failed disk gets no such note', async () => {
    const healthy = await as(['--json', 'disk', 'replace', 'disk02', '--size', '64m', '--dry-run'])
    expect(healthy.code, healthy.stderr).toBe(0)
    expect((JSON.parse(healthy.stdout) as { notes?: string[] }).notes).toHaveLength(1)
    expect((await as(['lab', 'fail-disk', 'disk02'])).code).toBe(0)
    const failed = await as(['--json', 'disk', 'replace', 'disk02', '--size', '64m', '--dry-run'])
    expect(failed.code, failed.stderr).toBe(0)
    expect((JSON.parse(failed.stdout) as { notes?: string[] }).notes ?? []).toHaveLength(0)
  })
})
