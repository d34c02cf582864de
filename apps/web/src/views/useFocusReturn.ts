import { useEffect } from 'react'

/**
 * Gives the focus back, when the calling component goes away, to the element that had it when the
 * component came (the button that opened a dialog), so a keyboard user goes on from where they
 * were. Call it before any effect of the component that moves the focus.
 */
export function useFocusReturn(): void {
  useEffect(() => {
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null
    return () => {
      if (opener?.isConnected) opener.focus()
    }
  }, [])
}
