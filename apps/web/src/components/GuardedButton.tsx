import { type ReactNode, useId } from 'react'

/**
 * A button for something the server does: when it is not allowed it stays in the Tab order
 * (aria-disabled), does nothing, and says why in its description, its tooltip and, for a screen
 * reader, after its name (": not allowed, the server cannot be reached").
 */
export function GuardedButton({ why, onClick, children, className = 'rounded border border-line px-2 text-fg', title, label, testId, onFocus, onBlur }: {
  why: string | undefined
  onClick: () => void
  children: ReactNode
  className?: string
  title?: string
  /** The accessible name, when the visible text is not enough ("acknowledge alert 3"). */
  label?: string
  testId?: string
  onFocus?: () => void
  onBlur?: () => void
}) {
  const id = useId()
  return (
    <button
      aria-disabled={why !== undefined || undefined}
      aria-describedby={why ? id : undefined}
      aria-label={label}
      data-testid={testId}
      title={why ?? title}
      className={`${className} aria-disabled:cursor-not-allowed aria-disabled:opacity-60`}
      onFocus={onFocus}
      onBlur={onBlur}
      onClick={() => why === undefined && onClick()}
    >
      {children}
      {why && <span id={id} className="sr-only">{`: not allowed, ${why}`}</span>}
    </button>
  )
}
