import { type DependencyList, useLayoutEffect } from 'react'
import { type AppState, appStore } from './appStore.ts'

/**
 * Writes what changes many times a second (a task's progress) straight to the page, outside
 * React: `write` gets what `select` takes from the store at mount and after each dependency change
 * (before the browser paints), then at every store update that gave it a new value (by identity).
 * React renders the element it writes into only when what it holds changes (rule 251).
 */
export function useStoreWrite<T>(select: (s: AppState) => T, write: (value: T) => void, deps: DependencyList): void {
  useLayoutEffect(() => {
    let last = select(appStore.getState())
    write(last)
    return appStore.subscribe((s) => {
      const v = select(s)
      if (v === last) return
      last = v
      write(v)
    })
    // the select and write of the render that set these dependencies are the ones that hold
  }, deps)
}

/** Sets an element's text where it differs (no DOM write, so no layout, when it is the same). */
export function setText(el: Element | null, text: string): void {
  if (el && el.textContent !== text) el.textContent = text
}

/** Sets an element's attribute where it differs. */
export function setAttr(el: Element | null, name: string, value: string): void {
  if (el && el.getAttribute(name) !== value) el.setAttribute(name, value)
}
