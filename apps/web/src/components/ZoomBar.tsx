import { memo } from 'react'
import type { Zoom } from '../views/layout.ts'
import { pan } from '../views/zoom.ts'
import { type Extent, zoomOn } from '../views/zoomFocus.ts'

/**
 * Zoom buttons of a drawing (Ctrl + wheel zooms too, around the pointer), and the part of the space
 * in view. The buttons zoom centred on `focus()`, where the selected record lies (rule 277), so it
 * stays in view; with nothing selected, around the middle of the part in view.
 */
export const ZoomBar = memo(function ZoomBar({ zoom, onZoom, what, focus }: { zoom: Zoom; onZoom: (z: Zoom) => void; what: string; focus?: (() => Extent | undefined) | undefined }) {
  const whole = zoom.from === 0 && zoom.to === 1
  // one line at any width from 1024 px (rule 275): the buttons never shrink or wrap, the range in
  // view gives way (cut with an ellipsis, whole in its title)
  const btn = 'shrink-0 whitespace-nowrap rounded border border-line px-2 text-xs text-fg hover:bg-panel disabled:opacity-60'
  const range = whole ? `whole ${what}` : `${Math.round(zoom.from * 1000) / 10}% to ${Math.round(zoom.to * 1000) / 10}% of each ${what.replace(/s$/, '')} · Ctrl + wheel zooms`
  return (
    <div role="toolbar" aria-label={`zoom ${what}`} className="mb-1 flex items-center gap-1 whitespace-nowrap text-xs">
      <button className={btn} onClick={() => onZoom(zoomOn(zoom, 2, focus?.()))}>Zoom in</button>
      <button className={btn} aria-disabled={whole || undefined} onClick={() => !whole && onZoom(zoomOn(zoom, 0.5, focus?.()))}>Zoom out</button>
      <button className={btn} aria-disabled={whole || undefined} onClick={() => onZoom({ from: 0, to: 1 })}>Whole</button>
      <button className={btn} aria-label="pan left" aria-disabled={zoom.from === 0 || undefined} onClick={() => onZoom(pan(zoom, -0.5))}>◀</button>
      <button className={btn} aria-label="pan right" aria-disabled={zoom.to === 1 || undefined} onClick={() => onZoom(pan(zoom, 0.5))}>▶</button>
      <span className="min-w-0 truncate text-muted" data-testid={`zoom-${what}`} title={range}>{range}</span>
    </div>
  )
})
