import { describe, expect, it } from 'vitest'
import { cliAgainstServer } from './harness.ts'

describe('the dry runs of the everyday operations say what they would do (rule 374)', () => {
  const { as } = cliAgainstServer()

  it('374: shrink to SIZE and shrink by SIZE say the size now and after, and the data lost; a real shrink does not say "would"', async () => {
    // cat is 8 MiB (16384 sectors)
    const to = await as(['vol', 'shrink', 'cat', '6m', '--force', '--dry-run'])
    const by = await as(['vol', 'shrink', 'cat', '6m', '--by', '--force', '--dry-run'])
    expect(to.code, to.stderr).toBe(0)
    expect(to.stdout).toMatch(/^ {2}cat: 16384 sectors \(8\.0 MiB\) would become 12288 sectors \(6\.0 MiB\); the 2\.0 MiB beyond the new end would be lost$/m)
    expect(by.stdout).toMatch(/^ {2}cat: 16384 sectors \(8\.0 MiB\) would become 4096 sectors \(2\.0 MiB\); the 6\.0 MiB beyond the new end would be lost$/m)
    expect(to.stdout).not.toBe(by.stdout)
    expect(JSON.parse((await as(['--json', 'vol', 'shrink', 'cat', '6m', '--force', '--dry-run'])).stdout)).toMatchObject({ dryRun: true, len: { from: 16384, to: 12288 } })
    const real = await as(['vol', 'shrink', 'cat', '7m', '--force'])
    expect(real.code, real.stderr).toBe(0)
    expect(real.stdout).toMatch(/^ {2}cat: 16384 sectors \(8\.0 MiB\) is now 14336 sectors \(7\.0 MiB\); the 1\.0 MiB beyond the new end is lost$/m)
    expect(real.stdout).not.toMatch(/would/)
  })

  it('374: a grow dry run says the size now and after and the zeros it would write, not "would copy"', async () => {
    const r = await as(['vol', 'grow', 'cat', '+1m', '--dry-run'])
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toMatch(/^ {2}cat: 14336 sectors \(7\.0 MiB\) would become 16384 sectors \(8\.0 MiB\)$/m)
    expect(r.stdout).toMatch(/^ {2}would zero 1\.0 MiB/m)
    expect(r.stdout).not.toMatch(/would copy/)
  })

  it('374: unmirror --dry-run leaving one complete plex warns "no redundancy" in the field plex det --dry-run uses', async () => {
    const text = await as(['vol', 'unmirror', 'mir', 'mir-02', '--dry-run'])
    expect(text.code, text.stderr).toBe(0)
    expect(text.stdout).toMatch(/^warning: mir will have no redundancy until a new mirror is added \(plexa vol mirror mir\): mir-02 and its subdisks are removed, their data gone$/m)
    const json = JSON.parse((await as(['--json', 'vol', 'unmirror', 'mir', 'mir-02', '--dry-run'])).stdout)
    const det = JSON.parse((await as(['--json', 'plex', 'det', 'mir-02', '--dry-run'])).stdout)
    expect(json.redundancy).toMatchObject({ volume: 'mir', healthyLeft: 1, warning: expect.stringContaining('no redundancy') })
    expect(Object.keys(json.redundancy).sort()).toEqual(Object.keys(det.redundancy).sort())
  })

  it('374: disk replace with a device too small names the disk, not the device', async () => {
    const r = await as(['--json', 'disk', 'replace', 'disk03', '--size', '6m', '--dry-run'])
    expect(r.code).toBe(5)
    const err = JSON.parse(r.stdout).error
    expect(err.code).toBe('VM_NO_SPACE')
    expect(err.message).toContain('disk03')
    expect(err.message).not.toMatch(/memory:/)
  })
})
