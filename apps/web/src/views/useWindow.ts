import { type RefObject, useEffect, useState } from 'react'

/**
 * Which items of a long list are in view: `offsets[i]` is where item i starts (ascending), the
 * last entry the total height. Only those items (plus a margin) are rendered, so thousands of
 * objects stay fluid.
 */
export function visibleRange(offsets: readonly number[], scrollTop: number, viewport: number, margin = 400): [number, number] {
  const n = offsets.length - 1
  if (n <= 0) return [0, 0]
  const find = (y: number) => {
    let lo = 0
    let hi = n - 1
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1
      if (offsets[mid]! <= y) lo = mid
      else hi = mid - 1
    }
    return lo
  }
  return [find(Math.max(0, scrollTop - margin)), Math.min(n, find(scrollTop + viewport + margin) + 1)]
}

/**
 * Tracks the scroll position and size of a scrolling element (a ResizeObserver feeds the width to
 * the drawings, so they fill whatever room they have). `width` is the content width, without the
 * element's padding and scrollbar. A scroll reads only the position: the width is read when the
 * element is resized, so scrolling forces no style computation.
 */
export function useScroll(ref: RefObject<HTMLElement | null>): { top: number; height: number; width: number } {
  const [s, setS] = useState({ top: 0, height: 800, width: 0 })
  useEffect(() => {
    const el = ref.current
    if (!el) return
    let frame = 0
    let width = 0
    const padding = () => {
      const cs = getComputedStyle(el)
      return (parseFloat(cs.paddingLeft) || 0) + (parseFloat(cs.paddingRight) || 0)
    }
    const read = () => setS((o) => (o.top === el.scrollTop && o.height === (el.clientHeight || 800) && o.width === width ? o : { top: el.scrollTop, height: el.clientHeight || 800, width }))
    const update = () => {
      cancelAnimationFrame(frame)
      frame = requestAnimationFrame(read)
    }
    width = el.clientWidth - padding()
    read()
    el.addEventListener('scroll', update, { passive: true })
    const ro =
      typeof ResizeObserver !== 'undefined'
        ? new ResizeObserver((entries) => {
            width = entries[0]?.contentRect.width ?? el.clientWidth - padding()
            update()
          })
        : undefined
    ro?.observe(el)
    return () => {
      el.removeEventListener('scroll', update)
      ro?.disconnect()
      cancelAnimationFrame(frame)
    }
  }, [ref])
  return s
}
