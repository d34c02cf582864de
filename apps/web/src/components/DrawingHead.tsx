import type { ReactNode } from 'react'
import type { Zoom } from '../views/layout.ts'
import type { Extent } from '../views/zoomFocus.ts'
import { Legend, Patterns } from './Legend.tsx'
import { ZoomBar } from './ZoomBar.tsx'

/** The head of a drawing pane, the same in both views: patterns, zoom buttons, legend, then `children`. */
export function DrawingHead({ zoom, onZoom, what, focus, children }: { zoom: Zoom; onZoom: (z: Zoom) => void; what: string; focus?: () => Extent | undefined; children?: ReactNode }) {
  return (
    <>
      <Patterns />
      <div className="px-2 pt-2">
        <ZoomBar zoom={zoom} onZoom={onZoom} what={what} focus={focus} />
        <Legend />
        {children}
      </div>
    </>
  )
}
