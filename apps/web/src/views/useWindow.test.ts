import { describe, expect, it } from 'vitest'
import { keptView, visibleRange } from './useWindow.ts'

// rule 215: a long list renders again on scrolling only when an item comes into view
describe('keptView (rule 215)', () => {
  const offsets = Array.from({ length: 101 }, (_, i) => i * 170) // 100 volumes of 170 px
  const rangeOf = (v: { top: number; height: number }) => visibleRange(offsets, v.top, v.height, 400)
  const rendered = { top: 1000, height: 600 }

  it('keeps the rendered view while the same items are in view', () => {
    for (const top of [1001, 1020, 1039]) expect(keptView(rendered, { top, height: 600 }, rangeOf)).toBe(rendered)
  })

  it('keeps an item that left the margin until another one comes in, then takes the new view', () => {
    // scrolling down: the next item comes in at 1040 px, the first one leaves the margin at 1080
    const below = { top: 1040, height: 600 }
    expect(rangeOf(below)[1]).toBeGreaterThan(rangeOf(rendered)[1])
    expect(keptView(rendered, below, rangeOf)).toBe(below)
    const past = { top: 1120, height: 600 }
    expect(rangeOf(past)[0]).toBeGreaterThan(rangeOf(below)[0])
    expect(rangeOf(past)[1]).toBe(rangeOf(below)[1])
    expect(keptView(below, past, rangeOf)).toBe(below)
    // scrolling back up brings an item in at the top
    const above = { top: 900, height: 600 }
    expect(keptView(rendered, above, rangeOf)).toBe(above)
  })

  it('takes the new view when the height changes', () => {
    const taller = { top: 1000, height: 601 }
    expect(keptView(rendered, taller, rangeOf)).toBe(taller)
  })

  it('always renders every item in view and, items being of one height, at most one more', () => {
    let view = rendered
    for (let top = 1000; top < 9000; top += 40) {
      view = keptView(view, { top, height: 600 }, rangeOf)
      const [f, t] = rangeOf(view)
      const [nf, nt] = rangeOf({ top, height: 600 })
      expect(f).toBeLessThanOrEqual(nf)
      expect(t).toBeGreaterThanOrEqual(nt)
      expect(t - f).toBeLessThanOrEqual(nt - nf + 1)
    }
  })
})
