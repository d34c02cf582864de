import { memo } from 'react'
import type { Zoom } from '../views/layout.ts'
import { pan, zoomBy } from '../views/zoom.ts'

/** Zoom buttons of a drawing (Ctrl + wheel zooms too), and the part of the space in view. */
export const ZoomBar = memo(function ZoomBar({ zoom, onZoom, what }: { zoom: Zoom; onZoom: (z: Zoom) => void; what: string }) {
  const whole = zoom.from === 0 && zoom.to === 1
  const btn = 'rounded border border-line px-2 text-xs text-fg hover:bg-panel disabled:opacity-60'
  return (
    <div role="toolbar" aria-label={`zoom ${what}`} className="mb-1 flex items-center gap-1 text-xs">
      <button className={btn} onClick={() => onZoom(zoomBy(zoom, 2))}>Zoom in</button>
      <button className={btn} aria-disabled={whole || undefined} onClick={() => !whole && onZoom(zoomBy(zoom, 0.5))}>Zoom out</button>
      <button className={btn} aria-disabled={whole || undefined} onClick={() => onZoom({ from: 0, to: 1 })}>Whole</button>
      <button className={btn} aria-label="pan left" aria-disabled={zoom.from === 0 || undefined} onClick={() => onZoom(pan(zoom, -0.5))}>◀</button>
      <button className={btn} aria-label="pan right" aria-disabled={zoom.to === 1 || undefined} onClick={() => onZoom(pan(zoom, 0.5))}>▶</button>
      <span className="text-muted" data-testid={`zoom-${what}`}>{whole ? `whole ${what}` : `${Math.round(zoom.from * 1000) / 10}% to ${Math.round(zoom.to * 1000) / 10}% of each ${what.replace(/s$/, '')} · Ctrl + wheel zooms`}</span>
    </div>
  )
})
