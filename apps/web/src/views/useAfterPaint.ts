import { useEffect, useState } from 'react'

/**
 * `value` as it was until the frame that brought a new one has been painted: a part of the page
 * whose work on a new value is heavy (the tree's 360,000 rows and the health of 50,000 volumes at
 * 200,000 subdisks) takes it in a task of its own after that paint, so the drawings in view are
 * painted first. Unlike React's useDeferredValue, that render is not interrupted and started
 * again by the updates that keep coming (a hundred tasks reporting): it is done once.
 */
export function useAfterPaint<T>(value: T): T {
  const [shown, setShown] = useState(value)
  useEffect(() => {
    if (Object.is(shown, value)) return
    const timer = setTimeout(() => setShown(() => value), 0)
    return () => clearTimeout(timer)
  }, [shown, value])
  return shown
}
