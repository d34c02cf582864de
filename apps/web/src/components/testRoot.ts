import { act } from 'react'
import { type Root, createRoot } from 'react-dom/client'
import { afterEach, beforeEach } from 'vitest'
import { appStore } from '../store/appStore.ts'

;(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true

/**
 * A test file's page: before each test a reset store and an empty container in the body with its
 * React root; after it the tree unmounted and the body emptied (dialogs portaled into it too).
 * A file's own beforeEach registered before the call runs before the root is made, one after it
 * runs after (a render).
 */
export function rootPerTest(): { readonly root: Root; readonly el: HTMLElement } {
  const dom = {} as { root: Root; el: HTMLElement }
  beforeEach(() => {
    appStore.getState().reset()
    dom.el = document.body.appendChild(document.createElement('div'))
    dom.root = createRoot(dom.el)
  })
  afterEach(() => {
    act(() => dom.root.unmount())
    document.body.innerHTML = ''
  })
  return dom
}
