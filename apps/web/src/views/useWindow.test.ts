import { describe, expect, it } from 'vitest'
import { keptView, visibleRange } from './useWindow.ts'

// rule 215: a long list renders again on scrolling only when the items in view change
describe('keptView (rule 215)', () => {
  const offsets = Array.from({ length: 101 }, (_, i) => i * 170) // 100 volumes of 170 px
  const rangeOf = (v: { top: number; height: number }) => visibleRange(offsets, v.top, v.height, 400)
  const rendered = { top: 1000, height: 600 }

  it('keeps the rendered view while the same items are in view', () => {
    for (const top of [1001, 1020, 1039]) expect(keptView(rendered, { top, height: 600 }, rangeOf)).toBe(rendered)
  })

  it('takes the new view once an item enters or leaves the margin, or the height changes', () => {
    const far = { top: 1200, height: 600 }
    expect(rangeOf(far)).not.toEqual(rangeOf(rendered))
    expect(keptView(rendered, far, rangeOf)).toBe(far)
    const taller = { top: 1000, height: 601 }
    expect(keptView(rendered, taller, rangeOf)).toBe(taller)
  })

  it('renders the items in view of the rendered position as of the scrolled one', () => {
    // what is kept shows exactly what the new position would: every kept step has the same range
    let view = rendered
    for (let top = 1000; top < 3000; top += 40) {
      view = keptView(view, { top, height: 600 }, rangeOf)
      expect(rangeOf(view)).toEqual(rangeOf({ top, height: 600 }))
    }
  })
})
