import { type RefObject, useLayoutEffect, useRef } from 'react'

/**
 * For a button that turns into its opposite (restore -> fail, start -> stop) when its state flips:
 * the button is rendered anew for each state (give it `key={state}`), and if it had the focus, the
 * focus goes to `fallback` instead of staying on a button that now does the opposite, so a second
 * Enter never undoes the first. Spread the returned handlers on the button.
 */
export function useFlipFocus(state: string, fallback: RefObject<HTMLElement | null>) {
  const focused = useRef(false)
  const last = useRef(state)
  useLayoutEffect(() => {
    if (last.current === state) return
    last.current = state
    // a focused element that is removed fires no blur: `focused` still says it had the focus
    if (focused.current && (document.activeElement === document.body || document.activeElement === null)) fallback.current?.focus()
    focused.current = false
  }, [state, fallback])
  return { onFocus: () => void (focused.current = true), onBlur: () => void (focused.current = false) }
}
