import { type RefObject, useEffect, useLayoutEffect, useRef, useState } from 'react'

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
 * The items of a long list to render as it scrolls: `visibleRange(offsets, ...)` of its scrolling
 * element, or a range that covers it (keptView). The list renders again only when an item comes
 * into the range, not at every pixel scrolled: between two volumes scrolling in, a frame of
 * scrolling is the compositor's work alone. A new list (other offsets) takes its range from where
 * the element is scrolled now, before it is painted. The position is taken when the element
 * scrolls (before the frame's changes, so no layout is forced) and applied once a frame.
 */
export function useVisibleRange(ref: RefObject<HTMLElement | null>, offsets: readonly number[], margin?: number): [number, number] {
  const [view, setView] = useState({ top: 0, height: 800 })
  const rangeOf = (v: { top: number; height: number }) => visibleRange(offsets, v.top, v.height, margin)
  // the latest list, for the listeners set up once
  const rangeRef = useRef(rangeOf)
  rangeRef.current = rangeOf
  const readRef = useRef(() => {})
  useEffect(() => {
    const el = ref.current
    if (!el) return
    let top = el.scrollTop
    let height = el.clientHeight || 800
    const apply = () => setView((o) => keptView(o, { top, height }, rangeRef.current))
    readRef.current = () => {
      top = el.scrollTop
      height = el.clientHeight || 800
      apply()
    }
    apply()
    return onceAFrame(el, apply, {
      scrolled: () => void (top = el.scrollTop),
      resized: () => void (height = el.clientHeight || 800),
    })
  }, [ref])
  useLayoutEffect(() => readRef.current(), [offsets])
  return rangeOf(view)
}

/**
 * The view to render after a scroll: the one rendered (`rendered`, so nothing renders again) while
 * its items cover those in view now and the height does not change, else the new one. An item that
 * leaves the margin stays until another one is needed, so scrolling past an item renders once (the
 * one coming in and the one going out together), not twice.
 */
export function keptView<V extends { top: number; height: number }>(rendered: V, now: V, rangeOf: (v: V) => [number, number]): V {
  if (rendered.height !== now.height) return now
  const [f0, t0] = rangeOf(rendered)
  const [f1, t1] = rangeOf(now)
  return f0 <= f1 && t1 <= t0 ? rendered : now
}

/**
 * The content width of an element (without its padding and scrollbar), from a ResizeObserver: the
 * drawings fill whatever room they have. It is read when the element is resized, so scrolling
 * forces no style computation.
 */
export function useContentWidth(ref: RefObject<HTMLElement | null>): number {
  const [width, setWidth] = useState(0)
  useEffect(() => {
    const el = ref.current
    if (!el) return
    const padding = () => {
      const cs = getComputedStyle(el)
      return (parseFloat(cs.paddingLeft) || 0) + (parseFloat(cs.paddingRight) || 0)
    }
    let w = el.clientWidth - padding()
    setWidth(w)
    return onceAFrame(el, () => setWidth(w), { resized: (entries) => void (w = entries[0]?.contentRect.width ?? el.clientWidth - padding()) })
  }, [ref])
  return width
}

/**
 * Calls `apply` at the next animation frame after the element is resized (or scrolled, with
 * `scrolled`), once however many events came; `scrolled` and `resized` take their readings as the
 * events come. Returns the unsubscribe.
 */
function onceAFrame(el: HTMLElement, apply: () => void, on: { scrolled?: () => void; resized?: (entries: ResizeObserverEntry[]) => void }): () => void {
  let frame = 0
  const update = () => {
    cancelAnimationFrame(frame)
    frame = requestAnimationFrame(apply)
  }
  const scroll = on.scrolled && (() => (on.scrolled!(), update()))
  if (scroll) el.addEventListener('scroll', scroll, { passive: true })
  const ro =
    typeof ResizeObserver !== 'undefined'
      ? new ResizeObserver((entries) => {
          on.resized?.(entries)
          update()
        })
      : undefined
  ro?.observe(el)
  return () => {
    if (scroll) el.removeEventListener('scroll', scroll)
    ro?.disconnect()
    cancelAnimationFrame(frame)
  }
}
