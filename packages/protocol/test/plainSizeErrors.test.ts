import { describe, expect, it } from 'vitest'
import { parseBody } from '../src/parse.ts'
import { GrowBody } from '../src/schemas.ts'

describe('a size past the integer range is refused in plain words (rule 423)', () => {
  it('rule 423: len 1e300 and a 25-digit len are VM_INVALID_PARAM naming the field and its limit, never the zod text', () => {
    for (const len of [1e300, 1234567890123456789012345]) {
      const r = parseBody(GrowBody, { len })
      expect(r).toMatchObject({ ok: false, code: 'VM_INVALID_PARAM' })
      if (r.ok) continue
      expect(r.message.startsWith('len: ')).toBe(true)
      expect(r.message).not.toMatch(/expected int|Too big/)
    }
  })
})
