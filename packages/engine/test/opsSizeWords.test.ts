import { describe, expect, it } from 'vitest'
import { LEN, startedMirror } from './opsHarness.ts'

/** The error an operation fails with: its code and its message. */
async function refusal(p: Promise<unknown>): Promise<{ code: string; message: string }> {
  const e = await p.then(() => undefined, (x: unknown) => x as { code: string; message: string })
  if (!e) throw new Error('expected the operation to be refused')
  return { code: e.code, message: e.message }
}

/** Sizes in a message read as bytes with units (MiB, GiB and the exact bytes), never as sectors. */
function expectBytesWords(message: string): void {
  expect(message).not.toMatch(/sector/)
  expect(message).toMatch(/\d(\.\d)? (B|KiB|MiB|GiB|TiB) \(\d+ bytes\)/)
}

describe('vol grow / vol shrink refusals (rule 340)', () => {
  it('rule 340: a grow that would not grow says the sizes in bytes with units; the code stays VM_INVALID_PARAM', async () => {
    const { dg } = await startedMirror()
    const r = await refusal(dg.growVolume('v1', LEN / 2))
    expect(r.code).toBe('VM_INVALID_PARAM')
    expectBytesWords(r.message)
    expect(r.message).toContain('2.0 MiB (2097152 bytes)')
    await dg.close()
  })

  it('rule 340: a grow without the space says what it needs and what is free in bytes with units (VM_NO_SPACE)', async () => {
    const { dg } = await startedMirror()
    const r = await refusal(dg.growVolume('v1', 64 * LEN))
    expect(r.code).toBe('VM_NO_SPACE')
    expectBytesWords(r.message)
    await dg.close()
  })

  it('rule 340: a shrink that would not shrink, and one of a started volume, say the sizes in bytes with units', async () => {
    const { dg } = await startedMirror()
    const bigger = await refusal(dg.shrinkVolume('v1', 2 * LEN))
    expect(bigger.code).toBe('VM_INVALID_PARAM')
    expectBytesWords(bigger.message)
    const started = await refusal(dg.shrinkVolume('v1', LEN / 2))
    expect(started.code).toBe('VM_VOL_ENABLED')
    expectBytesWords(started.message)
    await dg.close()
  })
})
