import { type RefObject, useEffect, useRef } from 'react'
import type { Zoom } from './layout.ts'
import { zoomBy } from './zoom.ts'

/**
 * Ctrl + wheel over `ref` zooms a drawing around the pointer, the same in the volume and the disk
 * view (rule 243): `fractionAt` says where along the drawn address space (0 to 1 of the part in
 * view) a pointer's x falls. A listener of its own: React's wheel handler is passive.
 */
export function useWheelZoom(ref: RefObject<HTMLElement | null>, zoom: Zoom, setZoom: (z: Zoom) => void, fractionAt: (clientX: number, box: DOMRect) => number): void {
  const latest = useRef({ zoom, setZoom, fractionAt })
  latest.current = { zoom, setZoom, fractionAt }
  useEffect(() => {
    const el = ref.current
    if (!el) return
    const wheel = (e: WheelEvent) => {
      if (!e.ctrlKey) return
      e.preventDefault()
      const { zoom: z, setZoom: set, fractionAt: at } = latest.current
      const f = Math.min(1, Math.max(0, at(e.clientX, el.getBoundingClientRect())))
      set(zoomBy(z, e.deltaY < 0 ? 1.25 : 0.8, z.from + f * (z.to - z.from)))
    }
    el.addEventListener('wheel', wheel, { passive: false })
    return () => el.removeEventListener('wheel', wheel)
  }, [ref])
}
