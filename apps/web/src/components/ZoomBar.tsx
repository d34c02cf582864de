import { memo } from 'react'
import type { Zoom } from '../views/layout.ts'
import { pan, zoomBy } from '../views/zoom.ts'

/** Zoom buttons of a drawing (Ctrl + wheel zooms too), and the part of the space in view. */
export const ZoomBar = memo(function ZoomBar({ zoom, onZoom, what }: { zoom: Zoom; onZoom: (z: Zoom) => void; what: string }) {
  const whole = zoom.from === 0 && zoom.to === 1
  // one line at any width from 1024 px (rule 275): the buttons never shrink or wrap, the range in
  // view gives way (cut with an ellipsis, whole in its title)
  const btn = 'shrink-0 whitespace-nowrap rounded border border-line px-2 text-xs text-fg hover:bg-panel disabled:opacity-60'
  const range = whole ? `whole ${what}` : `${Math.round(zoom.from * 1000) / 10}% to ${Math.round(zoom.to * 1000) / 10}% of each ${what.replace(/s$/, '')} · Ctrl + wheel zooms`
  return (
    <div role="toolbar" aria-label={`zoom ${what}`} className="mb-1 flex items-center gap-1 whitespace-nowrap text-xs">
      <button className={btn} onClick={() => onZoom(zoomBy(zoom, 2))}>Zoom in</button>
      <button className={btn} aria-disabled={whole || undefined} onClick={() => !whole && onZoom(zoomBy(zoom, 0.5))}>Zoom out</button>
      <button className={btn} aria-disabled={whole || undefined} onClick={() => onZoom({ from: 0, to: 1 })}>Whole</button>
      <button className={btn} aria-label="pan left" aria-disabled={zoom.from === 0 || undefined} onClick={() => onZoom(pan(zoom, -0.5))}>◀</button>
      <button className={btn} aria-label="pan right" aria-disabled={zoom.to === 1 || undefined} onClick={() => onZoom(pan(zoom, 0.5))}>▶</button>
      <span className="min-w-0 truncate text-muted" data-testid={`zoom-${what}`} title={range}>{range}</span>
    </div>
  )
})
