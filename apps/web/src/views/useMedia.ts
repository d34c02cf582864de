import { useSyncExternalStore } from 'react'

/** Whether the window matches a media query now, following it as the window is resized (false where there is no matchMedia). */
export function useMedia(query: string): boolean {
  return useSyncExternalStore(
    (on) => {
      const m = globalThis.matchMedia?.(query)
      m?.addEventListener('change', on)
      return () => m?.removeEventListener('change', on)
    },
    () => globalThis.matchMedia?.(query).matches ?? false,
  )
}
